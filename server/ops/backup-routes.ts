// The operator's view of backups (Điều 10.5): every backup with its restore drill, the alerts raised, whether the
// last verified backup is fresh enough, and the schedule and retention in force.
import type { FastifyInstance } from 'fastify';
import { BACKUP_TIME_ZONE } from '../../infra/backup/retention.ts';
import { backupRoot } from './backup-job.ts';
import { requireOperator } from './operator.ts';

export async function backupRoutes(app: FastifyInstance): Promise<void> {
  const config = app.config;

  app.get<{ Querystring: { limit?: string } }>('/api/admin/backups', async (request, reply) => {
    const caller = requireOperator(request);
    const limit = Math.min(Math.max(Number.parseInt(request.query.limit ?? '100', 10) || 100, 1), 1000);
    const result = await app.db.withCaller(caller, async (client) => {
      const { rows: backups } = await client.query(
        `select id, name, location, status, started_at, finished_at, database_bytes, upload_files, upload_bytes,
                manifest_sha256, drill_status, drill_result, verified_at, error, warnings, deleted_at
         from ops.backups order by started_at desc limit $1`, [limit]);
      const { rows: alerts } = await client.query(
        'select id, at, kind, message, details, delivery, backup_id from ops.alerts order by at desc, id desc limit 100');
      const { rows: last } = await client.query<{ at: Date | null }>(
        `select max(started_at) as at from ops.backups where status = 'succeeded' and drill_status = 'passed'`);
      return { backups, alerts, lastVerifiedAt: last[0]?.at ?? null };
    });
    const ageHours = result.lastVerifiedAt ? (Date.now() - result.lastVerifiedAt.getTime()) / 3_600_000 : null;
    reply.header('cache-control', 'no-store');
    return {
      freshness: {
        last_verified_at: result.lastVerifiedAt,
        age_hours: ageHours === null ? null : Math.round(ageHours * 10) / 10,
        max_age_hours: config.BACKUP_MAX_AGE_HOURS,
        fresh: ageHours !== null && ageHours <= config.BACKUP_MAX_AGE_HOURS,
      },
      schedule: {
        cron: config.BACKUP_CRON,
        time_zone: BACKUP_TIME_ZONE,
        directory: backupRoot(config),
        retention: { daily: config.BACKUP_KEEP_DAILY, weekly: config.BACKUP_KEEP_WEEKLY, monthly: config.BACKUP_KEEP_MONTHLY },
        sync_command: config.BACKUP_SYNC_COMMAND !== undefined,
        alert_hooks: { command: config.ALERT_COMMAND !== undefined, webhook: config.ALERT_WEBHOOK_URL !== undefined },
      },
      backups: result.backups,
      alerts: result.alerts,
    };
  });
}
