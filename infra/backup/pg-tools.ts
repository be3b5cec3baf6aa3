// pg_dump, pg_restore and database housekeeping for backups, drills and restores. The password of a connection URL
// goes to the tools through PGPASSWORD, never on their command line (which every user of the machine can read).
import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { postgresBinDir } from '../local-cluster.ts';

/** A database name we made (scratch databases) or took from a URL, quoted as an identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`The connection URL names no database: ${redact(url)}`);
  return name;
}

/** The same server and user, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** For messages and logs: the URL without its password. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function toolEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'caobang-gis-backup' };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  return env;
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

export interface ToolOptions {
  signal?: AbortSignal;
}

function run(tool: string, args: string[], url: string, opts: ToolOptions): Promise<void> {
  const file = path.join(postgresBinDir(), tool);
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: toolEnv(url), maxBuffer: 16 * 1024 * 1024, signal: opts.signal }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const detail = String(stderr).trim().split('\n').slice(-5).join('\n') || err.message;
      reject(new Error(`${tool} failed: ${detail}`));
    });
  });
}

/** The whole database, custom format, as of an exported snapshot (so it matches checksums taken in that snapshot). */
export function pgDump(url: string, file: string, snapshot: string, opts: ToolOptions = {}): Promise<void> {
  return run('pg_dump', ['--format=custom', `--snapshot=${snapshot}`, `--file=${file}`, `--dbname=${withoutPassword(url)}`], url, opts);
}

/** Into an empty database; any error stops it (a drill that restores half a database has failed). */
export function pgRestore(url: string, file: string, opts: ToolOptions & { noOwner?: boolean } = {}): Promise<void> {
  const args = ['--exit-on-error', `--dbname=${withoutPassword(url)}`];
  if (opts.noOwner) args.push('--no-owner');
  args.push(file);
  return run('pg_restore', args, url, opts);
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'caobang-gis-backup' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The maintenance database of the URL's server, for creating and dropping databases. */
export function maintenanceUrl(url: string): string {
  return withDatabase(url, 'postgres');
}

/** Template0: nothing from template1 (such as an extension created there) gets in the way of the restore. */
export async function createEmptyDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withClient(maintenanceUrl(url), (c) => c.query(`create database ${quoteIdent(name)} template template0 encoding 'UTF8'`));
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withClient(maintenanceUrl(url), (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}

export async function databaseExists(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withClient(maintenanceUrl(url), async (c) => {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [name]);
    return rowCount === 1;
  });
}

/** Tables, views, sequences and functions that are not part of an extension: an empty database has none. */
export async function userObjectCount(url: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ n: number }>(`
      select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
                and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e'))
           + (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where n.nspname not in ('pg_catalog', 'information_schema')
                and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'))
        as n`);
    return Number(rows[0]!.n);
  });
}

/**
 * The server's role is cluster-wide, so a dump does not carry it; restoring into another cluster needs it to
 * exist for the grants (the same statement as migration 001).
 */
export async function ensureAppRole(url: string): Promise<void> {
  await withClient(url, (c) => c.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'cb_app') then
        create role cb_app login nosuperuser nocreatedb nocreaterole nobypassrls noinherit;
      end if;
    end $$`));
}
