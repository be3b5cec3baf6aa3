// The change history of a layer as counts per day or month (GET /api/layers/:id/changes): what the history holds,
// counted by Vietnam's calendar, following every edit, and never for a caller who may not read the layer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { anonymousIdentity } from '../auth/identity.ts';
import { createLayer } from '../catalog/create-layer.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../../infra/demo/accounts.ts';

const ROADS = 'giao_thong.quoc_lo';
const MARKETS = 'cong_thuong.cho';
const BTS = 'thong_tin.tram_bts';
const TEST_LAYER = 'cong_thuong.lich_su_thu';

interface Period { period: string; inserted: number; updated: number; deleted: number; first_at: string; last_at: string }

let server: TestServer;
let url: string;
const sessions: Record<string, Session> = {};

/** The calendar day or month in Vietnam of an instant, worked out with Intl rather than the SQL under test. */
function vietnamPeriod(at: Date, interval: 'day' | 'month'): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(at).map((p) => [p.type, p.value]));
  return interval === 'day' ? `${parts.year}-${parts.month}-${parts.day}` : `${parts.year}-${parts.month}`;
}

/** What the history holds for a layer, grouped here from the raw rows. */
async function expectedPeriods(layerId: string, interval: 'day' | 'month'): Promise<Map<string, { inserted: number; updated: number; deleted: number }>> {
  const { rows } = await server.owner.query<{ operation: 'insert' | 'update' | 'delete'; changed_at: Date }>(
    'select operation, changed_at from history.feature_versions where layer_id = $1', [layerId]);
  const out = new Map<string, { inserted: number; updated: number; deleted: number }>();
  for (const r of rows) {
    const key = vietnamPeriod(r.changed_at, interval);
    const c = out.get(key) ?? { inserted: 0, updated: 0, deleted: 0 };
    c[r.operation === 'insert' ? 'inserted' : r.operation === 'update' ? 'updated' : 'deleted'] += 1;
    out.set(key, c);
  }
  return out;
}

async function changes(layerId: string, query = '', opts: { session?: Session; apiKey?: string } = {}) {
  return api(url, 'GET', `/api/layers/${encodeURIComponent(layerId)}/changes${query}`, opts);
}

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['vanhanh', 'bientap.tttt', 'bientap.gtvt', 'xem.xaydung']) sessions[u] = await login(url, u, DEMO_PASSWORD);
  await createLayer(server.owner, {
    id: TEST_LAYER, ownerAgencyCode: 'so_cong_thuong', titleVi: 'Lớp thử lịch sử', titleEn: 'History test layer',
    geometryFamily: 'point', source: 'Sở Công Thương',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  // History is written only by the layer triggers, at now(). To test the calendar (days, months, the time-zone
  // boundary) this file adds versions at chosen instants directly, as the database owner.
  const at = [
    ['2024-03-01T16:59:00Z', 'insert', 1, 1], // 23:59 on 1 March in Vietnam
    ['2024-03-01T17:00:00Z', 'insert', 2, 1], // 00:00 on 2 March in Vietnam, still 1 March in UTC
    ['2024-03-02T03:00:00Z', 'update', 1, 2],
    ['2024-04-15T05:00:00Z', 'delete', 2, 2],
  ] as const;
  for (const [when, operation, fid, version] of at) {
    await server.owner.query(
      `insert into history.feature_versions (layer_id, fid, version, operation, geom, attributes, changed_at)
       values ($1, $2, $3, $4, case when $4 = 'delete' then null else st_setsrid(st_makepoint(106.2, 22.7), 4326) end, '{}', $5)`,
      [TEST_LAYER, fid, version, operation, when]);
  }
});

after(async () => server.close());

describe('counts per period', () => {
  test('a demo layer: every period of its history, as the history holds it, oldest first', async () => {
    for (const interval of ['day', 'month'] as const) {
      const res = await changes(ROADS, `?interval=${interval}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.interval, interval);
      assert.equal(res.body.time_zone, 'Asia/Ho_Chi_Minh');
      const expected = await expectedPeriods(ROADS, interval);
      assert.ok(expected.size > 0, 'the demo load wrote history');
      assert.deepEqual(
        res.body.periods.map((p: Period) => [p.period, { inserted: p.inserted, updated: p.updated, deleted: p.deleted }]),
        [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)),
      );
      const { rows } = await server.owner.query('select feature_count from catalog.layers where id = $1', [ROADS]);
      assert.equal(res.body.feature_count, rows[0].feature_count);
      assert.equal(res.body.totals.inserted - res.body.totals.deleted, rows[0].feature_count);
    }
  });

  test('days and months are Vietnam’s: 00:00 on 2 March (17:00 UTC on the 1st) counts for the 2nd', async () => {
    const days = await changes(TEST_LAYER, '?interval=day');
    assert.equal(days.status, 200);
    assert.deepEqual(days.body.periods.map((p: Period) => [p.period, p.inserted, p.updated, p.deleted]), [
      ['2024-03-01', 1, 0, 0],
      ['2024-03-02', 1, 1, 0],
      ['2024-04-15', 0, 0, 1],
    ]);
    assert.equal(days.body.periods[1].first_at, '2024-03-01T17:00:00.000Z');
    assert.equal(days.body.periods[1].last_at, '2024-03-02T03:00:00.000Z');
    const months = await changes(TEST_LAYER, '?interval=month');
    assert.deepEqual(months.body.periods.map((p: Period) => [p.period, p.inserted, p.updated, p.deleted]), [
      ['2024-03', 2, 1, 0],
      ['2024-04', 0, 0, 1],
    ]);
    assert.deepEqual(months.body.totals, { inserted: 2, updated: 1, deleted: 1 });
  });

  test('day is the default; limit keeps the latest periods', async () => {
    const res = await changes(TEST_LAYER);
    assert.equal(res.body.interval, 'day');
    assert.equal(res.body.periods.length, 3);
    const two = await changes(TEST_LAYER, '?interval=day&limit=2');
    assert.deepEqual(two.body.periods.map((p: Period) => p.period), ['2024-03-02', '2024-04-15']);
    assert.equal(two.body.limit, 2);
    assert.deepEqual(two.body.totals, { inserted: 1, updated: 1, deleted: 1 });
  });

  test('an insert, an update and a delete today each add one to today’s counts', async () => {
    const today = vietnamPeriod(new Date(), 'day');
    const countsToday = async () => {
      const res = await changes(MARKETS, '?interval=day');
      const p = res.body.periods.find((x: Period) => x.period === today);
      return p ? { inserted: p.inserted, updated: p.updated, deleted: p.deleted } : { inserted: 0, updated: 0, deleted: 0 };
    };
    const before = await countsToday();
    const { rows } = await server.owner.query(
      `insert into cong_thuong.cho (geom) values (st_setsrid(st_makepoint(106.25, 22.66), 4326)) returning fid`);
    await server.owner.query('update cong_thuong.cho set geom = st_setsrid(st_makepoint(106.26, 22.66), 4326) where fid = $1', [rows[0].fid]);
    await server.owner.query('delete from cong_thuong.cho where fid = $1', [rows[0].fid]);
    // The day is taken when the changes are made: a test running across midnight would see them split.
    if (vietnamPeriod(new Date(), 'day') !== today) return;
    assert.deepEqual(await countsToday(), { inserted: before.inserted + 1, updated: before.updated + 1, deleted: before.deleted + 1 });
  });
});

describe('who may see the history of a restricted layer', () => {
  const notFoundBody = (id: string) => ({
    status: 404, code: 'layer_not_found', message: `Layer '${id}' does not exist or is not visible to you.`,
  });

  test('anonymous callers and other agencies’ staff get the 404 of a layer that does not exist', async () => {
    assert.deepEqual((await changes(BTS)).body, notFoundBody(BTS));
    assert.equal((await changes(BTS)).status, 404);
    const gtvt = await changes(BTS, '?interval=month', { session: sessions['bientap.gtvt'] });
    assert.equal(gtvt.status, 404);
    assert.deepEqual(gtvt.body, notFoundBody(BTS));
    assert.deepEqual((await changes('thong_tin.khong_co')).body, notFoundBody('thong_tin.khong_co'));
  });

  test('the owner agency, the reader agency (person and API key) and the operator see it', async () => {
    const expected = await expectedPeriods(BTS, 'day');
    for (const opts of [{ session: sessions['bientap.tttt'] }, { session: sessions['xem.xaydung'] }, { session: sessions.vanhanh }, { apiKey: DEMO_API_KEY }]) {
      const res = await changes(BTS, '?interval=day', opts);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers.get('cache-control'), 'private, no-store');
      assert.deepEqual(res.body.periods.map((p: Period) => p.period), [...expected.keys()].sort());
    }
  });

  test('the SQL function itself returns nothing to a caller who may not read the layer', async () => {
    const rows = await server.app.db.withCaller(anonymousIdentity, async (c) =>
      (await c.query("select * from history.layer_changes($1, 'day', 100)", [BTS])).rows);
    assert.deepEqual(rows, []);
    const open = await server.app.db.withCaller(anonymousIdentity, async (c) =>
      (await c.query("select * from history.layer_changes($1, 'day', 100)", [ROADS])).rows);
    assert.ok(open.length > 0);
    // Nor can the server's role read the history table around it.
    await assert.rejects(server.app.db.withCaller(anonymousIdentity, (c) => c.query('select count(*) from history.feature_versions')),
      (err: { code?: string }) => err.code === '42501');
  });
});

describe('bad requests', () => {
  const cases: Array<[string, string, number, string, RegExp]> = [
    ['unknown interval', '?interval=week', 400, 'invalid_interval', /^interval is day or month; got 'week'\.$/],
    ['empty interval', '?interval=', 400, 'invalid_interval', /^interval is day or month; got ''\.$/],
    ['limit 0', '?limit=0', 400, 'invalid_limit', /^limit is a whole number of periods from 1 to 1000; got '0'\.$/],
    ['limit too large', '?limit=1001', 400, 'invalid_limit', /from 1 to 1000; got '1001'/],
    ['limit not a number', '?limit=ten', 400, 'invalid_limit', /got 'ten'/],
    ['negative limit', '?limit=-5', 400, 'invalid_limit', /got '-5'/],
    ['unknown parameter', '?since=2024-01-01', 400, 'unknown_parameter', /^Unknown parameter 'since'\. Allowed: interval, limit\.$/],
    ['interval twice', '?interval=day&interval=month', 400, 'invalid_parameter', /^interval may be given only once\.$/],
  ];
  for (const [name, query, status, code, message] of cases) {
    test(`${name}: ${status} ${code}`, async () => {
      const res = await changes(ROADS, query);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
      assert.match(res.body.message, message);
    });
  }

  test('a malformed layer id is a 404, not a 500', async () => {
    for (const raw of ['nope', '%00', 'a.b%00c', 'x'.repeat(150)]) {
      const res = await api(url, 'GET', `/api/layers/${raw}/changes`);
      assert.equal(res.status, 404, raw);
      assert.equal(res.body.code, 'layer_not_found');
      assert.match(res.body.message, /does not exist or is not visible to you/);
    }
  });

  test('a restricted layer with a bad interval is still a 404 for those who may not see it: nothing leaks', async () => {
    const res = await changes(BTS, '?interval=week');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'layer_not_found');
    const allowed = await changes(BTS, '?interval=week', { session: sessions['bientap.tttt'] });
    assert.equal(allowed.status, 400);
    assert.equal(allowed.body.code, 'invalid_interval');
  });
});
