// The SQL of downloads: every matching feature (no limit) with its attribute values in the forms the file formats
// write (exact text for numbers from bigint, ISO 8601 for times) and its geometry in the form the writer needs —
// WKB (Shapefile), a ready GeoPackage geometry blob, WKT or one point (CSV) — in the requested CRS.
import type { Layer } from '../catalog/catalog.ts';
import { filteredSource, type SqlLayer } from './feature-sql.ts';
import type { FeatureQuery } from './query.ts';
import { Parameters, quoteIdent, type SqlQuery } from './sql-parts.ts';

export type ExportGeometry = 'wkb' | 'gpkg' | 'wkt' | 'lonlat';

export type ExportLayer = SqlLayer & Pick<Layer, 'geometryFamily'>;

export interface ExportOptions {
  geometry: ExportGeometry;
  /** Output SRID (4326 longitude first, or a projected one). */
  srid: number;
  decimals: number;
  /** Polygons with clockwise outer rings (the Shapefile rule). */
  clockwise?: boolean;
}

/** Attribute values as text in the forms files want: times in ISO 8601 (UTC for GeoPackage), the rest as PostgreSQL writes them. */
function valueSql(layer: SqlLayer, name: string, gpkg: boolean): string {
  const a = layer.attributes.find((x) => x.name === name);
  if (!a) throw new Error(`Layer ${layer.id} has no attribute '${name}'`);
  const col = `t.${quoteIdent(name)}`;
  if (a.type === 'datetime') {
    return gpkg ? `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `(to_json(${col}) #>> '{}')`;
  }
  return `${col}::text`;
}

function geometrySql(layer: ExportLayer, opts: ExportOptions): string[] {
  let g = opts.srid === 4326 ? 't.geom' : `st_transform(t.geom, ${Math.trunc(opts.srid)})`;
  if (opts.clockwise && layer.geometryFamily === 'polygon') g = `st_forcepolygoncw(${g})`;
  switch (opts.geometry) {
    case 'wkb':
      return [`st_asbinary(${g}) as geometry`];
    case 'wkt':
      return [`st_astext(${g}, ${Math.trunc(opts.decimals)}) as geometry`];
    case 'lonlat': {
      // A point for a spreadsheet: the point itself, or one guaranteed to lie on the line or inside the polygon.
      const p = layer.geometryFamily === 'point' ? g : `st_pointonsurface(${g})`;
      return [`round(st_x(${p})::numeric, ${Math.trunc(opts.decimals)})::text as x`, `round(st_y(${p})::numeric, ${Math.trunc(opts.decimals)})::text as y`];
    }
    case 'gpkg':
      // The GeoPackage binary header (GP, version 0, flags 0b010: big-endian, xy envelope), the SRS id and the
      // envelope minx, maxx, miny, maxy, then standard WKB: built here, so the writer only copies bytes.
      return [
        `'\\x47500002'::bytea || int4send(${Math.trunc(opts.srid)}) || float8send(st_xmin(${g})) || float8send(st_xmax(${g})) || float8send(st_ymin(${g})) || float8send(st_ymax(${g})) || st_asbinary(${g}) as geometry`,
      ];
  }
}

export function exportRowsSql(layer: ExportLayer, query: FeatureQuery, properties: string[], opts: ExportOptions): SqlQuery {
  const params = new Parameters();
  const values = properties.map((name, i) => `${valueSql(layer, name, opts.geometry === 'gpkg')} as v${i}`);
  const text = [
    `select t.fid, ${[...values, ...geometrySql(layer, opts)].join(', ')}`,
    ...filteredSource(layer, query, params),
    'order by t.fid',
  ].join('\n');
  return { text, values: params.values };
}

/**
 * Count, extent (in the output CRS), the longest fid and the longest value (UTF-8 bytes of its text) of each
 * attribute asked about: what fixed-width formats need before the first record.
 */
export function exportStatsSql(layer: ExportLayer, query: FeatureQuery, measured: string[], srid: number): SqlQuery {
  const params = new Parameters();
  const g = srid === 4326 ? 't.geom' : `st_transform(t.geom, ${Math.trunc(srid)})`;
  for (const name of measured) if (!layer.attributes.some((a) => a.name === name)) throw new Error(`Layer ${layer.id} has no attribute '${name}'`);
  const lengths = measured.map((name, i) => `coalesce(max(octet_length(t.${quoteIdent(name)}::text)), 0) as len${i}`);
  const text = [
    `select count(*) as n, coalesce(max(length(t.fid::text)), 1) as fid_len, st_xmin(st_extent(${g})) as xmin, st_ymin(st_extent(${g})) as ymin, st_xmax(st_extent(${g})) as xmax, st_ymax(st_extent(${g})) as ymax${lengths.map((l) => `, ${l}`).join('')}`,
    ...filteredSource(layer, query, params),
  ].join('\n');
  return { text, values: params.values };
}

/** The CRS's definition as WKT (for .prj and gpkg_spatial_ref_sys). */
export function crsWktSql(srid: number): SqlQuery {
  return { text: 'select srtext from spatial_ref_sys where srid = $1', values: [srid] };
}
