// Operations in the HTTP app: request ids echoed, request metrics, maintenance notices and read-only windows,
// connections drained on shutdown, and their routes. Hooks go on the root instance (every route, 404s included),
// before the caller is resolved, so a write refused for maintenance costs no credential lookup.
import type { FastifyInstance } from 'fastify';
import { registerRequestIdEcho } from './request-id.ts';
import { metricsRoutes, registerRequestMetrics } from './metrics.ts';
import { registerMaintenance } from './maintenance.ts';
import { maintenanceRoutes } from './maintenance-routes.ts';
import { backupRoutes } from './backup-routes.ts';
import { registerConnectionDraining } from './shutdown.ts';

export function registerOpsHooks(app: FastifyInstance): void {
  registerRequestIdEcho(app);
  registerRequestMetrics(app);
  registerMaintenance(app);
  registerConnectionDraining(app);
}

export async function opsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(metricsRoutes);
  await app.register(maintenanceRoutes);
  await app.register(backupRoutes);
}
