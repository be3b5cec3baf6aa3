// `npm start`: the platform with its database. No DATABASE_URL: a private cluster under the data folder.
// Demo mode (default) loads the demo data and accounts into an empty database; DEMO=0 loads none.
import pg from 'pg';
import { loadConfig } from './config.ts';
import { resolveDatabase } from './db/database.ts';
import { migrate } from '../sql/migrate.ts';
import { buildApp } from './app.ts';
import { installJobSchema } from './jobs/boss.ts';

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
  const app = await buildApp({ config, appDatabaseUrl: urls.appUrl });
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  console.log(`Bản đồ / map: ${address}/`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
