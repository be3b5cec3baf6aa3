// Brings a platform back from a chosen backup: checks every file against the manifest, restores the dump into the
// target database (created fresh; a target that holds anything is refused unless --force, which drops it), puts the
// upload files back, and proves the restored data has the counts and checksums the manifest recorded.
//
//   npm run restore -- <backup dir | backup name | latest> [--database-url <url>] [--force] [--no-owner]
//                      [--uploads-dir <dir> | --skip-uploads]
//
// Stop the platform's servers and workers first: --force ends every connection to the target database.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { backupNamePattern } from './backup.ts';
import { compareChecksums, type Mismatch } from './checksums.ts';
import { restoredChecksums } from './drill.ts';
import { DUMP_FILE, MANIFEST_FILE, UPLOADS_DIR, listFiles, readManifest, sha256File, verifyFiles } from './manifest.ts';
import {
  createEmptyDatabase, databaseExists, dropDatabase, ensureAppRole, maintenanceUrl, pgRestore, redact, userObjectCount, withClient,
} from './pg-tools.ts';

export interface RestoreOptions {
  backupDir: string;
  /** The database to restore into (an owner-capable connection: it creates and, with force, drops it). */
  targetUrl: string;
  force?: boolean;
  /** Objects owned by the restoring role instead of the source's owners (a cluster without those roles). */
  noOwner?: boolean;
  /** Where the upload files go (DATA_DIR/uploads); null: leave them out. */
  uploadsDir: string | null;
  log?: (message: string) => void;
}

export interface RestoreResult {
  ok: boolean;
  backup: string;
  target: string;
  upload_files: { copied: number; already_there: number };
  mismatches: Mismatch[];
}

export class RestoreRefused extends Error {}

interface UploadPlan {
  copy: string[];
  same: string[];
}

/** Which upload files to copy; a different file already at a path is refused unless forced. */
async function planUploads(backupDir: string, uploadsDir: string, force: boolean): Promise<UploadPlan> {
  const plan: UploadPlan = { copy: [], same: [] };
  for (const rel of listFiles(path.join(backupDir, UPLOADS_DIR))) {
    const dest = path.join(uploadsDir, rel);
    if (!fs.existsSync(dest)) plan.copy.push(rel);
    else if ((await sha256File(dest)) === (await sha256File(path.join(backupDir, UPLOADS_DIR, rel)))) plan.same.push(rel);
    else if (force) plan.copy.push(rel);
    else throw new RestoreRefused(`${dest} exists and differs from the backup's copy; use --force to overwrite it.`);
  }
  return plan;
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const log = opts.log ?? (() => {});
  const manifest = readManifest(opts.backupDir);
  const target = redact(opts.targetUrl);
  log(`Checking ${manifest.files.length} file(s) of backup ${manifest.name} against its manifest …`);
  const problems = await verifyFiles(opts.backupDir, manifest);
  if (problems.length > 0) {
    throw new RestoreRefused(`The backup is damaged: ${problems.map((p) => `${p.path} (${p.problem})`).slice(0, 5).join(', ')}. Choose another backup.`);
  }
  const uploads = opts.uploadsDir ? await planUploads(opts.backupDir, opts.uploadsDir, !!opts.force) : { copy: [], same: [] };

  if (await databaseExists(opts.targetUrl)) {
    const objects = await userObjectCount(opts.targetUrl);
    if (objects > 0 && !opts.force) {
      throw new RestoreRefused(`The target database ${target} is not empty (${objects} objects). Restore into a new database, or add --force to replace it.`);
    }
    log(`Dropping the existing target database ${target} …`);
    await dropDatabase(opts.targetUrl);
  }
  await ensureAppRole(maintenanceUrl(opts.targetUrl));
  await createEmptyDatabase(opts.targetUrl);
  log(`Restoring ${DUMP_FILE} (${manifest.totals.database_bytes} bytes) into ${target} …`);
  await pgRestore(opts.targetUrl, path.join(opts.backupDir, DUMP_FILE), { noOwner: opts.noOwner });

  if (opts.uploadsDir) {
    log(`Copying ${uploads.copy.length} upload file(s) to ${opts.uploadsDir} (${uploads.same.length} already there) …`);
    for (const rel of uploads.copy) {
      const dest = path.join(opts.uploadsDir, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.copyFileSync(path.join(opts.backupDir, UPLOADS_DIR, rel), dest);
    }
    for (const f of manifest.files.filter((m) => m.path.startsWith(`${UPLOADS_DIR}/`))) {
      const dest = path.join(opts.uploadsDir, f.path.slice(UPLOADS_DIR.length + 1));
      if ((await sha256File(dest)) !== f.sha256) throw new Error(`The restored upload file ${dest} does not match the manifest.`);
    }
  }

  log('Comparing the restored data with the manifest …');
  const mismatches = compareChecksums(manifest.data, await restoredChecksums(opts.targetUrl));
  const result: RestoreResult = {
    ok: mismatches.length === 0, backup: manifest.name, target,
    upload_files: { copied: uploads.copy.length, already_there: uploads.same.length }, mismatches,
  };
  if (!result.ok) return result;

  // Only after the comparison: the restore is itself an event of the platform's record. The backup that was running
  // when the snapshot was taken is this one, and it finished; any other still "running" then never will.
  await withClient(opts.targetUrl, async (c) => {
    await c.query('begin');
    await c.query(`update ops.backups set status = 'succeeded', finished_at = coalesce(finished_at, $2::timestamptz)
                   where name = $1 and status = 'running'`, [manifest.name, manifest.snapshot_at]);
    await c.query(`update ops.backups set status = 'failed', finished_at = now(), error = $1 where status = 'running'`,
      [`interrupted: the platform was restored from backup ${manifest.name}`]);
    await c.query(
      `insert into audit.events (action, target_type, target_id, details) values ('platform_restored', 'backup', $1, $2)`,
      [manifest.name, JSON.stringify({ snapshot_at: manifest.snapshot_at, upload_files: manifest.totals.upload_files })]);
    await c.query('commit');
  });
  return result;
}

/** A directory, a backup name under BACKUP_DIR, or `latest` (the newest complete backup there). */
export function resolveBackupDir(arg: string, backupRoot: string): string {
  if (arg === 'latest') {
    const names = fs.existsSync(backupRoot)
      ? fs.readdirSync(backupRoot).filter((n) => backupNamePattern.test(n) && fs.existsSync(path.join(backupRoot, n, MANIFEST_FILE))).sort()
      : [];
    if (names.length === 0) throw new RestoreRefused(`There is no complete backup in ${backupRoot}.`);
    return path.join(backupRoot, names[names.length - 1]!);
  }
  if (fs.existsSync(arg)) return path.resolve(arg);
  if (backupNamePattern.test(arg) && fs.existsSync(path.join(backupRoot, arg))) return path.join(backupRoot, arg);
  throw new RestoreRefused(`No backup at ${arg} (nor ${path.join(backupRoot, arg)}).`);
}

const usage = `usage: npm run restore -- <backup dir | name | latest> [--database-url <url>] [--force] [--no-owner]
                           [--uploads-dir <dir> | --skip-uploads]`;

async function main(argv: string[]): Promise<number> {
  const { loadConfig } = await import('../../server/config.ts');
  const { resolveDatabase } = await import('../../server/db/database.ts');
  const { backupRoot, uploadsDir } = await import('../../server/ops/backup-job.ts');
  const positional: string[] = [];
  let databaseUrl: string | undefined;
  let uploads: string | null | undefined;
  let force = false;
  let noOwner = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--force') force = true;
    else if (a === '--no-owner') noOwner = true;
    else if (a === '--skip-uploads') uploads = null;
    else if (a === '--database-url' || a === '--uploads-dir') {
      const v = argv[++i];
      if (!v) throw new RestoreRefused(`${a} needs a value.\n${usage}`);
      if (a === '--database-url') databaseUrl = v;
      else uploads = v;
    } else if (a.startsWith('--')) throw new RestoreRefused(`Unknown option ${a}.\n${usage}`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new RestoreRefused(usage);
  const config = loadConfig();
  const targetUrl = databaseUrl ?? (await resolveDatabase(config)).ownerUrl;
  const backupDir = resolveBackupDir(positional[0]!, backupRoot(config));
  const result = await restoreBackup({
    backupDir, targetUrl, force, noOwner, uploadsDir: uploads === undefined ? uploadsDir(config) : uploads,
    log: (m) => console.log(m),
  });
  if (!result.ok) {
    console.error(`The restored database differs from the backup's manifest in ${result.mismatches.length} place(s):`);
    for (const m of result.mismatches.slice(0, 20)) console.error(`  ${m.what}: expected ${JSON.stringify(m.expected)}, found ${JSON.stringify(m.actual)}`);
    return 1;
  }
  const layers = Object.keys(readManifest(backupDir).data.layers).length;
  console.log(`Restored backup ${result.backup} into ${result.target}: ${layers} layers, history and audit match the manifest.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: Error) => {
    console.error(err instanceof RestoreRefused ? err.message : `Restore failed: ${err.message}`);
    process.exit(err instanceof RestoreRefused ? 2 : 1);
  });
}
