// PostgreSQL instances for the many-machines tests: a primary and its streaming replica, each a cluster of its own
// under a temporary folder, on loopback ports, from the machine's PostgreSQL binaries (as the `postgres` user when
// we are root: initdb and pg_ctl refuse root, as in infra/local-cluster.ts).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresBinDir } from '../local-cluster.ts';

const execFileAsync = promisify(execFile);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export interface PgInstance {
  name: string;
  dataDir: string;
  port: number;
  logPath: string;
  /** Connection to `database` as `user` (trust authentication on loopback). */
  url(database: string, user?: string): string;
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function asOwner(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

// Asynchronous, so that a load running in the same process is not frozen while PostgreSQL stops or starts.
async function run(cmd: string, args: string[]): Promise<void> {
  const [file, argv] = asOwner(path.join(postgresBinDir(), cmd), args);
  try {
    await execFileAsync(file, argv, { encoding: 'utf8' });
  } catch (err) {
    const e = err as { code?: number; stderr?: string; stdout?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed (${e.code}): ${(e.stderr || e.stdout || '').trim()}`);
  }
}

/** A folder the cluster's owner may use: under a root-owned temp dir, made traversable and handed over. */
function ownedDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
}

function instance(name: string, root: string, port: number): PgInstance {
  const dataDir = path.join(root, name);
  const logPath = path.join(root, `${name}.log`);
  return {
    name,
    dataDir,
    port,
    logPath,
    url: (database, user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`,
  };
}

function settings(inst: PgInstance, extra: string[]): string {
  return ['', '# caobang-gis cluster test', "listen_addresses = '127.0.0.1'", `port = ${inst.port}`,
    `unix_socket_directories = '${inst.dataDir}'`, ...extra, ''].join('\n');
}

function logFile(inst: PgInstance): void {
  fs.writeFileSync(inst.logPath, '');
  if (isRoot) execFileSync('chown', ['postgres:postgres', inst.logPath]);
}

export async function startInstance(inst: PgInstance): Promise<void> {
  await run('pg_ctl', ['start', '-D', inst.dataDir, '-l', inst.logPath, '-w', '-t', '60']);
}

/** `fast` rolls back open transactions and ends the sessions; `immediate` is a crash (recovery at the next start). */
export async function stopInstance(inst: PgInstance, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
  await run('pg_ctl', ['stop', '-D', inst.dataDir, '-m', mode, '-w', '-t', '60']);
}

export function isRunning(inst: PgInstance): boolean {
  const [file, argv] = asOwner(path.join(postgresBinDir(), 'pg_ctl'), ['status', '-D', inst.dataDir]);
  return spawnSync(file, argv).status === 0;
}

/** Stops it if it runs, ignoring errors: for `after` hooks. */
export async function stopQuietly(inst: PgInstance | undefined): Promise<void> {
  if (!inst || !fs.existsSync(path.join(inst.dataDir, 'PG_VERSION'))) return;
  if (isRunning(inst)) await stopInstance(inst, 'immediate').catch(() => {});
}

/** A new primary: initdb, replication-ready (wal_level replica and WAL senders are PostgreSQL 15's defaults). */
export async function startPrimary(root: string, opts: { port?: number; name?: string } = {}): Promise<PgInstance> {
  fs.chmodSync(root, 0o755);
  const inst = instance(opts.name ?? 'primary', root, opts.port ?? (await freePort()));
  ownedDir(inst.dataDir);
  await run('initdb', ['-D', inst.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  fs.appendFileSync(path.join(inst.dataDir, 'postgresql.conf'), settings(inst, [
    'max_connections = 300',
    'shared_buffers = 256MB',
    'max_parallel_workers_per_gather = 0',
    'wal_level = replica',
    'max_wal_senders = 5',
    // The replica may be stopped for a while in a test; keep enough WAL for it to catch up by streaming.
    'wal_keep_size = 512MB',
  ]));
  logFile(inst);
  await startInstance(inst);
  return inst;
}

/** A hot standby of `primary`: pg_basebackup -R (standby.signal + primary_conninfo), on a port of its own. */
export async function startReplica(primary: PgInstance, root: string, opts: { port?: number; name?: string } = {}): Promise<PgInstance> {
  const inst = instance(opts.name ?? 'replica', root, opts.port ?? (await freePort()));
  ownedDir(inst.dataDir);
  await run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', inst.dataDir,
    '-R', '-X', 'stream', '-c', 'fast']);
  // The copied postgresql.conf still names the primary's port and socket folder; later lines win.
  fs.appendFileSync(path.join(inst.dataDir, 'postgresql.conf'), settings(inst, [
    'hot_standby = on',
    // Long reads on the replica hold back vacuum on the primary rather than being cancelled by it.
    'hot_standby_feedback = on',
  ]));
  logFile(inst);
  await startInstance(inst);
  return inst;
}

/** The primary's current WAL position. */
export async function currentLsn(primaryUrl: string): Promise<string> {
  return withClient(primaryUrl, async (c) => (await c.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn);
}

/** Waits until the replica has replayed the primary's WAL up to `lsn` (a condition, not a delay). */
export async function waitForReplay(replicaUrl: string, lsn: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  await withClient(replicaUrl, async (c) => {
    for (;;) {
      const { rows } = await c.query<{ done: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn]);
      if (rows[0]?.done) return;
      if (Date.now() > until) throw new Error(`the replica did not replay up to ${lsn} within ${timeoutMs} ms`);
      await sleep(20);
    }
  });
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
