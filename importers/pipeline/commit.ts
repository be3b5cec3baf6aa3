// The commit: one transaction as the editor who asked for it (RLS applies, history names them and the import),
// which merges the checked staging rows into the layer and marks the import committed. The data and the
// "committed" mark are one atomic change, so a retried commit job finds the import committed and does nothing.
import type pg from 'pg';
import type { Attribute } from '../../server/catalog/attributes.ts';
import { findLayer } from '../../server/catalog/catalog.ts';
import { anonymous, type Caller, type Database } from '../../server/db/database.ts';
import { findImport, type ImportRow } from './import-rows.ts';
import {
  ambiguousKeysSql, blockedCountSql, deleteAllSql, insertSql, layerLockSql, updateByKeySql, type MergePlan,
} from './merge-sql.ts';

export interface CommitContext {
  db: Database;
  row: ImportRow;
  caller: Caller;
}

export interface CommitResult {
  inserted: number;
  updated: number;
  deleted: number;
  skipped: number;
  repaired: number;
}

/** A refusal found inside the commit's transaction: the import goes back to its preview, with the reason. */
class CommitRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

async function backToPreview(client: pg.ClientBase, id: string, code: string, message: string): Promise<void> {
  await client.query(
    `update imports.imports set status = 'preview', error_code = $2, error_message = $3, updated_at = now(),
       progress = progress || '{"stage":"preview"}' where id = $1 and status = 'committing'`, [id, code, message]);
}

function sameSchema(a: Attribute[], b: Attribute[]): boolean {
  const key = (xs: Attribute[]) => JSON.stringify(xs.map((x) => [x.name, x.type, x.required ?? false, x.max_length ?? null, x.allowed ?? null]));
  return key(a) === key(b);
}

export async function runCommit(ctx: CommitContext): Promise<'committed' | 'refused' | 'not_committing'> {
  const { db, caller } = ctx;
  try {
    const started = Date.now();
    const timings: Record<string, number> = {};
    const lap = (name: string, since: number) => { timings[name] = (Date.now() - since) / 1000; };
    return await db.withCaller(caller, async (client) => {
      // Re-read under a row lock: a retried job of an import that did commit finds it committed.
      const row = await findImport(client, ctx.row.id, { forUpdate: true });
      if (!row || row.status !== 'committing') return 'not_committing';
      const report = row.report!;
      const options = row.commitOptions ?? {};
      const repair = options.repair ?? false;
      await client.query(layerLockSql(row.layerId));
      // The merge sorts the staging rows into file order: in memory, not in temporary files.
      await client.query("select set_config('work_mem', '128MB', true)");
      // Building a layer's GiST indexes after the load sorts the whole table at once: in memory, if it fits.
      await client.query("select set_config('maintenance_work_mem', '512MB', true)");
      await client.query("select set_config('cb.import_id', $1, true)", [row.id]);
      await client.query("select set_config('cb.change_note', $1, true)", [`import ${row.originalName}`.slice(0, 300)]);
      const checkedTable = (await client.query<{ name: string }>("select imports.staging_name($1, 'c') as name", [row.id])).rows[0]!.name;

      let attributes: Attribute[];
      let layerWasEmpty = true;
      if (row.createsLayer) {
        const spec = report.newLayer as Record<string, unknown>;
        if ((await client.query('select imports.layer_id_taken($1) as taken', [row.layerId])).rows[0].taken) {
          throw new CommitRefused('layer_exists', `A layer ${row.layerId} was created meanwhile: choose another id and preview again.`);
        }
        await client.query('select imports.create_layer($1)', [JSON.stringify({ ...spec, owner_agency_id: row.agencyId })]);
        attributes = spec.attributes as Attribute[];
      } else {
        const layer = await findLayer(client, row.layerId);
        if (!layer) throw new CommitRefused('layer_not_found', `The layer ${row.layerId} does not exist any more.`);
        if (!sameSchema(layer.attributes, report.layer.attributes as Attribute[]) || layer.geometryFamily !== report.layer.geometryFamily) {
          throw new CommitRefused('layer_changed', 'The layer\'s attributes changed since the preview: preview again.');
        }
        attributes = layer.attributes;
        layerWasEmpty = layer.featureCount === 0;
      }
      const mappedNames = new Set(Object.values(report.effective.field_map).filter((v): v is string => v !== null));
      const plan: MergePlan = {
        layerId: row.layerId, checkedTable, mapped: attributes.filter((a) => mappedNames.has(a.name)),
        keyAttribute: row.mode === 'upsert' ? row.keyAttribute : null, repair,
      };
      const blocked = Number((await client.query(blockedCountSql(checkedTable, repair))).rows[0].n);
      if (blocked > 0 && !options.skip_invalid) {
        throw new CommitRefused('features_have_problems', `${blocked} features have problems: fix the file, or commit with skip_invalid to leave them out.`);
      }
      const result: CommitResult = { inserted: 0, updated: 0, deleted: 0, skipped: blocked, repaired: 0 };
      if (repair) {
        result.repaired = Number((await client.query(`select count(*) as n from ${checkedTable} where _codes = array['invalid_geometry']`)).rows[0].n);
      }
      let t = Date.now();
      if (row.mode === 'replace') result.deleted = (await client.query(deleteAllSql(plan))).rowCount ?? 0;
      if (row.mode === 'upsert') {
        const ambiguous = (await client.query(ambiguousKeysSql(plan))).rows;
        if (ambiguous.length > 0) {
          throw new CommitRefused('ambiguous_key', `These keys match several features of the layer, so an upsert cannot tell which to update: ${ambiguous.map((a) => a.key).join(', ')}.`);
        }
        result.updated = (await client.query(updateByKeySql(plan))).rowCount ?? 0;
      }
      // Into a layer that had no rows (a new one, or an empty one), the rows go in without the GiST indexes and
      // the indexes are built after, in one sorted pass. Not for a replace of a layer with rows: dropping an
      // index locks out the layer's readers until the commit, who otherwise go on seeing the old rows meanwhile.
      const indexesSuspended = layerWasEmpty && blocked < report.featureCount &&
        Boolean((await client.query('select imports.suspend_layer_indexes($1) as dropped', [row.layerId])).rows[0].dropped);
      lap('deleteUpdateSeconds', t);
      t = Date.now();
      // The history trigger writes a version per row of this statement (from its transition table), with the import id.
      result.inserted = (await client.query(insertSql(plan, row.mode === 'upsert'))).rowCount ?? 0;
      lap('insertWithHistorySeconds', t);
      t = Date.now();
      if (indexesSuspended) await client.query('select catalog.ensure_layer_indexes($1)', [row.layerId]);
      lap('indexSeconds', t);
      lap('totalSeconds', started);
      await client.query(
        `update imports.imports set status = 'committed', committed_at = now(), result = $2, updated_at = now(),
           error_code = null, error_message = null,
           progress = jsonb_build_object('stage', 'committed', 'done', $3::bigint, 'total', $3::bigint, 'timings', $4::jsonb)
         where id = $1`, [row.id, JSON.stringify(result), result.inserted + result.updated, JSON.stringify(timings)]);
      return 'committed' as const;
    }, { write: true });
  } catch (err) {
    if (!(err instanceof CommitRefused)) throw err;
    await db.withCaller(caller, (c) => backToPreview(c, ctx.row.id, err.code, err.message), { write: true });
    return 'refused';
  }
}

/** After a commit (or a retried one): the staging tables are not needed any more. */
export async function dropStaging(db: Database, caller: Caller, importId: string): Promise<void> {
  await db.withCaller(caller, (c) => c.query('select imports.drop_staging($1)', [importId]), { write: true });
}

/**
 * Writes the search entries that large import statements left for after their commit (search.pending, migration
 * 017), a chunk per transaction (each holds the layer's edits off only while it runs): the import is committed
 * whatever happens here. Returns the entries written.
 */
export async function indexPendingNames(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.withCaller(anonymous, (c) => c.query<{ n: string | null }>('select search.index_pending() as n'), { write: true });
    if (rows[0]!.n === null) return total;
    total += Number(rows[0]!.n);
  }
}
