// A process that runs jobs says so every few seconds (ops.worker_heartbeats); readiness asks whether any worker has
// spoken recently. Written as the server's role through a security definer function.
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { OpsLogger } from './alerts.ts';

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A worker that has not beaten for this long is taken for dead (three missed beats and then some). */
export const HEARTBEAT_STALE_SECONDS = 45;

export interface Heartbeat {
  workerId: string;
  /** Marks the worker stopped, so readiness does not wait for its row to go stale. */
  stop(): Promise<void>;
}

export async function startHeartbeat(appUrl: string, log: OpsLogger, intervalMs = HEARTBEAT_INTERVAL_MS): Promise<Heartbeat> {
  const workerId = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: appUrl, max: 1, application_name: 'caobang-gis-worker' });
  pool.on('error', () => {});
  const beat = (stopped = false) =>
    pool.query('select ops.worker_beat($1, $2, $3, $4)', [workerId, os.hostname(), process.pid, stopped]);
  await beat();
  let failing = false;
  const timer = setInterval(() => {
    beat().then(() => {
      if (failing) log.info({ workerId }, 'worker heartbeat written again');
      failing = false;
    }, (err: Error) => {
      // Logged once per outage, not every beat.
      if (!failing) log.warn({ workerId, err: err.message }, 'worker heartbeat could not be written');
      failing = true;
    });
  }, intervalMs);
  timer.unref();
  return {
    workerId,
    async stop() {
      clearInterval(timer);
      await beat(true).catch(() => {});
      await pool.end();
    },
  };
}
