import type { FastifyInstance } from 'fastify';
import { pendingMigrations } from '../../sql/migrate.ts';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  // Liveness and readiness share the checks that matter here: the database answers and its schema is current.
  const check = async () => {
    const started = process.hrtime.bigint();
    try {
      const pending = await pendingMigrations(app.db.pool);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      return { ok: pending.length === 0, database: { ok: true, ms: Math.round(ms * 10) / 10 }, migrations: { ok: pending.length === 0, pending } };
    } catch {
      return { ok: false, database: { ok: false }, migrations: { ok: false, pending: [] as string[] } };
    }
  };
  app.get('/api/health', async (_request, reply) => {
    const result = await check();
    reply.status(result.ok ? 200 : 503).header('cache-control', 'no-store').send({ status: result.ok ? 'ok' : 'unavailable', ...result });
  });
  app.get('/api/ready', async (_request, reply) => {
    const result = await check();
    reply.status(result.ok ? 200 : 503).header('cache-control', 'no-store').send({ status: result.ok ? 'ready' : 'not_ready', ...result });
  });
}
