// One consistent backup of the platform (Điều 10.5): the whole database as `pg_dump -Fc`, the stored upload files, and
// a manifest with the hash of every file and the counts and checksums of the data. The checksums and the dump read
// the same snapshot: a REPEATABLE READ transaction exports it, computes the checksums and stays open while pg_dump
// imports it, so "the data at backup time" is one well-defined thing a restore can be compared with.
//
// A backup is written as `<name>.partial` and renamed when complete: a directory without that suffix is whole.
//
// Run one now (backup, restore drill, record, retention, as the daily job does): `npx tsx infra/backup/backup.ts`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dataChecksums, pinRowText } from './checksums.ts';
import {
  DUMP_FILE, MANIFEST_FORMAT, UPLOADS_DIR, describeFile, listFiles, manifestSha256, writeManifest, type Manifest,
} from './manifest.ts';
import { databaseName, pgDump, withClient } from './pg-tools.ts';

export const PARTIAL_SUFFIX = '.partial';
export const backupNamePattern = /^[0-9]{8}T[0-9]{6}Z$/;

/** UTC, to the second, sortable: 20250102T023000Z. */
export function backupName(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function backupTime(name: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(name);
  if (!m) throw new Error(`Not a backup name: ${name}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/**
 * The name for a backup starting now that no other backup has, in `root` or in `taken` (names already recorded):
 * two within a second get the next second.
 */
export function nextBackupName(root: string, now = new Date(), taken: ReadonlySet<string> = new Set()): string {
  for (let t = Math.floor(now.getTime() / 1000) * 1000; ; t += 1000) {
    const name = backupName(new Date(t));
    if (!taken.has(name) && !fs.existsSync(path.join(root, name)) && !fs.existsSync(path.join(root, name + PARTIAL_SUFFIX))) return name;
  }
}

export interface BackupOptions {
  /** A connection that reads everything (superuser or BYPASSRLS). */
  databaseUrl: string;
  /** BACKUP_DIR: where backup directories are made. */
  root: string;
  name?: string;
  /** The stored upload files (DATA_DIR/uploads); absent: none. */
  uploadsDir?: string;
  /** Where the platform's own files live, to warn when the backups share their disk. */
  dataDir?: string;
  signal?: AbortSignal;
}

export interface BackupResult {
  name: string;
  dir: string;
  manifest: Manifest;
  manifestSha256: string;
}

const isInside = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

function deviceOf(p: string): number | undefined {
  try {
    return fs.statSync(p).dev;
  } catch {
    return undefined;
  }
}

/** Files still being received (importers/pipeline/upload-store.ts streams them here first) are not uploads yet. */
const RECEIVING_DIR = 'tmp';

/**
 * Upload files are stored under their sha256 and never changed, so a copy made after the snapshot holds every file
 * the snapshot refers to (and perhaps a few newer ones, which do no harm). A file removed while we copy is skipped.
 */
async function copyUploads(from: string, to: string): Promise<void> {
  for (const rel of listFiles(from)) {
    if (rel.split('/')[0] === RECEIVING_DIR) continue;
    const dest = path.join(to, rel);
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    try {
      await fs.promises.copyFile(path.join(from, rel), dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export async function makeBackup(opts: BackupOptions): Promise<BackupResult> {
  const root = path.resolve(opts.root);
  fs.mkdirSync(root, { recursive: true });
  const uploadsDir = opts.uploadsDir ? path.resolve(opts.uploadsDir) : undefined;
  if (uploadsDir && isInside(root, uploadsDir)) {
    throw new Error(`BACKUP_DIR (${root}) is inside the uploads directory: every backup would copy the earlier ones.`);
  }
  const name = opts.name ?? nextBackupName(root);
  const partial = path.join(root, name + PARTIAL_SUFFIX);
  const dir = path.join(root, name);
  fs.mkdirSync(partial);
  try {
    const warnings: string[] = [];
    const { snapshotAt, database, data } = await withClient(opts.databaseUrl, async (client) => {
      await client.query('begin isolation level repeatable read, read only');
      try {
        await pinRowText(client);
        const { rows } = await client.query<{ snapshot: string; at: Date; version: string; postgis: string | null; data_directory: string | null }>(`
          select pg_export_snapshot() as snapshot, now() as at, current_setting('server_version') as version,
                 (select extversion from pg_extension where extname = 'postgis') as postgis,
                 case when pg_has_role('pg_read_all_settings', 'member') then current_setting('data_directory') end as data_directory`);
        const info = rows[0]!;
        const { rows: migrations } = await client.query<{ name: string }>('select name from public.schema_migrations order by name');
        // Both read the exported snapshot: the transaction stays open until pg_dump has finished. If the checksums
        // fail, pg_dump is stopped rather than left writing into a directory that is about to be removed.
        const stopDump = new AbortController();
        const signal = opts.signal ? AbortSignal.any([opts.signal, stopDump.signal]) : stopDump.signal;
        const dump = pgDump(opts.databaseUrl, path.join(partial, DUMP_FILE), info.snapshot, { signal });
        const [data] = await Promise.all([
          dataChecksums(client).catch((err: unknown) => {
            stopDump.abort();
            throw err;
          }),
          dump,
        ]);
        await client.query('commit');
        const dbDir = info.data_directory ?? (opts.dataDir ? path.join(opts.dataDir, 'pg') : null);
        if (dbDir && deviceOf(dbDir) !== undefined && deviceOf(dbDir) === deviceOf(root)) {
          warnings.push(`The backups are on the same disk as the database (${dbDir}): set BACKUP_DIR to another disk or a mounted remote volume (Điều 10.5).`);
        }
        return {
          snapshotAt: info.at,
          database: { name: databaseName(opts.databaseUrl), server_version: info.version, postgis_version: info.postgis, migrations: migrations.map((m) => m.name) },
          data,
        };
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      }
    });

    if (uploadsDir) await copyUploads(uploadsDir, path.join(partial, UPLOADS_DIR));
    const uploads = listFiles(path.join(partial, UPLOADS_DIR)).map((f) => `${UPLOADS_DIR}/${f}`);
    const files = [];
    for (const rel of [DUMP_FILE, ...uploads]) files.push(await describeFile(partial, rel));
    const uploadFiles = files.filter((f) => f.path.startsWith(`${UPLOADS_DIR}/`));
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      name,
      snapshot_at: snapshotAt.toISOString(),
      database,
      files,
      totals: {
        database_bytes: files[0]!.bytes,
        upload_files: uploadFiles.length,
        upload_bytes: uploadFiles.reduce((s, f) => s + f.bytes, 0),
      },
      data,
      warnings,
    };
    writeManifest(partial, manifest);
    const sha = await manifestSha256(partial);
    fs.renameSync(partial, dir);
    return { name, dir, manifest, manifestSha256: sha };
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

async function main(): Promise<void> {
  const { loadConfig } = await import('../../server/config.ts');
  const { resolveDatabase } = await import('../../server/db/database.ts');
  const { runBackupJob } = await import('../../server/ops/backup-job.ts');
  const config = loadConfig();
  const urls = await resolveDatabase(config);
  const line = (obj: object) => (Object.keys(obj).length > 0 ? ` ${JSON.stringify(obj)}` : '');
  const log = {
    info: (obj: object, msg: string) => console.log(`${msg}${line(obj)}`),
    warn: (obj: object, msg: string) => console.warn(`${msg}${line(obj)}`),
    error: (obj: object, msg: string) => console.error(`${msg}${line(obj)}`),
  };
  const outcome = await runBackupJob({ config, ownerUrl: urls.ownerUrl, log });
  console.log(JSON.stringify(outcome, null, 2));
  process.exit(outcome.status === 'succeeded' && outcome.drill === 'passed' ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
