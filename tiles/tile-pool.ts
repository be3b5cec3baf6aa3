// The tiles' own connections: the server's role, as the anonymous caller, with the planner settings tile
// queries are measured best with. Apart from the API's pool, so a burst of tile rendering cannot take the
// connections a login or an edit needs.
import pg from 'pg';

/**
 * Settings of every tile query, on purpose (measured on the benchmark's scaled data, BENCHMARKS.md "Tiles").
 * Parallel workers: one query alone gets faster, but with four tiles at once on two cores z10 throughput fell from
 * 16–17 to 13–14 tiles/s and the median doubled; and their row order, so a tile's bytes, varies between runs.
 * JIT: the planner compiles z8 tiles (estimated costs of millions), spending 81–447 ms of inlining and
 * optimisation, which made them slower (roads 2.07 s against 1.64 s, land use 1.23 s against 0.91 s).
 */
export const TILE_QUERY_SETTINGS = { jit: 'off', max_parallel_workers_per_gather: '0' } as const;
const TILE_POOL_SIZE = 8;

/** `replica`: a streaming replica's pool, which gives up on a connection quickly (the primary is right there). */
export function createTilePool(connectionString: string, opts: { replica?: boolean } = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: TILE_POOL_SIZE,
    application_name: opts.replica ? 'caobang-tiles-replica' : 'caobang-tiles',
    ...(opts.replica ? { connectionTimeoutMillis: 2_000 } : {}),
    options: Object.entries(TILE_QUERY_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' '),
  });
  // An idle connection lost (database restart) must not crash the server; the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

/** An error after which the connection is gone (the server ended the session, or the socket failed). */
export function connectionLost(err: unknown): boolean {
  const e = err as { severity?: string; code?: string } | null;
  return !!e && (e.severity === 'FATAL' || e.severity === 'PANIC' || /^(08|57P0)/.test(e.code ?? '') || e.code === 'ECONNRESET' || e.code === 'EPIPE');
}

/**
 * Runs `fn` on a connection of the pool. A connection lost while checked out emits 'error' on its client, which
 * without a listener would end the process; and a lost connection must not go back to the pool.
 */
export async function withTileClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onLost = (err: Error) => {
    lost = err;
  };
  client.on('error', onLost);
  try {
    return await fn(client);
  } catch (err) {
    if (connectionLost(err)) lost ??= err as Error;
    throw err;
  } finally {
    client.off('error', onLost);
    client.release(lost);
  }
}
