// `npm start`'s process, for real: started as a child, given a slow request and a running backup job, then SIGTERM.
// The request must be answered, the job must finish, and the process must exit 0. Its JSON log lines carry the
// request id. The slow parts are made slow by a lock the test holds, not by timing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { projectRoot } from '../config.ts';
import { createTestDatabase, type TestDatabase } from '../testing/database.ts';
import { JOB_SCHEMA, queues } from '../jobs/boss.ts';

let db: TestDatabase;
let owner: pg.Client;
let tmp: string;
let child: ChildProcess;
const lines: string[] = [];
const logs: Record<string, any>[] = [];
let exited: Promise<{ code: number | null; signal: string | null }>;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Waits until the child has written a line that matches; fails if it exits first. */
async function outputLine(match: (line: string) => boolean, what: string): Promise<string> {
  for (;;) {
    const found = lines.find(match);
    if (found) return found;
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before ${what}:\n${lines.slice(-30).join('\n')}`);
    await sleep(50);
  }
}

/** Polls a query until it returns a row (bounded: the test runner's timeout stops a hang). */
async function untilRow(sql: string, params: unknown[] = []): Promise<Record<string, any>> {
  for (;;) {
    const { rows } = await owner.query(sql, params);
    if (rows[0]) return rows[0];
    if (child.exitCode !== null) throw new Error(`the server exited while waiting for: ${sql}`);
    await sleep(50);
  }
}

before(async () => {
  db = await createTestDatabase({ demo: false });
  owner = new pg.Client({ connectionString: db.ownerUrl });
  await owner.connect();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-shutdown-'));
});

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await owner?.end();
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('SIGTERM: the request in flight is answered, the running backup finishes, the process exits 0', { timeout: 240_000 }, async () => {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.APP_DATABASE_URL;
  Object.assign(env, {
    DATABASE_URL: db.ownerUrl, DEMO: '0', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info',
    DATA_DIR: path.join(tmp, 'data'), BACKUP_DIR: path.join(tmp, 'backups'), SHUTDOWN_TIMEOUT_SECONDS: '120',
  });
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines.push(line);
      try {
        logs.push(JSON.parse(line));
      } catch {
        // console output (the address line)
      }
    }
  };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const cut = text.lastIndexOf('\n');
    partial = text.slice(cut + 1);
    if (cut >= 0) collect(Buffer.from(text.slice(0, cut)));
  });
  child.stderr!.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  await outputLine((l) => l.includes(`http://127.0.0.1:${port}/`), 'listening');
  const base = `http://127.0.0.1:${port}`;

  // The process runs the job worker: its heartbeat makes the node ready, and the daily backup is scheduled.
  const ready = await fetch(`${base}/api/ready`);
  assert.equal(ready.status, 200, await ready.clone().text());
  const { rows: schedule } = await owner.query(`select cron, options->>'tz' as tz from ${JOB_SCHEMA}.schedule where name = $1`, [queues.backup]);
  assert.deepEqual(schedule, [{ cron: '30 2 * * *', tz: 'Asia/Ho_Chi_Minh' }]);

  // Hold the catalog: a backup and a catalog read both wait for it.
  const locker = new pg.Client({ connectionString: db.ownerUrl });
  await locker.connect();
  await locker.query('begin');
  await locker.query('lock table catalog.layers in access exclusive mode');

  const sender = new PgBoss({ connectionString: db.ownerUrl, schema: JOB_SCHEMA, supervise: false, schedule: false, migrate: false });
  sender.on('error', () => {});
  await sender.start();
  await sender.send(queues.backup, {});
  await sender.stop({ graceful: false, wait: true });
  const running = await untilRow(`select id, name from ops.backups where status = 'running'`);

  const slow = fetch(`${base}/api/layers`, { headers: { 'x-request-id': 'shutdown-slow-1' } });
  await untilRow(`select pid from pg_stat_activity where usename = 'cb_app' and wait_event_type = 'Lock' and query like '%catalog.layers%'`);

  child.kill('SIGTERM');
  await outputLine((l) => l.includes('shutting down'), 'the shutdown log line');
  // Still shutting down, waiting for both.
  assert.equal(child.exitCode, null);
  await locker.query('commit');
  await locker.end();

  const res = await slow;
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-request-id'), 'shutdown-slow-1');
  // Its keep-alive connection is closed with the answer, not held until the keep-alive timeout.
  assert.equal(res.headers.get('connection'), 'close');
  assert.ok(Array.isArray(((await res.json()) as { layers: unknown[] }).layers));

  const exit = await exited;
  assert.deepEqual(exit, { code: 0, signal: null }, lines.slice(-20).join('\n'));

  const { rows } = await owner.query('select status, drill_status from ops.backups where id = $1', [running.id]);
  assert.deepEqual(rows[0], { status: 'succeeded', drill_status: 'passed' });
  assert.ok(fs.existsSync(path.join(tmp, 'backups', running.name, 'manifest.json')));
  const { rows: beats } = await owner.query('select stopped_at from ops.worker_heartbeats');
  assert.equal(beats.length, 1);
  assert.ok(beats[0].stopped_at, 'the worker said it stopped');

  // Every log line of the request carries its id; request lines never lack one.
  const ofRequest = logs.filter((l) => l.reqId === 'shutdown-slow-1');
  assert.deepEqual(ofRequest.map((l) => l.msg), ['incoming request', 'request completed']);
  assert.equal(ofRequest[1]!.res.statusCode, 200);
  assert.ok(logs.filter((l) => l.req || l.res).every((l) => typeof l.reqId === 'string' && l.reqId.length > 0));
  assert.ok(logs.some((l) => l.msg === 'shut down cleanly'));
});
