// Citizen error reports over HTTP against the demo data: submitting (anonymous), routing to the owning agency's
// inbox, the public lookup, the staff's status changes with their audit, every bad input, and the spam guards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../../infra/demo/accounts.ts';
import { TICKET_PATTERN } from '../reports/ticket.ts';

const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const NATIONAL_ROADS = 'giao_thong.quoc_lo';
const LOCAL_ROADS = 'giao_thong.duong_dia_phuong';
const BTS = 'thong_tin.tram_bts';
const BAN_GIOC: [number, number] = [106.721998, 22.856402];

let server: TestServer;
let url: string;
const sessions: Record<string, Session> = {};
let banGiocFid: number;
let nationalRoadFid: number;
let localRoadFid: number;
let btsFid: number;
let addressCounter = 0;

/** Each test speaks from its own address (the server trusts X-Forwarded-For), so limits meant for one do not hit another. */
function newAddress(): Record<string, string> {
  addressCounter += 1;
  return { 'x-forwarded-for': `198.51.100.${addressCounter}` };
}

function report(body: Record<string, unknown>, opts: { session?: Session; headers?: Record<string, string> } = {}) {
  return api(url, 'POST', '/api/reports', { body, session: opts.session, headers: opts.headers ?? newAddress() });
}

const onBanGioc = (extra: Record<string, unknown> = {}) => ({
  layer: GEOSITES, fid: banGiocFid, category: 'wrong_attribute',
  description: `Giờ mở cửa ghi trên bản đồ không đúng (${++addressCounter}).`, ...extra,
});

async function stored(ticket: string) {
  const { rows } = await server.owner.query(
    `select r.*, a.code as agency_code, st_x(r.location) as lon, st_y(r.location) as lat
     from reports.reports r join catalog.agencies a on a.id = r.agency_id where r.ticket = $1`, [ticket]);
  return rows[0];
}

async function auditFor(ticket: string) {
  const { rows } = await server.owner.query(
    `select e.action, e.agency_id, a.code as agency_code, u.username, e.details from audit.events e
     left join catalog.agencies a on a.id = e.agency_id left join auth.users u on u.id = e.actor_user_id
     where e.target_type = 'report' and e.target_id = $1 order by e.id`, [ticket]);
  return rows;
}

async function inboxTickets(session: Session, query = ''): Promise<string[]> {
  const res = await api(url, 'GET', `/api/admin/reports${query}`, { session });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.reports.map((r: { ticket: string }) => r.ticket);
}

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['vanhanh', 'bientap.vanhoa', 'bientap.gtvt', 'admin.gtvt', 'bientap.quoclo', 'bientap.tttt', 'bientap.tnmt', 'xem.xaydung', 'bientap.dothi']) {
    sessions[u] = await login(url, u, DEMO_PASSWORD);
  }
  const one = async (sql: string) => (await server.owner.query(sql)).rows[0].fid as number;
  banGiocFid = await one("select fid from van_hoa.diem_di_san_dia_chat where ten = 'Thác Bản Giốc'");
  nationalRoadFid = await one('select min(fid) as fid from giao_thong.quoc_lo');
  localRoadFid = await one('select min(fid) as fid from giao_thong.duong_dia_phuong');
  btsFid = await one('select min(fid) as fid from thong_tin.tram_bts');
});

after(async () => server.close());

describe('submitting a report', () => {
  test('anyone reports an error on a feature and gets a ticket; it goes to the owning agency', async () => {
    const res = await report(onBanGioc({ contact: 'nguoidan@example.vn' }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.match(res.body.ticket, TICKET_PATTERN);
    assert.equal(res.body.status, 'new');
    assert.equal(res.headers.get('location'), `${url}/api/reports/${res.body.ticket}`);
    assert.equal(JSON.stringify(res.body).includes('nguoidan'), false, 'the contact is not echoed back');
    const row = await stored(res.body.ticket);
    assert.equal(row.agency_code, 'so_vhttdl');
    assert.equal(row.layer_id, GEOSITES);
    assert.equal(row.fid, banGiocFid);
    assert.equal(row.status, 'new');
    assert.equal(row.contact, 'nguoidan@example.vn');
    assert.equal(row.held_reason, null);
    // No place given: the report sits on the feature.
    assert.ok(Math.abs(row.lon - BAN_GIOC[0]) < 1e-6 && Math.abs(row.lat - BAN_GIOC[1]) < 1e-6, `${row.lon} ${row.lat}`);
    const audit = await auditFor(res.body.ticket);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'report_submitted');
    assert.equal(audit[0].agency_code, 'so_vhttdl');
    assert.equal(audit[0].details.layer, GEOSITES);
    assert.equal(JSON.stringify(audit[0].details).includes('nguoidan'), false, 'the audit log does not copy the contact');
  });

  test('a place given with a feature report is kept (where the reporter says it really is)', async () => {
    const res = await report(onBanGioc({ category: 'wrong_position', lon: 106.7301, lat: 22.8612 }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const row = await stored(res.body.ticket);
    assert.equal(row.lon, 106.7301);
    assert.equal(row.lat, 22.8612);
    assert.equal(row.category, 'wrong_position');
  });

  test('reports go to the inbox of the layer owner, the chosen agency, or the operator by default', async () => {
    const road = await report({ layer: NATIONAL_ROADS, fid: nationalRoadFid, category: 'wrong_attribute', description: 'Số hiệu quốc lộ bị ghi sai.' });
    const chosen = await report({ lon: 106.25, lat: 22.66, agency: 'so_tnmt', category: 'missing_feature', description: 'Thiếu con suối chảy qua xóm.' });
    const unrouted = await report({ lon: 106.3, lat: 22.7, category: 'other', description: 'Bản đồ thiếu trường học mới xây.' });
    for (const r of [road, chosen, unrouted]) assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await stored(road.body.ticket)).agency_code, 'so_gtvt');
    assert.equal((await stored(chosen.body.ticket)).agency_code, 'so_tnmt');
    assert.equal((await stored(unrouted.body.ticket)).agency_code, 'ttcns');
    assert.equal((await stored(unrouted.body.ticket)).layer_id, null);
  });

  test('the agencies a report on a point can go to: the operator first and by default', async () => {
    const res = await api(url, 'GET', '/api/reports/recipients');
    assert.equal(res.status, 200);
    assert.equal(res.body.default, 'ttcns');
    assert.equal(res.body.agencies[0].code, 'ttcns');
    const culture = res.body.agencies.find((a: { code: string }) => a.code === 'so_vhttdl');
    assert.ok(culture.sectors.includes('van_hoa'));
    // The owner of only restricted layers is listed, but without revealing their sectors to the public.
    const telecom = res.body.agencies.find((a: { code: string }) => a.code === 'so_tttt');
    assert.deepEqual(telecom.sectors, []);
  });

  test('a signed-in person may report too; the report remembers who', async () => {
    const res = await report(onBanGioc(), { session: sessions['bientap.dothi'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { rows } = await server.owner.query('select username from auth.users where id = $1', [(await stored(res.body.ticket)).submitted_by]);
    assert.equal(rows[0].username, 'bientap.dothi');
  });
});

describe('restricted layers', () => {
  test('a report on a restricted layer by someone who cannot read it answers 404 like everywhere', async () => {
    const anonymous = await report({ layer: BTS, fid: btsFid, category: 'other', description: 'Trạm này đã bị tháo dỡ.' });
    assert.equal(anonymous.status, 404);
    assert.equal(anonymous.body.code, 'layer_not_found');
    const otherAgency = await report({ layer: BTS, fid: btsFid, category: 'other', description: 'Trạm này đã bị tháo dỡ.' }, { session: sessions['bientap.gtvt'] });
    assert.equal(otherAgency.status, 404);
    assert.equal(otherAgency.body.code, 'layer_not_found');
    const { rows } = await server.owner.query('select count(*)::int as n from reports.reports where layer_id = $1', [BTS]);
    assert.equal(rows[0].n, 0);
  });

  test('who may read it reports on it; a lookup by someone who may not read the layer does not reveal it', async () => {
    const res = await report({ layer: BTS, fid: btsFid, category: 'should_not_exist', description: 'Trạm này đã bị tháo dỡ năm ngoái.' },
      { session: sessions['bientap.tttt'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const publicView = await api(url, 'GET', `/api/reports/${res.body.ticket}`);
    assert.equal(publicView.status, 200);
    assert.equal(publicView.body.layer, null);
    assert.equal(publicView.body.fid, null);
    assert.equal(publicView.body.feature_name, null);
    assert.equal(publicView.body.location, null);
    assert.equal(JSON.stringify(publicView.body).includes(BTS), false);
    const ownView = await api(url, 'GET', `/api/reports/${res.body.ticket}`, { session: sessions['bientap.tttt'] });
    assert.equal(ownView.body.layer.id, BTS);
    assert.equal(ownView.body.fid, btsFid);
    assert.equal(typeof ownView.body.feature_name, 'string');
    assert.ok(ownView.body.location);
  });
});

describe('looking a report up by its ticket', () => {
  test('shows status, times and the agency, never the contact; the ticket may be typed loosely', async () => {
    const res = await report(onBanGioc({ contact: '0912 345 678' }));
    const ticket: string = res.body.ticket;
    const view = await api(url, 'GET', `/api/reports/${ticket.toLowerCase().replace(/-/g, '')}`);
    assert.equal(view.status, 200, JSON.stringify(view.body));
    assert.equal(view.headers.get('cache-control'), 'no-store');
    assert.equal(view.body.ticket, ticket);
    assert.equal(view.body.status, 'new');
    assert.equal(view.body.category, 'wrong_attribute');
    assert.equal(view.body.reply, null);
    assert.equal(view.body.agency.code, 'so_vhttdl');
    assert.equal(view.body.layer.id, GEOSITES);
    assert.equal(view.body.fid, banGiocFid);
    assert.equal(view.body.feature_name, 'Thác Bản Giốc');
    assert.ok(Date.parse(view.body.created_at) <= Date.parse(view.body.updated_at));
    const text = JSON.stringify(view.body);
    assert.equal(text.includes('0912'), false, 'no contact');
    assert.equal(text.includes('198.51.100'), false, 'no address');
    assert.equal('description' in view.body, false, 'the description stays with the agency');
  });

  test('a malformed ticket is 400, an unknown one 404', async () => {
    const bad = await api(url, 'GET', '/api/reports/not-a-ticket', { headers: newAddress() });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_ticket');
    const unknown = await api(url, 'GET', '/api/reports/CB-0000-0000', { headers: newAddress() });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'report_not_found');
  });

  test('guessing tickets from one address is stopped', async () => {
    const headers = newAddress();
    for (let i = 0; i < 30; i++) {
      const res = await api(url, 'GET', `/api/reports/CB-0000-${String(i).padStart(4, '0')}`, { headers });
      assert.equal(res.status, 404);
    }
    const stopped = await api(url, 'GET', '/api/reports/CB-0000-1000', { headers });
    assert.equal(stopped.status, 429);
    assert.equal(stopped.body.code, 'too_many_lookups');
    assert.ok(Number(stopped.headers.get('retry-after')) > 0);
    assert.equal((await api(url, 'GET', '/api/reports/CB-0000-1000', { headers: newAddress() })).status, 404, 'other addresses go on');
  });
});

describe('the agency inbox', () => {
  let culture: string;
  let nationalRoad: string;
  let localRoad: string;
  let gtvtPoint: string;
  let operatorPoint: string;

  before(async () => {
    culture = (await report(onBanGioc({ contact: 'khach@example.vn' }))).body.ticket;
    nationalRoad = (await report({ layer: NATIONAL_ROADS, fid: nationalRoadFid, category: 'wrong_position', description: 'Quốc lộ vẽ lệch khỏi đường thật.' })).body.ticket;
    localRoad = (await report({ layer: LOCAL_ROADS, fid: localRoadFid, category: 'wrong_attribute', description: 'Tên đường xóm bị viết sai.' })).body.ticket;
    gtvtPoint = (await report({ lon: 106.26, lat: 22.67, agency: 'so_gtvt', category: 'missing_feature', description: 'Thiếu cây cầu mới ở đây.' })).body.ticket;
    operatorPoint = (await report({ lon: 106.27, lat: 22.68, category: 'other', description: 'Không biết gửi cơ quan nào.' })).body.ticket;
    for (const t of [culture, nationalRoad, localRoad, gtvtPoint, operatorPoint]) assert.match(t, TICKET_PATTERN);
  });

  test('an editor of the owning agency sees its reports, with the place, the contact and a link to the feature', async () => {
    const res = await api(url, 'GET', '/api/admin/reports?status=new', { session: sessions['bientap.vanhoa'] });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'private, no-store');
    const found = res.body.reports.find((r: { ticket: string }) => r.ticket === culture);
    assert.ok(found, 'the culture report is in the culture inbox');
    assert.equal(found.contact, 'khach@example.vn');
    assert.equal(found.layer.id, GEOSITES);
    assert.equal(found.fid, banGiocFid);
    assert.ok(Math.abs(found.location.lon - BAN_GIOC[0]) < 1e-6);
    assert.equal(found.links.feature, `${url}/api/layers/${GEOSITES}/features/${banGiocFid}`);
    assert.match(found.links.map, /#map=17\.00\/22\.85640\/106\.72200$/);
    assert.ok(res.body.reports.every((r: { agency: { code: string } }) => r.agency.code === 'so_vhttdl'), 'nothing of other agencies');
    assert.equal(res.body.total, res.body.reports.length);
  });

  test('each inbox holds its own agency\'s reports; the operator sees all', async () => {
    const gtvt = await inboxTickets(sessions['bientap.gtvt']!);
    assert.ok([nationalRoad, localRoad, gtvtPoint].every((t) => gtvt.includes(t)));
    assert.ok(!gtvt.includes(culture) && !gtvt.includes(operatorPoint));
    const gtvtAdmin = await inboxTickets(sessions['admin.gtvt']!);
    assert.deepEqual([...gtvtAdmin].sort(), [...gtvt].sort());
    const culture2 = await inboxTickets(sessions['bientap.vanhoa']!);
    assert.ok(culture2.includes(culture) && !culture2.includes(nationalRoad) && !culture2.includes(operatorPoint));
    const operator = await inboxTickets(sessions.vanhanh!);
    assert.ok([culture, nationalRoad, localRoad, gtvtPoint, operatorPoint].every((t) => operator.includes(t)));
    const tnmt = await inboxTickets(sessions['bientap.tnmt']!);
    assert.ok(!tnmt.includes(culture) && !tnmt.includes(gtvtPoint));
  });

  test('an editor limited to some layers sees the reports on those layers and on points', async () => {
    const scoped = await inboxTickets(sessions['bientap.quoclo']!);
    assert.ok(scoped.includes(nationalRoad), 'the national road report');
    assert.ok(scoped.includes(gtvtPoint), 'the report on a point');
    assert.ok(!scoped.includes(localRoad), 'not the local road, outside the editor\'s layers');
  });

  test('filters by status, layer and agency; pages with limit and offset', async () => {
    const layer = await inboxTickets(sessions.vanhanh!, `?layer=${NATIONAL_ROADS}`);
    assert.ok(layer.includes(nationalRoad) && !layer.includes(localRoad));
    const agency = await inboxTickets(sessions.vanhanh!, '?agency=ttcns');
    assert.ok(agency.includes(operatorPoint) && !agency.includes(gtvtPoint));
    assert.deepEqual(await inboxTickets(sessions.vanhanh!, '?status=fixed,rejected'), []);
    const page = await api(url, 'GET', '/api/admin/reports?limit=2&offset=1', { session: sessions.vanhanh });
    assert.equal(page.body.reports.length, 2);
    assert.ok(page.body.total > 2);
    const all = await inboxTickets(sessions.vanhanh!, '?limit=200');
    assert.deepEqual(page.body.reports.map((r: { ticket: string }) => r.ticket), all.slice(1, 3), 'newest first, paged');
  });

  test('people who do not handle reports are kept out', async () => {
    const anonymous = await api(url, 'GET', '/api/admin/reports');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.code, 'not_signed_in');
    const viewer = await api(url, 'GET', '/api/admin/reports', { session: sessions['xem.xaydung'] });
    assert.equal(viewer.status, 403);
    assert.equal(viewer.body.code, 'forbidden');
    const apiKey = await api(url, 'GET', '/api/admin/reports', { apiKey: DEMO_API_KEY });
    assert.equal(apiKey.status, 401);
    const otherAgency = await api(url, 'GET', `/api/admin/reports/${culture}`, { session: sessions['bientap.gtvt'] });
    assert.equal(otherAgency.status, 404);
    assert.equal(otherAgency.body.code, 'report_not_found');
  });

  test('bad inbox queries are 400 with a code', async () => {
    const s = sessions.vanhanh!;
    const cases: Array<[string, number, string]> = [
      ['?status=open', 400, 'invalid_status'],
      ['?limit=0', 400, 'invalid_limit'],
      ['?limit=201', 400, 'invalid_limit'],
      ['?offset=-1', 400, 'invalid_offset'],
      ['?held=maybe', 400, 'invalid_query'],
      ['?layer=../../etc', 404, 'layer_not_found'],
      ['?limit=1&limit=2', 400, 'invalid_query'],
    ];
    for (const [query, status, code] of cases) {
      const res = await api(url, 'GET', `/api/admin/reports${query}`, { session: s });
      assert.equal(res.status, status, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, query);
    }
  });

  test('the owning agency moves a report on with a reply; the public sees it; each change is audited', async () => {
    const editor = sessions['bientap.vanhoa']!;
    const start = await api(url, 'PATCH', `/api/admin/reports/${culture}`, { session: editor, body: { status: 'in_progress', reply: 'Đang kiểm tra thực địa.' } });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.status, 'in_progress');
    assert.equal(start.body.reply, 'Đang kiểm tra thực địa.');
    const publicView = await api(url, 'GET', `/api/reports/${culture}`);
    assert.equal(publicView.body.status, 'in_progress');
    assert.equal(publicView.body.reply, 'Đang kiểm tra thực địa.');
    assert.ok(Date.parse(publicView.body.updated_at) >= Date.parse(publicView.body.created_at));

    const back = await api(url, 'PATCH', `/api/admin/reports/${culture}`, { session: editor, body: { status: 'new' } });
    assert.equal(back.status, 409);
    assert.equal(back.body.code, 'invalid_transition');
    assert.deepEqual(back.body.details.allowed, ['fixed', 'rejected']);
    const rejectSilently = await api(url, 'PATCH', `/api/admin/reports/${culture}`, { session: editor, body: { status: 'rejected', reply: '' } });
    assert.equal(rejectSilently.status, 400);
    assert.equal(rejectSilently.body.code, 'reply_required');

    const fixed = await api(url, 'PATCH', `/api/admin/reports/${culture}`, { session: editor, body: { status: 'fixed', reply: 'Đã sửa giờ mở cửa.' } });
    assert.equal(fixed.status, 200);
    assert.equal((await api(url, 'GET', `/api/reports/${culture}`)).body.status, 'fixed');

    const detail = await api(url, 'GET', `/api/admin/reports/${culture}`, { session: editor });
    assert.equal(detail.status, 200);
    assert.deepEqual(detail.body.events.map((e: { to_status: string }) => e.to_status), ['new', 'in_progress', 'fixed']);
    assert.deepEqual(detail.body.events.map((e: { actor: string | null }) => e.actor), [null, 'bientap.vanhoa', 'bientap.vanhoa']);
    assert.deepEqual(detail.body.next_statuses, ['in_progress']);

    const audit = await auditFor(culture);
    assert.deepEqual(audit.map((a) => a.action), ['report_submitted', 'report_updated', 'report_updated']);
    assert.deepEqual(audit.slice(1).map((a) => [a.username, a.agency_code, a.details.from, a.details.to]),
      [['bientap.vanhoa', 'so_vhttdl', 'new', 'in_progress'], ['bientap.vanhoa', 'so_vhttdl', 'in_progress', 'fixed']]);
  });

  test('another agency cannot change a report; bad changes are 4xx with a code', async () => {
    const other = await api(url, 'PATCH', `/api/admin/reports/${nationalRoad}`, { session: sessions['bientap.vanhoa'], body: { status: 'in_progress' } });
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'report_not_found');
    assert.equal((await stored(nationalRoad)).status, 'new');
    const s = sessions['bientap.gtvt']!;
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, 'nothing_to_change'],
      [{ status: 'closed' }, 400, 'invalid_body'],
      [{ status: 'in_progress', note: 'x' }, 400, 'invalid_body'],
      [{ reply: 'x'.repeat(2001) }, 400, 'reply_too_long'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api(url, 'PATCH', `/api/admin/reports/${nationalRoad}`, { session: s, body });
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code);
    }
    const badTicket = await api(url, 'PATCH', '/api/admin/reports/nope', { session: s, body: { status: 'fixed' } });
    assert.equal(badTicket.body.code, 'invalid_ticket');
    const noCsrf = await api(url, 'PATCH', `/api/admin/reports/${nationalRoad}`, { session: s, body: { status: 'fixed' }, headers: { 'x-csrf-token': 'wrong' } });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.code, 'csrf_token_invalid');
  });

  test('a rejection carries its reason to the public', async () => {
    const res = await api(url, 'PATCH', `/api/admin/reports/${localRoad}`, {
      session: sessions['bientap.gtvt'], body: { status: 'rejected', reply: 'Tên đường đúng theo quyết định đặt tên.' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const view = await api(url, 'GET', `/api/reports/${localRoad}`);
    assert.equal(view.body.status, 'rejected');
    assert.equal(view.body.reply, 'Tên đường đúng theo quyết định đặt tên.');
  });

  test('a layer handed to another agency takes its open reports along', async () => {
    await server.owner.query(
      "update catalog.layers set owner_agency_id = (select id from catalog.agencies where code = 'so_xay_dung') where id = $1", [NATIONAL_ROADS]);
    try {
      assert.equal((await stored(nationalRoad)).agency_code, 'so_xay_dung');
      assert.ok(!(await inboxTickets(sessions['bientap.gtvt']!)).includes(nationalRoad));
      const { rows } = await server.owner.query(
        `select a.code from reports.report_events e join catalog.agencies a on a.id = e.agency_id
         join reports.reports r on r.id = e.report_id where r.ticket = $1 order by e.id`, [nationalRoad]);
      assert.deepEqual(rows.map((r) => r.code), ['so_gtvt', 'so_xay_dung']);
    } finally {
      await server.owner.query(
        "update catalog.layers set owner_agency_id = (select id from catalog.agencies where code = 'so_gtvt') where id = $1", [NATIONAL_ROADS]);
    }
  });
});

describe('bad reports are refused with a code a program can act on', () => {
  const point = { lon: 106.25, lat: 22.66, category: 'missing_feature', description: 'Thiếu cây cầu bắc qua suối.' };
  // Refused before any feature is looked up, so any fid does.
  const onFeature = { layer: GEOSITES, fid: 1, category: 'other', description: 'Có gì đó sai ở đây.' };
  const cases: Array<[string, unknown, number, string]> = [
    ['not an object', [1, 2], 400, 'invalid_body'],
    ['an unknown field', { ...point, priority: 'high' }, 400, 'invalid_body'],
    ['no category', { ...point, category: undefined }, 400, 'invalid_category'],
    ['an unknown category', { ...point, category: 'typo' }, 400, 'invalid_category'],
    ['no description', { ...point, description: undefined }, 400, 'description_too_short'],
    ['a description of spaces', { ...point, description: '         ' }, 400, 'description_too_short'],
    ['a short description', { ...point, description: 'sai' }, 400, 'description_too_short'],
    ['ten UTF-16 units but five characters', { ...point, description: '🌊🌊🌊🌊🌊' }, 400, 'description_too_short'],
    ['a long description', { ...point, description: 'a'.repeat(2001) }, 400, 'description_too_long'],
    ['a description that is not text', { ...point, description: 12345678901 }, 400, 'invalid_body'],
    ['a malformed e-mail', { ...point, contact: 'abc@' }, 400, 'invalid_contact'],
    ['a malformed phone', { ...point, contact: '12345' }, 400, 'invalid_contact'],
    ['a contact that is too long', { ...point, contact: `${'a'.repeat(200)}@example.vn` }, 400, 'invalid_contact'],
    ['a point outside the province', { ...point, lon: 105.8, lat: 21.0 }, 400, 'outside_province'],
    ['swapped coordinates', { ...point, lon: 22.66, lat: 106.25 }, 400, 'outside_province'],
    ['lon without lat', { ...point, lat: undefined }, 400, 'invalid_location'],
    ['a coordinate as text', { ...point, lon: '106.25' }, 400, 'invalid_location'],
    ['neither feature nor point', { category: 'other', description: 'Có gì đó sai ở đây.' }, 400, 'location_required'],
    ['a layer without fid', { layer: GEOSITES, category: 'other', description: 'Có gì đó sai ở đây.' }, 400, 'feature_incomplete'],
    ['a fraction fid', { layer: GEOSITES, fid: 1.5, category: 'other', description: 'Có gì đó sai ở đây.' }, 400, 'invalid_fid'],
    ['a negative fid', { layer: GEOSITES, fid: -1, category: 'other', description: 'Có gì đó sai ở đây.' }, 400, 'invalid_fid'],
    ['an unknown layer', { layer: 'van_hoa.khong_co', fid: 1, category: 'other', description: 'Có gì đó sai ở đây.' }, 404, 'layer_not_found'],
    ['a layer id that is not one', { layer: "x'; drop table x;--", fid: 1, category: 'other', description: 'Có gì đó sai ở đây.' }, 404, 'layer_not_found'],
    ['an unknown feature', { layer: GEOSITES, fid: 999999, category: 'other', description: 'Có gì đó sai ở đây.' }, 404, 'feature_not_found'],
    ['a click with only its longitude', { ...onFeature, clicked_lon: 106.72 }, 400, 'invalid_location'],
    ['a click with swapped coordinates (latitude beyond 90°)', { ...onFeature, clicked_lon: 22.85, clicked_lat: 106.72 }, 400, 'invalid_location'],
    ['a click as text', { ...onFeature, clicked_lon: '106.72', clicked_lat: 22.85 }, 400, 'invalid_location'],
    ['a click without a feature', { ...point, description: 'Có gì đó sai ở đây.', clicked_lon: 106.25, clicked_lat: 22.66 }, 400, 'invalid_location'],
    ['an unknown agency', { ...point, agency: 'so_khong_co' }, 400, 'unknown_agency'],
    ['an agency code that is not one', { ...point, agency: 'Sở Xây dựng' }, 400, 'unknown_agency'],
  ];
  for (const [what, body, status, code] of cases) {
    test(what, async () => {
      const res = await report(body as Record<string, unknown>);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
      assert.equal(typeof res.body.message, 'string');
    });
  }

  test('a body that is not JSON, or too large', async () => {
    const notJson = await api(url, 'POST', '/api/reports', { body: '{"category":', headers: newAddress() });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 'invalid_json');
    const huge = await api(url, 'POST', '/api/reports', { body: { ...point, description: 'đ'.repeat(9000) }, headers: newAddress() });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'body_too_large');
  });

  test('good contacts: e-mail, and phone numbers written the usual ways', async () => {
    for (const contact of ['ten.nguoi@caobang.gov.vn', '0912 345 678', '+84 912 345 678', '(0206) 3852 123']) {
      const res = await report({ ...point, description: `Thiếu cây cầu, liên hệ ${contact}.`, contact });
      assert.equal(res.status, 201, `${contact}: ${JSON.stringify(res.body)}`);
      assert.equal((await stored(res.body.ticket)).contact, contact);
    }
  });

  test('nothing refused was stored', async () => {
    const { rows } = await server.owner.query("select count(*)::int as n from reports.reports where description like 'Có gì đó sai%' or description = 'sai'");
    assert.equal(rows[0].n, 0);
  });
});

describe('spam is held back without puzzles', () => {
  test('a filled honeypot gets an ordinary-looking answer, but the report stays out of every inbox', async () => {
    const honest = await report(onBanGioc());
    const bot = await report(onBanGioc({ website: 'http://spam.example' }));
    assert.equal(bot.status, 201);
    assert.deepEqual(Object.keys(bot.body).sort(), Object.keys(honest.body).sort());
    assert.match(bot.body.ticket, TICKET_PATTERN);
    const row = await stored(bot.body.ticket);
    assert.equal(row.held_reason, 'honeypot');
    assert.ok(!(await inboxTickets(sessions['bientap.vanhoa']!)).includes(bot.body.ticket));
    assert.ok(!(await inboxTickets(sessions.vanhanh!)).includes(bot.body.ticket));
    // The operator and the agency's staff still find it among the held ones (a browser may have filled the field
    // for an honest person): they release it or delete it (server/reports/held-reports.test.ts).
    assert.ok((await inboxTickets(sessions.vanhanh!, '?held=true')).includes(bot.body.ticket));
    assert.ok((await inboxTickets(sessions['bientap.vanhoa']!, '?held=true')).includes(bot.body.ticket));
    assert.ok(!(await inboxTickets(sessions['bientap.gtvt']!, '?held=true')).includes(bot.body.ticket));
    const view = await api(url, 'GET', `/api/reports/${bot.body.ticket}`);
    assert.equal(view.body.status, 'new', 'the lookup does not tell the bot either');
    const answer = await api(url, 'PATCH', `/api/admin/reports/${bot.body.ticket}`, { session: sessions.vanhanh, body: { status: 'fixed' } });
    assert.equal(answer.status, 409);
    assert.equal(answer.body.code, 'report_held');
    const audit = await auditFor(bot.body.ticket);
    assert.equal(audit[0].agency_id, null, 'not in the agency\'s audit log either');
    assert.equal(audit[0].details.held, 'honeypot');
  });

  test('the same text again from the same address: a second click gets the first ticket, another target is refused', async () => {
    const headers = newAddress();
    const body = onBanGioc({ description: 'Ảnh minh hoạ của thác không đúng mùa.' });
    const first = await report(body, { headers });
    const again = await report({ ...body, description: '  ảnh minh hoạ của thác KHÔNG đúng mùa  ' }, { headers });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.ticket, first.body.ticket);
    assert.equal(again.body.duplicate, true);
    const elsewhere = await report({ ...body, lon: 106.3, lat: 22.7, layer: undefined, fid: undefined }, { headers });
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.code, 'duplicate_text');
    assert.equal(elsewhere.body.details.ticket, first.body.ticket);
    const otherPerson = await report(body);
    assert.equal(otherPerson.status, 201);
    assert.notEqual(otherPerson.body.ticket, first.body.ticket);
    const { rows } = await server.owner.query('select count(*)::int as n from reports.reports where text_hash = $1',
      [(await stored(first.body.ticket)).text_hash]);
    assert.equal(rows[0].n, 2);
  });

  test('one address may send a few reports in a row, then waits', async () => {
    const headers = newAddress();
    for (let i = 1; i <= 5; i++) {
      const res = await report(onBanGioc({ description: `Báo lỗi thứ ${i}: giờ mở cửa sai.` }), { headers });
      assert.equal(res.status, 201, `report ${i}: ${JSON.stringify(res.body)}`);
    }
    const sixth = await report(onBanGioc({ description: 'Báo lỗi thứ 6: giờ mở cửa sai.' }), { headers });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.body.code, 'too_many_reports');
    assert.ok(Number(sixth.headers.get('retry-after')) > 0);
    assert.equal((await report(onBanGioc())).status, 201, 'another address goes on');
  });

  test('and no more than a day\'s worth, counted in the database across server nodes', async () => {
    const address = '203.0.113.77';
    await server.owner.query(
      `insert into reports.reports (ticket, agency_id, location, category, description, submitter_ip, text_hash)
       select reports.new_ticket(), (select id from catalog.agencies where code = 'ttcns'), st_setsrid(st_makepoint(106.2, 22.6), 4326),
              'other', 'Báo lỗi số ' || i || ' trong ngày', $1::inet, repeat(to_hex(i % 16), 64)
       from generate_series(1, 30) i`, [address]);
    const res = await report(onBanGioc(), { headers: { 'x-forwarded-for': address } });
    assert.equal(res.status, 429);
    assert.equal(res.body.code, 'daily_report_limit');
  });
});

describe('a report on a line or an area is shown where the reporter clicked it', () => {
  /** A place about 22 m north of the national road, at a fraction of its first line, and what the database says of it. */
  async function nearRoad(fraction: number, offsetDegrees = 0.0002) {
    const { rows } = await server.owner.query(
      `select st_x(p) + 0 as lon, st_y(p) + $3 as lat from (
         select st_lineinterpolatepoint(st_geometryn(geom, 1), $2) as p from giao_thong.quoc_lo where fid = $1) x`,
      [nationalRoadFid, fraction, offsetDegrees]);
    return rows[0] as { lon: number; lat: number };
  }

  /** Where the report sits, measured against the road and the click. */
  async function placed(ticket: string, click: { lon: number; lat: number }) {
    const { rows } = await server.owner.query(
      `select st_distance(r.location, f.geom) as from_line,
              st_distance(r.location::geography, st_setsrid(st_makepoint($2, $3), 4326)::geography) as from_click_m,
              st_equals(r.location, st_pointonsurface(f.geom)) as on_surface_point,
              st_distance(st_pointonsurface(f.geom)::geography, st_setsrid(st_makepoint($2, $3), 4326)::geography) as surface_from_click_m
       from reports.reports r join giao_thong.quoc_lo f on f.fid = r.fid where r.ticket = $1`,
      [ticket, click.lon, click.lat]);
    return rows[0] as { from_line: number; from_click_m: number; on_surface_point: boolean; surface_from_click_m: number };
  }

  const onRoad = (extra: Record<string, unknown>) => report({
    layer: NATIONAL_ROADS, fid: nationalRoadFid, category: 'wrong_attribute',
    description: `Biển báo trên quốc lộ bị đổ (${++addressCounter}).`, ...extra,
  });

  test('a click beside the road puts the report on the road\'s line, next to the click', async () => {
    const click = await nearRoad(0.2);
    const res = await onRoad({ clicked_lon: click.lon, clicked_lat: click.lat });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const p = await placed(res.body.ticket, click);
    assert.ok(p.from_line < 1e-6, `on the line: ${p.from_line}°`);
    assert.ok(p.from_click_m < 30, `next to the click: ${p.from_click_m} m`);
    assert.ok(p.surface_from_click_m > 500, `the point on surface is elsewhere (${p.surface_from_click_m} m), so the test tells them apart`);
    // The agency's inbox shows that place.
    const inbox = await api(url, 'GET', `/api/admin/reports/${res.body.ticket}`, { session: sessions['bientap.gtvt'] });
    assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
    const { rows } = await server.owner.query('select st_x(location) as lon, st_y(location) as lat from reports.reports where ticket = $1', [res.body.ticket]);
    assert.deepEqual(inbox.body.report.location, { lon: rows[0].lon, lat: rows[0].lat });
  });

  test('without a click the report keeps the road\'s point on surface', async () => {
    const res = await onRoad({});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await placed(res.body.ticket, await nearRoad(0.2))).on_surface_point, true);
  });

  test('a click far from the road (over 200 m) is no click on it: the point on surface again', async () => {
    const far = await nearRoad(0.2, 0.005); // about 550 m north
    const res = await onRoad({ clicked_lon: far.lon, clicked_lat: far.lat });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const p = await placed(res.body.ticket, far);
    assert.ok(p.from_click_m > 200, `${p.from_click_m} m`);
    assert.equal(p.on_surface_point, true);
  });

  test('a click outside the province (a card at its edge) does not fail the report: far from the road, it is not used', async () => {
    const outside = { lon: 105.8, lat: 21.0 };
    const res = await onRoad({ clicked_lon: outside.lon, clicked_lat: outside.lat });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((await placed(res.body.ticket, outside)).on_surface_point, true);
  });

  test('a place given as lon/lat besides the click is still kept as the reporter gave it', async () => {
    const click = await nearRoad(0.2);
    const res = await onRoad({ category: 'wrong_position', clicked_lon: click.lon, clicked_lat: click.lat, lon: 106.25, lat: 22.66 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const row = await stored(res.body.ticket);
    assert.deepEqual([row.lon, row.lat], [106.25, 22.66]);
  });
});
