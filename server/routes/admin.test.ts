// The admin API against the demo data: the operator creates, renames and merges agencies and hands layers over;
// an agency admin creates layers with their attribute schema, style, visibility and metadata, and edits them.
// Every bad input answers with its status, machine code and message, and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type JsonResponse, type Session } from '../testing/http.ts';
import { DEMO_PASSWORD } from '../../infra/demo/accounts.ts';

const LOCAL_ROADS = 'giao_thong.duong_dia_phuong';
const MARKETS = 'cong_thuong.cho';

let server: TestServer;
let url: string;
const s = {} as Record<string, Session>;

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['vanhanh', 'admin.gtvt', 'bientap.gtvt', 'admin.dothi', 'bientap.dothi', 'admin.tttt', 'bientap.tttt', 'xem.xaydung']) {
    s[u] = await login(url, u, DEMO_PASSWORD);
  }
});

after(async () => server.close());

function refused(res: JsonResponse, status: number, code: string, message: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.match(res.body.message, message);
}

async function auditOf(session: Session, action: string) {
  const res = await api(url, 'GET', `/api/admin/audit?action=${action}`, { session });
  assert.equal(res.status, 200);
  return res.body.events as Array<{ action: string; target_id: string; agency: string | null; details: Record<string, any> }>;
}

async function agency(code: string) {
  const res = await api(url, 'GET', '/api/admin/agencies', { session: s.vanhanh });
  return (res.body.agencies as Array<{ code: string; name_vi: string; status: string; merged_into: string | null }>).find((a) => a.code === code);
}

const road = (code: string) => ({
  type: 'Feature',
  geometry: { type: 'LineString', coordinates: [[106.25, 22.66], [106.26, 22.67]] },
  properties: { ma_tuyen: code, ten: `Đường thử ${code}`, cap_duong: 'Đường xã' },
});

describe('agencies (the operator)', () => {
  test('creates an agency and renames it; both are in the audit log', async () => {
    const created = await api(url, 'POST', '/api/admin/agencies', {
      session: s.vanhanh, body: { code: 'so_khcn', name_vi: 'Sở Khoa học và Công nghệ', name_en: 'Department of Science and Technology' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const renamed = await api(url, 'PATCH', '/api/admin/agencies/so_khcn', { session: s.vanhanh, body: { name_vi: '  Sở KH&CN Cao Bằng ' } });
    assert.equal(renamed.status, 204, JSON.stringify(renamed.body));
    assert.equal((await agency('so_khcn'))!.name_vi, 'Sở KH&CN Cao Bằng');
    const [event] = await auditOf(s.vanhanh!, 'agency_renamed');
    assert.deepEqual([event!.target_id, event!.details.from, event!.details.to], ['so_khcn', 'Sở Khoa học và Công nghệ', 'Sở KH&CN Cao Bằng']);
    assert.equal((await auditOf(s.vanhanh!, 'agency_created'))[0]!.target_id, 'so_khcn');
  });

  test('bad agency input is refused with a code and changes nothing', async () => {
    refused(await api(url, 'POST', '/api/admin/agencies', { session: s.vanhanh, body: { code: 'so_khcn', name_vi: 'Lần hai', name_en: 'Again' } }),
      409, 'agency_exists', /so_khcn/);
    refused(await api(url, 'POST', '/api/admin/agencies', { session: s.vanhanh, body: { code: 'Sở Mới', name_vi: 'x', name_en: 'x' } }),
      400, 'invalid_body', /^code: an agency code is lower-case/);
    refused(await api(url, 'PATCH', '/api/admin/agencies/so_khong_co', { session: s.vanhanh, body: { name_vi: 'Tên' } }),
      404, 'agency_not_found', /so_khong_co/);
    refused(await api(url, 'PATCH', '/api/admin/agencies/so_khcn', { session: s.vanhanh, body: { name_vi: '   ' } }),
      400, 'invalid_body', /^name_vi: a name is needed/);
    refused(await api(url, 'POST', '/api/admin/agencies', { session: s['admin.gtvt'], body: { code: 'so_x', name_vi: 'x', name_en: 'x' } }),
      403, 'forbidden', /operator/);
    refused(await api(url, 'PATCH', '/api/admin/agencies/so_gtvt', { session: s['admin.gtvt'], body: { name_vi: 'Sở của tôi' } }),
      403, 'forbidden', /operator/);
    refused(await api(url, 'POST', '/api/admin/agencies', { body: { code: 'so_x', name_vi: 'x', name_en: 'x' } }), 401, 'not_signed_in', /Sign in/);
    assert.equal((await agency('so_gtvt'))!.name_vi, 'Sở Giao thông Vận tải');
    assert.equal(await agency('so_x'), undefined);
  });

  test('merges one agency into another: accounts, layers, API clients and open reports move; the old one is marked merged', async () => {
    const op = s.vanhanh!;
    assert.equal((await api(url, 'POST', '/api/admin/agencies', {
      session: op, body: { code: 'so_cong_thuong_moi', name_vi: 'Sở Công Thương (mới)', name_en: 'Department of Industry and Trade (new)' },
    })).status, 201);
    const editor = await api(url, 'POST', '/api/admin/users', {
      session: op, body: { username: 'bientap.congthuong', password: 'Mat-khau-Cong-Thuong-1', role: 'editor', agency: 'so_cong_thuong' },
    });
    assert.equal(editor.status, 201, JSON.stringify(editor.body));
    const client = await api(url, 'POST', '/api/admin/api-clients', { session: op, body: { name: 'Cổng thương mại', agency: 'so_cong_thuong' } });
    assert.equal(client.status, 201, JSON.stringify(client.body));
    const fid = (await server.owner.query('select min(fid) as fid from cong_thuong.cho')).rows[0].fid as number;
    const report = await api(url, 'POST', '/api/reports', {
      headers: { 'x-forwarded-for': '198.51.100.77' },
      body: { layer: MARKETS, fid, category: 'wrong_attribute', description: 'Chợ này đã chuyển phiên sang ngày chẵn.' },
    });
    assert.equal(report.status, 201, JSON.stringify(report.body));

    const merged = await api(url, 'POST', '/api/admin/agencies/so_cong_thuong/merge', { session: op, body: { into: 'so_cong_thuong_moi' } });
    assert.equal(merged.status, 204, JSON.stringify(merged.body));

    const old = await agency('so_cong_thuong');
    assert.deepEqual([old!.status, old!.merged_into], ['merged', 'so_cong_thuong_moi']);
    assert.equal((await api(url, 'GET', `/api/layers/${MARKETS}`)).body.owner.code, 'so_cong_thuong_moi');
    const moved = await login(url, 'bientap.congthuong', 'Mat-khau-Cong-Thuong-1');
    assert.deepEqual((await api(url, 'GET', '/api/auth/me', { session: moved })).body.user.memberships.map((m: { agency_code: string }) => m.agency_code), ['so_cong_thuong_moi']);
    const wrote = await api(url, 'POST', `/api/layers/${MARKETS}/features`, {
      session: moved, body: { type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.66] }, properties: { ten: 'Chợ thử' } },
    });
    assert.equal(wrote.status, 201, 'the moved editor still edits the moved layer');
    const clients = (await api(url, 'GET', '/api/admin/api-clients', { session: op })).body.api_clients as Array<{ id: string; agency_code: string }>;
    assert.equal(clients.find((c) => c.id === client.body.id)!.agency_code, 'so_cong_thuong_moi');
    assert.equal((await api(url, 'GET', '/api/layers', { apiKey: client.body.key })).status, 200, 'the moved key still works');
    const routed = await server.owner.query(
      'select a.code from reports.reports r join catalog.agencies a on a.id = r.agency_id where r.ticket = $1', [report.body.ticket]);
    assert.equal(routed.rows[0].code, 'so_cong_thuong_moi');
    const [event] = await auditOf(op, 'agency_merged');
    assert.equal(event!.target_id, 'so_cong_thuong');
    assert.equal(event!.agency, 'so_cong_thuong_moi');
    assert.deepEqual(event!.details.moved, { layers: 1, accounts: 1, api_clients: 1, open_reports: 1 });
  });

  test('a bad merge is refused with a code and merges nothing', async () => {
    const op = s.vanhanh!;
    const merge = (from: string, body: unknown, session: Session = op) => api(url, 'POST', `/api/admin/agencies/${from}/merge`, { session, body });
    refused(await merge('so_gtvt', { into: 'so_gtvt' }), 400, 'merge_into_itself', /cannot be merged into itself/);
    refused(await merge('so_gtvt', { into: 'so_khong_co' }), 400, 'unknown_agency', /so_khong_co/);
    refused(await merge('so_khong_co', { into: 'so_gtvt' }), 404, 'agency_not_found', /so_khong_co/);
    refused(await merge('so_cong_thuong', { into: 'so_gtvt' }), 409, 'agency_not_active', /already merged/);
    refused(await merge('so_gtvt', { into: 'so_cong_thuong' }), 400, 'agency_not_active', /merge into an active agency/);
    refused(await merge('ttcns', { into: 'so_tttt' }), 400, 'operator_agency', /operator/);
    refused(await merge('so_gtvt', {}), 400, 'invalid_body', /^into:/);
    refused(await merge('so_gtvt', { into: 'ubnd_tp_cao_bang' }, s['admin.gtvt']), 403, 'forbidden', /operator/);
    assert.equal((await agency('so_gtvt'))!.status, 'active');
    assert.equal((await api(url, 'GET', `/api/layers/${LOCAL_ROADS}`)).body.owner.code, 'so_gtvt');
  });
});

describe('API keys', () => {
  test('a revoked key stops at once, and its revocation is in the agency\'s own audit log', async () => {
    const created = await api(url, 'POST', '/api/admin/api-clients', { session: s['admin.gtvt'], body: { name: 'Bản đồ giao thông' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api(url, 'GET', '/api/layers', { apiKey: created.body.key })).status, 200);
    refused(await api(url, 'POST', `/api/admin/api-clients/${created.body.id}/revoke`, { session: s['admin.dothi'] }), 404, 'not_found', /API client/);
    assert.equal((await api(url, 'GET', '/api/layers', { apiKey: created.body.key })).status, 200, 'another agency cannot revoke it');
    assert.equal((await api(url, 'POST', `/api/admin/api-clients/${created.body.id}/revoke`, { session: s['admin.gtvt'] })).status, 204);
    refused(await api(url, 'GET', '/api/layers', { apiKey: created.body.key }), 401, 'invalid_api_key', /./);
    const [event] = await auditOf(s['admin.gtvt']!, 'api_client_revoked');
    assert.deepEqual([event!.target_id, event!.agency, event!.details.name], [created.body.id, 'so_gtvt', 'Bản đồ giao thông']);
    refused(await api(url, 'POST', `/api/admin/api-clients/${created.body.id}/revoke`, { session: s['admin.gtvt'] }), 404, 'not_found', /active API client/);
  });
});

describe('handing a layer over (the operator)', () => {
  test('ownership changes; the old owner\'s editors lose edit rights at once, the new owner\'s gain them; both logs say so', async () => {
    assert.equal((await api(url, 'POST', `/api/layers/${LOCAL_ROADS}/features`, { session: s['bientap.gtvt'], body: road('T-1') })).status, 201);
    assert.equal((await api(url, 'POST', `/api/layers/${LOCAL_ROADS}/features`, { session: s['bientap.dothi'], body: road('T-2') })).status, 403);

    const handed = await api(url, 'POST', `/api/admin/layers/${LOCAL_ROADS}/owner`, { session: s.vanhanh, body: { agency: 'ubnd_tp_cao_bang' } });
    assert.equal(handed.status, 204, JSON.stringify(handed.body));

    // The same sessions, the very next requests.
    refused(await api(url, 'POST', `/api/layers/${LOCAL_ROADS}/features`, { session: s['bientap.gtvt'], body: road('T-3') }), 403, 'forbidden', /./);
    assert.equal((await api(url, 'POST', `/api/layers/${LOCAL_ROADS}/features`, { session: s['bientap.dothi'], body: road('T-4') })).status, 201);
    assert.equal((await api(url, 'GET', `/api/layers/${LOCAL_ROADS}`)).body.owner.code, 'ubnd_tp_cao_bang');
    refused(await api(url, 'PATCH', `/api/admin/layers/${LOCAL_ROADS}`, { session: s['admin.gtvt'], body: { licence: 'CC0' } }), 403, 'forbidden', /owner agency/);
    assert.equal((await api(url, 'PATCH', `/api/admin/layers/${LOCAL_ROADS}`, { session: s['admin.dothi'], body: { licence: 'CC BY 4.0' } })).status, 204);
    for (const admin of ['admin.gtvt', 'admin.dothi']) {
      const [event] = await auditOf(s[admin]!, 'layer_handed_over');
      assert.deepEqual([event!.target_id, event!.details.from, event!.details.to], [LOCAL_ROADS, 'so_gtvt', 'ubnd_tp_cao_bang'], admin);
    }
  });

  test('a bad hand-over is refused with a code', async () => {
    const owner = (body: unknown, layer = LOCAL_ROADS, session: Session = s.vanhanh!) => api(url, 'POST', `/api/admin/layers/${layer}/owner`, { session, body });
    refused(await owner({ agency: 'so_khong_co' }), 400, 'unknown_agency', /so_khong_co/);
    refused(await owner({ agency: 'ubnd_tp_cao_bang' }), 400, 'same_owner', /already owns/);
    refused(await owner({ agency: 'so_cong_thuong' }), 400, 'agency_not_active', /active agency/);
    refused(await owner({ agency: 'so_gtvt' }, 'giao_thong.khong_co'), 404, 'layer_not_found', /giao_thong.khong_co/);
    refused(await owner({ agency: 'so_gtvt' }, LOCAL_ROADS, s['admin.dothi']), 403, 'forbidden', /operator/);
    assert.equal((await api(url, 'GET', `/api/layers/${LOCAL_ROADS}`)).body.owner.code, 'ubnd_tp_cao_bang');
  });
});

const schools = {
  id: 'xay_dung.truong_hoc',
  title_vi: 'Trường học', title_en: 'Schools',
  geometry_family: 'point',
  attributes: [
    { name: 'ten', type: 'text', label_vi: 'Tên trường', label_en: 'Name', required: true },
    { name: 'so_hoc_sinh', type: 'integer', label_vi: 'Số học sinh', label_en: 'Pupils' },
    { name: 'ngay_thanh_lap', type: 'date', label_vi: 'Ngày thành lập', label_en: 'Founded' },
  ],
  name_attribute: 'ten',
  source: 'Sở Thông tin và Truyền thông, khảo sát 2026',
  legal_basis: 'Quyết định 34/2024/QĐ-UBND',
  licence: 'CC BY 4.0',
  description_vi: 'Các trường học trên địa bàn tỉnh.',
  style: { color: '#1b9e77', radius: 6 },
};

describe('layers (an agency admin)', () => {
  test('creates a restricted layer with attributes, style, readers and metadata: its table takes features, the readers see it', async () => {
    const body = { ...schools, id: 'thong_tin.diem_phu_song', title_vi: 'Điểm phủ sóng', visibility: 'restricted', readers: ['so_xay_dung'] };
    const created = await api(url, 'POST', '/api/admin/layers', { session: s['admin.tttt'], body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.owner.code, 'so_tttt');
    assert.deepEqual(created.body.readers, ['so_xay_dung']);
    assert.deepEqual(created.body.style, { color: '#1b9e77', radius: 6 });
    assert.equal(created.body.legal_basis, 'Quyết định 34/2024/QĐ-UBND');
    assert.deepEqual(created.body.attributes.map((a: { name: string; required: boolean }) => [a.name, a.required]),
      [['ten', true], ['so_hoc_sinh', false], ['ngay_thanh_lap', false]]);

    const ids = async (session?: Session) => ((await api(url, 'GET', '/api/layers', { session })).body.layers as Array<{ id: string }>).map((l) => l.id);
    assert.ok(!(await ids()).includes(body.id), 'anonymous callers do not see a restricted layer');
    assert.ok((await ids(s['xem.xaydung'])).includes(body.id), 'the reader agency sees it');
    assert.ok(!(await ids(s['bientap.gtvt'])).includes(body.id));

    const point = (properties: Record<string, unknown>) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.66] }, properties });
    refused(await api(url, 'POST', `/api/layers/${body.id}/features`, { session: s['bientap.tttt'], body: point({ so_hoc_sinh: 300 }) }),
      400, 'invalid_attribute', /\(ten\): is required/);
    assert.equal((await api(url, 'POST', `/api/layers/${body.id}/features`, { session: s['bientap.tttt'], body: point({ ten: 'Trạm A', so_hoc_sinh: 300 }) })).status, 201);
    const [event] = await auditOf(s['admin.tttt']!, 'layer_created');
    assert.equal(event!.target_id, body.id);
    assert.deepEqual(event!.details.attributes, ['ten', 'so_hoc_sinh', 'ngay_thanh_lap']);
  });

  test('a public layer appears in /api/layers for everyone; the operator creates one for an agency it names', async () => {
    const created = await api(url, 'POST', '/api/admin/layers', { session: s.vanhanh, body: { ...schools, agency: 'so_xay_dung', visibility: 'public' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const listed = (await api(url, 'GET', '/api/layers')).body.layers.find((l: { id: string }) => l.id === schools.id);
    assert.equal(listed.owner.code, 'so_xay_dung');
    assert.equal(listed.title_en, 'Schools');
    assert.equal((await api(url, 'GET', `/tiles/${schools.id}.json`)).status, 200);
  });

  test('lists the layers the admin manages, with their readers', async () => {
    const res = await api(url, 'GET', '/api/admin/layers', { session: s['admin.tttt'] });
    assert.equal(res.status, 200);
    const layers = res.body.layers as Array<{ id: string; owner: { code: string }; readers: string[] }>;
    assert.ok(layers.every((l) => l.owner.code === 'so_tttt'));
    assert.deepEqual(layers.find((l) => l.id === 'thong_tin.tram_bts')!.readers, ['so_xay_dung']);
    refused(await api(url, 'GET', '/api/admin/layers', { session: s['bientap.tttt'] }), 403, 'forbidden', /administrator/);
  });

  test('bad layer input is refused with a code and creates nothing', async () => {
    const create = (body: Record<string, unknown>, session: Session = s['admin.tttt']!) =>
      api(url, 'POST', '/api/admin/layers', { session, body: { ...schools, ...body } });
    refused(await create({ id: 'thong_tin.diem_phu_song' }), 409, 'layer_exists', /thong_tin.diem_phu_song/);
    refused(await create({ id: 'khong_co.lop_moi' }), 400, 'unknown_sector', /khong_co/);
    refused(await create({ id: 'Thong Tin.lop' }), 400, 'invalid_body', /^id: a layer id is sector.slug/);
    refused(await create({ id: 'thong_tin.lop_a', geometry_family: 'circle' }), 400, 'invalid_body', /^geometry_family/);
    refused(await create({ id: 'thong_tin.lop_a', attributes: [{ name: 'geom', type: 'text', label_vi: 'x', label_en: 'x' }] }),
      400, 'invalid_body', /^attributes.0.name: this name is reserved/);
    refused(await create({ id: 'thong_tin.lop_a', attributes: [{ name: 'ten', type: 'money', label_vi: 'x', label_en: 'x' }] }),
      400, 'invalid_body', /^attributes.0.type/);
    refused(await create({ id: 'thong_tin.lop_a', attributes: [schools.attributes[0], schools.attributes[0]] }), 400, 'duplicate_attribute', /'ten'/);
    refused(await create({ id: 'thong_tin.lop_a', name_attribute: 'so_hoc_sinh' }), 400, 'invalid_name_attribute', /so_hoc_sinh/);
    refused(await create({ id: 'thong_tin.lop_a', visibility: 'public', readers: ['so_xay_dung'] }), 400, 'readers_need_restricted', /restricted layer only/);
    refused(await create({ id: 'thong_tin.lop_a', visibility: 'restricted', readers: ['so_khong_co'] }), 400, 'unknown_agency', /so_khong_co/);
    refused(await create({ id: 'thong_tin.lop_a', style: { color: 'red' } }), 400, 'invalid_body', /^style.color: a colour is #rrggbb/);
    refused(await create({ id: 'thong_tin.lop_a', source: ' ' }), 400, 'invalid_body', /^source: this is required/);
    refused(await create({ id: 'thong_tin.lop_a', agency: 'so_gtvt' }), 403, 'forbidden', /own agency/);
    refused(await create({ id: 'thong_tin.lop_a', agency: 'so_cong_thuong' }, s.vanhanh), 400, 'agency_not_active', /merged/);
    refused(await create({ id: 'thong_tin.lop_a' }, s.vanhanh), 400, 'agency_required', /agency/);
    refused(await create({ id: 'thong_tin.lop_a' }, s['bientap.tttt']), 403, 'forbidden', /administrator/);
    const { rows } = await server.owner.query("select count(*)::int as n from catalog.layers where id = 'thong_tin.lop_a'");
    assert.equal(rows[0].n, 0);
    assert.equal((await server.owner.query("select to_regclass('thong_tin.lop_a') as t")).rows[0].t, null);
  });

  test('edits metadata, style and visibility with readers; the change applies at once', async () => {
    const id = 'thong_tin.diem_phu_song';
    const patch = (body: unknown, session: Session = s['admin.tttt']!) => api(url, 'PATCH', `/api/admin/layers/${id}`, { session, body });
    const changed = await patch({ title_vi: 'Điểm phủ sóng di động', source: 'Sở TTTT, 2026', licence: 'CC BY-SA 4.0', legal_basis: 'QĐ 34/2024', style: { color: '#d95f02', radius: 8 } });
    assert.equal(changed.status, 204, JSON.stringify(changed.body));
    let layer = (await api(url, 'GET', `/api/layers/${id}`, { session: s['xem.xaydung'] })).body;
    assert.deepEqual([layer.title_vi, layer.source, layer.licence, layer.legal_basis, layer.style],
      ['Điểm phủ sóng di động', 'Sở TTTT, 2026', 'CC BY-SA 4.0', 'QĐ 34/2024', { color: '#d95f02', radius: 8 }]);

    assert.equal((await patch({ readers: ['ubnd_tp_cao_bang'] })).status, 204);
    assert.equal((await api(url, 'GET', `/api/layers/${id}`, { session: s['xem.xaydung'] })).status, 404, 'the old reader no longer reads it');
    assert.equal((await api(url, 'GET', `/api/layers/${id}`, { session: s['bientap.dothi'] })).status, 200, 'the new reader does');

    assert.equal((await patch({ visibility: 'public' })).status, 204);
    layer = (await api(url, 'GET', `/api/layers/${id}`)).body;
    assert.equal(layer.visibility, 'public');
    assert.equal((await api(url, 'GET', `/api/layers/${id}/features`)).body.features.length, 1);
    assert.equal((await patch({ visibility: 'restricted' })).status, 204);
    assert.equal((await api(url, 'GET', `/api/layers/${id}`)).status, 404);
    assert.equal((await api(url, 'GET', `/api/layers/${id}`, { session: s['bientap.dothi'] })).status, 200, 'the readers came back with it');
    const events = await auditOf(s['admin.tttt']!, 'layer_updated');
    assert.deepEqual(events[0]!.details, { visibility: 'restricted' });
  });

  test('bad edits are refused with a code and change nothing', async () => {
    const id = 'thong_tin.diem_phu_song';
    const patch = (body: unknown, session: Session = s['admin.tttt']!, layer = id) => api(url, 'PATCH', `/api/admin/layers/${layer}`, { session, body });
    refused(await patch({}), 400, 'nothing_to_change', /at least one field/);
    refused(await patch({ attributes: [] }), 400, 'invalid_body', /Unrecognized key/);
    refused(await patch({ readers: ['so_khong_co'] }), 400, 'unknown_agency', /so_khong_co/);
    refused(await patch({ visibility: 'public', readers: ['so_gtvt'] }), 400, 'readers_need_restricted', /restricted layer only/);
    refused(await patch({ title_vi: '' }), 400, 'invalid_body', /^title_vi: this is required/);
    refused(await patch({ style: { width: 99 } }), 400, 'invalid_body', /^style.width/);
    refused(await patch({ licence: 'CC0' }, s['admin.gtvt']), 404, 'layer_not_found', new RegExp(id), );
    refused(await patch({ licence: 'CC0' }, s['admin.dothi'], 'thong_tin.tram_bts'), 404, 'layer_not_found', /tram_bts/);
    refused(await patch({ licence: 'CC0' }, s['admin.dothi'], MARKETS), 403, 'forbidden', /owner agency/);
    const layer = (await api(url, 'GET', `/api/layers/${id}`, { session: s['admin.tttt'] })).body;
    assert.deepEqual([layer.title_vi, layer.visibility, layer.licence], ['Điểm phủ sóng di động', 'restricted', 'CC BY-SA 4.0']);
  });
});
