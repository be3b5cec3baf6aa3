// The import worker on pg-boss: runs import jobs, and hands jobs whose worker died back to pg-boss for a retry
// without waiting for their expiry (a job is orphaned when it is active but nobody holds its import's lock).
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Database } from '../../server/db/database.ts';
import { JOB_SCHEMA, queues } from '../../server/jobs/boss.ts';
import { expireAbandonedImports } from './cleanup.ts';
import { indexPendingNames } from './commit.ts';
import { handleImportJob, IMPORT_LOCK_NAMESPACE, type ImportJobData } from './job.ts';

export interface ImportWorkerOptions {
  boss: PgBoss;
  db: Database;
  dataDir: string;
  /** Jobs run at once by this process. */
  concurrency?: number;
  /** How often an idle worker asks for a job (default 0.5 s, pg-boss's least: each import waits for it twice). */
  pollingIntervalSeconds?: number;
  /** How often to look for orphaned jobs, and how long after its start a job without its lock counts as one. */
  recoverEverySeconds?: number;
  orphanGraceSeconds?: number;
  /** The clean-up of abandoned imports: its cron schedule (Vietnam time) and the age at which an import expires. */
  cleanup?: { cron: string; maxAgeHours: number };
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** Longest an import job may stay active before pg-boss itself gives up on it (a backstop to the recovery). */
export const IMPORT_JOB_EXPIRE_SECONDS = 4 * 60 * 60;

const CLEANUP_TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** Enqueues a job inside the caller's transaction: it exists exactly when the import row change commits. */
export async function enqueueImportJob(boss: PgBoss, client: pg.ClientBase, data: ImportJobData): Promise<string> {
  const id = await boss.send(queues.import, data as unknown as object, {
    db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
    expireInSeconds: IMPORT_JOB_EXPIRE_SECONDS,
  });
  if (!id) throw new Error('the job queue did not accept the import job');
  return id;
}

/**
 * Active import jobs whose import lock nobody holds: their worker died (its connection, and so its session
 * lock, went with it). A job only just fetched has not taken its lock yet, hence the grace period.
 */
export async function orphanedJobIds(db: Database, graceSeconds = 15): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `select j.id from ${JOB_SCHEMA}.job j
     where j.name = $1 and j.state = 'active' and j.started_on < now() - make_interval(secs => $2)
       and not exists (
         select 1 from pg_locks l
         where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
           and l.classid = $3::oid and l.objid = (hashtext(j.data ->> 'importId'))::oid and l.objsubid = 2)`,
    [queues.import, graceSeconds, IMPORT_LOCK_NAMESPACE]);
  return rows.map((r) => r.id);
}

export async function startImportWorker(opts: ImportWorkerOptions): Promise<{ stop(): Promise<void> }> {
  const { boss, db, dataDir } = opts;
  const log = opts.log ?? (() => {});
  const workerIds: string[] = [];
  // A large import's names are indexed after its commit; a failure here leaves them pending for the next try
  // (the recovery below) and never fails the import, which is committed.
  const indexNames = async () => {
    try {
      const written = await indexPendingNames(db);
      if (written > 0) log('search entries written after an import', { written });
    } catch (err) {
      log('indexing names after an import failed', { err: (err as Error).message });
    }
  };
  for (let i = 0; i < (opts.concurrency ?? 2); i++) {
    workerIds.push(await boss.work<ImportJobData>(queues.import,
      { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 0.5 },
      async (jobs) => {
        for (const job of jobs) {
          const outcome = await handleImportJob({ db, dataDir }, job.data, { lastAttempt: job.retryCount >= job.retryLimit });
          log('import job done', { importId: job.data.importId, action: job.data.action, outcome });
          if (outcome === 'committed' || outcome === 'already_committed') await indexNames();
        }
      }));
  }
  // Also the catch-up for names left pending by a worker that died between an import's commit and their indexing.
  const recover = async () => {
    await indexNames();
    try {
      const ids = await orphanedJobIds(db, opts.orphanGraceSeconds);
      if (ids.length > 0) {
        log('import jobs orphaned by a dead worker, retrying', { ids });
        for (const id of ids) await boss.fail(queues.import, id, { message: 'the worker running this job stopped' });
      }
    } catch (err) {
      log('looking for orphaned import jobs failed', { err: (err as Error).message });
    }
  };
  if (opts.cleanup) {
    const { cron, maxAgeHours } = opts.cleanup;
    // Every worker (re)states the same schedule; pg-boss keeps one per queue and sends each due job once.
    await boss.schedule(queues.importCleanup, cron, {}, { tz: CLEANUP_TIME_ZONE, expireInSeconds: 15 * 60 });
    workerIds.push(await boss.work(queues.importCleanup, { batchSize: 1, pollingIntervalSeconds: 2 }, async () => {
      const result = await expireAbandonedImports(db, dataDir, maxAgeHours);
      if (result.expired.length > 0) log('abandoned imports expired', { imports: result.expired, removedFiles: result.removedFiles });
      return result;
    }));
  }
  await recover();
  const timer = setInterval(recover, (opts.recoverEverySeconds ?? 30) * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      for (const id of workerIds) await boss.offWork({ id }).catch(() => {});
    },
  };
}
