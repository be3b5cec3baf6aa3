// Plain numbered .sql migrations, each applied once in its own transaction and recorded with a checksum.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

export const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(): Migration[] {
  return fs
    .readdirSync(migrationsDir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(migrationsDir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const ensureTable = `
  create table if not exists public.schema_migrations (
    name text primary key,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`;

// Any fixed number: one migrator at a time across processes and nodes.
const MIGRATION_LOCK = 7_340_034;

/** Applies the pending migrations; returns the names applied. Refuses to run over an edited migration. */
export async function migrate(client: pg.ClientBase): Promise<string[]> {
  await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(ensureTable);
    const { rows } = await client.query<{ name: string; checksum: string }>('select name, checksum from public.schema_migrations');
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const done: string[] = [];
    for (const m of listMigrations()) {
      const seen = applied.get(m.name);
      if (seen !== undefined) {
        if (seen !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied; add a new migration instead.`);
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into public.schema_migrations (name, checksum) values ($1, $2)', [m.name, m.checksum]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      done.push(m.name);
    }
    return done;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

/** The migrations this code expects but the database has not applied (empty: current). */
export async function pendingMigrations(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const { rows } = await client.query<{ names: string[] | null }>(
    `select case when to_regclass('public.schema_migrations') is null then null
            else (select array_agg(name) from public.schema_migrations) end as names`,
  );
  const applied = new Set(rows[0]?.names ?? []);
  return listMigrations().map((m) => m.name).filter((n) => !applied.has(n));
}
