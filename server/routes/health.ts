// Liveness and readiness, for load balancers and supervisors (Điều 10.1).
//
// /api/health: this process answers and reaches the database.
// /api/ready: this node should get traffic: the database answers, its schema is what this code expects, and a job
// worker is alive somewhere (imports and backups would otherwise queue up unnoticed). Backup freshness is reported
// but does not fail readiness: a stale backup is the operator's alarm (admin page, alert hook, the
// cb_backup_age_seconds metric), and taking every serving node out of the load balancer over it would turn a missed
// backup into an outage of the 24/7 service.
import type { FastifyInstance } from 'fastify';
import { pendingMigrations } from '../../sql/migrate.ts';
import { HEARTBEAT_STALE_SECONDS } from '../ops/heartbeat.ts';
import { readPlatformStatus, withTimeout } from '../ops/platform-status.ts';

const CHECK_TIMEOUT_MS = 2000;
const round = (n: number) => Math.round(n * 10) / 10;

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const database = async () => {
    const started = process.hrtime.bigint();
    try {
      await withTimeout(app.db.pool.query('select 1'), CHECK_TIMEOUT_MS, 'the database');
      return { ok: true, ms: round(Number(process.hrtime.bigint() - started) / 1e6) };
    } catch (err) {
      return { ok: false, error: (err as Error).message.slice(0, 200) };
    }
  };

  app.get('/api/health', async (_request, reply) => {
    const db = await database();
    return reply.status(db.ok ? 200 : 503).header('cache-control', 'no-store')
      .send({ status: db.ok ? 'ok' : 'unavailable', uptime_s: Math.round(process.uptime()), database: db });
  });

  app.get('/api/ready', async (_request, reply) => {
    const db = await database();
    let migrations: { ok: boolean; pending: string[] } = { ok: false, pending: [] };
    let worker: { ok: boolean; last_beat_at: Date | null; age_s: number | null; stale_after_s: number } =
      { ok: false, last_beat_at: null, age_s: null, stale_after_s: HEARTBEAT_STALE_SECONDS };
    let backup: { ok: boolean; last_verified_at: Date | null; age_hours: number | null; max_age_hours: number; affects_readiness: false } =
      { ok: false, last_verified_at: null, age_hours: null, max_age_hours: app.config.BACKUP_MAX_AGE_HOURS, affects_readiness: false };
    if (db.ok) {
      try {
        const pending = await withTimeout(pendingMigrations(app.db.pool), CHECK_TIMEOUT_MS, 'the database');
        migrations = { ok: pending.length === 0, pending };
        const status = await readPlatformStatus(app.db.pool, CHECK_TIMEOUT_MS);
        const now = Date.now();
        if (status.workerBeatAt) {
          const age = (now - status.workerBeatAt.getTime()) / 1000;
          worker = { ...worker, ok: age <= HEARTBEAT_STALE_SECONDS, last_beat_at: status.workerBeatAt, age_s: round(Math.max(0, age)) };
        }
        if (status.lastVerifiedBackupAt) {
          const hours = (now - status.lastVerifiedBackupAt.getTime()) / 3_600_000;
          backup = { ...backup, ok: hours <= app.config.BACKUP_MAX_AGE_HOURS, last_verified_at: status.lastVerifiedBackupAt, age_hours: round(hours) };
        }
      } catch {
        // Before migration 009 the status function is missing: the pending migration already says not ready.
      }
    }
    const ready = db.ok && migrations.ok && worker.ok;
    return reply.status(ready ? 200 : 503).header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not_ready', database: db, migrations, worker, backup });
  });
}
