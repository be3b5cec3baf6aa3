// The platform as a fastify plugin tree: shared decorations, then each room's routes.
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { projectRoot, type Config } from './config.ts';
import { Database } from './db/database.ts';
import { registerCaller } from './auth/caller.ts';
import { registerJsonErrorHandler } from './errors.ts';
import { healthRoutes } from './routes/health.ts';
import { authRoutes } from './routes/auth.ts';
import { adminRoutes } from './routes/admin.ts';
import { layerRoutes } from './routes/layers.ts';
import { featureRoutes } from './routes/features.ts';
import { featureEditRoutes } from './routes/feature-edits.ts';
import { tileRoutes } from '../tiles/routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Database;
  }
}

export interface AppOptions {
  config: Config;
  /** Connection string of the server's database role (cb_app). */
  appDatabaseUrl: string;
  logger?: boolean;
}

export const webDist = path.join(projectRoot, 'web', 'dist');

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: opts.config.LOG_LEVEL },
    bodyLimit: 2 * 1024 * 1024,
    trustProxy: true,
    // Layer ids contain a dot and tile paths end in .mvt: keep the router strict about what it parses.
    routerOptions: { maxParamLength: 200 },
  });
  const db = new Database(opts.appDatabaseUrl);
  app.decorate('config', opts.config);
  app.decorate('db', db);
  app.addHook('onClose', async () => db.close());

  registerJsonErrorHandler(app);
  await app.register(fastifyCookie);
  registerCaller(app);

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(adminRoutes);
  await app.register(layerRoutes);
  await app.register(featureRoutes);
  await app.register(featureEditRoutes);
  await app.register(tileRoutes);

  if (fs.existsSync(path.join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] });
  } else {
    app.get('/', async (_request, reply) => {
      reply.type('text/plain; charset=utf-8').send('The web app is not built yet: run `npm run build:web`.');
    });
  }
  return app;
}
