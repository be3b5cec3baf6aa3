// The dashboard's figures (GET /api/dashboard) for each kind of caller: anonymous callers get public layers only
// and nothing of reports or imports; agency staff their agency's open reports and imports; the operator all of
// them. A restricted layer, and a report or import on it, counts only for those who may see it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../../infra/demo/accounts.ts';

const ROADS = 'giao_thong.quoc_lo';
const BTS = 'thong_tin.tram_bts';

interface Figures { code: string; layers: number; features: number; last_update: string | null; open_reports: { new: number; in_progress: number; open: number } | null }
interface Dashboard {
  audience: string;
  totals: { layers: number; features: number; last_update: string | null; open_reports: number | null };
  sectors: Array<Figures & { title_vi: string }>;
  agencies: Array<Figures & { name_vi: string }>;
  reports: { open: number; new: number; in_progress: number; on_points: number } | null;
  imports: { total: number; window_days: number; by_status: Record<string, number>; recent: Array<{ id: string; layer: { id: string }; status: string; agency: { code: string } }> } | null;
}

let server: TestServer;
let url: string;
const sessions: Record<string, Session> = {};
const importIds: Record<string, string> = {};

async function dashboard(opts: { session?: Session; apiKey?: string } = {}): Promise<Dashboard> {
  const res = await api<Dashboard>(url, 'GET', '/api/dashboard', opts);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Per sector, what the catalog holds among the layers a predicate picks, computed by the owner. */
async function expectedSectors(visible: string): Promise<Map<string, { layers: number; features: number; last_update: string | null }>> {
  const { rows } = await server.owner.query<{ code: string; layers: number; features: number; last_update: Date | null }>(
    `select s.code, count(l.id)::integer as layers, coalesce(sum(l.feature_count), 0)::bigint as features, max(l.data_updated_at) as last_update
     from catalog.sectors s left join catalog.layers l on l.sector_code = s.code and (${visible})
     group by s.code`);
  return new Map(rows.map((r) => [r.code, { layers: r.layers, features: r.features, last_update: r.last_update?.toISOString() ?? null }]));
}

function assertSectorsMatch(body: Dashboard, expected: Awaited<ReturnType<typeof expectedSectors>>): void {
  assert.equal(body.sectors.length, expected.size);
  for (const s of body.sectors) {
    assert.deepEqual({ layers: s.layers, features: s.features, last_update: s.last_update }, expected.get(s.code), s.code);
  }
  assert.equal(body.totals.layers, [...expected.values()].reduce((n, s) => n + s.layers, 0));
  assert.equal(body.totals.features, [...expected.values()].reduce((n, s) => n + s.features, 0));
}

async function addReport(layerId: string | null, agencyCode: string, status: string, held = false): Promise<void> {
  await server.owner.query(
    `insert into reports.reports (ticket, agency_id, layer_id, fid, location, category, description, status, held_reason, text_hash)
     values (reports.new_ticket(), (select id from catalog.agencies where code = $2), $1, case when $1::text is null then null else 1 end,
             st_setsrid(st_makepoint(106.25, 22.66), 4326), 'wrong_attribute', 'Tên đối tượng bị ghi sai chính tả.', $3, $4, repeat('a', 64))`,
    [layerId, agencyCode, status, held ? 'honeypot' : null]);
}

async function addImport(name: string, layerId: string, agencyCode: string, status: string): Promise<void> {
  const sha = name.padEnd(64, '0').slice(0, 64).replace(/[^0-9a-f]/g, 'a');
  await server.owner.query(
    `insert into imports.files (sha256, size_bytes, storage_path) values ($1, 10, $2) on conflict do nothing`,
    [sha, `${sha.slice(0, 2)}/${sha}`]);
  const { rows } = await server.owner.query(
    `insert into imports.imports (file_sha256, original_name, agency_id, layer_id, mode, status, created_by)
     values ($1, $2, (select id from catalog.agencies where code = $3), $4, 'append', $5,
             (select id from auth.users where username = 'bientap.gtvt')) returning id`,
    [sha, `${name}.zip`, agencyCode, layerId, status]);
  importIds[name] = rows[0].id;
}

const open = (body: Dashboard, list: 'sectors' | 'agencies', code: string) => body[list].find((x) => x.code === code)?.open_reports;

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['vanhanh', 'bientap.gtvt', 'admin.tttt', 'xem.xaydung']) sessions[u] = await login(url, u, DEMO_PASSWORD);
  // Reports: two open on a public road layer, one fixed, one held as spam; one open on the restricted BTS layer;
  // one on a point of the map for the operator.
  const operatorAgency = (await server.owner.query("select code from catalog.agencies where kind = 'operator' limit 1")).rows[0].code;
  await addReport(ROADS, 'so_gtvt', 'new');
  await addReport(ROADS, 'so_gtvt', 'in_progress');
  await addReport(ROADS, 'so_gtvt', 'fixed');
  await addReport(ROADS, 'so_gtvt', 'new', true);
  await addReport(BTS, 'so_tttt', 'new');
  await addReport(null, operatorAgency, 'new');
  await addImport('ab01', ROADS, 'so_gtvt', 'committed');
  await addImport('ab02', ROADS, 'so_gtvt', 'preview');
  await addImport('ab03', BTS, 'so_tttt', 'failed');
});

after(async () => server.close());

describe('anonymous callers', () => {
  test('public layers only, every sector listed, and nothing about reports or imports', async () => {
    const body = await dashboard();
    assert.equal(body.audience, 'public');
    assertSectorsMatch(body, await expectedSectors("l.visibility = 'public'"));
    assert.equal(body.reports, null);
    assert.equal(body.imports, null);
    assert.equal(body.totals.open_reports, null);
    assert.ok(body.sectors.every((s) => s.open_reports === null));
    assert.ok(body.agencies.every((a) => a.open_reports === null));
  });

  test('the restricted BTS layer is in no count: its agency shows only its public layers', async () => {
    const anonymous = await dashboard();
    const operator = await dashboard({ session: sessions.vanhanh });
    const tttt = (b: Dashboard) => b.agencies.find((a) => a.code === 'so_tttt');
    const bts = (await server.owner.query('select feature_count from catalog.layers where id = $1', [BTS])).rows[0].feature_count;
    assert.ok(bts > 0);
    const all = tttt(operator)!;
    // BTS is Sở TTTT's only layer in the demo: anonymous callers do not even see the agency as an owner.
    const publicOfTttt = (await server.owner.query("select count(*)::integer as n from catalog.layers l join catalog.agencies a on a.id = l.owner_agency_id where a.code = 'so_tttt' and l.visibility = 'public'")).rows[0].n;
    if (publicOfTttt === 0) assert.equal(tttt(anonymous), undefined);
    else assert.equal(tttt(anonymous)!.features, all.features - bts);
    const sector = (b: Dashboard) => b.sectors.find((s) => s.code === 'thong_tin')!;
    assert.equal(sector(operator).features - sector(anonymous).features, bts);
    assert.equal(sector(operator).layers - sector(anonymous).layers, 1);
  });

  test('cached only as the public answer; parameters are refused', async () => {
    const res = await api(url, 'GET', '/api/dashboard');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const bad = await api(url, 'GET', '/api/dashboard?sector=giao_thong');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'unknown_parameter');
    assert.equal(bad.body.message, "GET /api/dashboard takes no parameters; got 'sector'. It always answers for the signed-in caller.");
  });
});

describe('readers', () => {
  test('an API key and a viewer of the reader agency count the BTS layer, but see no reports or imports', async () => {
    const expected = await expectedSectors(`l.visibility = 'public' or l.id = '${BTS}'`);
    for (const opts of [{ apiKey: DEMO_API_KEY }, { session: sessions['xem.xaydung'] }]) {
      const body = await dashboard(opts);
      assert.equal(body.audience, 'reader');
      assertSectorsMatch(body, expected);
      assert.equal(body.reports, null);
      assert.equal(body.imports, null);
    }
    const res = await api(url, 'GET', '/api/dashboard', { session: sessions['xem.xaydung'] });
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
  });
});

describe('agency staff', () => {
  test('an editor of Sở GTVT: the agency’s open reports (not the fixed or the held one) and imports, nothing of BTS', async () => {
    const body = await dashboard({ session: sessions['bientap.gtvt'] });
    assert.equal(body.audience, 'agency_staff');
    assertSectorsMatch(body, await expectedSectors("l.visibility = 'public'"));
    assert.deepEqual(body.reports, { new: 1, in_progress: 1, open: 2, on_points: 0 });
    assert.equal(body.totals.open_reports, 2);
    assert.deepEqual(open(body, 'sectors', 'giao_thong'), { new: 1, in_progress: 1, open: 2 });
    assert.deepEqual(open(body, 'sectors', 'thong_tin'), { new: 0, in_progress: 0, open: 0 });
    assert.deepEqual(open(body, 'agencies', 'so_gtvt'), { new: 1, in_progress: 1, open: 2 });
    assert.equal(body.imports!.total, 2);
    assert.deepEqual(body.imports!.by_status, { uploaded: 0, reading: 0, validating: 0, preview: 1, committing: 0, committed: 1, failed: 0 });
    assert.deepEqual(body.imports!.recent.map((i) => i.id).sort(), [importIds.ab01, importIds.ab02].sort());
    assert.ok(body.imports!.recent.every((i) => i.layer.id === ROADS && i.agency.code === 'so_gtvt'));
  });

  test('the admin of Sở TTTT: the BTS layer, its report and its import', async () => {
    const body = await dashboard({ session: sessions['admin.tttt'] });
    assert.equal(body.audience, 'agency_staff');
    assertSectorsMatch(body, await expectedSectors(`l.visibility = 'public' or l.id = '${BTS}'`));
    assert.deepEqual(body.reports, { new: 1, in_progress: 0, open: 1, on_points: 0 });
    assert.deepEqual(open(body, 'sectors', 'thong_tin'), { new: 1, in_progress: 0, open: 1 });
    assert.deepEqual(open(body, 'sectors', 'giao_thong'), { new: 0, in_progress: 0, open: 0 });
    assert.deepEqual(body.imports!.recent.map((i) => [i.id, i.status]), [[importIds.ab03, 'failed']]);
  });
});

describe('the operator', () => {
  test('every layer, every open report in an inbox (the point report too), every import', async () => {
    const body = await dashboard({ session: sessions.vanhanh });
    assert.equal(body.audience, 'operator');
    assertSectorsMatch(body, await expectedSectors('true'));
    const expectedOpen = (await server.owner.query(
      "select count(*)::integer as n from reports.reports where status in ('new', 'in_progress') and held_reason is null")).rows[0].n;
    assert.equal(expectedOpen, 4);
    assert.deepEqual(body.reports, { new: 3, in_progress: 1, open: 4, on_points: 1 });
    const operatorAgency = (await server.owner.query("select code from catalog.agencies where kind = 'operator' limit 1")).rows[0].code;
    assert.deepEqual(open(body, 'agencies', operatorAgency), { new: 1, in_progress: 0, open: 1 });
    assert.equal(body.imports!.total, 3);
    assert.equal(body.imports!.recent.length, 3);
  });

  test('a report the agency marks fixed drops out of the open counts', async () => {
    const before = (await dashboard({ session: sessions['bientap.gtvt'] })).reports!;
    const ticket = (await server.owner.query("select ticket from reports.reports where layer_id = $1 and status = 'in_progress'", [ROADS])).rows[0].ticket;
    const fixed = await api(url, 'PATCH', `/api/admin/reports/${ticket}`, { session: sessions['bientap.gtvt'], body: { status: 'fixed', reply: 'Đã sửa tên.' } });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    const after = (await dashboard({ session: sessions['bientap.gtvt'] })).reports!;
    assert.deepEqual(after, { ...before, in_progress: before.in_progress - 1, open: before.open - 1 });
  });
});

describe('signed-out sessions', () => {
  test('a session that has ended gets the public figures, not an error', async () => {
    const session = await login(url, 'bientap.gtvt', DEMO_PASSWORD);
    const out = await api(url, 'POST', '/api/auth/logout', { session });
    assert.ok(out.status < 300, JSON.stringify(out.body));
    const body = await dashboard({ session });
    assert.equal(body.audience, 'public');
    assert.equal(body.reports, null);
  });
});
