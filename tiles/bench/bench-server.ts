// The platform as the benchmark runs it: the real app (buildApp) in a process of its own, so the load generator
// does not share its event loop. Prints its address on the first line of stdout.
//   BENCH_APP_URL      the server role's connection (cb_app)
//   TILE_CACHE_BYTES   0: every tile from the database
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { tileServiceFor } from '../tile-service.ts';

const appDatabaseUrl = process.env.BENCH_APP_URL;
if (!appDatabaseUrl) throw new Error('BENCH_APP_URL is not set');
const app = await buildApp({ config: loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), appDatabaseUrl, logger: false });
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${url}\n`);
const stop = () => {
  // What the shared version reads cost: how many there were, and how many had to read the catalog itself.
  const tiles = tileServiceFor(app);
  process.stderr.write(`platform (cache ${app.config.TILE_CACHE_BYTES} B): ${JSON.stringify({ ...tiles.publicLayers.stats, cache: tiles.cache.stats })}\n`);
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
