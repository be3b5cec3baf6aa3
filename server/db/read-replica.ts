// Reads on a PostgreSQL streaming replica (READ_DATABASE_URL), in one place: which reads may go there, how far
// behind it may be, and the fall-back to the primary.
//
// The rule: a request goes to the replica only when it is a GET or HEAD from an anonymous caller who has not
// written anything in the last few seconds. Everything else — every write, every signed-in person or API
// client, every background job — uses the primary. Why signed-in callers stay on the primary rather than
// carrying a "read your own writes" marker: their identity is checked on the primary on every request anyway
// (a disabled account or a revoked right must stop at once, Điều 6.5, which a lagging replica would delay), they
// are few (agency staff and consuming systems) next to the public map, and an editor then sees their own edit on
// every node with no clock reasoning at all. Anonymous callers do write sometimes (a citizen's error report,
// signing in); the response to any write sets a short-lived cookie that keeps that browser's reads on the primary
// until the replica has surely replayed the write (see `primaryCookieSeconds`).
//
// How far behind: every PROBE_INTERVAL_MS the primary's WAL position is sampled, and the replica's replay
// position read. The replica's lag is the age of the oldest sample it has not replayed yet (0 when it has replayed
// them all, which an idle primary makes true at once, unlike the age of the last replayed commit). It serves
// while that lag is at most READ_REPLICA_MAX_LAG_MS and the probe itself is recent; a replica that is down,
// promoted, paused or behind sends reads back to the primary until it has caught up. While the primary is down
// the replica keeps serving the reads it may (nothing newer exists to miss).
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { Caller } from './database.ts';

export const PROBE_INTERVAL_MS = 250;
/** A probe older than this (event loop stalled, probe connection hung) counts as no knowledge: primary. */
const PROBE_STALE_MS = 4 * PROBE_INTERVAL_MS;
const MAX_SAMPLES = 2_000;
export const PRIMARY_COOKIE = 'cb_read_primary';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Set on the caller of a request that may read from the replica (see registerReadRouting). */
const replicaReads = Symbol('replicaReads');

export interface ReplicaOptions {
  url: string;
  maxLagMs: number;
}

export type ReplicaState = 'starting' | 'in_use' | 'lagging' | 'down';

/** A WAL position (`16/B374D848`) as a number that compares. */
export function parseLsn(text: string): bigint {
  const [high, low] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * How long a write's response keeps the writer's reads on the primary: the lag bound, plus one probe interval
 * for the sample that first saw the write and one for the probe the read relies on.
 */
export function primaryCookieSeconds(maxLagMs: number): number {
  return Math.ceil((maxLagMs + 2 * PROBE_INTERVAL_MS) / 1000) + 1;
}

export class ReadReplica {
  readonly pool: pg.Pool;
  readonly maxLagMs: number;
  #state: ReplicaState = 'starting';
  #lagMs: number | null = null;
  #probedAt = 0;
  /** Primary WAL positions not yet replayed by the replica, oldest first. */
  #samples: Array<{ at: number; lsn: bigint }> = [];
  readonly #probePrimary: pg.Pool;
  readonly #probeReplica: pg.Pool;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(primaryUrl: string, opts: ReplicaOptions, poolOptions: pg.PoolConfig) {
    this.maxLagMs = opts.maxLagMs;
    // A replica that does not answer quickly is treated as down: the primary is right there.
    this.pool = new pg.Pool({ ...poolOptions, connectionString: opts.url, connectionTimeoutMillis: 2_000 });
    this.pool.on('error', () => {});
    // Probes on connections of their own, so a busy request pool never delays them into a false "stale".
    const probe = { max: 1, connectionTimeoutMillis: 1_000, query_timeout: 1_000, application_name: 'caobang-gis-replica-probe' };
    this.#probePrimary = new pg.Pool({ ...probe, connectionString: primaryUrl });
    this.#probeReplica = new pg.Pool({ ...probe, connectionString: opts.url });
    this.#probePrimary.on('error', () => {});
    this.#probeReplica.on('error', () => {});
    void this.#loop();
  }

  /** What the last probe found (for a readiness page or a metric). */
  status(): { state: ReplicaState; lagMs: number | null } {
    return { state: this.usable() ? 'in_use' : this.#state === 'in_use' ? 'lagging' : this.#state, lagMs: this.#lagMs };
  }

  usable(): boolean {
    return this.#state === 'in_use' && Date.now() - this.#probedAt <= PROBE_STALE_MS;
  }

  /** May `caller`'s work run on the replica now? */
  serves(caller: Caller): boolean {
    return (caller as { [replicaReads]?: true })[replicaReads] === true && this.usable();
  }

  /** The replica refused a connection or lost one: reads go to the primary until a probe finds it well again. */
  markDown(): void {
    this.#state = 'down';
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await Promise.all([this.pool.end(), this.#probePrimary.end(), this.#probeReplica.end()]);
  }

  async #loop(): Promise<void> {
    if (this.#closed) return;
    await this.#probe();
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#loop(), PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  async #probe(): Promise<void> {
    const [primary, replica] = await Promise.allSettled([
      this.#probePrimary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'),
      this.#probeReplica.query<{ standby: boolean; replayed: string | null }>(
        'select pg_is_in_recovery() as standby, pg_last_wal_replay_lsn()::text as replayed'),
    ]);
    const now = Date.now();
    if (primary.status === 'fulfilled') {
      this.#samples.push({ at: now, lsn: parseLsn(primary.value.rows[0]!.lsn) });
      // Keep the oldest: dropping it would make a long outage look like a short one.
      if (this.#samples.length > MAX_SAMPLES) this.#samples.splice(1, 1);
    }
    const row = replica.status === 'fulfilled' ? replica.value.rows[0] : undefined;
    if (!row || !row.standby || row.replayed === null) {
      // Unreachable, or no longer a standby (promoted: its data may have forked from the primary's).
      this.#state = 'down';
      this.#lagMs = null;
      this.#probedAt = now;
      return;
    }
    const replayed = parseLsn(row.replayed);
    this.#samples = this.#samples.filter((s) => s.lsn > replayed);
    this.#lagMs = this.#samples.length === 0 ? 0 : now - this.#samples[0]!.at;
    this.#state = this.#lagMs <= this.maxLagMs ? 'in_use' : 'lagging';
    this.#probedAt = now;
  }
}

/**
 * Marks the requests whose reads may go to the replica, and keeps a writer's next reads on the primary. Call
 * after registerCaller (its onRequest hook must have set request.caller).
 */
export function registerReadRouting(app: FastifyInstance, replica: ReadReplica | null): void {
  if (!replica) return;
  const cookie = `${PRIMARY_COOKIE}=1; Max-Age=${primaryCookieSeconds(replica.maxLagMs)}; Path=/; HttpOnly; SameSite=Lax`;
  app.addHook('onRequest', async (request) => {
    if (request.caller.kind !== 'anonymous' || !SAFE_METHODS.has(request.method)) return;
    if (request.cookies?.[PRIMARY_COOKIE] !== undefined) return;
    request.caller = { ...request.caller, [replicaReads]: true } as typeof request.caller;
  });
  // A callback hook: an async onSend would defer the write (see ops/request-id.ts).
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!SAFE_METHODS.has(request.method) && request.method !== 'OPTIONS' && reply.statusCode < 400) {
      reply.header('set-cookie', cookie);
    }
    done(null, payload);
  });
}
