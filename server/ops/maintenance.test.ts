import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { hashPassword } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';
import { MaintenanceNotices, maintenanceHeader } from './maintenance.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const ROADS = 'giao_thong.duong_bao_tri';
const HOUR = 3_600_000;

let server: TestServer;
let url: string;
let operator: Session;
let agencyAdmin: Session;
let editor: Session;

const at = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const window = (startsIn: number, lasts: number, extra: Record<string, unknown> = {}) => ({
  starts_at: at(startsIn), ends_at: at(startsIn + lasts), title_vi: 'Nâng cấp máy chủ', title_en: 'Server upgrade',
  message_vi: 'Bản đồ vẫn xem được.', message_en: 'The map stays readable.', ...extra,
});
const road = (name: string) => ({
  type: 'Feature', geometry: { type: 'LineString', coordinates: [[106.25, 22.66], [106.27, 22.67]] }, properties: { ten: name },
});

async function cancelAll(): Promise<void> {
  await server.owner.query('update ops.maintenance_windows set cancelled_at = now() where cancelled_at is null');
  await server.app.maintenance.reload();
}

before(async () => {
  server = await startTestServer({ demo: false });
  url = server.url;
  await createLayer(server.owner, {
    id: ROADS, ownerAgencyCode: 'so_gtvt', titleVi: 'Đường thử', titleEn: 'Test roads', geometryFamily: 'line', source: 'Sở GTVT',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(server.owner, { username: 'vanhanh.thu', role: 'operator_admin', passwordHash, agencyCode: 'ttcns' });
  await insertAccount(server.owner, { username: 'admin.gt', role: 'agency_admin', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'editor.gt', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  operator = await login(url, 'vanhanh.thu', PASSWORD);
  agencyAdmin = await login(url, 'admin.gt', PASSWORD);
  editor = await login(url, 'editor.gt', PASSWORD);
});

after(async () => server.close());

describe('scheduling maintenance (Điều 10.2)', () => {
  test('only the operator schedules: anonymous 401, an agency admin 403', async () => {
    const anon = await api(url, 'POST', '/api/admin/maintenance', { body: window(48 * HOUR, HOUR) });
    assert.equal(anon.status, 401);
    const admin = await api(url, 'POST', '/api/admin/maintenance', { session: agencyAdmin, body: window(48 * HOUR, HOUR) });
    assert.equal(admin.status, 403);
    const { rows } = await server.owner.query('select count(*)::int as n from ops.maintenance_windows');
    assert.equal(rows[0].n, 0);
  });

  test('a window less than 24 hours ahead is refused with a clear message, and nothing is stored', async () => {
    const res = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(3 * HOUR, HOUR) });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'maintenance_too_soon');
    assert.match(res.body.message, /at least 24 hours ahead/);
    assert.match(res.body.message, /emergency/);
    assert.ok(new Date(res.body.details.earliest_start).getTime() > Date.now() + 23.9 * HOUR);
    const { rows } = await server.owner.query('select count(*)::int as n from ops.maintenance_windows');
    assert.equal(rows[0].n, 0);
  });

  test('the database refuses a short notice too, whoever writes it', async () => {
    const uid = (await server.owner.query("select id from auth.users where username = 'vanhanh.thu'")).rows[0].id;
    await assert.rejects(server.owner.query(
      `insert into ops.maintenance_windows (starts_at, ends_at, title_vi, title_en, created_by) values (now() + interval '1 hour', now() + interval '2 hours', 'x', 'x', $1)`, [uid]),
      (err: { code?: string }) => err.code === '23514');
  });

  test('bad windows are 400s', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [window(48 * HOUR, -HOUR), 'invalid_window'],
      [window(48 * HOUR, 40 * 24 * HOUR), 'invalid_window'],
      [window(-2 * HOUR, 3 * HOUR, { emergency: true }), 'maintenance_in_past'],
      [{ ...window(48 * HOUR, HOUR), starts_at: 'tomorrow' }, 'invalid_body'],
      [{ ...window(48 * HOUR, HOUR), title_vi: '' }, 'invalid_body'],
      [{ ...window(48 * HOUR, HOUR), colour: 'red' }, 'invalid_body'],
    ];
    for (const [body, code] of cases) {
      const res = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, code, JSON.stringify(res.body));
    }
  });

  test('a window 24 hours or more ahead is scheduled, audited, listed publicly and announced in a header', async () => {
    const body = window(30 * HOUR, 2 * HOUR, { read_only: true });
    const res = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const id = res.body.window.id;
    assert.equal(res.body.window.emergency, false);
    assert.equal(res.body.window.active, false);
    const { rows: audit } = await server.owner.query(
      `select action, details, actor_user_id is not null as has_actor from audit.events where target_id = $1`, [id]);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'maintenance_scheduled');
    assert.equal(audit[0].details.emergency, false);
    assert.ok(audit[0].has_actor);

    const list = await api(url, 'GET', '/api/maintenance');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.windows.map((w: { id: string }) => w.id), [id]);
    assert.equal(list.body.windows[0].title_vi, 'Nâng cấp máy chủ');
    assert.equal(list.body.windows[0].message_en, 'The map stays readable.');
    assert.equal('created_by' in list.body.windows[0], false);

    const layers = await api(url, 'GET', '/api/layers');
    assert.equal(layers.headers.get('x-maintenance'), `${new Date(body.starts_at).toISOString()}/${new Date(body.ends_at).toISOString()}; read-only`);
    // On errors too, and on every API of the platform.
    assert.ok((await api(url, 'GET', '/api/layers/khong.co'))?.headers.get('x-maintenance'));
    assert.ok((await api(url, 'GET', `/tiles/${ROADS}.json`)).headers.get('x-maintenance'));
    // Not yet on: writes go through.
    const write = await api(url, 'POST', `/api/layers/${ROADS}/features`, { session: editor, body: road('Trước bảo trì') });
    assert.equal(write.status, 201);
    await cancelAll();
  });

  test('windows more than 7 days ahead are listed but not yet in the header', async () => {
    const res = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(10 * 24 * HOUR, HOUR) });
    assert.equal(res.status, 201);
    assert.equal((await api(url, 'GET', '/api/maintenance')).body.windows.length, 1);
    assert.equal((await api(url, 'GET', '/api/layers')).headers.get('x-maintenance'), null);
    await cancelAll();
  });

  test('an emergency may be announced at short notice, and is recorded and audited as one', async () => {
    const res = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(HOUR, HOUR, { emergency: true }) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.window.emergency, true);
    const { rows } = await server.owner.query('select emergency, created_by from ops.maintenance_windows where id = $1', [res.body.window.id]);
    assert.equal(rows[0].emergency, true);
    assert.ok(rows[0].created_by);
    const { rows: audit } = await server.owner.query(`select action, details from audit.events where target_id = $1`, [res.body.window.id]);
    assert.deepEqual(audit.map((a) => a.action), ['maintenance_emergency_scheduled']);
    assert.equal(audit[0].details.emergency, true);
    assert.ok(audit[0].details.notice_hours < 1.1);
    assert.match((await api(url, 'GET', '/api/layers')).headers.get('x-maintenance')!, /; emergency$/);
    await cancelAll();
  });
});

describe('cancelling', () => {
  test('the operator cancels a window: gone from the list and the header, audited; twice is 409', async () => {
    const created = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(26 * HOUR, HOUR) });
    const id = created.body.window.id;
    assert.ok((await api(url, 'GET', '/api/layers')).headers.get('x-maintenance'));
    assert.equal((await api(url, 'DELETE', `/api/admin/maintenance/${id}`, { session: agencyAdmin })).status, 403);
    const del = await api(url, 'DELETE', `/api/admin/maintenance/${id}`, { session: operator });
    assert.equal(del.status, 204);
    assert.equal((await api(url, 'GET', '/api/maintenance')).body.windows.length, 0);
    assert.equal((await api(url, 'GET', '/api/layers')).headers.get('x-maintenance'), null);
    const again = await api(url, 'DELETE', `/api/admin/maintenance/${id}`, { session: operator });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'maintenance_cancelled');
    const { rows } = await server.owner.query(`select action from audit.events where target_id = $1 order by id`, [id]);
    assert.deepEqual(rows.map((r) => r.action), ['maintenance_scheduled', 'maintenance_cancelled']);
    // The operator still sees cancelled windows in the admin list.
    const adminList = await api(url, 'GET', '/api/admin/maintenance', { session: operator });
    assert.ok(adminList.body.windows.some((w: { id: string; cancelled_at: string | null }) => w.id === id && w.cancelled_at));
  });

  test('an unknown window is 404, a malformed id 400', async () => {
    assert.equal((await api(url, 'DELETE', '/api/admin/maintenance/7b0c1c5e-0000-4000-8000-000000000000', { session: operator })).status, 404);
    assert.equal((await api(url, 'DELETE', '/api/admin/maintenance/nope', { session: operator })).status, 400);
  });
});

describe('read-only during a window', () => {
  test('writes get 503 maintenance_read_only with Retry-After; reads, login, logout and cancelling still work', async () => {
    const created = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(0, 2 * HOUR, { emergency: true, read_only: true }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.window.active, true);
    const id = created.body.window.id;

    const write = await api(url, 'POST', `/api/layers/${ROADS}/features`, { session: editor, body: road('Trong bảo trì') });
    assert.equal(write.status, 503);
    assert.equal(write.body.code, 'maintenance_read_only');
    assert.match(write.body.message, /read-only for maintenance/);
    const retryAfter = Number(write.headers.get('retry-after'));
    assert.ok(retryAfter > 7000 && retryAfter <= 7200, String(retryAfter));
    assert.match(write.headers.get('x-maintenance')!, /; read-only; emergency$/);
    const { rows } = await server.owner.query(`select count(*)::int as n from giao_thong.duong_bao_tri where ten = 'Trong bảo trì'`);
    assert.equal(rows[0].n, 0);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const r = await api(url, method, `/api/layers/${ROADS}/features/1`, { session: editor, body: road('x'), headers: { 'if-match': '1' } });
      assert.equal(r.status, 503, method);
    }
    assert.equal((await api(url, 'POST', '/api/admin/agencies', { session: operator, body: { code: 'so_moi', name_vi: 'Sở mới', name_en: 'New' } })).status, 503);

    assert.equal((await api(url, 'GET', `/api/layers/${ROADS}/features`)).status, 200);
    assert.equal((await api(url, 'GET', '/api/layers')).status, 200);
    const fresh = await login(url, 'admin.gt', PASSWORD);
    assert.equal((await api(url, 'POST', '/api/auth/logout', { session: fresh })).status < 300, true);

    assert.equal((await api(url, 'DELETE', `/api/admin/maintenance/${id}`, { session: operator })).status, 204);
    const after = await api(url, 'POST', `/api/layers/${ROADS}/features`, { session: editor, body: road('Sau bảo trì') });
    assert.equal(after.status, 201);
  });

  test('the same rule covers OGC API Part 4 and WFS: writes 503 with Retry-After, GETs and POST GetFeature still read', async () => {
    const ogc = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${url}/ogc/collections/${ROADS}/items${path}`, {
      method, headers: { 'content-type': 'application/geo+json', cookie: editor.cookie, 'x-csrf-token': editor.csrf, ...headers }, body: JSON.stringify(body),
    });
    const created = await ogc('POST', '', road('Trước cửa sổ OGC'));
    assert.equal(created.status, 201, await created.clone().text());
    const fid = Number(created.headers.get('location')!.split('/').pop());
    const etag = created.headers.get('etag')!;
    const win = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(0, HOUR, { emergency: true, read_only: true }) });
    assert.equal(win.status, 201, JSON.stringify(win.body));

    for (const [method, path, headers] of [['POST', '', {}], ['PUT', `/${fid}`, { 'if-match': etag }], ['PATCH', `/${fid}`, { 'if-match': etag }], ['DELETE', `/${fid}`, { 'if-match': etag }]] as const) {
      const res = await ogc(method, path, road('Trong cửa sổ OGC'), headers);
      assert.equal(res.status, 503, method);
      const body = await res.json() as { code: string; description: string };
      // In the OGC API's own exception shape, with the platform's machine code.
      assert.deepEqual(Object.keys(body).sort(), ['code', 'description']);
      assert.equal(body.code, 'maintenance_read_only');
      assert.match(body.description, /read-only for maintenance until .*reading works/);
      const retryAfter = Number(res.headers.get('retry-after'));
      assert.ok(retryAfter > 3500 && retryAfter <= 3600, `${method} Retry-After ${retryAfter}`);
    }
    const { rows } = await server.owner.query(`select ten from ${ROADS} where fid = $1`, [fid]);
    assert.equal(rows[0].ten, 'Trước cửa sổ OGC');
    assert.equal((await server.owner.query(`select count(*)::int n from ${ROADS} where ten = 'Trong cửa sổ OGC'`)).rows[0].n, 0);

    // Reads: OGC items, WFS GetFeature by GET, by an XML POST and by a form POST.
    assert.equal((await fetch(`${url}/ogc/collections/${ROADS}/items`)).status, 200);
    const kvp = `service=WFS&version=2.0.0&request=GetFeature&typeNames=cb:${ROADS}&outputFormat=application/json`;
    const byGet = await fetch(`${url}/wfs?${kvp}`);
    assert.equal(byGet.status, 200);
    const xml = `<wfs:GetFeature service="WFS" version="2.0.0" outputFormat="application/json" xmlns:wfs="http://www.opengis.net/wfs/2.0"><wfs:Query typeNames="cb:${ROADS}"/></wfs:GetFeature>`;
    const byXml = await fetch(`${url}/wfs`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
    assert.equal(byXml.status, 200, await byXml.clone().text());
    assert.ok(((await byXml.json()) as { features: unknown[] }).features.length > 0);
    const byForm = await fetch(`${url}/wfs`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: kvp });
    assert.equal(byForm.status, 200);
    // A path with no route is still a 404, not a maintenance answer.
    assert.equal((await fetch(`${url}/ogc/khong-co`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404);

    await cancelAll();
    const after = await ogc('PATCH', `/${fid}`, { properties: { ten: 'Sau cửa sổ OGC' } }, { 'if-match': etag, 'content-type': 'application/merge-patch+json' });
    assert.equal(after.status, 200, await after.clone().text());
  });

  test('a window that is not read-only leaves writes alone', async () => {
    const created = await api(url, 'POST', '/api/admin/maintenance', { session: operator, body: window(0, HOUR, { emergency: true }) });
    assert.equal(created.body.window.active, true);
    const write = await api(url, 'POST', `/api/layers/${ROADS}/features`, { session: editor, body: road('Bảo trì không khoá') });
    assert.equal(write.status, 201);
    await cancelAll();
  });
});

describe('the notice list in memory', () => {
  test('many requests share one query until the reload interval passes', async () => {
    let queries = 0;
    const counting = { query: ((...args: Parameters<typeof server.app.db.pool.query>) => {
      queries++;
      return (server.app.db.pool.query as (...a: unknown[]) => unknown)(...args);
    }) as typeof server.app.db.pool.query };
    const notices = new MaintenanceNotices(counting, undefined, 60_000);
    for (let i = 0; i < 50; i++) await notices.windows();
    assert.equal(queries, 1);
    await notices.reload();
    assert.equal(queries, 2);
  });

  test('the header lists windows by start, with their flags', () => {
    const w = (start: string, end: string, readOnly: boolean, emergency: boolean) => ({
      id: start, startsAt: new Date(start), endsAt: new Date(end), titleVi: '', titleEn: '', messageVi: '', messageEn: '', readOnly, emergency,
    });
    assert.equal(maintenanceHeader([]), null);
    assert.equal(
      maintenanceHeader([w('2025-03-01T19:00:00Z', '2025-03-01T21:00:00Z', true, false), w('2025-03-02T19:00:00Z', '2025-03-02T19:30:00Z', false, true)]),
      '2025-03-01T19:00:00.000Z/2025-03-01T21:00:00.000Z; read-only, 2025-03-02T19:00:00.000Z/2025-03-02T19:30:00.000Z; emergency');
  });
});
