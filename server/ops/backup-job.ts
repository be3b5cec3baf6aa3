// The daily backup job: make a backup, drill a restore of it, record both in ops.backups, apply the retention policy,
// copy the backup directory off the machine if configured, and raise an alert for anything that failed. Runs on
// the backup connection (BACKUP_DATABASE_URL, default the owner): pg_dump must read everything.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { PARTIAL_SUFFIX, backupNamePattern, makeBackup, nextBackupName } from '../../infra/backup/backup.ts';
import { restoreDrill, type DrillResult } from '../../infra/backup/drill.ts';
import { MANIFEST_FILE } from '../../infra/backup/manifest.ts';
import { planRetention } from '../../infra/backup/retention.ts';
import { raiseAlert, type OpsLogger } from './alerts.ts';
import { runShellCommand } from './run-command.ts';

export const backupRoot = (config: Pick<Config, 'BACKUP_DIR' | 'DATA_DIR'>) =>
  path.resolve(config.BACKUP_DIR ?? path.join(config.DATA_DIR, 'backups'));
export const uploadsDir = (config: Pick<Config, 'DATA_DIR'>) => path.join(config.DATA_DIR, 'uploads');

// One backup at a time across every node and worker; any fixed numbers.
const BACKUP_LOCK = 7_340_090;
const STALE_CHECK_LOCK = 7_340_091;

export interface BackupJobContext {
  config: Config;
  /** The owner connection, used when BACKUP_DATABASE_URL is not set. */
  ownerUrl: string;
  log: OpsLogger;
  signal?: AbortSignal;
}

export interface BackupOutcome {
  status: 'succeeded' | 'failed' | 'skipped';
  id: string | null;
  name: string | null;
  drill: 'passed' | 'failed' | null;
  error: string | null;
  deleted: string[];
}

async function removeLeftovers(client: pg.ClientBase, root: string, log: OpsLogger): Promise<void> {
  // We hold the backup lock: anything still "running" or half-written belongs to a process that died.
  const { rows } = await client.query<{ name: string }>(
    `update ops.backups set status = 'failed', finished_at = now(), error = 'interrupted: the process making it stopped'
     where status = 'running' returning name`);
  if (rows.length > 0) log.warn({ backups: rows.map((r) => r.name) }, 'backups left running by a stopped process marked failed');
  if (!fs.existsSync(root)) return;
  for (const entry of fs.readdirSync(root)) {
    if (entry.endsWith(PARTIAL_SUFFIX) && backupNamePattern.test(entry.slice(0, -PARTIAL_SUFFIX.length))) {
      fs.rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }
}

async function applyRetention(client: pg.ClientBase, config: Config, log: OpsLogger): Promise<string[]> {
  const { rows } = await client.query<{ id: string; name: string; location: string; started_at: Date; drill_status: string | null }>(
    `select id, name, location, started_at, drill_status from ops.backups where status = 'succeeded' and deleted_at is null`);
  const plan = planRetention(
    rows.map((r) => ({ name: r.name, takenAt: r.started_at, verified: r.drill_status === 'passed' })),
    { daily: config.BACKUP_KEEP_DAILY, weekly: config.BACKUP_KEEP_WEEKLY, monthly: config.BACKUP_KEEP_MONTHLY },
    new Date(),
  );
  const deleted: string[] = [];
  for (const name of plan.delete) {
    const row = rows.find((r) => r.name === name)!;
    // Only ever a directory this job made: a backup name, holding a manifest (or already gone).
    if (path.basename(row.location) !== name) continue;
    if (fs.existsSync(row.location)) {
      if (!fs.existsSync(path.join(row.location, MANIFEST_FILE))) continue;
      fs.rmSync(row.location, { recursive: true, force: true });
    }
    await client.query('update ops.backups set deleted_at = now() where id = $1', [row.id]);
    deleted.push(name);
  }
  if (deleted.length > 0) log.info({ deleted }, `retention removed ${deleted.length} backup(s)`);
  return deleted;
}

export async function runBackupJob(ctx: BackupJobContext): Promise<BackupOutcome> {
  const { config, log } = ctx;
  const databaseUrl = config.BACKUP_DATABASE_URL ?? ctx.ownerUrl;
  const root = backupRoot(config);
  const outcome: BackupOutcome = { status: 'skipped', id: null, name: null, drill: null, error: null, deleted: [] };
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'caobang-gis-backup' });
  await client.connect();
  try {
    const { rows: lock } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [BACKUP_LOCK]);
    if (!lock[0]!.ok) {
      log.warn({}, 'a backup is already running elsewhere; this one is skipped');
      return outcome;
    }
    await removeLeftovers(client, root, log);
    fs.mkdirSync(root, { recursive: true });
    const { rows: recent } = await client.query<{ name: string }>(`select name from ops.backups where started_at > now() - interval '1 day'`);
    const name = nextBackupName(root, new Date(), new Set(recent.map((r) => r.name)));
    const { rows } = await client.query<{ id: string }>(
      `insert into ops.backups (name, location, status) values ($1, $2, 'running') returning id`, [name, path.join(root, name)]);
    const id = rows[0]!.id;
    Object.assign(outcome, { id, name });
    log.info({ backup: name, dir: root }, 'backup started');

    try {
      const made = await makeBackup({ databaseUrl, root, name, uploadsDir: uploadsDir(config), dataDir: config.DATA_DIR, signal: ctx.signal });
      const t = made.manifest.totals;
      await client.query(
        `update ops.backups set status = 'succeeded', finished_at = now(), database_bytes = $2, upload_files = $3,
                upload_bytes = $4, manifest_sha256 = $5, warnings = $6 where id = $1`,
        [id, t.database_bytes, t.upload_files, t.upload_bytes, made.manifestSha256, made.manifest.warnings]);
      for (const w of made.manifest.warnings) log.warn({ backup: name }, w);
      outcome.status = 'succeeded';
    } catch (err) {
      outcome.status = 'failed';
      outcome.error = (err as Error).message;
      await client.query(`update ops.backups set status = 'failed', finished_at = now(), error = $2 where id = $1`, [id, outcome.error]);
      await raiseAlert(client, config, log, {
        kind: 'backup_failed', backupId: id, message: `The backup ${name} failed: ${outcome.error}`, details: { backup: name, dir: root },
      });
      return outcome;
    }

    const drill: DrillResult = await restoreDrill({ databaseUrl, backupDir: path.join(root, name), signal: ctx.signal });
    outcome.drill = drill.ok ? 'passed' : 'failed';
    await client.query(
      `update ops.backups set drill_status = $2, drill_result = $3, verified_at = case when $2 = 'passed' then now() end,
              error = $4 where id = $1`,
      [id, outcome.drill, JSON.stringify(drill), drill.ok ? null : `restore drill: ${drill.error}`]);
    if (drill.ok) {
      log.info({ backup: name, drill_ms: drill.duration_ms, layers: drill.checked.layers }, 'backup verified by a restore drill');
    } else {
      outcome.error = drill.error;
      await raiseAlert(client, config, log, {
        kind: 'drill_failed', backupId: id, message: `The restore drill of backup ${name} failed: ${drill.error}`,
        details: { backup: name, files: drill.files.problems.slice(0, 20), mismatches: drill.mismatches.slice(0, 20) },
      });
    }

    try {
      outcome.deleted = await applyRetention(client, config, log);
    } catch (err) {
      await raiseAlert(client, config, log, { kind: 'retention_failed', message: `Applying the backup retention policy failed: ${(err as Error).message}` });
    }

    if (drill.ok && config.BACKUP_SYNC_COMMAND) {
      const sync = await runShellCommand(config.BACKUP_SYNC_COMMAND, {
        env: { BACKUP_ROOT: root, BACKUP_PATH: path.join(root, name), BACKUP_NAME: name }, timeoutMs: 6 * 3600_000, signal: ctx.signal,
      });
      if (!sync.ok) {
        await raiseAlert(client, config, log, {
          kind: 'backup_sync_failed', backupId: id,
          message: `Copying backup ${name} off the machine failed (${sync.result})${sync.stderr ? `: ${sync.stderr.slice(-300)}` : ''}`,
        });
      } else {
        log.info({ backup: name }, 'backup copied by BACKUP_SYNC_COMMAND');
      }
    }
    return outcome;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A backup that never ran raises no failure of its own (a broken schedule, a worker that never picks it up): every
 * worker checks now and then that a verified backup is younger than BACKUP_MAX_AGE_HOURS, and raises one alert per
 * that many hours while it is not. Before the first backup ever, the platform's age (its first worker) counts.
 */
export async function alertIfBackupsStale(ctx: Omit<BackupJobContext, 'signal'>): Promise<boolean> {
  const { config, log } = ctx;
  const client = new pg.Client({ connectionString: config.BACKUP_DATABASE_URL ?? ctx.ownerUrl, application_name: 'caobang-gis-backup' });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [STALE_CHECK_LOCK]);
    const { rows } = await client.query<{ last: Date | null; since: Date | null; alerted: boolean }>(
      `select (select max(started_at) from ops.backups where status = 'succeeded' and drill_status = 'passed') as last,
              (select min(started_at) from ops.worker_heartbeats) as since,
              exists (select 1 from ops.alerts where kind = 'backup_stale' and at > now() - $1 * interval '1 hour') as alerted`,
      [config.BACKUP_MAX_AGE_HOURS]);
    const r = rows[0]!;
    const reference = r.last ?? r.since;
    const stale = reference !== null && Date.now() - reference.getTime() > config.BACKUP_MAX_AGE_HOURS * 3_600_000;
    if (stale && !r.alerted) {
      const age = Math.round((Date.now() - reference.getTime()) / 3_600_000);
      await raiseAlert(client, config, log, {
        kind: 'backup_stale',
        message: r.last
          ? `No verified backup for ${age} hours (the last is from ${r.last.toISOString()}); daily backups are due (Điều 10.5).`
          : `No verified backup since the platform started ${age} hours ago; daily backups are due (Điều 10.5).`,
        details: { last_verified_at: r.last, max_age_hours: config.BACKUP_MAX_AGE_HOURS, schedule: config.BACKUP_CRON },
      });
    }
    await client.query('commit');
    return stale && !r.alerted;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

