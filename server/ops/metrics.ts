// The one Prometheus registry of a process, and the metrics other rooms update. Served at GET /metrics.
//
// Labels stay aggregate on purpose: no layer ids (a restricted layer's id is itself not public), no users, no raw
// URLs (the route pattern, never the path, so cardinality stays bounded).
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readPlatformStatus } from './platform-status.ts';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'cb_' });

export const httpRequests = new Counter({
  name: 'cb_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestDuration = new Histogram({
  name: 'cb_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method and route pattern.',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** tiles/: a tile served from this node's memory cache. */
export const tileCacheHits = new Counter({
  name: 'cb_tile_cache_hits_total',
  help: 'Vector tiles served from the in-memory tile cache.',
  registers: [metricsRegistry],
});

/** tiles/: a tile that had to be encoded by the database. */
export const tileCacheMisses = new Counter({
  name: 'cb_tile_cache_misses_total',
  help: 'Vector tiles not in the tile cache (encoded by the database).',
  registers: [metricsRegistry],
});

/** importers/: one increment per import job that ends, by how it ended. */
export const importJobs = new Counter({
  name: 'cb_import_jobs_total',
  help: 'Import jobs finished, by outcome (previewed, committed, failed, cancelled).',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

/** importers/: inc() when a job starts on this worker, dec() when it ends. */
export const importJobsRunning = new Gauge({
  name: 'cb_import_jobs_running',
  help: 'Import jobs running on this process now.',
  registers: [metricsRegistry],
});

/** Set from the database at every scrape (see metricsRoutes): the same for every node. */
export const backupAge = new Gauge({
  name: 'cb_backup_age_seconds',
  help: 'Seconds since the snapshot of the last backup whose restore drill passed; -1 if there is none.',
  registers: [metricsRegistry],
});

export const backupLastVerified = new Gauge({
  name: 'cb_backup_last_verified_timestamp_seconds',
  help: 'Unix time of the snapshot of the last backup whose restore drill passed; 0 if there is none.',
  registers: [metricsRegistry],
});

/** Counts every answered request under its route pattern (404s that match no route as "unmatched"). */
export function registerRequestMetrics(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    httpRequestDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    try {
      const at = (await readPlatformStatus(app.db.pool)).lastVerifiedBackupAt;
      backupLastVerified.set(at ? at.getTime() / 1000 : 0);
      backupAge.set(at ? Math.max(0, (Date.now() - at.getTime()) / 1000) : -1);
    } catch (err) {
      // The process metrics are still worth serving while the database is away.
      request.log.warn({ err: (err as Error).message }, 'backup age unavailable for /metrics');
    }
    return reply.header('cache-control', 'no-store').type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });
}
