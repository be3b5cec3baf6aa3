// Abandoned imports: a preview (or a failed run) nobody committed within IMPORT_PREVIEW_MAX_AGE_HOURS expires.
// Its staging tables are dropped and its upload file deleted (unless another import still refers to the same
// bytes); the import row stays, as 'expired', so the history of what was tried is kept. Run by a pg-boss cron job
// (IMPORT_CLEANUP_CRON; pg-boss runs a schedule once across all nodes) on the import worker.
import fs from 'node:fs';
import type { Database } from '../../server/db/database.ts';
import { anonymous } from '../../server/db/database.ts';
import { storedPath } from './upload-store.ts';

export interface CleanupResult {
  /** Ids of the imports that expired now. */
  expired: string[];
  /** Upload files deleted (files another import still needs are kept). */
  removedFiles: number;
}

/**
 * Expires the imports older than `maxAgeHours` and deletes their upload files, all in one transaction: the files
 * are deleted before it commits, while their rows are locked, so an upload of the same bytes accepted meanwhile
 * waits for it and then stores them again (imports.add_file, migration 015).
 */
export async function expireAbandonedImports(db: Database, dataDir: string, maxAgeHours: number): Promise<CleanupResult> {
  return db.withCaller(anonymous, async (client) => {
    const { rows } = await client.query<{ expired: string[]; removed_paths: string[] }>(
      'select expired, removed_paths from imports.expire_abandoned($1::numeric * interval \'1 hour\')', [maxAgeHours]);
    const { expired, removed_paths: paths } = rows[0]!;
    for (const p of paths) await fs.promises.rm(storedPath(dataDir, p), { force: true });
    return { expired, removedFiles: paths.length };
  }, { write: true });
}
