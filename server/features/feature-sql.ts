// The feature provider's SQL: small pure functions from a layer and a typed query to `{ text, values }`.
// Every value is a parameter; every identifier is the layer's table (catalog) or one of its attribute names
// (catalog, validated at layer creation), quoted. Each feature's GeoJSON text is built in the database, so the
// server only concatenates rows and never parses or re-serialises them.
import type { AttributeType } from '../catalog/attributes.ts';
import { layerTable, type Layer } from '../catalog/catalog.ts';
import type { FeatureQuery } from './query.ts';

export interface SqlQuery {
  text: string;
  values: unknown[];
}

export type SqlLayer = Pick<Layer, 'id' | 'attributes'>;

/** 7 decimals of a degree is about 1 cm: below any survey in the province, and shorter than full doubles. */
export const GEOJSON_DECIMALS = 7;

const sqlTypes: Record<AttributeType, string> = {
  text: 'text',
  integer: 'bigint',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
};

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The attribute columns to return: only names the catalog lists for the layer ever become identifiers. */
function attributeColumns(layer: SqlLayer, properties: string[] | null): string[] {
  if (properties === null) return layer.attributes.map((a) => a.name);
  const known = new Set(layer.attributes.map((a) => a.name));
  for (const name of properties) {
    if (!known.has(name)) throw new Error(`Layer ${layer.id} has no attribute '${name}'`);
  }
  return properties;
}

/**
 * One feature as GeoJSON text, concatenated from parts the database already writes as JSON: the geometry text
 * of ST_AsGeoJSON is used as is (json_build_object would parse it again, and pads its output with spaces).
 * row_to_json over a sub-select keeps the attributes' names and order and has no argument limit
 * (json_build_object stops at 50 pairs; a layer may have more attributes). None of the parts can be null.
 */
export function featureJsonSql(layer: SqlLayer, properties: string[] | null): string {
  const columns = attributeColumns(layer, properties);
  const props = columns.length === 0
    ? `'{}'`
    : `(select row_to_json(p) from (select ${columns.map((c) => `t.${quoteIdent(c)}`).join(', ')}) p)::text`;
  return `'{"type":"Feature","id":' || t.fid || ',"geometry":' || st_asgeojson(t.geom, ${GEOJSON_DECIMALS}) || ',"properties":' || ${props} || '}'`;
}

/** The query's filters (bbox and attribute values) as conditions on `t`. */
function filterConditions(layer: SqlLayer, query: FeatureQuery, params: Parameters): string[] {
  const conditions: string[] = [];
  if (query.bbox) {
    const [minLon, minLat, maxLon, maxLat] = query.bbox.map((n) => params.add(n));
    // st_intersects uses the geometry's GiST index and then tests the shape itself: a polygon whose box
    // overlaps the bbox but whose outline does not reach it is not returned.
    conditions.push(`st_intersects(t.geom, st_makeenvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, 4326))`);
  }
  for (const filter of query.filters) {
    const attribute = layer.attributes.find((a) => a.name === filter.name);
    if (!attribute) throw new Error(`Layer ${layer.id} has no attribute '${filter.name}'`);
    const column = `t.${quoteIdent(attribute.name)}`;
    const type = sqlTypes[attribute.type];
    if (filter.values.length === 1) conditions.push(`${column} = ${params.add(filter.values[0])}::${type}`);
    else conditions.push(`${column} = any(${params.add(filter.values)}::${type}[])`);
  }
  return conditions;
}

/**
 * Where features come from: the layer's table, or for an as-of read the versions in history that were current
 * at that time, with their attributes turned back into the table's typed columns.
 */
function source(layer: SqlLayer, query: Pick<FeatureQuery, 'asOf'>, params: Parameters): string {
  if (!query.asOf) return layerTable(layer);
  const columns = layer.attributes.map((a) => `p.${quoteIdent(a.name)}`);
  return [
    '(select a.fid, a.geom, a.version, a.changed_at as updated_at',
    ...columns.map((c) => `        , ${c}`),
    `   from history.layer_as_of(${params.add(layer.id)}, ${params.add(query.asOf.toISOString())}::timestamptz) a`,
    `   cross join lateral jsonb_populate_record(null::${layerTable(layer)}, a.attributes) p)`,
  ].join('\n');
}

function whereClause(conditions: string[]): string[] {
  return conditions.length === 0 ? [] : [`where ${conditions.join('\n  and ')}`];
}

/**
 * One page of features in fid order: `fid` and `feature` (GeoJSON text). Paging is keyset on the primary key,
 * so page 1000 costs what page 1 costs; a backward page is read downwards from its cursor and put back in order.
 */
export function selectFeaturesSql(layer: SqlLayer, query: FeatureQuery): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const cursor = query.cursor;
  if (cursor && 'after' in cursor) conditions.push(`t.fid > ${params.add(cursor.after)}`);
  if (cursor && 'before' in cursor) conditions.push(`t.fid < ${params.add(cursor.before)}`);
  const backward = cursor !== null && 'before' in cursor;
  const lines = [
    `select t.fid, ${featureJsonSql(layer, query.properties)} as feature`,
    `from ${source(layer, query, params)} t`,
    ...whereClause(conditions),
    `order by t.fid${backward ? ' desc' : ''}`,
    ...(query.limit === null ? [] : [`limit ${params.add(query.limit)}`]),
  ];
  const text = backward
    ? ['select page.fid, page.feature from (', ...lines, ') page', 'order by page.fid'].join('\n')
    : lines.join('\n');
  return { text, values: params.values };
}

/**
 * Whether matching features exist below and above a page (for its prev and next links). A null bound is not
 * asked about. Two index probes on the primary key: cheaper than counting.
 */
export function neighboursSql(layer: SqlLayer, query: FeatureQuery, bounds: { below: number | null; above: number | null }): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const probe = (comparison: string) =>
    ['exists (select 1', `  from ${source(layer, query, params)} t`, `  where ${[...conditions, comparison].join('\n    and ')})`].join('\n');
  const below = bounds.below === null ? 'false' : probe(`t.fid < ${params.add(bounds.below)}`);
  const above = bounds.above === null ? 'false' : probe(`t.fid > ${params.add(bounds.above)}`);
  return { text: `select ${below} as has_prev,\n${above} as has_next`, values: params.values };
}

/** How many features match the query's filters (WFS resultType=hits, OGC numberMatched); paging is ignored. */
export function countFeaturesSql(layer: SqlLayer, query: FeatureQuery): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const text = [`select count(*) as n`, `from ${source(layer, query, params)} t`, ...whereClause(conditions)].join('\n');
  return { text, values: params.values };
}

/** One feature by fid: its row version and update time (for ETag / Last-Modified) and its GeoJSON text. */
export function selectFeatureSql(layer: SqlLayer, fid: number, properties: string[] | null, asOf: Date | null = null): SqlQuery {
  const params = new Parameters();
  const text = [
    `select t.version, t.updated_at, ${featureJsonSql(layer, properties)} as feature`,
    `from ${source(layer, { asOf }, params)} t`,
    `where t.fid = ${params.add(fid)}`,
  ].join('\n');
  return { text, values: params.values };
}
