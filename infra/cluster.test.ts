// Many machines on one: a primary and a streaming replica (two clusters of our own), two server nodes (real
// `server/main.ts` processes, DEMO=0) reading anonymous requests from the replica, the real nginx configuration in
// front of them. Proves: nginx passes caching headers and compressed tiles through and hides /metrics; an edit
// through node A is in node B's features and tiles as soon as its commit returns; anonymous reads come from the
// replica while it keeps up and from the primary when it lags or is down; a node killed during a load run loses no
// acknowledged write and the load goes on through the other; pg-boss runs each job once across nodes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { DEMO_PASSWORD } from './demo/accounts.ts';
import { nginxBinary, startNginx, type RunningNginx } from './cluster/nginx.ts';
import { startNode, tail, type ServerNode } from './cluster/nodes.ts';
import { preparePlatformDatabase, replicaAppUrl, type PlatformDatabase } from './cluster/platform-database.ts';
import {
  currentLsn, startInstance, startPrimary, startReplica, stopInstance, stopQuietly, waitForReplay, withClient, type PgInstance,
} from './cluster/postgres.ts';
import { formatReport, isError, runLoad, tileOf } from './load/load.ts';
import { api, login, type Session } from '../server/testing/http.ts';
import { APP_ROLE } from '../server/db/database.ts';
import { JOB_SCHEMA, startJobs } from '../server/jobs/boss.ts';
import { PRIMARY_COOKIE } from '../server/db/read-replica.ts';

const LAYER = 'giao_thong.duong_dia_phuong';
/** Generous, so that "read right after the edit, from the replica" happens well inside it on a slow machine. */
const MAX_LAG_MS = 5_000;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET that keeps the bytes as sent (fetch would inflate gzip): to see what nginx did to them. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

/** The `ma_tuyen` of feature `fid` in a tile of LAYER, or undefined when the tile does not have it. */
function tileValue(res: RawResponse, fid: number): string | undefined {
  if (res.status === 204) return undefined;
  assert.equal(res.status, 200, res.body.toString());
  const bytes = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(res.body) : res.body;
  const layer = new VectorTile(new PbfReader(bytes)).layers[LAYER];
  if (!layer) return undefined;
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    if (f.id === fid) return String(f.properties.ma_tuyen);
  }
  return undefined;
}

describe('several nodes behind nginx, with a streaming replica', { timeout: 300_000 }, () => {
  let root: string;
  let primary: PgInstance | undefined;
  let replica: PgInstance | undefined;
  let db: PlatformDatabase;
  let nodeA: ServerNode | undefined;
  let nodeB: ServerNode | undefined;
  let nginx: RunningNginx | undefined;
  let owner: pg.Client;
  let editor: Session;
  /** A road, and the z12 tile with its middle in it. */
  let fid: number;
  let tilePath: string;

  const feature = (base: string, opts: { session?: Session; cookie?: string } = {}) =>
    api(base, 'GET', `/api/layers/${LAYER}/features/${fid}`, { ...(opts.session ? { session: opts.session } : {}),
      ...(opts.cookie ? { headers: { cookie: opts.cookie } } : {}) });
  const valueAt = async (base: string, opts: { session?: Session; cookie?: string } = {}) => {
    const res = await feature(base, opts);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.properties.ma_tuyen as string;
  };
  const edit = async (base: string, value: string) => {
    const current = await feature(base, { session: editor });
    assert.equal(current.status, 200);
    const res = await api(base, 'PATCH', `/api/layers/${LAYER}/features/${fid}`, {
      session: editor, headers: { 'if-match': current.headers.get('etag')! }, body: { type: 'Feature', properties: { ma_tuyen: value } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res;
  };
  const replicaSuper = () => replica!.url('caobang');

  before(async () => {
    nginxBinary(); // fails here, with how to install it, rather than after a minute of set-up
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-cluster-'));
    primary = await startPrimary(root);
    db = await preparePlatformDatabase(primary);
    replica = await startReplica(primary, root);
    await waitForReplay(replicaAppUrl(replica), await currentLsn(db.ownerUrl));
    const node = (name: string) => startNode({
      name, databaseUrl: db.ownerUrl, readDatabaseUrl: replicaAppUrl(replica!), dataDir: path.join(root, `data-${name}`), logDir: root,
      env: { READ_REPLICA_MAX_LAG_MS: String(MAX_LAG_MS) },
    });
    // One after the other: two nodes starting at the same instant can fail in installJobSchema's GRANTs
    // ("tuple concurrently updated"; reported, server/jobs/boss.ts).
    nodeA = await node('a');
    nodeB = await node('b');
    nginx = await startNginx({ prefix: path.join(root, 'nginx'), nodes: [nodeA, nodeB].map((n) => `127.0.0.1:${n.port}`), failTimeoutSeconds: 5 });
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
    editor = await login(nodeA.url, 'bientap.gtvt', DEMO_PASSWORD);
    const { rows } = await owner.query<{ fid: number; lon: number; lat: number }>(
      `select fid, st_x(p) as lon, st_y(p) as lat
         from (select fid, st_lineinterpolatepoint(st_geometryn(geom, 1), 0.5) as p from ${LAYER} where fid > 1000 order by fid limit 1) s`);
    fid = rows[0]!.fid;
    const t = tileOf(rows[0]!.lon, rows[0]!.lat, 12);
    tilePath = `/tiles/${LAYER}/${t.z}/${t.x}/${t.y}.mvt`;
  });

  after(async () => {
    await owner?.end().catch(() => {});
    await nginx?.stop();
    await Promise.all([nodeA?.kill(), nodeB?.kill()]);
    await stopQuietly(replica);
    await stopQuietly(primary);
    if (process.env.KEEP_CLUSTER_LOGS) console.log(`logs kept in ${root}`);
    else if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('nginx passes the nodes\' caching headers and compressed tiles through, and does not expose /metrics', async () => {
    const direct = await rawGet(`${nodeA!.url}${tilePath}`, { 'accept-encoding': 'gzip' });
    const proxied = await rawGet(`${nginx!.url}${tilePath}`, { 'accept-encoding': 'gzip' });
    assert.equal(direct.status, 200);
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers['content-encoding'], 'gzip');
    // The very bytes the node sent: not compressed a second time, not inflated.
    assert.deepEqual(proxied.body, direct.body);
    for (const h of ['etag', 'cache-control', 'vary', 'content-type']) assert.equal(proxied.headers[h], direct.headers[h], h);
    const revalidated = await rawGet(`${nginx!.url}${tilePath}`, { 'accept-encoding': 'gzip', 'if-none-match': String(proxied.headers.etag) });
    assert.equal(revalidated.status, 304);

    const features = `/api/layers/${LAYER}/features?limit=50`;
    const json = await rawGet(`${nginx!.url}${features}`, { 'accept-encoding': 'gzip' });
    assert.equal(json.status, 200);
    assert.equal(json.headers['content-encoding'], 'gzip', 'GeoJSON is compressed by nginx');
    assert.equal(JSON.parse(zlib.gunzipSync(json.body).toString()).type, 'FeatureCollection');
    assert.equal(json.headers['cache-control'], (await rawGet(`${nodeB!.url}${features}`)).headers['cache-control']);

    assert.equal((await rawGet(`${nodeA!.url}/metrics`)).status, 200);
    assert.equal((await rawGet(`${nginx!.url}/metrics`)).status, 404);
    assert.equal((await rawGet(`${nginx!.url}/metrics?format=text`)).status, 404);
  });

  test('an edit through node A is in node B\'s features and tiles (and through nginx) when its commit returns', async () => {
    // Node B and nginx's nodes have the tile cached from before the edit.
    const before = tileValue(await rawGet(`${nodeB!.url}${tilePath}`, { 'accept-encoding': 'gzip' }), fid);
    assert.ok(before, 'the road is in its tile');
    for (let i = 0; i < 2; i++) assert.equal(tileValue(await rawGet(`${nginx!.url}${tilePath}`), fid), before);

    const value = `SAU-SUA-${Date.now()}`;
    await edit(nodeA!.url, value);
    const committedAt = await currentLsn(db.ownerUrl);

    // Right away: the editor on node B, anybody's tiles on node B and through nginx (either node).
    assert.equal(await valueAt(nodeB!.url, { session: editor }), value);
    assert.equal(tileValue(await rawGet(`${nodeB!.url}${tilePath}`, { 'accept-encoding': 'gzip' }), fid), value);
    for (let i = 0; i < 2; i++) {
      assert.equal(await valueAt(nginx!.url, { session: editor }), value);
      assert.equal(tileValue(await rawGet(`${nginx!.url}${tilePath}`, { 'accept-encoding': 'gzip' }), fid), value);
    }
    // Anonymous features come from the replica: once it has replayed the commit, node B and nginx show the edit.
    await waitForReplay(replicaAppUrl(replica!), committedAt);
    assert.equal(await valueAt(nodeB!.url), value);
    for (let i = 0; i < 2; i++) assert.equal(await valueAt(nginx!.url), value);
  });

  test('anonymous reads come from the replica while it keeps up; a lagging or stopped replica sends them to the primary', async () => {
    const old = await valueAt(nodeB!.url, { session: editor });
    await withClient(replicaSuper(), (c) => c.query('select pg_wal_replay_pause()'));
    try {
      const value = `TRE-${Date.now()}`;
      const res = await edit(nodeA!.url, value);
      // The writer's browser gets the marker that keeps its next reads on the primary.
      const marker = (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith(`${PRIMARY_COOKIE}=`));
      assert.ok(marker, 'a write sets the read-your-writes cookie');

      // Within the lag bound, an anonymous read is the replica's (paused, so the old value) …
      assert.equal(await valueAt(nodeB!.url), old);
      // … but not for the writer: signed in, or anonymous with the marker.
      assert.equal(await valueAt(nodeB!.url, { session: editor }), value);
      assert.equal(await valueAt(nodeB!.url, { cookie: marker.split(';')[0]! }), value);

      // Past the bound the node stops using the replica, which is still paused: the new value is the primary's.
      const until = Date.now() + MAX_LAG_MS + 15_000;
      while ((await valueAt(nodeB!.url)) !== value) {
        assert.ok(Date.now() < until, 'node B went on reading the lagging replica');
        await sleep(200);
      }
      const state = await withClient(replicaSuper(), (c) => c.query<{ s: string }>('select pg_get_wal_replay_pause_state() as s'));
      assert.equal(state.rows[0]!.s, 'paused');
    } finally {
      await withClient(replicaSuper(), (c) => c.query('select pg_wal_replay_resume()'));
    }
    await waitForReplay(replicaAppUrl(replica!), await currentLsn(db.ownerUrl));

    await stopInstance(replica!, 'fast');
    try {
      const current = await valueAt(nodeA!.url, { session: editor });
      for (const base of [nodeA!.url, nodeB!.url, nginx!.url, nginx!.url]) {
        assert.equal(await valueAt(base), current);
        const page = await api(base, 'GET', `/api/layers/${LAYER}/features?limit=5`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
      }
    } finally {
      await startInstance(replica!);
    }
    await waitForReplay(replicaAppUrl(replica!), await currentLsn(db.ownerUrl));
  });

  test('killing node A during a load run loses no acknowledged write; the load finishes through node B', async () => {
    const killAt = 4_000;
    let killedAt = Infinity;
    let killed: Promise<void> | null = null;
    const report = await runLoad({
      url: nginx!.url, seconds: 12, concurrency: 8,
      onRecord: (r) => {
        if (killed || r.at < killAt) return;
        killedAt = r.at + r.ms;
        killed = nodeA!.kill();
      },
    });
    assert.ok(killed, 'node A was killed during the run');
    await killed;
    console.log(`\n${formatReport(report)}\n(node A killed with SIGKILL at t=${(killedAt / 1000).toFixed(1)} s)`);

    // Every acknowledged edit is in the history, by the load's own check through the API and by SQL.
    assert.ok(report.edits.length > 0, 'the load made edits');
    assert.deepEqual(report.lost, []);
    const { rows } = await owner.query<{ missing: number }>(
      `select count(*)::int as missing from unnest($1::bigint[], $2::int[], $3::text[]) as a(fid, version, value)
        where not exists (select 1 from history.feature_versions h
                           where h.layer_id = $4 and h.fid = a.fid and h.version = a.version and h.attributes->>'ma_tuyen' = a.value)`,
      [report.edits.map((e) => e.fid), report.edits.map((e) => e.version), report.edits.map((e) => e.value), LAYER]);
    assert.equal(rows[0]!.missing, 0);

    // After the kill: every kind of request went on succeeding (node B); what failed is at most what was in
    // flight on node A when it died (one request per client), never a GET, which nginx retries on node B.
    const afterKill = report.records.filter((r) => r.at >= killedAt);
    for (const kind of ['tile', 'features', 'edit'] as const) {
      assert.ok(afterKill.some((r) => r.kind === kind && !isError(r)), `${kind} requests succeeded after the kill`);
    }
    const failed = report.records.filter(isError);
    assert.ok(failed.length <= report.concurrency, `failed: ${JSON.stringify(failed)}`);
    assert.ok(failed.every((r) => r.kind === 'edit' || r.kind === 'import'), `failed: ${JSON.stringify(failed)}`);
    assert.equal((await api(nginx!.url, 'GET', '/api/health')).status, 200);
  });

  test('pg-boss runs each job exactly once across nodes', async () => {
    const queue = 'cluster-drill';
    const jobs = 20;
    const ownerBoss = new PgBoss({ connectionString: db.ownerUrl, schema: JOB_SCHEMA, migrate: false, supervise: false, schedule: false });
    ownerBoss.on('error', () => {});
    await ownerBoss.start();
    await ownerBoss.createQueue(queue, { name: queue, policy: 'standard', retryLimit: 2, retryDelay: 1 });
    await ownerBoss.stop({ graceful: false, wait: true });
    await owner.query(`create table public.drill_runs (job_id uuid not null, node text not null, at timestamptz not null default now());
      grant select, insert on public.drill_runs to ${APP_ROLE};
      grant select, insert, update, delete on all tables in schema ${JOB_SCHEMA} to ${APP_ROLE};`);

    // Two nodes' job queues, as the server's role, each with a pool of its own.
    const nodes = { a: await startJobs(db.appUrl, { work: true }), b: await startJobs(db.appUrl, { work: true }) };
    const recorder = new pg.Pool({ connectionString: db.appUrl, max: 4 });
    try {
      // Each node holds its first job until the other has taken one too, so both provably work the queue.
      const started = { a: 0, b: 0 };
      let release!: () => void;
      const bothStarted = new Promise<void>((resolve) => {
        release = resolve;
      });
      for (const name of ['a', 'b'] as const) {
        await nodes[name].work<{ n: number }>(queue, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
          started[name]++;
          if (started.a > 0 && started.b > 0) release();
          const waited = await Promise.race([bothStarted.then(() => true), sleep(30_000).then(() => false)]);
          if (!waited) throw new Error(`node ${name === 'a' ? 'b' : 'a'} never took a job`);
          await recorder.query('insert into public.drill_runs (job_id, node) values ($1, $2)', [job!.id, name]);
        });
      }
      const ids: string[] = [];
      for (let n = 0; n < jobs; n++) ids.push((await nodes.a.send(queue, { n }))!);

      const until = Date.now() + 90_000;
      for (;;) {
        const { rows } = await owner.query<{ state: string; n: number }>(
          `select state, count(*)::int as n from ${JOB_SCHEMA}.job where name = $1 group by state`, [queue]);
        if (rows.length === 1 && rows[0]!.state === 'completed' && rows[0]!.n === jobs) break;
        assert.ok(Date.now() < until, `jobs did not complete: ${JSON.stringify(rows)}`);
        await sleep(200);
      }
      const { rows } = await owner.query<{ job_id: string; runs: number; nodes: string[] }>(
        'select job_id, count(*)::int as runs, array_agg(node) as nodes from public.drill_runs group by job_id');
      assert.equal(rows.length, jobs);
      assert.deepEqual(new Set(rows.map((r) => r.job_id)), new Set(ids));
      assert.ok(rows.every((r) => r.runs === 1), `a job ran twice: ${JSON.stringify(rows.filter((r) => r.runs > 1))}`);
      const byNode = { a: rows.filter((r) => r.nodes[0] === 'a').length, b: rows.filter((r) => r.nodes[0] === 'b').length };
      assert.ok(byNode.a > 0 && byNode.b > 0, JSON.stringify(byNode));
      console.log(`jobs done by node a: ${byNode.a}, by node b: ${byNode.b}`);
    } finally {
      await Promise.all(Object.values(nodes).map((b) => b.stop({ graceful: false, wait: true })));
      await recorder.end();
    }
  });

  test('the nodes\' logs show no unexpected server error', () => {
    for (const node of [nodeA!, nodeB!]) {
      const lines = fs.readFileSync(node.logPath, 'utf8').split('\n').filter((l) => l.startsWith('{'));
      const errors = lines.map((l) => JSON.parse(l) as { level: number; msg?: string }).filter((l) => l.level >= 50);
      assert.deepEqual(errors, [], `${node.name}: ${tail(node.logPath)}`);
    }
  });
});
