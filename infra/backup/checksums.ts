// Row counts and checksums that prove a restored database holds the same data as the source did at backup time:
// every layer table, the feature history and the audit log, checksummed row by row in a fixed order, and a row count
// of every table. Computed once in the backup's snapshot and again in every restored copy.
import type pg from 'pg';
import { layerIdPattern, layerTable } from '../../server/catalog/catalog.ts';
import { quoteIdent } from './pg-tools.ts';

export interface RowsChecksum {
  rows: number;
  /** md5 over md5(row::text) of every row in key order. */
  checksum: string;
}

export interface DataChecksums {
  layers: Record<string, RowsChecksum>;
  history: RowsChecksum;
  audit: RowsChecksum;
  /** Row count of every table, by schema.table. */
  tables: Record<string, number>;
}

/**
 * A row's text depends on session settings (time zone, date style, float digits): pin them, so the same row gives
 * the same text in the source and in a restored copy on another server. Must run inside the caller's transaction.
 * row_security off makes a role that may not read everything fail loudly instead of checksumming what RLS lets
 * it see.
 */
export async function pinRowText(client: pg.ClientBase): Promise<void> {
  await client.query(`set local timezone = 'UTC'; set local datestyle = 'ISO, YMD'; set local intervalstyle = 'postgres';
    set local extra_float_digits = 1; set local bytea_output = 'hex'; set local row_security = off`);
}

const rowsChecksum = (from: string, order: string) =>
  `select count(*)::bigint as rows, md5(coalesce(string_agg(md5(t::text), '' order by ${order}), '')) as checksum from ${from} t`;

async function checksum(client: pg.ClientBase, from: string, order: string): Promise<RowsChecksum> {
  const { rows } = await client.query<{ rows: number; checksum: string }>(rowsChecksum(from, order));
  return { rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
}

/** Call inside a transaction after pinRowText (REPEATABLE READ at backup time, so all of it is one snapshot). */
export async function dataChecksums(client: pg.ClientBase): Promise<DataChecksums> {
  const { rows: layerRows } = await client.query<{ id: string }>('select id from catalog.layers order by id');
  const layers: Record<string, RowsChecksum> = {};
  for (const { id } of layerRows) {
    // Identifiers only from the catalog, in the shape its CHECK allows.
    if (!layerIdPattern.test(id)) throw new Error(`catalog.layers holds an id of unexpected shape: ${id.slice(0, 80)}`);
    layers[id] = await checksum(client, layerTable({ id }), 't.fid');
  }
  const history = await checksum(client, 'history.feature_versions', 't.layer_id collate "C", t.fid, t.version');
  const audit = await checksum(client, 'audit.events', 't.id');

  // Ordinary tables and partitions (a partitioned parent's rows are its partitions'), from the system catalog.
  const { rows: tableRows } = await client.query<{ schema: string; name: string }>(`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
    order by 1, 2`);
  const tables: Record<string, number> = {};
  for (const t of tableRows) {
    const { rows } = await client.query<{ n: number }>(`select count(*)::bigint as n from ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    tables[`${t.schema}.${t.name}`] = Number(rows[0]!.n);
  }
  return { layers, history, audit, tables };
}

export interface Mismatch {
  what: string;
  expected: unknown;
  actual: unknown;
}

/** Every difference between what the manifest recorded and what a restored copy holds. */
export function compareChecksums(expected: DataChecksums, actual: DataChecksums): Mismatch[] {
  const out: Mismatch[] = [];
  const same = (a: RowsChecksum | undefined, b: RowsChecksum | undefined) => !!a && !!b && a.rows === b.rows && a.checksum === b.checksum;
  for (const id of new Set([...Object.keys(expected.layers), ...Object.keys(actual.layers)])) {
    if (!same(expected.layers[id], actual.layers[id])) out.push({ what: `layer ${id}`, expected: expected.layers[id] ?? null, actual: actual.layers[id] ?? null });
  }
  if (!same(expected.history, actual.history)) out.push({ what: 'history.feature_versions', expected: expected.history, actual: actual.history });
  if (!same(expected.audit, actual.audit)) out.push({ what: 'audit.events', expected: expected.audit, actual: actual.audit });
  for (const t of new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])) {
    if (expected.tables[t] !== actual.tables[t]) out.push({ what: `rows of ${t}`, expected: expected.tables[t] ?? null, actual: actual.tables[t] ?? null });
  }
  return out;
}
