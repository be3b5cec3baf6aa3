// The database is the last word on reports: connected as the server's role (cb_app) with a caller set, each one
// sees and changes only what they handle, never the reporter's address, and cannot write around reports.submit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { descriptionHash } from './report-input.ts';

let database: TestDatabase;
let owner: pg.Client;
let app: pg.Client;
const users: Record<string, string> = {};
const tickets: Record<string, string> = {};

/** Runs `fn` as cb_app with the caller set, in a transaction that is always rolled back. */
async function as<T>(username: string | null, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  await app.query('begin');
  try {
    await app.query("select set_config('cb.user_id', $1, true)", [username ? users[username] : '']);
    return await fn(app);
  } finally {
    await app.query('rollback');
  }
}

/** A report as `reporter` would send it (the owner connection with that caller set: submit checks it). */
async function submit(layer: string | null, fid: number | null, agency: string | null, text: string,
  opts: { held?: string; reporter?: string } = {}): Promise<string> {
  await owner.query('begin');
  try {
    await owner.query("select set_config('cb.user_id', $1, true)", [opts.reporter ? users[opts.reporter] : '']);
    const { rows } = await owner.query(
      `select * from reports.submit($1, $2, $3, $4, $5, 'other', $6, '0912345678', $7, '192.0.2.1', $8, '10 minutes', 1000)`,
      [layer, fid, layer ? null : 106.25, layer ? null : 22.66, agency, text, opts.held ?? null, descriptionHash(text)]);
    assert.equal(rows[0].outcome, 'created', JSON.stringify(rows[0]));
    await owner.query('commit');
    return rows[0].ticket;
  } catch (err) {
    await owner.query('rollback');
    throw err;
  }
}

before(async () => {
  database = await createTestDatabase({ demo: true });
  owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  app = new pg.Client({ connectionString: database.appUrl });
  await app.connect();
  const { rows } = await owner.query('select id, username from auth.users');
  for (const r of rows) users[r.username] = r.id;
  const fid = async (table: string) => (await owner.query(`select min(fid)::int as f from ${table}`)).rows[0].f as number;
  tickets.culture = await submit('van_hoa.diem_di_san_dia_chat', await fid('van_hoa.diem_di_san_dia_chat'), null, 'Lỗi ở di sản địa chất.');
  tickets.road = await submit('giao_thong.duong_dia_phuong', await fid('giao_thong.duong_dia_phuong'), null, 'Lỗi ở đường địa phương xã.');
  tickets.bts = await submit('thong_tin.tram_bts', await fid('thong_tin.tram_bts'), null, 'Lỗi ở trạm viễn thông BTS.', { reporter: 'bientap.tttt' });
  tickets.point = await submit(null, null, 'so_gtvt', 'Lỗi ở một điểm trên bản đồ.');
  tickets.held = await submit(null, null, 'so_gtvt', 'Quảng cáo bán hàng giá rẻ!!!', { held: 'honeypot' });
});

after(async () => {
  await app?.end();
  await owner?.end();
  await database?.drop();
});

const visible = (c: pg.Client) => c.query<{ ticket: string }>('select ticket from reports.reports').then((r) => r.rows.map((x) => x.ticket).sort());

describe('row level security on reports, as the server\'s role', () => {
  test('anonymous and other agencies see nothing; each agency its own, held ones included; the operator all', async () => {
    assert.deepEqual(await as(null, visible), []);
    assert.deepEqual(await as('bientap.dothi', visible), []);
    assert.deepEqual(await as('xem.xaydung', visible), [], 'a viewer handles no reports');
    assert.deepEqual(await as('bientap.vanhoa', visible), [tickets.culture]);
    assert.deepEqual(await as('bientap.gtvt', visible), [tickets.road, tickets.point, tickets.held].sort());
    assert.deepEqual(await as('admin.gtvt', visible), [tickets.road, tickets.point, tickets.held].sort());
    assert.deepEqual(await as('bientap.quoclo', visible), [tickets.point, tickets.held].sort(), 'scoped to the national roads: only the points');
    assert.deepEqual(await as('bientap.tttt', visible), [tickets.bts]);
    assert.deepEqual(await as('vanhanh', visible), Object.values(tickets).sort());
  });

  test('the reporter\'s address and the duplicate hash are not readable at all', async () => {
    for (const column of ['submitter_ip', 'text_hash']) {
      await assert.rejects(as('vanhanh', (c) => c.query(`select ${column} from reports.reports`)), { code: '42501' }, column);
    }
  });

  test('nobody writes reports around reports.submit, and staff change only status and reply', async () => {
    await assert.rejects(as('vanhanh', (c) => c.query(
      `insert into reports.reports (ticket, agency_id, location, category, description, text_hash)
       select 'CB-AAAA-AAAA', id, st_setsrid(st_makepoint(106.2, 22.6), 4326), 'other', 'xxxxxxxxxxxx', repeat('a', 64)
       from catalog.agencies limit 1`)), { code: '42501' });
    await assert.rejects(as('bientap.vanhoa', (c) => c.query("update reports.reports set description = 'khác hẳn đi' where ticket = $1", [tickets.culture])), { code: '42501' });
    await assert.rejects(as('bientap.vanhoa', (c) => c.query('update reports.reports set agency_id = agency_id')), { code: '42501' });
    await assert.rejects(as('vanhanh', (c) => c.query('delete from reports.reports')), { code: '42501' });
  });

  test('an update reaches only reports the caller handles; the database enforces the life of a report', async () => {
    const changed = await as('bientap.vanhoa', (c) => c.query("update reports.reports set status = 'in_progress'"));
    assert.equal(changed.rowCount, 1, 'only the culture report');
    const other = await as('bientap.dothi', (c) => c.query("update reports.reports set status = 'in_progress' where ticket = $1", [tickets.culture]));
    assert.equal(other.rowCount, 0);
    const held = await as('vanhanh', (c) => c.query("update reports.reports set status = 'in_progress' where ticket = $1", [tickets.held]));
    assert.equal(held.rowCount, 0, 'a held report is not answered');
    await assert.rejects(as('bientap.vanhoa', async (c) => {
      await c.query("update reports.reports set status = 'fixed' where ticket = $1", [tickets.culture]);
      await c.query("update reports.reports set status = 'new' where ticket = $1", [tickets.culture]);
    }), { code: '23514' });
    await assert.rejects(as('bientap.vanhoa', (c) => c.query("update reports.reports set status = 'rejected' where ticket = $1", [tickets.culture])), { code: '23514' });
  });

  test('events are visible with their report and cannot be rewritten', async () => {
    const events = (who: string) => as(who, (c) => c.query('select count(*)::int as n from reports.report_events')).then((r) => r.rows[0].n);
    assert.equal(await events('bientap.vanhoa'), 1);
    assert.equal(await events('bientap.dothi'), 0);
    assert.equal(await events('vanhanh'), 4, 'one per report; the held one has none until it is released');
    await assert.rejects(owner.query('update reports.report_events set reply = $1', ['đổi lịch sử']), /append-only/);
    await assert.rejects(owner.query('delete from reports.report_events'), /append-only/);
  });

  test('the public lookup gives status and reply only, and nothing of a restricted layer to those who may not read it', async () => {
    const anonymous = await as(null, (c) => c.query('select * from reports.lookup($1)', [tickets.bts]));
    assert.equal(anonymous.rows[0].status, 'new');
    assert.equal(anonymous.rows[0].layer_id, null);
    assert.equal(anonymous.rows[0].lon, null);
    assert.equal('contact' in anonymous.rows[0], false);
    const owner = await as('bientap.tttt', (c) => c.query('select * from reports.lookup($1)', [tickets.bts]));
    assert.equal(owner.rows[0].layer_id, 'thong_tin.tram_bts');
    const held = await as(null, (c) => c.query('select status, reply from reports.lookup($1)', [tickets.held]));
    assert.deepEqual(held.rows[0], { status: 'new', reply: null });
  });

  test('reports.submit refuses a restricted layer the caller cannot read, and routes to the layer owner whatever is asked', async () => {
    const bts = (await owner.query('select min(fid)::int as f from thong_tin.tram_bts')).rows[0].f;
    const call = (c: pg.Client) => c.query(
      `select * from reports.submit('thong_tin.tram_bts', $1, null, null, 'so_gtvt', 'other', 'Trạm đã bị tháo dỡ.', null, null, '192.0.2.9', repeat('e', 64), '10 minutes', 100)`, [bts]);
    assert.equal((await as(null, call)).rows[0].outcome, 'layer_not_found');
    const allowed = await as('bientap.tttt', async (c) => {
      const r = (await call(c)).rows[0];
      return (await c.query('select a.code from reports.reports r join catalog.agencies a on a.id = r.agency_id where r.ticket = $1', [r.ticket])).rows[0];
    });
    assert.equal(allowed.code, 'so_tttt', 'the agency named by the caller is ignored for a feature');
  });
});
