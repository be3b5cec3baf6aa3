// A backup directory: database.dump (pg_dump -Fc), uploads/ (the stored upload files), manifest.json (what each file
// must hash to, and the counts and checksums of the data as of the dump's snapshot).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DataChecksums } from './checksums.ts';

export const MANIFEST_FILE = 'manifest.json';
export const DUMP_FILE = 'database.dump';
export const UPLOADS_DIR = 'uploads';
export const MANIFEST_FORMAT = 'caobang-gis-backup/1';

export interface ManifestFile {
  /** Relative to the backup directory, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** When the snapshot was taken: the data is as of this moment. */
  snapshot_at: string;
  database: { name: string; server_version: string; postgis_version: string | null; migrations: string[] };
  files: ManifestFile[];
  totals: { database_bytes: number; upload_files: number; upload_bytes: number };
  data: DataChecksums;
  warnings: string[];
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Every regular file under `dir`, relative paths in a stable order. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out;
}

export async function describeFile(backupDir: string, rel: string): Promise<ManifestFile> {
  const full = path.join(backupDir, rel);
  return { path: rel, bytes: fs.statSync(full).size, sha256: await sha256File(full) };
}

export function writeManifest(backupDir: string, manifest: Manifest): void {
  const tmp = path.join(backupDir, `${MANIFEST_FILE}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, path.join(backupDir, MANIFEST_FILE));
}

export function readManifest(backupDir: string): Manifest {
  const file = path.join(backupDir, MANIFEST_FILE);
  if (!fs.existsSync(file)) throw new Error(`${backupDir} is not a backup: it has no ${MANIFEST_FILE}.`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (manifest.format !== MANIFEST_FORMAT) throw new Error(`${file}: unknown backup format ${String(manifest.format)}.`);
  for (const f of manifest.files) {
    // A manifest names files inside its own directory only.
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) throw new Error(`${file} names a file outside the backup: ${f.path}`);
  }
  return manifest;
}

export function manifestSha256(backupDir: string): Promise<string> {
  return sha256File(path.join(backupDir, MANIFEST_FILE));
}

export interface FileProblem {
  path: string;
  problem: 'missing' | 'size' | 'sha256' | 'unlisted';
}

/** Every file listed is there with its size and hash, and nothing else is in the data part of the backup. */
export async function verifyFiles(backupDir: string, manifest: Manifest): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  for (const f of manifest.files) {
    const full = path.join(backupDir, f.path);
    if (!fs.existsSync(full)) problems.push({ path: f.path, problem: 'missing' });
    else if (fs.statSync(full).size !== f.bytes) problems.push({ path: f.path, problem: 'size' });
    else if ((await sha256File(full)) !== f.sha256) problems.push({ path: f.path, problem: 'sha256' });
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const rel of listFiles(path.join(backupDir, UPLOADS_DIR))) {
    if (!listed.has(`${UPLOADS_DIR}/${rel}`)) problems.push({ path: `${UPLOADS_DIR}/${rel}`, problem: 'unlisted' });
  }
  return problems;
}
