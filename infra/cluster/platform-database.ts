// The platform's database on a cluster of our own: created, migrated, the job schema installed, and (by default)
// the demo data and demo accounts loaded — what `npm start` does into an empty database, before any node starts.
import pg from 'pg';
import { APP_ROLE, createDatabaseIfMissing, withUser } from '../../server/db/database.ts';
import { installJobSchema } from '../../server/jobs/boss.ts';
import { migrate } from '../../sql/migrate.ts';
import type { PgInstance } from './postgres.ts';

export interface PlatformDatabase {
  /** The owner (a superuser here): migrations, demo data, checks in tests. */
  ownerUrl: string;
  /** The server's role, which owns nothing and cannot bypass row level security. */
  appUrl: string;
}

export async function preparePlatformDatabase(
  primary: PgInstance, opts: { name?: string; demo?: boolean } = {},
): Promise<PlatformDatabase> {
  const name = opts.name ?? 'caobang';
  await createDatabaseIfMissing(primary.url('postgres'), name);
  const ownerUrl = primary.url(name);
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await migrate(owner);
    if (opts.demo ?? true) {
      const { loadDemoDataIfEmpty } = await import('../demo/load.ts');
      const { loadDemoAccounts } = await import('../demo/accounts.ts');
      if (await loadDemoDataIfEmpty(owner)) await loadDemoAccounts(owner);
    }
  } finally {
    await owner.end();
  }
  await installJobSchema(ownerUrl);
  return { ownerUrl, appUrl: withUser(ownerUrl, APP_ROLE) };
}

/** The same database on the replica, as the server's role: what READ_DATABASE_URL names. */
export function replicaAppUrl(replica: PgInstance, name = 'caobang'): string {
  return replica.url(name, APP_ROLE);
}
