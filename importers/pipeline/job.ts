// The import job: idempotent by import id. A job holds the import's advisory lock for as long as it runs (on a
// connection of its own, so a killed worker's lock goes with its connection); a second job for the same import
// waits for it and then finds the work done, or finds it undone (the first died) and does it from scratch.
import type pg from 'pg';
import type { Caller, Database } from '../../server/db/database.ts';
import { dropStaging, runCommit } from './commit.ts';
import { findImport, setFailed } from './import-rows.ts';
import { runPreview, SupersededRun } from './preview.ts';

export interface ImportJobData {
  importId: string;
  /** preview: read, stage, validate; commit: merge into the layer. */
  action: 'preview' | 'commit';
  /** The run of the import this job belongs to (a newer preview request supersedes older jobs). */
  run: number;
  /** Whom the job acts for: the uploader (preview) or whoever asked for the commit, a person or an API client. */
  userId?: string;
  apiClientId?: string;
}

/** The caller a job acts as (the database derives the rights again from it). */
export function jobCaller(data: Pick<ImportJobData, 'userId' | 'apiClientId'>): Caller {
  return data.userId ? { userId: data.userId } : { apiClientId: data.apiClientId! };
}

export const IMPORT_LOCK_NAMESPACE = 7_340_101;

export interface JobContext {
  db: Database;
  dataDir: string;
}

export interface JobAttempt {
  /** Set when this is the last attempt pg-boss will make: an unexpected error then fails the import. */
  lastAttempt: boolean;
}

async function withImportLock<T>(db: Database, importId: string, fn: () => Promise<T>): Promise<T> {
  const lockClient: pg.PoolClient = await db.pool.connect();
  // Held for the whole job: a lost connection (database restart) must fail the job, not crash the process.
  let lost: Error | undefined;
  const onError = (err: Error) => { lost = err; };
  lockClient.on('error', onError);
  try {
    await lockClient.query('select pg_advisory_lock($1, hashtext($2))', [IMPORT_LOCK_NAMESPACE, importId]);
    try {
      return await fn();
    } finally {
      await lockClient.query('select pg_advisory_unlock($1, hashtext($2))', [IMPORT_LOCK_NAMESPACE, importId]).catch(() => {});
    }
  } finally {
    lockClient.off('error', onError);
    lockClient.release(lost);
  }
}

export async function handleImportJob(ctx: JobContext, data: ImportJobData, attempt: JobAttempt): Promise<string> {
  const caller = jobCaller(data);
  return withImportLock(ctx.db, data.importId, async () => {
    const row = await ctx.db.withCaller(caller, (c) => findImport(c, data.importId));
    if (!row) return 'import_not_visible';
    if (data.action === 'commit') {
      if (row.status === 'committed') {
        await dropStaging(ctx.db, caller, row.id);
        return 'already_committed';
      }
      if (row.status !== 'committing') return `not_committing:${row.status}`;
      try {
        const outcome = await runCommit({ db: ctx.db, row, caller });
        if (outcome === 'committed') await dropStaging(ctx.db, caller, row.id);
        return outcome;
      } catch (err) {
        // Nothing was committed (the transaction rolled back): the import must not keep the layer locked.
        if (attempt.lastAttempt) {
          await ctx.db.withCaller(caller, (c) => c.query(
            `update imports.imports set status = 'preview', error_code = 'internal_error', updated_at = now(),
               error_message = 'The commit failed on our side several times; nothing was changed. Try again later.'
             where id = $1 and status = 'committing'`, [row.id]), { write: true }).catch(() => {});
        }
        throw err;
      }
    }
    if (row.run !== data.run) return 'superseded';
    if (!['uploaded', 'reading', 'validating'].includes(row.status)) return `already_${row.status}`;
    try {
      await runPreview({ db: ctx.db, dataDir: ctx.dataDir, row, caller });
      return 'previewed';
    } catch (err) {
      if (err instanceof SupersededRun) return 'superseded';
      if (attempt.lastAttempt) {
        await ctx.db.withCaller(caller, (c) => setFailed(c, row.id, row.run, 'internal_error',
          'The import failed on our side several times; it has been logged. Try again later.'), { write: true }).catch(() => {});
      }
      throw err;
    }
  });
}
