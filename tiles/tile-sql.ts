// The one tile query of a layer, built from its catalog entry. The text depends only on the catalog (table,
// geometry family, attributes, the style's category attribute); z/x/y and the MVT layer name are parameters, so
// each layer's statement is prepared once per connection and reused for every tile of every zoom.
import { createHash } from 'node:crypto';
import type { Attribute } from '../server/catalog/attributes.ts';
import { layerTable, type Layer } from '../server/catalog/catalog.ts';
import type { TileAddress } from './tile-address.ts';

export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;
/**
 * Lines and polygons are simplified below this zoom. From here on one tile unit (40 075 km / 2^z / 4096) is
 * under 0.6 m, finer than the survey data itself: simplifying would cost time and remove nothing.
 */
export const SIMPLIFY_BELOW_ZOOM = 14;
/**
 * A point tile holding more features than this is aggregated (see pointStatementText). 2000 points with a
 * dozen attributes encode to 100–400 kB; the 47 935 street lights of the demo city put 14 000 into one z13 tile
 * (765 kB, 0.24 s) and 5 600 into one z14 tile.
 */
export const AGGREGATE_ABOVE_POINTS = 2000;
/** Aggregation cells per tile side: 64 tile units each, 8 px on a 512-px tile, about one symbol across. */
export const AGGREGATE_CELLS_PER_TILE = TILE_EXTENT / 64;
/** The attribute an aggregated point carries: how many features it stands for. No layer attribute can be named
 *  so (they start with a letter), so it never hides one. */
export const COUNT_ATTRIBUTE = '_count';
/**
 * Below SIMPLIFY_BELOW_ZOOM (and below the layer's own maximum zoom), lines and polygons too small to be seen at the
 * tile's zoom are left out of it: a line whose bounding box fits within one pixel (of a 512-pixel tile: 8 tile
 * units) both ways, a polygon whose box fits within two (16 units). Such a feature would draw as a speck or not at
 * all, yet costs its id, its attributes and a run of ST_AsMVTGeom; at z6–z10 most demo roads and land-use zones are
 * such features (BENCHMARKS.md "Tiles"). Only the bounding box decides, which is cheap and exact to state: a test
 * can say exactly which features a tile holds. From SIMPLIFY_BELOW_ZOOM on, and at the layer's maximum zoom (which
 * maps enlarge beyond), every feature is in its tiles, so each one shows at some zoom.
 */
export const THIN_BELOW_TILE_UNITS = { line: 8, polygon: 16 } as const;
const WEB_MERCATOR_WORLD_WIDTH = 40075016.685578488;

export type TileLayer = Pick<Layer, 'id' | 'geometryFamily' | 'attributes'> &
  Partial<Pick<Layer, 'nameAttribute' | 'style' | 'maxZoom'>>;

export interface TileStatement {
  /** pg's prepared statement name: changes whenever the text does, so a catalog change prepares anew. */
  name: string;
  text: string;
}

export interface TileQuery extends TileStatement {
  values: [number, number, number, string];
}


/** What an aggregated point tile keeps of its features: said in the TileJSON, so clients know what they get. */
export interface PointAggregation {
  aboveFeaturesPerTile: number;
  cellsPerTileSide: number;
  countAttribute: string;
  /** Points are grouped by cell and by this attribute (the style colours by it), so colours stay true. */
  groupedBy: string | null;
  /** A point alone in its group keeps its fid and these attributes. */
  lonePointsKeep: string[];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * MVT values are strings, numbers and booleans. Dates and times are written out here rather than left to
 * PostGIS's text output, which follows the session's DateStyle and TimeZone.
 */
function attributeValue(attribute: Attribute, from = 't'): string {
  const column = `${from}.${quoteIdent(attribute.name)}`;
  switch (attribute.type) {
    case 'date':
      return `to_char(${column}, 'YYYY-MM-DD')`;
    case 'datetime':
      return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
    default:
      return column;
  }
}

function attributeColumn(attribute: Attribute, from = 't'): string {
  const value = attributeValue(attribute, from);
  return value === `${from}.${quoteIdent(attribute.name)}` ? value : `${value} as ${quoteIdent(attribute.name)}`;
}

/**
 * Points go as they are. Lines and polygons at low zoom drop, before clipping and encoding, the vertices that
 * stray less than one tile unit (1/4096 of the tile at that zoom) from the line through their neighbours: ST_AsMVTGeom's
 * snap to the grid keeps those, they cost bytes and time, and removing them changes nothing on screen.
 */
function geometryExpression(layer: TileLayer): string {
  if (layer.geometryFamily === 'point') return 't.geom_3857';
  const tolerance = `${WEB_MERCATOR_WORLD_WIDTH / TILE_EXTENT} / 2::float8 ^ $1::integer`;
  return `case when $1::integer < ${SIMPLIFY_BELOW_ZOOM} then st_simplifypreservetopology(t.geom_3857, ${tolerance}) else t.geom_3857 end`;
}

// Two envelopes: the exact tile is the coordinate frame ST_AsMVTGeom maps onto 0..4096, and the one grown by
// the buffer selects the rows. A point just across the edge, or a line passing just outside, is then encoded
// in this tile too (within the buffer) so its symbol or stroke draws across the seam instead of being cut
// off; with only the exact envelope those features would vanish from the buffer and symbols would be halved.
const boundsCte = [
  'with bounds as (',
  '  select st_tileenvelope($1::integer, $2::integer, $3::integer) as tile,',
  `         st_tileenvelope($1::integer, $2::integer, $3::integer, margin => ${TILE_BUFFER / TILE_EXTENT}) as query`,
  ')',
];

/**
 * The statement's own snapshot (which transactions it saw as finished) comes back with the tile: equal to the
 * snapshot the server last read the catalog at, it proves nothing was committed in between, so that catalog
 * entry (and its data version) still describes the layer this tile was made from (tile-service.ts).
 */
export const SNAPSHOT_COLUMN = 'pg_current_snapshot()::text as snapshot';

/** The zoom from which every line and polygon is in its tiles (see THIN_BELOW_TILE_UNITS). */
export function thinBelowZoom(layer: Pick<TileLayer, 'maxZoom'>): number {
  return Math.min(SIMPLIFY_BELOW_ZOOM, layer.maxZoom ?? SIMPLIFY_BELOW_ZOOM);
}

/** The row filter that leaves out lines and polygons too small for the zoom; none for points. */
function thinningCondition(layer: TileLayer): string | null {
  if (layer.geometryFamily === 'point') return null;
  const size = (WEB_MERCATOR_WORLD_WIDTH / TILE_EXTENT) * THIN_BELOW_TILE_UNITS[layer.geometryFamily];
  const g = 't.geom_3857';
  return `($1::integer >= ${thinBelowZoom(layer)} or greatest(st_xmax(${g}) - st_xmin(${g}), st_ymax(${g}) - st_ymin(${g})) >= ${size} / 2::float8 ^ $1::integer)`;
}

function featuresSelect(layer: TileLayer, indent: string, withSnapshot: boolean): string[] {
  const columns = ['t.fid', `st_asmvtgeom(${geometryExpression(layer)}, b.tile, ${TILE_EXTENT}, ${TILE_BUFFER}, true) as geom`,
    ...layer.attributes.map((a) => attributeColumn(a))];
  const thinning = thinningCondition(layer);
  return [
    `select st_asmvt(f, $4::text, ${TILE_EXTENT}, 'geom', 'fid') as mvt${withSnapshot ? `, ${SNAPSHOT_COLUMN}` : ''}`,
    'from (',
    `  select ${columns.join(',\n         ')}`,
    `  from ${layerTable(layer)} t cross join bounds b`,
    '  where t.geom_3857 && b.query',
    ...(thinning ? [`    and ${thinning}`] : []),
    // No `where f.geom is not null`: ST_AsMVT already skips rows whose geometry clipped to nothing (a bounding
    // box that meets the envelope while the shape does not), and the filter would run ST_AsMVTGeom twice a row.
    ') f',
  ].map((line) => indent + line);
}

/** The attributes an aggregated tile keeps, if the layer has them: the one the style colours by, and the name. */
function aggregationAttributes(layer: TileLayer): { category: Attribute | null; name: Attribute | null } {
  const byName = (n: string | null | undefined) => (n ? layer.attributes.find((a) => a.name === n) ?? null : null);
  const categories = (layer.style as { categories?: { attribute?: unknown } } | undefined)?.categories;
  const category = byName(typeof categories?.attribute === 'string' ? categories.attribute : null);
  const name = byName(layer.nameAttribute);
  return { category, name: name && name !== category ? name : null };
}

export function pointAggregation(layer: TileLayer): PointAggregation | null {
  if (layer.geometryFamily !== 'point') return null;
  const { category, name } = aggregationAttributes(layer);
  return {
    aboveFeaturesPerTile: AGGREGATE_ABOVE_POINTS,
    cellsPerTileSide: AGGREGATE_CELLS_PER_TILE,
    countAttribute: COUNT_ATTRIBUTE,
    groupedBy: category?.name ?? null,
    lonePointsKeep: ['fid', ...[name, category].filter((a): a is Attribute => a !== null).map((a) => a.name)],
  };
}

/**
 * Dense point tiles are aggregated: one point per grid cell (1/64 of the tile, about a symbol across) and per
 * value of the style's category attribute, at the mean position of its members, with `_count` members. A point
 * alone in its cell stays itself, with its fid, its name and its category, so sparse areas of a dense tile look
 * and click as before; the popup reads the other attributes from the features API. Nothing is dropped: the counts
 * add up to exactly the features in the tile and its buffer, and the colours are the members' own.
 *
 * Whether a tile is dense is decided by the tile's own features (counted up to the threshold, which the index
 * makes cheap), never by the rest of the layer: a tile depends only on the features inside it, which is what
 * lets an edit drop only the tiles its bounding box touches.
 */
function pointStatementText(layer: TileLayer): string {
  const { category, name } = aggregationAttributes(layer);
  const table = layerTable(layer);
  const width = 'st_xmax(b.tile) - st_xmin(b.tile)';
  const cells = AGGREGATE_CELLS_PER_TILE;
  const keyColumns = [
    `floor((st_x(t.geom_3857) - st_xmin(b.tile)) * ${cells} / (${width})) as cx`,
    `floor((st_ymax(b.tile) - st_y(t.geom_3857)) * ${cells} / (${width})) as cy`,
    ...(category ? [`t.${quoteIdent(category.name)}`] : []),
  ];
  // Only read where the group is a single point; min() of one value is that value (bool_or for booleans).
  const lone = (a: Attribute) => `${a.type === 'boolean' ? 'bool_or' : 'min'}(t.${quoteIdent(a.name)}) as ${quoteIdent(a.name)}`;
  const cellColumns = [...keyColumns, 'count(*) as n', 'min(t.fid) as fid', 'avg(st_x(t.geom_3857)) as x', 'avg(st_y(t.geom_3857)) as y',
    ...(name ? [lone(name)] : [])];
  const outColumns = [
    'case when c.n = 1 then c.fid end as fid',
    `st_asmvtgeom(st_setsrid(st_point(c.x, c.y), 3857), b.tile, ${TILE_EXTENT}, ${TILE_BUFFER}, true) as geom`,
    ...(name ? [`case when c.n = 1 then ${attributeValue(name, 'c')} end as ${quoteIdent(name.name)}`] : []),
    ...(category ? [attributeColumn(category, 'c')] : []),
    `case when c.n > 1 then c.n end as ${quoteIdent(COUNT_ATTRIBUTE)}`,
  ];
  const groupBy = keyColumns.map((_, i) => String(i + 1)).join(', ');
  return [
    ...boundsCte,
    'select case',
    `  when (select count(*) from (select from ${table} t cross join bounds b where t.geom_3857 && b.query limit ${AGGREGATE_ABOVE_POINTS + 1}) d) > ${AGGREGATE_ABOVE_POINTS} then (`,
    `    select st_asmvt(f, $4::text, ${TILE_EXTENT}, 'geom', 'fid')`,
    '    from (',
    `      select ${outColumns.join(',\n             ')}`,
    '      from (',
    `        select ${cellColumns.join(',\n               ')}`,
    `        from ${table} t cross join bounds b`,
    // The index compares single-precision boxes: exactly the buffered tile here, as the features branch gets
    // from ST_AsMVTGeom's clipping, so the counts are those of the features the tile stands for.
    '        where t.geom_3857 && b.query and st_intersects(t.geom_3857, b.query)',
    `        group by ${groupBy}`,
    '      ) c cross join bounds b',
    '    ) f)',
    '  else (',
    ...featuresSelect(layer, '    ', false),
    `  ) end as mvt, ${SNAPSHOT_COLUMN}`,
  ].join('\n');
}

function named(layer: TileLayer, text: string): TileStatement {
  const hash = createHash('sha256').update(layer.id).update('\n').update(text).digest('hex').slice(0, 16);
  // PostgreSQL keeps 63 bytes of a statement name: the hash goes first so a long layer id cannot push it out.
  return { name: `tile_${hash}_${layer.id}`.slice(0, 63), text };
}

export function tileStatement(layer: TileLayer): TileStatement {
  const text = layer.geometryFamily === 'point'
    ? pointStatementText(layer)
    : [...boundsCte, ...featuresSelect(layer, '', true)].join('\n');
  return named(layer, text);
}

/**
 * The tile statement with the layer's data version as the same statement sees it, for a streaming replica: the
 * tile's data are exactly those of that version (the version is bumped in the transaction of every change), so a
 * replica behind the primary shows it (tile-service.ts). Null when the caller may not read the layer there.
 */
export function versionedTileStatement(layer: TileLayer): TileStatement {
  return named(layer, [
    'select t.mvt, t.snapshot, (select l.data_version from catalog.layers l where l.id = $4::text) as data_version',
    'from (',
    tileStatement(layer).text,
    ') t',
  ].join('\n'));
}

const built = new Map<string, { fingerprint: string; statements: Map<StatementKind, TileStatement> }>();
/** Per catalog entry object: a catalog read is reused by many requests, so most calls stop here. */
const byEntry = new WeakMap<TileLayer, Map<StatementKind, TileStatement>>();
type StatementKind = 'tile' | 'versioned';
const builders: Record<StatementKind, (layer: TileLayer) => TileStatement> = { tile: tileStatement, versioned: versionedTileStatement };

/** The layer's statement, built once and rebuilt only when the catalog entry it depends on changes. */
function statementFor(layer: TileLayer, kind: StatementKind): TileStatement {
  let statements = byEntry.get(layer);
  if (!statements) {
    const fingerprint = JSON.stringify([layer.geometryFamily, layer.attributes, layer.nameAttribute ?? null, layer.maxZoom ?? null,
      (layer.style as { categories?: { attribute?: unknown } } | undefined)?.categories?.attribute ?? null]);
    let entry = built.get(layer.id);
    if (!entry || entry.fingerprint !== fingerprint) {
      entry = { fingerprint, statements: new Map() };
      built.set(layer.id, entry);
    }
    statements = entry.statements;
    byEntry.set(layer, statements);
  }
  let statement = statements.get(kind);
  if (!statement) {
    statement = builders[kind](layer);
    statements.set(kind, statement);
  }
  return statement;
}

export function tileQuery(layer: TileLayer, tile: TileAddress): TileQuery {
  return { ...statementFor(layer, 'tile'), values: [tile.z, tile.x, tile.y, layer.id] };
}

/** tileQuery's statement with the data version the statement saw (versionedTileStatement). */
export function versionedTileQuery(layer: TileLayer, tile: TileAddress): TileQuery {
  return { ...statementFor(layer, 'versioned'), values: [tile.z, tile.x, tile.y, layer.id] };
}
