import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login } from '../testing/http.ts';
import { hashPassword } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';
import { withUser } from '../db/database.ts';
import { projectRoot } from '../config.ts';
import { backupName } from '../../infra/backup/backup.ts';
import { readManifest } from '../../infra/backup/manifest.ts';
import { alertIfBackupsStale, runBackupJob, type BackupOutcome } from './backup-job.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const DAY = 86_400_000;
const logged: { level: string; msg: string }[] = [];
const log = {
  info: (_o: object, msg: string) => logged.push({ level: 'info', msg }),
  warn: (_o: object, msg: string) => logged.push({ level: 'warn', msg }),
  error: (_o: object, msg: string) => logged.push({ level: 'error', msg }),
};

let server: TestServer;
let tmp: string;
let backupDir: string;
let dataDir: string;
let mirror: string;
const webhook: { body: any }[] = [];
let hookServer: http.Server;
let first: BackupOutcome;

/** A backup made earlier, recorded and on disk (its contents do not matter to retention). */
async function pastBackup(daysAgo: number, drill: 'passed' | 'failed'): Promise<string> {
  const name = backupName(new Date(Date.now() - daysAgo * DAY));
  const dir = path.join(backupDir, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), '{}');
  await server.owner.query(
    `insert into ops.backups (name, location, status, started_at, finished_at, drill_status) values ($1, $2, 'succeeded', $3, $3, $4)`,
    [name, dir, new Date(Date.now() - daysAgo * DAY), drill]);
  return name;
}

const config = (extra: Record<string, unknown> = {}) => ({ ...server.app.config, ...extra });

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-backup-job-'));
  backupDir = path.join(tmp, 'backups');
  dataDir = path.join(tmp, 'data');
  mirror = path.join(tmp, 'mirror');
  fs.mkdirSync(path.join(dataDir, 'uploads'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'uploads', 'a.zip'), randomBytes(100));
  hookServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      webhook.push({ body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/alerts`;
  server = await startTestServer({
    demo: false,
    env: {
      BACKUP_DIR: backupDir, DATA_DIR: dataDir, BACKUP_KEEP_DAILY: '3', BACKUP_KEEP_WEEKLY: '0', BACKUP_KEEP_MONTHLY: '0',
      BACKUP_SYNC_COMMAND: `rsync -a --delete "$BACKUP_ROOT"/ ${mirror}/`,
      ALERT_COMMAND: `cat > ${tmp}/alert-$ALERT_KIND.txt && printf '%s' "$ALERT_MESSAGE" > ${tmp}/alert-$ALERT_KIND.env`,
      ALERT_WEBHOOK_URL: hookUrl,
    },
  });
  await createLayer(server.owner, {
    id: 'giao_thong.cau_thu', ownerAgencyCode: 'so_gtvt', titleVi: 'Cầu', titleEn: 'Bridges', geometryFamily: 'point', source: 'Sở GTVT',
  });
  await server.owner.query(`insert into giao_thong.cau_thu (geom) select st_setsrid(st_makepoint(106 + i * 0.001, 22.7), 4326) from generate_series(1, 20) i`);
  await insertAccount(server.owner, { username: 'vanhanh.thu', role: 'operator_admin', passwordHash: await hashPassword(PASSWORD), agencyCode: 'ttcns' });
  await insertAccount(server.owner, { username: 'admin.gt', role: 'agency_admin', agencyCode: 'so_gtvt', passwordHash: await hashPassword(PASSWORD) });
});

after(async () => {
  await server?.close();
  await new Promise((resolve) => hookServer?.close(resolve));
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the daily backup job', () => {
  const past: Record<string, string> = {};

  before(async () => {
    for (const d of [1, 2, 3, 4, 5]) past[`verified-${d}`] = await pastBackup(d, 'passed');
    past['failed-30'] = await pastBackup(30, 'failed');
    // Not made by the job (no row): never touched.
    past.unknown = backupName(new Date(Date.now() - 40 * DAY));
    fs.mkdirSync(path.join(backupDir, past.unknown));
    // Left by a process that died while making a backup.
    fs.mkdirSync(path.join(backupDir, `${backupName(new Date(Date.now() - 2 * 3600_000))}.partial`));
    await server.owner.query(`insert into ops.backups (name, location, status, started_at) values ('20200101T000000Z', '/gone/20200101T000000Z', 'running', now() - interval '2 hours')`);
    first = await runBackupJob({ config: config(), ownerUrl: server.database.ownerUrl, log });
  });

  test('makes a backup and verifies it with a restore drill, and records both', async () => {
    assert.equal(first.status, 'succeeded', first.error ?? '');
    assert.equal(first.drill, 'passed');
    const { rows } = await server.owner.query('select * from ops.backups where id = $1', [first.id]);
    const row = rows[0];
    assert.equal(row.status, 'succeeded');
    assert.equal(row.drill_status, 'passed');
    assert.ok(row.verified_at && row.finished_at);
    assert.equal(row.location, path.join(backupDir, first.name!));
    assert.equal(row.upload_files, 1);
    assert.equal(row.upload_bytes, 100);
    assert.ok(row.database_bytes > 0);
    assert.match(row.manifest_sha256, /^[0-9a-f]{64}$/);
    assert.equal(row.drill_result.ok, true);
    assert.equal(row.drill_result.checked.layers, 1);
    assert.equal(row.error, null);
    // Backups on the database's disk are said to be, not hidden.
    const { rows: dd } = await server.owner.query<{ d: string }>('select current_setting($1) as d', ['data_directory']);
    const sameDisk = fs.statSync(dd[0]!.d).dev === fs.statSync(backupDir).dev;
    assert.equal(row.warnings.some((w: string) => /same disk as the database/.test(w)), sameDisk);
    const manifest = readManifest(path.join(backupDir, first.name!));
    assert.equal(manifest.data.layers['giao_thong.cau_thu']!.rows, 20);
  });

  test('applies the retention policy to what it made, and to nothing else', async () => {
    assert.deepEqual(first.deleted.sort(), [past['verified-3'], past['verified-4'], past['verified-5'], past['failed-30']].sort());
    const left = fs.readdirSync(backupDir).sort();
    assert.deepEqual(left, [past.unknown, past['verified-2'], past['verified-1'], first.name].sort());
    const { rows } = await server.owner.query<{ name: string }>('select name from ops.backups where deleted_at is not null order by name');
    assert.deepEqual(rows.map((r) => r.name), first.deleted.sort());
  });

  test('marks a backup left running by a dead process as failed', async () => {
    const { rows } = await server.owner.query(`select status, error from ops.backups where name = '20200101T000000Z'`);
    assert.equal(rows[0].status, 'failed');
    assert.match(rows[0].error, /interrupted/);
  });

  test('copies the backups off the machine with BACKUP_SYNC_COMMAND (mirroring the retention too)', () => {
    assert.deepEqual(fs.readdirSync(mirror).sort(), fs.readdirSync(backupDir).sort());
    assert.ok(fs.existsSync(path.join(mirror, first.name!, 'database.dump')));
  });

  test('a second backup while one is running is skipped', async () => {
    const holder = await server.owner.query('select pg_advisory_lock(7340090)');
    assert.ok(holder);
    try {
      const skipped = await runBackupJob({ config: config(), ownerUrl: server.database.ownerUrl, log });
      assert.equal(skipped.status, 'skipped');
      assert.equal(skipped.id, null);
    } finally {
      await server.owner.query('select pg_advisory_unlock(7340090)');
    }
  });

  test('the operator sees the backups, the drill and the freshness; an agency admin does not', async () => {
    const operator = await login(server.url, 'vanhanh.thu', PASSWORD);
    const res = await api(server.url, 'GET', '/api/admin/backups', { session: operator });
    assert.equal(res.status, 200);
    assert.equal(res.body.backups[0].name, first.name);
    assert.equal(res.body.backups[0].drill_status, 'passed');
    assert.equal(res.body.freshness.fresh, true);
    assert.ok(res.body.freshness.age_hours < 1);
    assert.equal(res.body.schedule.directory, backupDir);
    assert.deepEqual(res.body.schedule.retention, { daily: 3, weekly: 0, monthly: 0 });
    const admin = await login(server.url, 'admin.gt', PASSWORD);
    assert.equal((await api(server.url, 'GET', '/api/admin/backups', { session: admin })).status, 403);
  });
});

describe('alerts', () => {
  test('a failed backup is recorded and raises an alert: logged, in the admin API, through the command and the webhook', async () => {
    // BACKUP_DIR inside the uploads would copy the backups into themselves: refused.
    const failed = await runBackupJob({ config: config({ BACKUP_DIR: path.join(dataDir, 'uploads', 'backups') }), ownerUrl: server.database.ownerUrl, log });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /inside the uploads directory/);
    const { rows } = await server.owner.query('select status, error from ops.backups where id = $1', [failed.id]);
    assert.equal(rows[0].status, 'failed');
    assert.match(rows[0].error, /inside the uploads directory/);

    assert.ok(logged.some((l) => l.level === 'error' && /ALERT backup_failed/.test(l.msg)));
    const { rows: alerts } = await server.owner.query(`select kind, message, delivery, backup_id from ops.alerts where kind = 'backup_failed'`);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].backup_id, failed.id);
    assert.deepEqual(alerts[0].delivery, { command: 'ok', webhook: 'ok' });
    assert.match(fs.readFileSync(path.join(tmp, 'alert-backup_failed.txt'), 'utf8'), /inside the uploads directory/);
    assert.match(fs.readFileSync(path.join(tmp, 'alert-backup_failed.env'), 'utf8'), /^\[Cao Bằng GIS.*\] The backup \d{8}T\d{6}Z failed/);
    const hook = webhook.find((w) => w.body.kind === 'backup_failed');
    assert.ok(hook);
    assert.equal(hook.body.source, 'caobang-gis');
    assert.match(hook.body.message, /failed/);

    const operator = await login(server.url, 'vanhanh.thu', PASSWORD);
    const res = await api(server.url, 'GET', '/api/admin/backups', { session: operator });
    assert.equal(res.body.alerts[0].kind, 'backup_failed');
    assert.equal(res.body.backups[0].status, 'failed');
  });

  test('a drill that cannot run is a failed verification, alerted; the backup stays for inspection', async () => {
    // A backup role that reads everything but may not create databases: the dump works, the drill cannot.
    const role = `cb_backup_nodrill_${randomBytes(3).toString('hex')}`;
    await server.owner.query(`create role ${role} login bypassrls nocreatedb in role pg_read_all_data`);
    await server.owner.query(`grant select, insert, update on ops.backups, ops.alerts to ${role}; grant usage on all sequences in schema ops to ${role}`);
    try {
      const outcome = await runBackupJob({ config: config({ BACKUP_DATABASE_URL: withUser(server.database.ownerUrl, role) }), ownerUrl: server.database.ownerUrl, log });
      assert.equal(outcome.status, 'succeeded', outcome.error ?? '');
      assert.equal(outcome.drill, 'failed');
      const { rows } = await server.owner.query('select drill_status, verified_at, error, drill_result from ops.backups where id = $1', [outcome.id]);
      assert.equal(rows[0].drill_status, 'failed');
      assert.equal(rows[0].verified_at, null);
      assert.match(rows[0].error, /restore drill: .*permission denied to create database/);
      assert.equal(rows[0].drill_result.ok, false);
      const { rows: alerts } = await server.owner.query(`select delivery from ops.alerts where kind = 'drill_failed' and backup_id = $1`, [outcome.id]);
      assert.equal(alerts.length, 1);
      assert.ok(fs.existsSync(path.join(backupDir, outcome.name!, 'manifest.json')));
      assert.ok(webhook.some((w) => w.body.kind === 'drill_failed'));
      // The freshness is that of the last verified backup, not of this one.
      const { rows: status } = await server.owner.query('select last_verified_backup_at from ops.platform_status()');
      const { rows: firstRow } = await server.owner.query('select started_at from ops.backups where id = $1', [first.id]);
      assert.equal(status[0].last_verified_backup_at.getTime(), firstRow[0].started_at.getTime());
    } finally {
      await server.owner.query(`drop owned by ${role}; drop role ${role}`);
    }
  });
});

describe('a backup now, from the command line', () => {
  test('`npx tsx infra/backup/backup.ts` runs the whole job once and exits 0 when the drill passed', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: server.database.ownerUrl, DATA_DIR: dataDir, BACKUP_DIR: backupDir };
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'infra/backup/backup.ts'], { cwd: projectRoot, env }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const outcome = JSON.parse(run.stdout.slice(run.stdout.lastIndexOf('\n{') + 1)) as BackupOutcome;
    assert.equal(outcome.drill, 'passed');
    const { rows } = await server.owner.query('select status, drill_status from ops.backups where name = $1', [outcome.name]);
    assert.deepEqual(rows[0], { status: 'succeeded', drill_status: 'passed' });
  });
});

describe('backups that stop happening', () => {
  test('no verified backup for longer than BACKUP_MAX_AGE_HOURS raises one alert, not one per check', async () => {
    const ctx = { config: config(), ownerUrl: server.database.ownerUrl, log };
    assert.equal(await alertIfBackupsStale(ctx), false, 'fresh backups: nothing to say');
    await server.owner.query(`update ops.backups set started_at = started_at - interval '30 hours'`);
    assert.equal(await alertIfBackupsStale(ctx), true);
    assert.equal(await alertIfBackupsStale(ctx), false);
    const { rows } = await server.owner.query(`select message, delivery from ops.alerts where kind = 'backup_stale'`);
    assert.equal(rows.length, 1);
    assert.match(rows[0].message, /No verified backup for 30 hours/);
    assert.deepEqual(rows[0].delivery, { command: 'ok', webhook: 'ok' });
    assert.ok(webhook.some((w) => w.body.kind === 'backup_stale'));
  });

  test('before the first backup ever, the platform\'s age counts', async () => {
    await server.owner.query(`update ops.backups set drill_status = 'failed'`);
    await server.owner.query(`delete from ops.alerts where kind = 'backup_stale'`);
    await server.owner.query(`insert into ops.worker_heartbeats (worker_id, host, pid, started_at) values ('first', 'h', 1, now() - interval '2 days')`);
    assert.equal(await alertIfBackupsStale({ config: config(), ownerUrl: server.database.ownerUrl, log }), true);
    const { rows } = await server.owner.query(`select message from ops.alerts where kind = 'backup_stale'`);
    assert.match(rows[0].message, /No verified backup since the platform started 48 hours ago/);
  });
});

