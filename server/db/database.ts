// Connections. Two roles: the owner (migrations, demo data) and the server's role `cb_app`, which owns nothing
// and cannot bypass row level security. Every request that needs a caller runs in a transaction that sets it.
import pg from 'pg';
import type { Config } from '../config.ts';
import { ensureLocalCluster } from '../../infra/local-cluster.ts';
import { ReadReplica, type ReplicaOptions } from './read-replica.ts';

// bigint (count, fid) as JS numbers: fids and counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseUrls {
  ownerUrl: string;
  appUrl: string;
}

export const APP_ROLE = 'cb_app';
export const LOCAL_DATABASE = 'caobang';

/** Replaces the user (and drops the password) of a connection URL. */
export function withUser(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
}

export async function createDatabaseIfMissing(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      // Identifiers cannot be parameters; `name` is ours (a constant or a generated test name), and quoted.
      const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
      await client.query(`create database ${quoted(name)}${template ? ` template ${quoted(template)}` : ''}`);
    }
  } finally {
    await client.end();
  }
}

/** Where the platform's database is: DATABASE_URL, or the project's private cluster. */
export async function resolveDatabase(config: Config): Promise<DatabaseUrls> {
  if (config.DATABASE_URL) {
    return { ownerUrl: config.DATABASE_URL, appUrl: config.APP_DATABASE_URL ?? withUser(config.DATABASE_URL, APP_ROLE) };
  }
  const cluster = await ensureLocalCluster(config.DATA_DIR, config.LOCAL_PG_PORT);
  await createDatabaseIfMissing(cluster.adminUrl, LOCAL_DATABASE);
  const ownerUrl = cluster.urlFor(LOCAL_DATABASE);
  return { ownerUrl, appUrl: config.APP_DATABASE_URL ?? withUser(ownerUrl, APP_ROLE) };
}

/** Who is asking. Rights are derived inside the database from these ids; none means anonymous. */
export interface Caller {
  userId?: string;
  apiClientId?: string;
}

export const anonymous: Caller = Object.freeze({});

export function isAnonymous(caller: Caller): boolean {
  return !caller.userId && !caller.apiClientId;
}

/** An error after which the connection is gone: the server ended the session (FATAL) or the socket failed. */
export function connectionLost(err: unknown): boolean {
  const e = err as { severity?: string; code?: string } | null;
  if (!e || typeof e !== 'object') return false;
  return e.severity === 'FATAL' || e.severity === 'PANIC' || /^(08|57P0)/.test(e.code ?? '') ||
    e.code === 'ECONNRESET' || e.code === 'EPIPE';
}

export class Database {
  readonly pool: pg.Pool;
  /** The streaming replica that anonymous reads may use (READ_DATABASE_URL), or null: see read-replica.ts. */
  readonly replica: ReadReplica | null;

  constructor(url: string, max = 20, replica?: ReplicaOptions) {
    const options: pg.PoolConfig = {
      max,
      application_name: 'caobang-gis',
      // Parallel workers only slow the many small tile and page queries down (infra/local-cluster.ts sets the same
      // default); set per connection because a DATABASE_URL database keeps its own. An `options` in the URL wins.
      options: '-c max_parallel_workers_per_gather=0',
    };
    this.pool = new pg.Pool({ ...options, connectionString: url });
    // An idle client losing its connection (database restart) must not crash the server.
    this.pool.on('error', () => {});
    this.replica = replica ? new ReadReplica(url, replica, options) : null;
  }

  /**
   * Runs `fn` in one transaction with the caller set (transaction-local, so a pooled connection never carries a
   * caller into the next request). Anonymous reads skip the transaction: with nothing set the database already
   * treats the connection as anonymous.
   */
  async withCaller<T>(caller: Caller, fn: (client: pg.PoolClient) => Promise<T>, opts: { write?: boolean } = {}): Promise<T> {
    const replica = !opts.write && this.replica?.serves(caller) ? this.replica : null;
    // A replica that refuses the connection costs this read nothing: it goes to the primary, and so do the next.
    const fromReplica = replica ? await replica.pool.connect().catch(() => (replica.markDown(), null)) : null;
    const client = fromReplica ?? await this.pool.connect();
    // A connection lost while checked out (database restart, terminated backend) emits 'error' on the client;
    // the query in flight already fails with it, and without a listener the event would end the process.
    let lost: unknown = null;
    const onLost = (err: Error) => {
      lost = err;
    };
    client.on('error', onLost);
    const needsTx = opts.write || !isAnonymous(caller);
    try {
      if (!needsTx) return await fn(client);
      await client.query('begin');
      try {
        await client.query(
          "select set_config('cb.user_id', $1, true), set_config('cb.api_client_id', $2, true)",
          [caller.userId ?? '', caller.apiClientId ?? ''],
        );
        const result = await fn(client);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw err;
      }
    } catch (err) {
      lost ??= connectionLost(err) ? err : null;
      if (lost && fromReplica) replica!.markDown();
      throw err;
    } finally {
      client.off('error', onLost);
      // A connection the server has dropped must not go back to the pool, where the next request would get it.
      client.release(lost ? (lost as Error) : undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.replica?.close()]);
  }
}
