// The operations side of a process that runs jobs: its heartbeat, the daily backup on the cron schedule
// (BACKUP_CRON, Vietnam time; pg-boss runs a schedule once across all nodes), the backup queue's worker, and an
// hourly check that backups are not stale.
import type PgBoss from 'pg-boss';
import type { Config } from '../config.ts';
import { queues } from '../jobs/boss.ts';
import { BACKUP_TIME_ZONE } from '../../infra/backup/retention.ts';
import type { OpsLogger } from './alerts.ts';
import { alertIfBackupsStale, runBackupJob } from './backup-job.ts';
import { startHeartbeat } from './heartbeat.ts';

const FRESHNESS_CHECK_MS = 3_600_000;

export interface OpsWorker {
  workerId: string;
  /** After pg-boss has stopped (running jobs finished or timed out): stops what is left and the heartbeat. */
  stop(): Promise<void>;
}

export async function startOpsWorker(opts: {
  boss: PgBoss;
  config: Config;
  ownerUrl: string;
  appUrl: string;
  log: OpsLogger;
}): Promise<OpsWorker> {
  const { boss, config, log } = opts;
  const abort = new AbortController();
  // A backup outlives pg-boss's default 15-minute expiry on a large database; a crashed one is retried after this.
  await boss.schedule(queues.backup, config.BACKUP_CRON, {}, { tz: BACKUP_TIME_ZONE, expireInHours: 4 });
  await boss.work(queues.backup, { batchSize: 1, pollingIntervalSeconds: 2 }, async () => {
    // Failures are recorded and alerted by the job itself; a retry minutes later would not fix a full disk.
    return runBackupJob({ config, ownerUrl: opts.ownerUrl, log, signal: abort.signal });
  });
  const heartbeat = await startHeartbeat(opts.appUrl, log);
  const checkFreshness = () => {
    alertIfBackupsStale({ config, ownerUrl: opts.ownerUrl, log })
      .catch((err: Error) => log.warn({ err: err.message }, 'backup freshness check failed'));
  };
  const freshness = setInterval(checkFreshness, FRESHNESS_CHECK_MS);
  freshness.unref();
  checkFreshness();
  log.info({ workerId: heartbeat.workerId, backupCron: config.BACKUP_CRON }, 'operations worker started');
  return {
    workerId: heartbeat.workerId,
    async stop() {
      clearInterval(freshness);
      abort.abort();
      await heartbeat.stop();
    },
  };
}
