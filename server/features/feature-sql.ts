// The feature provider's SQL: small pure functions from a layer and a typed query to `{ text, values }`.
// Every value is a parameter; every identifier is the layer's table (catalog) or one of its attribute names
// (catalog, validated at layer creation), quoted. Each feature's GeoJSON text is built in the database, so the
// server only concatenates rows and never parses or re-serialises them.
import { layerTable, type Layer } from '../catalog/catalog.ts';
import type { FeatureQuery } from './query.ts';
import { Parameters, quoteIdent, sqlTypes, type SqlQuery } from './sql-parts.ts';
import { conditionSql } from './condition-sql.ts';
import { EPSG_4326, type CrsDefinition } from './crs.ts';
import { featureGmlSql, outputGeometrySql, type GmlNames } from './gml-sql.ts';

export type { SqlQuery };
export { quoteIdent };

export type SqlLayer = Pick<Layer, 'id' | 'attributes'>;

/**
 * How each feature's text is written: GeoJSON (default) or a GML 3.2 element, in the storage CRS (default) or
 * another supported one (crs.ts), which the database transforms to.
 */
export interface FeatureOutput {
  crs?: CrsDefinition;
  format?: 'geojson' | 'gml';
  /** Element names, for GML. */
  gml?: GmlNames;
}

/** 7 decimals of a degree is about 1 cm: below any survey in the province, and shorter than full doubles. */
export const GEOJSON_DECIMALS = 7;

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
export function featureJsonSql(layer: SqlLayer, properties: string[] | null, crs?: CrsDefinition): string {
  const columns = attributeColumns(layer, properties);
  const props = columns.length === 0
    ? `'{}'`
    : `(select row_to_json(p) from (select ${columns.map((c) => `t.${quoteIdent(c)}`).join(', ')}) p)::text`;
  return `'{"type":"Feature","id":' || t.fid || ',"geometry":' || ${geojsonGeometrySql(crs)} || ',"properties":' || ${props} || '}'`;
}

/** ST_AsGeoJSON in the output CRS; option 0 keeps the (non-standard) "crs" member out of transformed geometries. */
function geojsonGeometrySql(crs: CrsDefinition | undefined): string {
  if (!crs || (crs.srid === 4326 && !crs.latLon)) return `st_asgeojson(t.geom, ${GEOJSON_DECIMALS})`;
  return `st_asgeojson(${outputGeometrySql('t.geom', crs)}, ${crs.decimals}, 0)`;
}

/** The text of each feature: GeoJSON or GML, as `output` asks. */
export function featureTextSql(layer: SqlLayer & Partial<Pick<Layer, 'geometryFamily'>>, properties: string[] | null, output: FeatureOutput = {}): string {
  if (output.format !== 'gml') return featureJsonSql(layer, properties, output.crs);
  if (!output.gml || !layer.geometryFamily) throw new Error('GML output needs element names and the geometry family');
  // GML's default, as WFS 2.0 and GML 3.2 clients expect it: EPSG:4326, latitude first.
  return featureGmlSql({ ...layer, geometryFamily: layer.geometryFamily }, properties, output.crs ?? EPSG_4326, output.gml);
}

/** The query's filters (bbox and attribute values) as conditions on `t`. */
function filterConditions(layer: SqlLayer, query: FeatureQuery, params: Parameters): string[] {
  const conditions: string[] = [];
  if (query.bbox) {
    const [minLon, minLat, maxLon, maxLat] = query.bbox.map((n) => params.add(n));
    // st_intersects uses the geometry's GiST index and then tests the shape itself: a polygon whose box
    // overlaps the bbox but whose outline does not reach it is not returned.
    if (query.bboxSrid === undefined || query.bboxSrid === 4326) {
      conditions.push(`st_intersects(t.geom, st_makeenvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, 4326))`);
    } else {
      // A projected box's edges curve in degrees: densified before the transform, they stay within centimetres.
      const [x0, y0, x1, y1] = query.bbox;
      const step = params.add(Math.max(x1 - x0, y1 - y0) / 32);
      const box = `st_segmentize(st_makeenvelope(${minLon}, ${minLat}, ${maxLon}, ${maxLat}, ${Math.trunc(query.bboxSrid)}), ${step}::float8)`;
      conditions.push(`st_intersects(t.geom, st_transform(${box}, 4326))`);
    }
  }
  if (query.condition) conditions.push(conditionSql(query.condition, params));
  if (query.updated?.start) conditions.push(`t.updated_at >= ${params.add(query.updated.start)}::timestamptz`);
  if (query.updated?.end) conditions.push(`t.updated_at <= ${params.add(query.updated.end)}::timestamptz`);
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
export function selectFeaturesSql(layer: SqlLayer & Partial<Pick<Layer, 'geometryFamily'>>, query: FeatureQuery, output?: FeatureOutput): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const cursor = query.cursor;
  if (cursor && 'after' in cursor) conditions.push(`t.fid > ${params.add(cursor.after)}`);
  if (cursor && 'before' in cursor) conditions.push(`t.fid < ${params.add(cursor.before)}`);
  const backward = cursor !== null && 'before' in cursor;
  if (query.offset && !backward && !query.asOf) {
    // The rows an offset skips must not have their GeoJSON built (the select list is computed below the Limit
    // node): the page's fids are chosen first (an index-only scan when the filter allows), then only its features
    // are written.
    const page = [
      `select t.fid, ${featureTextSql(layer, query.properties, output)} as feature`,
      `from ${layerTable(layer)} t`,
      'where t.fid in (select t.fid',
      `  from ${layerTable(layer)} t`,
      ...whereClause(conditions).map((l) => `  ${l}`),
      '  order by t.fid',
      `  offset ${params.add(query.offset)}`,
      ...(query.limit === null ? [] : [`  limit ${params.add(query.limit)}`]),
      ')',
      'order by t.fid',
    ];
    return { text: page.join('\n'), values: params.values };
  }
  const lines = [
    `select t.fid, ${featureTextSql(layer, query.properties, output)} as feature`,
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
 * A small forward page as one row, its features' GeoJSON already joined by PostgreSQL: the server then receives
 * and sends one value instead of parsing, holding and joining a string per feature. One row more than the page is
 * read (as selectFeaturesSql with limit + 1 would): `n` above the limit says a next page exists.
 */
export function selectJoinedPageSql(layer: SqlLayer & Partial<Pick<Layer, 'geometryFamily'>>, query: FeatureQuery & { limit: number }, output?: FeatureOutput): SqlQuery {
  const inner = selectFeaturesSql(layer, { ...query, limit: query.limit + 1 }, output);
  const limit = `$${inner.values.length + 1}`;
  const text = [
    `select count(*)::int as n, min(q.fid) as first_fid, max(q.fid) filter (where q.rn <= ${limit}) as last_fid,`,
    `  string_agg(q.feature, ',' order by q.fid) filter (where q.rn <= ${limit}) as features,`,
    // Which commits the page saw: equal to a catalog read's snapshot, nothing was committed in between.
    '  pg_current_snapshot()::text as snapshot',
    'from (select p.fid, p.feature, row_number() over (order by p.fid) as rn from (',
    inner.text,
    ') p) q',
  ].join('\n');
  return { text, values: [...inner.values, query.limit] };
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

/**
 * How many features match, counting no further than `cap` (OGC numberMatched without a full count of a big layer):
 * null when there are more.
 */
export function countFeaturesUpToSql(layer: SqlLayer, query: FeatureQuery, cap: number): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const text = [
    'select count(*) as n from (',
    `select 1 from ${source(layer, query, params)} t`,
    ...whereClause(conditions),
    `limit ${params.add(cap + 1)}`,
    ') x',
  ].join('\n');
  return { text, values: params.values };
}

/** How many features one page has (its cursor, offset and limit applied): what a WFS response declares up front. */
export function pageCountSql(layer: SqlLayer, query: FeatureQuery): SqlQuery {
  const params = new Parameters();
  const conditions = filterConditions(layer, query, params);
  const cursor = query.cursor;
  if (cursor && 'after' in cursor) conditions.push(`t.fid > ${params.add(cursor.after)}`);
  if (cursor && 'before' in cursor) conditions.push(`t.fid < ${params.add(cursor.before)}`);
  const text = [
    'select count(*) as n from (',
    `select 1 from ${source(layer, query, params)} t`,
    ...whereClause(conditions),
    `order by t.fid${cursor && 'before' in cursor ? ' desc' : ''}`,
    ...(query.offset ? [`offset ${params.add(query.offset)}`] : []),
    ...(query.limit === null ? [] : [`limit ${params.add(query.limit)}`]),
    ') x',
  ].join('\n');
  return { text, values: params.values };
}

/** One feature by fid: its row version and update time (for ETag / Last-Modified) and its GeoJSON text. */
export function selectFeatureSql(
  layer: SqlLayer & Partial<Pick<Layer, 'geometryFamily'>>, fid: number, properties: string[] | null, asOf: Date | null = null, output?: FeatureOutput,
): SqlQuery {
  const params = new Parameters();
  const text = [
    `select t.version, t.updated_at, ${featureTextSql(layer, properties, output)} as feature`,
    `from ${source(layer, { asOf }, params)} t`,
    `where t.fid = ${params.add(fid)}`,
  ].join('\n');
  return { text, values: params.values };
}

/**
 * A geometry written in another CRS (Content-Crs of an edit) as GeoJSON in storage coordinates (EPSG:4326,
 * longitude first), full precision: the edit path then validates and stores it like any other.
 */
export function geometryToStorageSql(geojson: string, crs: CrsDefinition): SqlQuery {
  let g = `st_setsrid(st_geomfromgeojson($1::text), ${Math.trunc(crs.srid)})`;
  if (crs.latLon) g = `st_flipcoordinates(${g})`;
  if (crs.srid !== 4326) g = `st_transform(${g}, 4326)`;
  return { text: `select st_asgeojson(${g}, 15) as geojson`, values: [geojson] };
}

/** The query's source and filter lines (`from … t`, `where …`), for the provider's other builders (exports). */
export function filteredSource(layer: SqlLayer, query: FeatureQuery, params: Parameters): string[] {
  const conditions = filterConditions(layer, query, params);
  return [`from ${source(layer, query, params)} t`, ...whereClause(conditions)];
}
