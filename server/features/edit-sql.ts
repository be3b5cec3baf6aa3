// The SQL of edits: pure functions from a layer and validated values to `{ text, values }`. Attribute names come
// from the catalog (quoted), every value is a parameter. Versions, who and when are set by the table's trigger.
import type { GeometryFamily } from '../catalog/catalog.ts';
import { layerTable, type Layer } from '../catalog/catalog.ts';
import { quoteIdent, type SqlQuery } from './feature-sql.ts';

export type EditLayer = Pick<Layer, 'id' | 'attributes' | 'geometryFamily'>;

const dimension: Record<GeometryFamily, number> = { point: 1, line: 2, polygon: 3 };

/** GeoJSON text → the layer's column type. Repair (on request only) keeps the family's part of ST_MakeValid. */
export function geometryExpression(family: GeometryFamily, param: string, repair: boolean): string {
  let g = `st_setsrid(st_geomfromgeojson(${param}), 4326)`;
  if (repair) g = `st_collectionextract(st_makevalid(${g}), ${dimension[family]})`;
  return family === 'point' ? g : `st_multi(${g})`;
}

/** Why a geometry is invalid (null when valid), and whether a repair leaves anything of the family. */
export function geometryCheckSql(family: GeometryFamily, geojson: string): SqlQuery {
  const g = 'st_setsrid(st_geomfromgeojson($1), 4326)';
  return {
    text: `select case when st_isvalid(${g}) then null else st_isvalidreason(${g}) end as reason,
                  st_isempty(${geometryExpression(family, '$1', true)}) as empty_after_repair`,
    values: [geojson],
  };
}

function attributeNames(layer: EditLayer, properties: Record<string, unknown>): string[] {
  // Only names of the layer's schema, in schema order (validation already refused unknown ones).
  return layer.attributes.map((a) => a.name).filter((n) => n in properties);
}

export function insertFeatureSql(layer: EditLayer, geojson: string, properties: Record<string, unknown>, repair: boolean, fid?: number): SqlQuery {
  const names = attributeNames(layer, properties);
  const values: unknown[] = [geojson, ...names.map((n) => properties[n])];
  const columns = ['geom', ...names.map(quoteIdent)];
  const exprs = [geometryExpression(layer.geometryFamily, '$1', repair), ...names.map((_, i) => `$${i + 2}`)];
  if (fid !== undefined) {
    values.push(fid);
    columns.unshift('fid');
    exprs.unshift(`$${values.length}`);
  }
  return {
    text: `insert into ${layerTable(layer)} (${columns.join(', ')}) values (${exprs.join(', ')}) returning fid, version`,
    values,
  };
}

/**
 * Updates one feature only if it is still at the version the editor saw (optimistic locking). `null` geometry
 * keeps the stored one; attributes absent from `properties` are kept (patch) or set to null (replace).
 */
export function updateFeatureSql(
  layer: EditLayer, fid: number, expectedVersion: number, geojson: string | null,
  properties: Record<string, unknown>, mode: 'replace' | 'patch', repair: boolean,
): SqlQuery {
  const values: unknown[] = [fid, expectedVersion];
  const sets: string[] = [];
  if (geojson !== null) {
    values.push(geojson);
    sets.push(`geom = ${geometryExpression(layer.geometryFamily, `$${values.length}`, repair)}`);
  }
  for (const a of layer.attributes) {
    if (a.name in properties) {
      values.push(properties[a.name]);
      sets.push(`${quoteIdent(a.name)} = $${values.length}`);
    } else if (mode === 'replace') {
      sets.push(`${quoteIdent(a.name)} = null`);
    }
  }
  // Even an edit that changes nothing is a new version: someone confirmed the feature.
  if (sets.length === 0) sets.push('version = version');
  return {
    text: `update ${layerTable(layer)} set ${sets.join(', ')} where fid = $1 and version = $2 returning fid, version`,
    values,
  };
}

export function deleteFeatureSql(layer: EditLayer, fid: number, expectedVersion: number): SqlQuery {
  return { text: `delete from ${layerTable(layer)} where fid = $1 and version = $2 returning fid, version`, values: [fid, expectedVersion] };
}

export function currentVersionSql(layer: EditLayer, fid: number): SqlQuery {
  return { text: `select version from ${layerTable(layer)} where fid = $1`, values: [fid] };
}
