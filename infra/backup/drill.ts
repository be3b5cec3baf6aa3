// The restore drill after every backup: the files still hash to what the manifest says, the dump restores into a
// scratch database, and the restored data has the same row counts and checksums as the source had at backup time.
// The scratch database is dropped whatever happens.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { compareChecksums, dataChecksums, pinRowText, type DataChecksums, type Mismatch } from './checksums.ts';
import { DUMP_FILE, readManifest, verifyFiles, type FileProblem, type Manifest } from './manifest.ts';
import { createEmptyDatabase, dropDatabase, pgRestore, withClient, withDatabase } from './pg-tools.ts';

export interface DrillResult {
  ok: boolean;
  backup: string;
  scratch_database: string | null;
  files: { checked: number; problems: FileProblem[] };
  checked: { layers: number; tables: number; history_rows: number; audit_rows: number };
  mismatches: Mismatch[];
  error: string | null;
  duration_ms: number;
}

/** Counts and checksums of a restored database. */
export async function restoredChecksums(url: string): Promise<DataChecksums> {
  return withClient(url, async (client) => {
    await client.query('begin isolation level repeatable read, read only');
    try {
      await pinRowText(client);
      const data = await dataChecksums(client);
      await client.query('commit');
      return data;
    } catch (err) {
      await client.query('rollback').catch(() => {});
      throw err;
    }
  });
}

/** What to compare in a restored copy, and how many things were compared. */
export function checkedCounts(manifest: Manifest): DrillResult['checked'] {
  return {
    layers: Object.keys(manifest.data.layers).length,
    tables: Object.keys(manifest.data.tables).length,
    history_rows: manifest.data.history.rows,
    audit_rows: manifest.data.audit.rows,
  };
}

export interface DrillOptions {
  /** The server to drill on (the backup connection: it may CREATEDB). Its database is not touched. */
  databaseUrl: string;
  backupDir: string;
  signal?: AbortSignal;
}

export async function restoreDrill(opts: DrillOptions): Promise<DrillResult> {
  const started = Date.now();
  const result: DrillResult = {
    ok: false,
    backup: path.basename(opts.backupDir),
    scratch_database: null,
    files: { checked: 0, problems: [] },
    checked: { layers: 0, tables: 0, history_rows: 0, audit_rows: 0 },
    mismatches: [],
    error: null,
    duration_ms: 0,
  };
  try {
    const manifest = readManifest(opts.backupDir);
    result.checked = checkedCounts(manifest);
    result.files.checked = manifest.files.length;
    result.files.problems = await verifyFiles(opts.backupDir, manifest);
    if (result.files.problems.length > 0) {
      const first = result.files.problems[0]!;
      throw new Error(`${result.files.problems.length} file(s) differ from the manifest (first: ${first.path}, ${first.problem}).`);
    }
    const scratch = `cb_drill_${manifest.name.toLowerCase()}_${randomBytes(3).toString('hex')}`;
    const scratchUrl = withDatabase(opts.databaseUrl, scratch);
    result.scratch_database = scratch;
    await createEmptyDatabase(scratchUrl);
    try {
      await pgRestore(scratchUrl, path.join(opts.backupDir, DUMP_FILE), { signal: opts.signal });
      result.mismatches = compareChecksums(manifest.data, await restoredChecksums(scratchUrl));
      if (result.mismatches.length > 0) {
        throw new Error(`The restored data differs from the source at backup time in ${result.mismatches.length} place(s) (first: ${result.mismatches[0]!.what}).`);
      }
    } finally {
      await dropDatabase(scratchUrl);
    }
    result.ok = true;
  } catch (err) {
    result.error = (err as Error).message;
  }
  result.duration_ms = Date.now() - started;
  return result;
}
