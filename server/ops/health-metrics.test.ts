import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login } from '../testing/http.ts';
import { hashPassword } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';
import { startHeartbeat } from './heartbeat.ts';
import { tileCacheHits } from './metrics.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const SECRET_LAYER = 'xay_dung.vung_mat_thu';
const quietLog = { info() {}, warn() {}, error() {} };

let server: TestServer;
let url: string;

before(async () => {
  server = await startTestServer({ demo: false });
  url = server.url;
  await createLayer(server.owner, {
    id: SECRET_LAYER, ownerAgencyCode: 'so_xay_dung', titleVi: 'Vùng hạn chế', titleEn: 'Restricted zones', geometryFamily: 'polygon',
    source: 'Sở Xây dựng', visibility: 'restricted',
  });
  await insertAccount(server.owner, { username: 'vanhanh.thu', role: 'operator_admin', passwordHash: await hashPassword(PASSWORD), agencyCode: 'ttcns' });
});

after(async () => server.close());

async function metrics(): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  return res.text();
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[4]);
  }
  return undefined;
}

describe('liveness', () => {
  test('/api/health: the process answers and the database is reachable', async () => {
    const res = await api(url, 'GET', '/api/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.database.ok, true);
    assert.equal(typeof res.body.database.ms, 'number');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});

describe('readiness', () => {
  test('not ready without a live worker; ready while one beats; not ready again once it stops', async () => {
    const before = await api(url, 'GET', '/api/ready');
    assert.equal(before.status, 503);
    assert.equal(before.body.status, 'not_ready');
    assert.equal(before.body.database.ok, true);
    assert.deepEqual(before.body.migrations, { ok: true, pending: [] });
    assert.equal(before.body.worker.ok, false);

    const heartbeat = await startHeartbeat(server.database.appUrl, quietLog);
    try {
      const ready = await api(url, 'GET', '/api/ready');
      assert.equal(ready.status, 200, JSON.stringify(ready.body));
      assert.equal(ready.body.status, 'ready');
      assert.equal(ready.body.worker.ok, true);
      assert.ok(ready.body.worker.age_s < 45);
    } finally {
      await heartbeat.stop();
    }
    const stopped = await api(url, 'GET', '/api/ready');
    assert.equal(stopped.status, 503);
    assert.equal(stopped.body.worker.ok, false);
  });

  test('a worker that stopped beating long ago does not count', async () => {
    await server.owner.query(`insert into ops.worker_heartbeats (worker_id, host, pid, beat_at) values ('old-worker', 'h', 1, now() - interval '5 minutes')`);
    const res = await api(url, 'GET', '/api/ready');
    assert.equal(res.status, 503);
    assert.equal(res.body.worker.ok, false);
    assert.ok(res.body.worker.age_s >= 300);
    await server.owner.query(`delete from ops.worker_heartbeats where worker_id = 'old-worker'`);
  });

  test('a pending migration makes the node not ready', async () => {
    const { rows } = await server.owner.query(`delete from public.schema_migrations where name = '009_ops.sql' returning name, checksum, applied_at`);
    try {
      const res = await api(url, 'GET', '/api/ready');
      assert.equal(res.status, 503);
      assert.deepEqual(res.body.migrations, { ok: false, pending: ['009_ops.sql'] });
    } finally {
      await server.owner.query('insert into public.schema_migrations (name, checksum, applied_at) values ($1, $2, $3)', [rows[0].name, rows[0].checksum, rows[0].applied_at]);
    }
  });

  test('backup freshness is reported but does not decide readiness', async () => {
    const heartbeat = await startHeartbeat(server.database.appUrl, quietLog);
    try {
      const none = await api(url, 'GET', '/api/ready');
      assert.equal(none.status, 200);
      assert.deepEqual({ ...none.body.backup }, { ok: false, last_verified_at: null, age_hours: null, max_age_hours: 26, affects_readiness: false });

      await server.owner.query(`insert into ops.backups (name, location, status, started_at, drill_status, verified_at)
        values ('20200101T000000Z', '/x/20200101T000000Z', 'succeeded', now() - interval '30 hours', 'passed', now() - interval '30 hours')`);
      const stale = await api(url, 'GET', '/api/ready');
      assert.equal(stale.status, 200);
      assert.equal(stale.body.backup.ok, false);
      assert.ok(Math.abs(stale.body.backup.age_hours - 30) < 0.2);

      // A newer backup whose drill failed does not make the backups fresh; a verified one does.
      await server.owner.query(`insert into ops.backups (name, location, status, started_at, drill_status)
        values ('20200102T000000Z', '/x/20200102T000000Z', 'succeeded', now() - interval '1 hour', 'failed')`);
      assert.equal((await api(url, 'GET', '/api/ready')).body.backup.ok, false);
      await server.owner.query(`insert into ops.backups (name, location, status, started_at, drill_status, verified_at)
        values ('20200103T000000Z', '/x/20200103T000000Z', 'succeeded', now() - interval '2 hours', 'passed', now())`);
      const fresh = await api(url, 'GET', '/api/ready');
      assert.equal(fresh.body.backup.ok, true);
      assert.ok(Math.abs(fresh.body.backup.age_hours - 2) < 0.2);
    } finally {
      await heartbeat.stop();
    }
  });
});

describe('metrics', () => {
  test('requests are counted by method, route pattern and status, with latency histograms', async () => {
    const before = sample(await metrics(), 'cb_http_requests_total', { method: 'GET', route: '/api/health', status: '200' }) ?? 0;
    for (let i = 0; i < 3; i++) await api(url, 'GET', '/api/health');
    await api(url, 'GET', '/api/no/such/path');
    await api(url, 'GET', '/api/layers/khong.co');
    const text = await metrics();
    assert.equal(sample(text, 'cb_http_requests_total', { method: 'GET', route: '/api/health', status: '200' }), before + 3);
    assert.ok(sample(text, 'cb_http_requests_total', { route: 'unmatched', status: '404' })! >= 1);
    assert.ok(sample(text, 'cb_http_requests_total', { route: '/api/layers/:layerId', status: '404' })! >= 1);
    assert.ok(sample(text, 'cb_http_request_duration_seconds_count', { method: 'GET', route: '/api/health' })! >= before + 3);
    assert.ok(sample(text, 'cb_http_request_duration_seconds_bucket', { method: 'GET', route: '/api/health', le: '+Inf' })! >= before + 3);
    assert.ok(sample(text, 'cb_process_resident_memory_bytes')! > 0);
  });

  test('shared counters other rooms update appear in the same registry', async () => {
    const before = sample(await metrics(), 'cb_tile_cache_hits_total') ?? 0;
    tileCacheHits.inc(2);
    const text = await metrics();
    assert.equal(sample(text, 'cb_tile_cache_hits_total'), before + 2);
    for (const name of ['cb_tile_cache_misses_total', 'cb_import_jobs_running']) assert.notEqual(sample(text, name), undefined, name);
    assert.match(text, /# TYPE cb_import_jobs_total counter/);
  });

  test('the backup age comes from the database: the last verified backup', async () => {
    const text = await metrics();
    const age = sample(text, 'cb_backup_age_seconds')!;
    // The freshest verified backup of the readiness test above: two hours old.
    assert.ok(Math.abs(age - 7200) < 600, String(age));
    const { rows } = await server.owner.query<{ t: number }>(`select extract(epoch from max(started_at))::float8 as t from ops.backups where drill_status = 'passed'`);
    assert.ok(Math.abs(sample(text, 'cb_backup_last_verified_timestamp_seconds')! - rows[0]!.t) < 1);
  });

  test('no layer id reaches the metrics, restricted ones least of all', async () => {
    await api(url, 'GET', `/tiles/${SECRET_LAYER}/10/830/452.mvt`);
    await api(url, 'GET', `/api/layers/${SECRET_LAYER}`);
    const text = await metrics();
    assert.ok(!text.includes(SECRET_LAYER));
    assert.ok(!text.includes('vung_mat_thu'));
  });
});

describe('request ids', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  test('every answer carries one: a new one, or the caller\'s when it is a plain token', async () => {
    const fresh = await api(url, 'GET', '/api/health');
    assert.match(fresh.headers.get('x-request-id')!, uuid);
    const other = await api(url, 'GET', '/api/health');
    assert.notEqual(other.headers.get('x-request-id'), fresh.headers.get('x-request-id'));
    const echoed = await api(url, 'GET', '/api/health', { headers: { 'x-request-id': 'nginx-7f3a.b2:01' } });
    assert.equal(echoed.headers.get('x-request-id'), 'nginx-7f3a.b2:01');
  });

  test('an unsafe or overlong id is replaced', async () => {
    for (const bad of ['has space', 'quote"d', 'a'.repeat(129), 'line\tbreak']) {
      const res = await api(url, 'GET', '/api/health', { headers: { 'x-request-id': bad } });
      assert.match(res.headers.get('x-request-id')!, uuid, bad);
    }
  });

  test('errors, 404s and refused requests carry it too', async () => {
    assert.match((await api(url, 'GET', '/api/nowhere')).headers.get('x-request-id')!, uuid);
    const refused = await api(url, 'GET', '/api/admin/backups', { headers: { 'x-request-id': 'trace-1' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('x-request-id'), 'trace-1');
    const badKey = await api(url, 'GET', '/api/layers', { apiKey: 'cbk_not_a_key', headers: { 'x-request-id': 'trace-2' } });
    assert.equal(badKey.status, 401);
    assert.equal(badKey.headers.get('x-request-id'), 'trace-2');
  });
});

describe('the operator\'s backup page', () => {
  test('is for the operator only', async () => {
    assert.equal((await api(url, 'GET', '/api/admin/backups')).status, 401);
    const operator = await login(url, 'vanhanh.thu', PASSWORD);
    const res = await api(url, 'GET', '/api/admin/backups', { session: operator });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.backups.map((b: { name: string }) => b.name), ['20200102T000000Z', '20200103T000000Z', '20200101T000000Z']);
    assert.equal(res.body.freshness.fresh, true);
    assert.equal(res.body.schedule.cron, '30 2 * * *');
    assert.equal(res.body.schedule.time_zone, 'Asia/Ho_Chi_Minh');
    assert.deepEqual(res.body.schedule.retention, { daily: 14, weekly: 8, monthly: 12 });
  });
});

describe('the database is the last word on operations data', () => {
  test('the server\'s role sees backups and alerts only for the operator, and heartbeats not at all', async () => {
    await server.owner.query(`insert into ops.alerts (kind, message) values ('backup_failed', 'disk full at /mnt/backup')`);
    const appRole = new pg.Client({ connectionString: server.database.appUrl });
    await appRole.connect();
    try {
      const { rows } = await appRole.query('select (select count(*)::int from ops.backups) as backups, (select count(*)::int from ops.alerts) as alerts');
      assert.deepEqual(rows[0], { backups: 0, alerts: 0 });
      await assert.rejects(appRole.query('select * from ops.worker_heartbeats'), (err: { code?: string }) => err.code === '42501');
      await assert.rejects(appRole.query(`insert into ops.backups (name, location) values ('20300101T000000Z', '/x')`), (err: { code?: string }) => err.code === '42501');
      const operatorId = (await server.owner.query(`select id from auth.users where username = 'vanhanh.thu'`)).rows[0].id;
      await appRole.query('begin');
      await appRole.query(`select set_config('cb.user_id', $1, true)`, [operatorId]);
      const { rows: seen } = await appRole.query('select (select count(*)::int from ops.backups) as backups, (select count(*)::int from ops.alerts) as alerts');
      await appRole.query('commit');
      assert.ok(seen[0].backups >= 3 && seen[0].alerts === 1, JSON.stringify(seen[0]));
    } finally {
      await appRole.end();
    }
  });
});

