// Facts about the platform as a whole that any node may report (readiness, metrics): when a worker last beat and
// when the last verified backup was taken. Bounded in time: a health answer that hangs is worse than "unknown".
import type pg from 'pg';

export interface PlatformStatus {
  workerBeatAt: Date | null;
  lastVerifiedBackupAt: Date | null;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function readPlatformStatus(pool: pg.Pool, timeoutMs = 2000): Promise<PlatformStatus> {
  const { rows } = await withTimeout(
    pool.query<{ worker_beat_at: Date | null; last_verified_backup_at: Date | null }>('select * from ops.platform_status()'),
    timeoutMs, 'the database');
  return { workerBeatAt: rows[0]?.worker_beat_at ?? null, lastVerifiedBackupAt: rows[0]?.last_verified_backup_at ?? null };
}
