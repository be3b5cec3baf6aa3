// Held (spam) reports over HTTP against the demo data: the staff who would handle a report see it apart from the
// inbox, and release it into the inbox or delete it, each audited; nobody else can, and nothing else is deleted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type JsonResponse, type Session } from '../testing/http.ts';
import { DEMO_PASSWORD } from '../../infra/demo/accounts.ts';

const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const NATIONAL_ROADS = 'giao_thong.quoc_lo';

let server: TestServer;
let url: string;
const s: Record<string, Session> = {};
let geositeFid: number;
let roadFid: number;
let address = 0;

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['vanhanh', 'bientap.vanhoa', 'bientap.gtvt', 'admin.dothi', 'xem.xaydung']) s[u] = await login(url, u, DEMO_PASSWORD);
  geositeFid = (await server.owner.query('select min(fid) as fid from van_hoa.diem_di_san_dia_chat')).rows[0].fid;
  roadFid = (await server.owner.query('select min(fid) as fid from giao_thong.quoc_lo')).rows[0].fid;
});

after(async () => server.close());

/** A report whose honeypot field was filled, each from its own address. */
async function heldReport(target: Record<string, unknown>, description: string): Promise<string> {
  address += 1;
  const res = await api(url, 'POST', '/api/reports', {
    headers: { 'x-forwarded-for': `203.0.113.${address}` },
    body: { ...target, category: 'other', description, website: 'http://spam.example' },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket as string;
}

async function tickets(session: Session, query = ''): Promise<string[]> {
  const res = await api(url, 'GET', `/api/admin/reports${query}`, { session });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.reports.map((r: { ticket: string }) => r.ticket);
}

async function audit(ticket: string) {
  const { rows } = await server.owner.query(
    `select e.action, a.code as agency, u.username, e.details from audit.events e
     left join catalog.agencies a on a.id = e.agency_id left join auth.users u on u.id = e.actor_user_id
     where e.target_type = 'report' and e.target_id = $1 order by e.id`, [ticket]);
  return rows;
}

function refused(res: JsonResponse, status: number, code: string, message: RegExp): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code);
  assert.match(res.body.message, message);
}

describe('held reports', () => {
  let ticket: string;

  test('the agency\'s staff see a held report apart from the inbox; other agencies do not see it at all', async () => {
    ticket = await heldReport({ layer: GEOSITES, fid: geositeFid }, 'Giờ mở cửa ở đây sai, mời xem trang của chúng tôi.');
    assert.ok((await tickets(s['bientap.vanhoa']!, '?held=true')).includes(ticket));
    assert.ok(!(await tickets(s['bientap.vanhoa']!)).includes(ticket), 'not in the normal inbox');
    assert.ok((await tickets(s.vanhanh!, '?held=true')).includes(ticket), 'the operator sees it too');
    assert.ok(!(await tickets(s['bientap.gtvt']!, '?held=true')).includes(ticket));
    const one = await api(url, 'GET', `/api/admin/reports/${ticket}`, { session: s['bientap.vanhoa'] });
    assert.equal(one.body.report.held, true);
    assert.deepEqual(one.body.next_statuses, []);
    assert.deepEqual(one.body.events, [], 'a held report has no history yet');
    refused(await api(url, 'PATCH', `/api/admin/reports/${ticket}`, { session: s['bientap.vanhoa'], body: { status: 'in_progress' } }),
      409, 'report_held', /release it to the inbox first/);
  });

  test('nobody else releases or deletes it', async () => {
    refused(await api(url, 'POST', `/api/admin/reports/${ticket}/release`, { session: s['bientap.gtvt'] }), 404, 'report_not_found', /not for you/);
    refused(await api(url, 'DELETE', `/api/admin/reports/${ticket}`, { session: s['bientap.gtvt'] }), 404, 'report_not_found', /not for you/);
    refused(await api(url, 'POST', `/api/admin/reports/${ticket}/release`, { session: s['xem.xaydung'] }), 403, 'forbidden', /staff/);
    refused(await api(url, 'DELETE', `/api/admin/reports/${ticket}`), 401, 'not_signed_in', /Sign in/);
    refused(await api(url, 'DELETE', '/api/admin/reports/khong-phai-ve', { session: s.vanhanh }), 400, 'invalid_ticket', /CB-/);
    refused(await api(url, 'POST', '/api/admin/reports/CB-0000-0000/release', { session: s.vanhanh }), 404, 'report_not_found', /no report/);
    const { rows } = await server.owner.query('select held_reason from reports.reports where ticket = $1', [ticket]);
    assert.equal(rows[0].held_reason, 'honeypot');
  });

  test('released, it is a new report of the inbox with its submission in its history, and can be answered', async () => {
    const released = await api(url, 'POST', `/api/admin/reports/${ticket}/release`, { session: s['bientap.vanhoa'] });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.deepEqual([released.body.held, released.body.status], [false, 'new']);
    assert.ok((await tickets(s['bientap.vanhoa']!)).includes(ticket));
    assert.ok(!(await tickets(s['bientap.vanhoa']!, '?held=true')).includes(ticket));
    const one = await api(url, 'GET', `/api/admin/reports/${ticket}`, { session: s['bientap.vanhoa'] });
    assert.deepEqual(one.body.events.map((e: { from_status: string | null; to_status: string }) => [e.from_status, e.to_status]), [[null, 'new']]);
    assert.equal(one.body.events[0].at, one.body.report.created_at, 'dated when it was sent');
    const answered = await api(url, 'PATCH', `/api/admin/reports/${ticket}`, { session: s['bientap.vanhoa'], body: { status: 'in_progress' } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    const events = await audit(ticket);
    assert.deepEqual(events.map((e) => [e.action, e.agency, e.username]),
      [['report_submitted', null, null], ['report_released', 'so_vhttdl', 'bientap.vanhoa'], ['report_updated', 'so_vhttdl', 'bientap.vanhoa']]);
  });

  test('a report that is not held is neither released again nor deleted', async () => {
    refused(await api(url, 'POST', `/api/admin/reports/${ticket}/release`, { session: s['bientap.vanhoa'] }), 409, 'report_not_held', /cannot be deleted/);
    refused(await api(url, 'DELETE', `/api/admin/reports/${ticket}`, { session: s.vanhanh }), 409, 'report_not_held', /cannot be deleted/);
    assert.equal((await api(url, 'GET', `/api/reports/${ticket}`)).body.status, 'in_progress');
  });

  test('deleted, it is gone for good; the audit log keeps what it said', async () => {
    const spam = await heldReport({ lon: 106.25, lat: 22.66, agency: 'so_gtvt' }, 'Bán hàng giá rẻ, liên hệ ngay hôm nay!!!');
    assert.ok((await tickets(s['bientap.gtvt']!, '?held=true')).includes(spam));
    const deleted = await api(url, 'DELETE', `/api/admin/reports/${spam}`, { session: s.vanhanh });
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.equal((await server.owner.query('select count(*)::int as n from reports.reports where ticket = $1', [spam])).rows[0].n, 0);
    refused(await api(url, 'GET', `/api/reports/${spam}`), 404, 'report_not_found', /no report/);
    const events = await audit(spam);
    assert.deepEqual(events.map((e) => [e.action, e.agency, e.username]), [['report_submitted', null, null], ['report_deleted', 'so_gtvt', 'vanhanh']]);
    assert.equal(events[1].details.description, 'Bán hàng giá rẻ, liên hệ ngay hôm nay!!!');
    assert.equal(events[1].details.held, 'honeypot');
  });

  test('a held report that followed its layer to another agency is that agency\'s to delete', async () => {
    const spam = await heldReport({ layer: NATIONAL_ROADS, fid: roadFid }, 'Quảng cáo dịch vụ vận tải giá rẻ!!!');
    const handed = await api(url, 'POST', `/api/admin/layers/${NATIONAL_ROADS}/owner`, { session: s.vanhanh, body: { agency: 'ubnd_tp_cao_bang' } });
    assert.equal(handed.status, 204, JSON.stringify(handed.body));
    assert.ok(!(await tickets(s['bientap.gtvt']!, '?held=true')).includes(spam));
    assert.ok((await tickets(s['admin.dothi']!, '?held=true')).includes(spam));
    assert.equal((await api(url, 'DELETE', `/api/admin/reports/${spam}`, { session: s['admin.dothi'] })).status, 204);
  });
});
