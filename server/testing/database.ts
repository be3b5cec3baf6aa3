// Test databases: one template per version of the schema and demo data, migrated and loaded once, then one
// fresh copy per test file (CREATE DATABASE … TEMPLATE is a file copy: fast, and every file starts clean).
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, projectRoot } from '../config.ts';
import { ensureLocalCluster } from '../../infra/local-cluster.ts';
import { APP_ROLE, withUser } from '../db/database.ts';
import { migrate } from '../../sql/migrate.ts';
import { installJobSchema } from '../jobs/boss.ts';

export interface TestDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  drop(): Promise<void>;
}

function fingerprint(dirs: string[]): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('.test.ts')) h.update(p).update(fs.readFileSync(p));
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return h.digest('hex').slice(0, 12);
}

async function adminUrl(): Promise<string> {
  const config = loadConfig();
  if (config.DATABASE_URL) return withDatabase(config.DATABASE_URL, 'postgres');
  const cluster = await ensureLocalCluster(config.DATA_DIR, config.LOCAL_PG_PORT);
  return cluster.adminUrl;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

const TEMPLATE_LOCK = 7_340_035;

/**
 * A new database for one test file. `demo: true` (default) copies a template that has the demo data loaded.
 */
export async function createTestDatabase(opts: { demo?: boolean } = {}): Promise<TestDatabase> {
  const demo = opts.demo ?? true;
  const admin = await adminUrl();
  const fp = fingerprint([path.join(projectRoot, 'sql'), path.join(projectRoot, 'infra', 'demo'), path.join(projectRoot, 'server', 'jobs')]);
  const template = `cb_tpl_${demo ? 'demo' : 'empty'}_${fp}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [template]);
      if (rowCount === 0) {
        const building = `${template}_building`;
        await client.query(`drop database if exists "${building}"`);
        await client.query(`create database "${building}"`);
        const owner = new pg.Client({ connectionString: withDatabase(admin, building) });
        await owner.connect();
        try {
          await migrate(owner);
          await installJobSchema(withDatabase(admin, building));
          if (demo) {
            const { loadDemoData } = await import('../../infra/demo/load.ts');
            const { loadDemoAccounts } = await import('../../infra/demo/accounts.ts');
            await loadDemoData(owner);
            await loadDemoAccounts(owner);
          }
        } finally {
          await owner.end();
        }
        await client.query(`alter database "${building}" rename to "${template}"`);
        // Old templates of earlier schema versions only take disk space.
        const { rows } = await client.query<{ datname: string }>(
          "select datname from pg_database where datname like 'cb\\_tpl\\_%' and datname <> $1 and datname like $2",
          [template, `cb\\_tpl\\_${demo ? 'demo' : 'empty'}\\_%`],
        );
        for (const r of rows) await client.query(`drop database if exists "${r.datname}"`).catch(() => {});
      }
    } finally {
      await client.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
    const name = `cb_test_${randomBytes(5).toString('hex')}`;
    await client.query(`create database "${name}" template "${template}"`);
    const ownerUrl = withDatabase(admin, name);
    return {
      name,
      ownerUrl,
      appUrl: withUser(ownerUrl, APP_ROLE),
      async drop() {
        const c = new pg.Client({ connectionString: admin });
        await c.connect();
        try {
          await c.query(`drop database if exists "${name}" with (force)`);
        } finally {
          await c.end();
        }
      },
    };
  } finally {
    await client.end();
  }
}
