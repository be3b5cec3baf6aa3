// The one tile query of a layer, built from its catalog entry. The text depends only on the catalog (table,
// geometry family, attributes); z/x/y and the MVT layer name are parameters, so each layer's statement is
// prepared once per connection and reused for every tile.
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
const WEB_MERCATOR_WORLD_WIDTH = 40075016.685578488;

export type TileLayer = Pick<Layer, 'id' | 'geometryFamily' | 'attributes'>;

export interface TileStatement {
  /** pg's prepared statement name: changes whenever the text does, so a catalog change prepares anew. */
  name: string;
  text: string;
}

export interface TileQuery extends TileStatement {
  values: [number, number, number, string];
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * MVT values are strings, numbers and booleans. Dates and times are written out here rather than left to
 * PostGIS's text output, which follows the session's DateStyle and TimeZone.
 */
function attributeColumn(attribute: Attribute): string {
  const column = `t.${quoteIdent(attribute.name)}`;
  switch (attribute.type) {
    case 'date':
      return `to_char(${column}, 'YYYY-MM-DD') as ${quoteIdent(attribute.name)}`;
    case 'datetime':
      return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as ${quoteIdent(attribute.name)}`;
    default:
      return column;
  }
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

export function tileStatement(layer: TileLayer): TileStatement {
  const columns = ['t.fid', `st_asmvtgeom(${geometryExpression(layer)}, b.tile, ${TILE_EXTENT}, ${TILE_BUFFER}, true) as geom`,
    ...layer.attributes.map(attributeColumn)];
  // Two envelopes: the exact tile is the coordinate frame ST_AsMVTGeom maps onto 0..4096, and the one grown by
  // the buffer selects the rows. A point just across the edge, or a line passing just outside, is then encoded
  // in this tile too (within the buffer) so its symbol or stroke draws across the seam instead of being cut
  // off; with only the exact envelope those features would vanish from the buffer and symbols would be halved.
  const text = [
    'with bounds as (',
    '  select st_tileenvelope($1::integer, $2::integer, $3::integer) as tile,',
    `         st_tileenvelope($1::integer, $2::integer, $3::integer, margin => ${TILE_BUFFER / TILE_EXTENT}) as query`,
    ')',
    `select st_asmvt(f, $4::text, ${TILE_EXTENT}, 'geom', 'fid') as mvt`,
    'from (',
    `  select ${columns.join(',\n         ')}`,
    `  from ${layerTable(layer)} t cross join bounds b`,
    '  where t.geom_3857 && b.query',
    // No `where f.geom is not null`: ST_AsMVT already skips rows whose geometry clipped to nothing (a bounding
    // box that meets the envelope while the shape does not), and the filter would run ST_AsMVTGeom twice a row.
    ') f',
  ].join('\n');
  const hash = createHash('sha256').update(layer.id).update('\n').update(text).digest('hex').slice(0, 16);
  // PostgreSQL keeps 63 bytes of a statement name: the hash goes first so a long layer id cannot push it out.
  return { name: `tile_${hash}_${layer.id}`.slice(0, 63), text };
}

const built = new Map<string, { fingerprint: string; statement: TileStatement }>();

/** The layer's statement, built once and rebuilt only when the catalog entry it depends on changes. */
export function tileQuery(layer: TileLayer, tile: TileAddress): TileQuery {
  const fingerprint = JSON.stringify([layer.geometryFamily, layer.attributes]);
  let entry = built.get(layer.id);
  if (!entry || entry.fingerprint !== fingerprint) {
    entry = { fingerprint, statement: tileStatement(layer) };
    built.set(layer.id, entry);
  }
  return { ...entry.statement, values: [tile.z, tile.x, tile.y, layer.id] };
}
