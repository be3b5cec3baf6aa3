// The SQL of a commit: the checked staging rows merged into the layer's table. Column names come from the
// layer's attribute schema (quoted); which rows go in is decided by their problem codes.
import type { Attribute } from '../../server/catalog/attributes.ts';
import { layerTable } from '../../server/catalog/catalog.ts';
import { quoteIdent, type SqlQuery } from '../../server/features/feature-sql.ts';

export interface MergePlan {
  layerId: string;
  checkedTable: string;
  /** The layer's attributes that a field fills (unmapped ones are left alone by an upsert, null on insert). */
  mapped: Attribute[];
  keyAttribute: string | null;
  /** Repaired geometries go in as ST_MakeValid made them. */
  repair: boolean;
}

/** Rows that may go in: no problem at all, or (with repair) only a geometry that ST_MakeValid repaired. */
export function committableWhere(alias: string, repair: boolean): string {
  return repair
    ? `(cardinality(${alias}._codes) = 0 or ${alias}._codes <@ array['invalid_geometry'])`
    : `cardinality(${alias}._codes) = 0`;
}

/** Two imports into one layer never merge at once (transaction-scoped: released by commit or rollback). */
export const LAYER_LOCK_NAMESPACE = 7_340_100;

export function layerLockSql(layerId: string): SqlQuery {
  return { text: 'select pg_advisory_xact_lock($1, hashtext($2))', values: [LAYER_LOCK_NAMESPACE, layerId] };
}

export function blockedCountSql(checkedTable: string, repair: boolean): SqlQuery {
  return { text: `select count(*) as n from ${checkedTable} c where not ${committableWhere('c', repair)}`, values: [] };
}

export function deleteAllSql(p: MergePlan): SqlQuery {
  return { text: `delete from ${layerTable({ id: p.layerId })}`, values: [] };
}

export function insertSql(p: MergePlan, onlyNewKeys: boolean): SqlQuery {
  const cols = p.mapped.map((a) => quoteIdent(a.name));
  const table = layerTable({ id: p.layerId });
  const k = p.keyAttribute ? quoteIdent(p.keyAttribute) : null;
  return {
    text: `insert into ${table} (geom${cols.map((c) => `, ${c}`).join('')})
           select c._geom${cols.map((col) => `, c.${col}`).join('')} from ${p.checkedTable} c
           where ${committableWhere('c', p.repair)}
           ${onlyNewKeys && k ? `and not exists (select 1 from ${table} t where t.${k} = c.${k})` : ''}
           order by c._idx`,
    values: [],
  };
}

export function updateByKeySql(p: MergePlan): SqlQuery {
  const k = quoteIdent(p.keyAttribute!);
  const sets = ['geom = c._geom', ...p.mapped.filter((a) => a.name !== p.keyAttribute).map((a) => `${quoteIdent(a.name)} = c.${quoteIdent(a.name)}`)];
  return {
    text: `update ${layerTable({ id: p.layerId })} t set ${sets.join(', ')}
           from ${p.checkedTable} c where ${committableWhere('c', p.repair)} and t.${k} = c.${k}`,
    values: [],
  };
}

/** Keys of the file that match more than one feature of the layer: an upsert cannot tell which to update. */
export function ambiguousKeysSql(p: MergePlan): SqlQuery {
  const k = quoteIdent(p.keyAttribute!);
  return {
    text: `select t.${k}::text as key, count(*) as n from ${layerTable({ id: p.layerId })} t
           where t.${k} in (select c.${k} from ${p.checkedTable} c where ${committableWhere('c', p.repair)})
           group by t.${k} having count(*) > 1 order by 1 limit 10`,
    values: [],
  };
}
