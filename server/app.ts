// The platform as a fastify plugin tree: shared decorations, then each room's routes.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { projectRoot, type Config } from './config.ts';
import { Database } from './db/database.ts';
import { registerReadRouting } from './db/read-replica.ts';
import { registerCaller } from './auth/caller.ts';
import { registerJsonErrorHandler } from './errors.ts';
import { healthRoutes } from './routes/health.ts';
import { authRoutes } from './routes/auth.ts';
import { adminRoutes } from './routes/admin.ts';
import { layerRoutes } from './routes/layers.ts';
import { featureRoutes } from './routes/features.ts';
import { featureEditRoutes } from './routes/feature-edits.ts';
import { tileRoutes } from '../tiles/routes.ts';
import { ogcTileRoutes } from '../tiles/ogc-tiles.ts';
import { styleRoutes } from './routes/styles.ts';
import { requestIdOptions } from './ops/request-id.ts';
import { answerClientError } from './ops/client-errors.ts';
import { opsRoutes, registerOpsHooks } from './ops/register.ts';
import { importRoutes } from './routes/imports.ts';
import { reportRoutes } from './routes/reports.ts';
import { searchRoutes } from './routes/search.ts';
import { ogcRoutes } from './ogc/routes.ts';
import { wfsRoutes } from './wfs/routes.ts';
import { exportRoutes } from './exports/routes.ts';
import { layerChangeRoutes } from './routes/layer-changes.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { startJobs } from './jobs/boss.ts';
import { startImportWorker } from '../importers/pipeline/worker.ts';
import type PgBoss from 'pg-boss';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
    /** The job queue, when buildApp was asked for it (opts.jobs); null otherwise. */
    jobs: PgBoss | null;
  }
}

export interface AppOptions {
  config: Config;
  /** Connection string of the server's database role (cb_app). */
  appDatabaseUrl: string;
  logger?: boolean;
  /** Connect to the job queue; `work: true` also runs the import worker in this process (`npm start`). */
  jobs?: { work: boolean };
}

export const webDist = path.join(projectRoot, 'web', 'dist');

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: opts.config.LOG_LEVEL },
    bodyLimit: 2 * 1024 * 1024,
    // Only a proxy on these addresses may say who the client is (X-Forwarded-For): per-address limits depend on it.
    trustProxy: opts.config.TRUST_PROXY,
    // Layer ids contain a dot and tile paths end in .mvt: keep the router strict about what it parses.
    routerOptions: { maxParamLength: 200 },
    // Requests the HTTP parser refuses (a filter too long for a URL) still get a machine code and a message.
    clientErrorHandler: answerClientError,
    ...requestIdOptions,
  });
  const { READ_DATABASE_URL: readUrl, READ_REPLICA_MAX_LAG_MS: maxLagMs } = opts.config;
  const db = new Database(opts.appDatabaseUrl, 20, readUrl ? { url: readUrl, maxLagMs } : undefined);
  app.decorate('config', opts.config);
  app.decorate('db', db);
  const jobs = opts.jobs ? await startJobs(opts.appDatabaseUrl, { work: opts.jobs.work }) : null;
  const worker = jobs && opts.jobs?.work
    ? await startImportWorker({
      boss: jobs, db, dataDir: opts.config.DATA_DIR, log: (msg, extra) => app.log.info(extra ?? {}, msg),
      cleanup: { cron: opts.config.IMPORT_CLEANUP_CRON, maxAgeHours: opts.config.IMPORT_PREVIEW_MAX_AGE_HOURS },
    })
    : null;
  app.decorate('jobs', jobs);
  app.addHook('onClose', async () => {
    await worker?.stop();
    // Jobs still running are failed back to the queue after the timeout; they are idempotent and run again.
    await jobs?.stop({ graceful: true, wait: true, timeout: 10_000 });
    await db.close();
  });

  registerJsonErrorHandler(app);
  await app.register(fastifyCookie);
  registerOpsHooks(app);
  registerCaller(app);
  registerReadRouting(app, db.replica);

  await app.register(healthRoutes);
  await app.register(opsRoutes);
  await app.register(authRoutes);
  await app.register(adminRoutes);
  await app.register(layerRoutes);
  await app.register(featureRoutes);
  await app.register(featureEditRoutes);
  await app.register(tileRoutes);
  await app.register(ogcTileRoutes);
  await app.register(styleRoutes);
  await app.register(importRoutes);
  await app.register(reportRoutes);
  await app.register(searchRoutes);
  await app.register(ogcRoutes);
  await app.register(wfsRoutes);
  await app.register(exportRoutes);
  await app.register(layerChangeRoutes);
  await app.register(dashboardRoutes);

  if (fs.existsSync(path.join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] });
  } else {
    app.get('/', async (_request, reply) => {
      reply.type('text/plain; charset=utf-8').send('The web app is not built yet: run `npm run build:web`.');
    });
  }
  return app;
}
