// `npm start`: the platform with its database. No DATABASE_URL: a private cluster under the data folder.
// Demo mode (default) loads the demo data and accounts into an empty database; DEMO=0 loads none.
import pg from 'pg';
import { loadConfig } from './config.ts';
import { resolveDatabase } from './db/database.ts';
import { migrate } from '../sql/migrate.ts';
import { buildApp } from './app.ts';
import { installJobSchema } from './jobs/boss.ts';
import { startOpsWorker } from './ops/worker.ts';
import { exitGracefullyOnSignals, surviveStrayRejections } from './ops/shutdown.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const urls = await resolveDatabase(config);
  const owner = new pg.Client({ connectionString: urls.ownerUrl });
  await owner.connect();
  try {
    const applied = await migrate(owner);
    if (applied.length > 0) console.log(`Migrations applied: ${applied.join(', ')}`);
    if (config.DEMO) {
      const { loadDemoDataIfEmpty } = await import('../infra/demo/load.ts');
      const { loadDemoAccounts } = await import('../infra/demo/accounts.ts');
      const loaded = await loadDemoDataIfEmpty(owner);
      if (loaded) {
        await loadDemoAccounts(owner);
        console.log(`Demo data loaded: ${loaded.features} features in ${loaded.layers} layers, with demo accounts (see README).`);
      }
    }
  } finally {
    await owner.end();
  }
  await installJobSchema(urls.ownerUrl);
  // All in one: the import worker runs in this process (more workers can run beside it: importers/pipeline/run-worker.ts).
  const app = await buildApp({ config, appDatabaseUrl: urls.appUrl, jobs: { work: true } });
  // Heartbeat, daily backup schedule and the backup worker, on the same job queue.
  const ops = app.jobs ? await startOpsWorker({ boss: app.jobs, config, ownerUrl: urls.ownerUrl, appUrl: urls.appUrl, log: app.log }) : null;
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  console.log(`Bản đồ / map: ${address}/`);
  // app.close(): no new connections, requests in flight finish, then (onClose) the job queue stops gracefully.
  surviveStrayRejections(app.log);
  exitGracefullyOnSignals(async () => {
    await app.close();
    await ops?.stop();
  }, { timeoutMs: config.SHUTDOWN_TIMEOUT_SECONDS * 1000, log: app.log });
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
