// The private PostgreSQL cluster used when no DATABASE_URL is given: initdb + pg_ctl from the machine's
// PostgreSQL binaries, under the project's data folder, on its own port (5432 belongs to the machine).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalCluster {
  /** Superuser connection to the maintenance database `postgres`. */
  adminUrl: string;
  urlFor(database: string): string;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries were not found under /usr/lib/postgresql. Install them: ' +
        'apt-get install -y postgresql-15 postgresql-15-postgis-3, or set DATABASE_URL to a PostGIS database.',
    );
  }
  return path.join(root, versions[0]!, 'bin');
}

/** PostGIS must be installed for the same major version as the server; install it where we can. */
function ensurePostgisInstalled(binDir: string): void {
  const major = path.basename(path.dirname(binDir));
  const control = `/usr/share/postgresql/${major}/extension/postgis.control`;
  if (fs.existsSync(control)) return;
  const pkg = `postgresql-${major}-postgis-3`;
  const hasApt = fs.existsSync('/usr/bin/apt-get');
  if (isRoot && hasApt) {
    console.log(`PostGIS is missing: installing ${pkg} with apt-get …`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env });
    if (r.status === 0 && fs.existsSync(control)) return;
  }
  throw new Error(
    `PostGIS is not installed for PostgreSQL ${major}. Install it with:\n` +
      `  sudo apt-get update && sudo apt-get install -y ${pkg}\n` +
      'or set DATABASE_URL to a database that has PostGIS.',
  );
}

// initdb and pg_ctl refuse to run as root; the cluster then belongs to the unprivileged `postgres` user.
function asOwner(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function runAsOwner(cmd: string, args: string[]): void {
  const [file, argv] = asOwner(cmd, args);
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A cross-process lock (test files start in parallel); mkdir is atomic. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  for (let waited = 0; ; waited += 100) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs!;
      if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function waitForConnections(binDir: string, port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(path.join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
    if (r.status === 0) return;
    await sleep(100);
  }
  throw new Error(`The private PostgreSQL cluster on port ${port} did not accept connections.`);
}

export async function ensureLocalCluster(dataDir: string, port: number): Promise<LocalCluster> {
  const binDir = postgresBinDir();
  ensurePostgisInstalled(binDir);
  const pgData = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true });
  await withLock(pgData, async () => {
    if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) {
      fs.mkdirSync(pgData, { recursive: true, mode: 0o700 });
      if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', pgData]);
      runAsOwner(path.join(binDir, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
      fs.appendFileSync(
        path.join(pgData, 'postgresql.conf'),
        [
          '',
          '# caobang-gis private cluster',
          "listen_addresses = '127.0.0.1'",
          `port = ${port}`,
          `unix_socket_directories = '${pgData}'`,
          'max_connections = 300',
          'shared_buffers = 512MB',
          'work_mem = 32MB',
          'maintenance_work_mem = 256MB',
          // Two cores: parallel workers only slow tile and page queries down (measured, see BENCHMARKS.md).
          'max_parallel_workers_per_gather = 0',
          'wal_level = replica',
          '',
        ].join('\n'),
      );
    }
    const status = spawnSync(...asOwner(path.join(binDir, 'pg_ctl'), ['status', '-D', pgData]));
    if (status.status !== 0) {
      const log = path.join(dataDir, 'postgresql.log');
      if (isRoot && !fs.existsSync(log)) {
        fs.writeFileSync(log, '');
        execFileSync('chown', ['postgres:postgres', log]);
      }
      runAsOwner(path.join(binDir, 'pg_ctl'), ['start', '-D', pgData, '-l', log, '-w', '-t', '60']);
    }
    await waitForConnections(binDir, port);
  });
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return { adminUrl: urlFor('postgres'), urlFor };
}

export function stopLocalCluster(dataDir: string): void {
  const pgData = path.join(dataDir, 'pg');
  if (!fs.existsSync(path.join(pgData, 'PG_VERSION'))) return;
  runAsOwner(path.join(postgresBinDir(), 'pg_ctl'), ['stop', '-D', pgData, '-m', 'fast', '-w']);
}
