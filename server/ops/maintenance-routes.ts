// Maintenance windows (Điều 10.2): the operator announces them at least 24 hours ahead; a shorter notice is an
// emergency, allowed only when said so, and audited as one. Everybody can list the upcoming and current windows.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, notFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { parseBody } from '../routes/auth.ts';
import { requireOperator } from './operator.ts';
import type { MaintenanceRow } from './maintenance.ts';

export const NOTICE_HOURS = 24;
const HOUR = 3_600_000;
/** An emergency window "starting now" may carry a start a little in the past (clocks, a slow form). */
const PAST_TOLERANCE_MS = 5 * 60_000;
const MAX_LENGTH_MS = 30 * 24 * HOUR;

const scheduleBody = z.object({
  starts_at: z.iso.datetime({ offset: true }),
  ends_at: z.iso.datetime({ offset: true }),
  title_vi: z.string().trim().min(1).max(300),
  title_en: z.string().trim().min(1).max(300),
  message_vi: z.string().max(4000).default(''),
  message_en: z.string().max(4000).default(''),
  emergency: z.boolean().default(false),
  read_only: z.boolean().default(false),
}).strict();

const columns = 'id, starts_at, ends_at, title_vi, title_en, message_vi, message_en, emergency, read_only';

function publicJson(r: MaintenanceRow, now: number) {
  return { ...r, active: r.starts_at.getTime() <= now && now < r.ends_at.getTime() };
}

function duration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

const tooSoon = (startsInMs: number, earliest: Date) => new AppError(400, 'maintenance_too_soon',
  `Maintenance must be announced at least ${NOTICE_HOURS} hours ahead (Điều 10.2); this window starts in ${duration(startsInMs)}. ` +
  `Start it at ${earliest.toISOString()} or later, or mark it as an emergency ("emergency": true), which is recorded in the audit log.`,
  { earliest_start: earliest.toISOString() });

export async function maintenanceRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/maintenance', async (request, reply) => {
    const rows = await app.db.withCaller(request.caller, async (client) => {
      const { rows } = await client.query<MaintenanceRow>(
        `select ${columns} from ops.maintenance_windows where cancelled_at is null and ends_at > now() order by starts_at, id`);
      return rows;
    });
    const now = Date.now();
    reply.header('cache-control', 'no-cache');
    return { windows: rows.map((r) => publicJson(r, now)) };
  });

  app.get('/api/admin/maintenance', async (request) => {
    const caller = requireOperator(request);
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query(
        `select ${columns}, created_by, created_at, cancelled_at, cancelled_by from ops.maintenance_windows
         order by starts_at desc limit 200`);
      return { windows: rows };
    });
  });

  app.post('/api/admin/maintenance', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(scheduleBody, request.body);
    const startsAt = new Date(body.starts_at);
    const endsAt = new Date(body.ends_at);
    const now = Date.now();
    if (endsAt <= startsAt) throw new AppError(400, 'invalid_window', 'ends_at must be after starts_at.');
    if (endsAt.getTime() - startsAt.getTime() > MAX_LENGTH_MS) throw new AppError(400, 'invalid_window', 'A maintenance window lasts 30 days at most.');
    if (startsAt.getTime() < now - PAST_TOLERANCE_MS) throw new AppError(400, 'maintenance_in_past', 'A maintenance window cannot start in the past.');
    const earliest = new Date(now + NOTICE_HOURS * HOUR);
    if (!body.emergency && startsAt < earliest) throw tooSoon(startsAt.getTime() - now, earliest);

    const row = await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<MaintenanceRow & { created_at: Date }>(
        `insert into ops.maintenance_windows (starts_at, ends_at, title_vi, title_en, message_vi, message_en, emergency, read_only, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, auth.caller_user_id()) returning ${columns}, created_at`,
        [startsAt, endsAt, body.title_vi, body.title_en, body.message_vi, body.message_en, body.emergency, body.read_only],
      ).catch((err: { code?: string }) => {
        // The database's own clock said less than 24 hours (the two clocks disagree by a hair at the boundary).
        if (err.code === '23514') throw tooSoon(startsAt.getTime() - Date.now(), new Date(Date.now() + NOTICE_HOURS * HOUR));
        throw err;
      });
      const created = rows[0]!;
      await recordAudit(client, request, {
        action: body.emergency ? 'maintenance_emergency_scheduled' : 'maintenance_scheduled',
        targetType: 'maintenance', targetId: created.id,
        details: {
          starts_at: created.starts_at, ends_at: created.ends_at, title_vi: created.title_vi, read_only: created.read_only,
          emergency: created.emergency, notice_hours: Math.round(((startsAt.getTime() - now) / HOUR) * 10) / 10,
        },
      });
      return created;
    }, { write: true });
    await app.maintenance.reload();
    return reply.status(201).send({ window: publicJson(row, Date.now()) });
  });

  app.delete<{ Params: { id: string } }>('/api/admin/maintenance/:id', async (request, reply) => {
    const caller = requireOperator(request);
    const id = parseBody(z.string().uuid(), request.params.id);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ ends_at: Date; cancelled_at: Date | null; over: boolean }>(
        'select ends_at, cancelled_at, ends_at <= now() as over from ops.maintenance_windows where id = $1 for update', [id]);
      const w = rows[0];
      if (!w) throw notFound('The maintenance window');
      if (w.cancelled_at) throw new AppError(409, 'maintenance_cancelled', 'This maintenance window is already cancelled.');
      if (w.over) throw new AppError(409, 'maintenance_over', 'This maintenance window is over; there is nothing to cancel.');
      await client.query('update ops.maintenance_windows set cancelled_at = now(), cancelled_by = auth.caller_user_id() where id = $1', [id]);
      await recordAudit(client, request, { action: 'maintenance_cancelled', targetType: 'maintenance', targetId: id });
    }, { write: true });
    await app.maintenance.reload();
    return reply.status(204).send();
  });
}
