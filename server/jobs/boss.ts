// Background jobs (imports, backups, tile seeding) on pg-boss. Its schema is installed by the database owner at
// start-up, with every queue created up front (pg-boss 10 makes a table partition per queue, which is DDL);
// afterwards servers and workers use it as the server's role, which owns nothing.
import PgBoss from 'pg-boss';
import pg from 'pg';
import { APP_ROLE } from '../db/database.ts';

export const JOB_SCHEMA = 'pgboss';

/** Every queue the platform uses. A new queue is added here and created at the next start. */
export const queues = {
  import: 'import',
  importCleanup: 'import-cleanup',
  backup: 'backup',
  tileSeed: 'tile-seed',
} as const;

export type QueueName = (typeof queues)[keyof typeof queues];

/** As the owner: install or migrate pg-boss's schema, create the queues, and let the server's role use them. */
export async function installJobSchema(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Several nodes may start at once: queue creation and concurrent GRANTs on the same objects collide
    // ("tuple concurrently updated"), so one installs at a time.
    await client.query('select pg_advisory_lock(7340036)');
    const boss = new PgBoss({ connectionString: ownerUrl, schema: JOB_SCHEMA, supervise: false, schedule: false, migrate: true });
    boss.on('error', () => {});
    await boss.start();
    try {
      // pg-boss's cron sends scheduled jobs through its own queue, which only the owner may create (DDL).
      for (const name of ['__pgboss__send-it', ...Object.values(queues)]) {
        if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: 'standard', retryLimit: 3, retryDelay: 5, retryBackoff: true });
      }
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    await client.query(`grant usage on schema ${JOB_SCHEMA} to ${APP_ROLE};
      grant select, insert, update, delete on all tables in schema ${JOB_SCHEMA} to ${APP_ROLE};
      grant usage, select on all sequences in schema ${JOB_SCHEMA} to ${APP_ROLE};
      grant execute on all functions in schema ${JOB_SCHEMA} to ${APP_ROLE};`);
  } finally {
    await client.query('select pg_advisory_unlock(7340036)').catch(() => {});
    await client.end();
  }
}

/**
 * pg-boss as the server's role. `work: true` on processes that run jobs (a worker, or `npm start`'s all-in-one);
 * pg-boss's own maintenance and cron run once across nodes (it locks them in the database).
 */
export async function startJobs(appUrl: string, opts: { work: boolean }): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: appUrl,
    schema: JOB_SCHEMA,
    migrate: false,
    supervise: opts.work,
    schedule: opts.work,
    max: 5,
  });
  boss.on('error', (err) => console.error('job queue:', err.message));
  await boss.start();
  return boss;
}
