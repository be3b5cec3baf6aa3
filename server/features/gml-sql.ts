// Each feature as a GML 3.2 element, built in the database like the GeoJSON text is (feature-sql.ts): PostGIS
// writes the coordinates, xmlelement writes (and escapes) the attribute values in XML Schema lexical forms, nulls
// are left out (the schema has minOccurs="0"), and the server only concatenates rows.
import type { GeometryFamily, Layer } from '../catalog/catalog.ts';
import type { CrsDefinition } from './crs.ts';
import { quoteIdent, quoteLiteral } from './sql-parts.ts';

export interface GmlNames {
  /** Namespace prefix of the feature type and its properties (bound by the enclosing document). */
  prefix: string;
  /** Element name of the feature type (the layer id). */
  typeName: string;
}

export type GmlLayer = Pick<Layer, 'id' | 'attributes' | 'geometryFamily'>;

/** The property that holds the geometry, in the XML schema and in filters. */
export const GML_GEOMETRY_PROPERTY = 'geom';

const multiElements: Record<Exclude<GeometryFamily, 'point'>, { collection: string; member: string }> = {
  line: { collection: 'MultiCurve', member: 'curveMember' },
  polygon: { collection: 'MultiSurface', member: 'surfaceMember' },
};

/** The geometry in the output CRS, in the CRS's axis order. */
export function outputGeometrySql(column: string, crs: CrsDefinition): string {
  if (crs.srid !== 4326) return `st_transform(${column}, ${crs.srid})`;
  return crs.latLon ? `st_flipcoordinates(${column})` : column;
}

/**
 * The geometry as GML 3.2 with a gml:id on every geometry element (the schema requires them, and unique).
 * ST_AsGML repeats one id on a multi-geometry's members and can only name EPSG CRSs, so it writes the parts with
 * no CRS (SRID 0) and the outer element with its srsName is written here.
 */
export function gmlGeometrySql(layer: GmlLayer, crs: CrsDefinition, idExpr: string): string {
  const g = `st_setsrid(${outputGeometrySql('t.geom', crs)}, 0)`;
  const srsName = quoteLiteral(crs.urn);
  // Option 2: no srsDimension (always 2D); 4: LineString rather than Curve.
  if (layer.geometryFamily === 'point') {
    return `regexp_replace(st_asgml(3, ${g}, ${crs.decimals}, 6, 'gml', ${idExpr} || '.geom'), '^<gml:Point ', '<gml:Point srsName="' || ${srsName} || '" ')`;
  }
  const { collection, member } = multiElements[layer.geometryFamily];
  return [
    `(select '<gml:${collection} gml:id="' || ${idExpr} || '.geom" srsName="' || ${srsName} || '">'`,
    ` || string_agg('<gml:${member}>' || st_asgml(3, d.geom, ${crs.decimals}, 6, 'gml', ${idExpr} || '.geom.' || d.path[1]) || '</gml:${member}>', '' order by d.path[1])`,
    ` || '</gml:${collection}>' from st_dump(${g}) d)`,
  ].join('');
}

/**
 * `<name>value</name>`, or nothing for null (the schema has minOccurs="0"). xmlelement writes the value in its XML
 * Schema lexical form, escaped; the element name is written here, because SQL/XML would escape the `_x` in names
 * such as nam_xay_dung (as nam_x005F_xay_dung).
 */
function propertyElementSql(element: string, column: string): string {
  const x = `xmlelement(name v, ${column})::text`;
  return `case when ${column} is null then '' else ${quoteLiteral(`<${element}>`)} || substr(${x}, 4, length(${x}) - 7) || ${quoteLiteral(`</${element}>`)} end`;
}

/** One feature element: `<prefix:typeName gml:id="typeName.fid"><prefix:geom>…</prefix:geom><prefix:attr>…`. */
export function featureGmlSql(layer: GmlLayer, properties: string[] | null, crs: CrsDefinition, names: GmlNames): string {
  const known = new Set(layer.attributes.map((a) => a.name));
  const columns = properties ?? layer.attributes.map((a) => a.name);
  for (const c of columns) if (!known.has(c)) throw new Error(`Layer ${layer.id} has no attribute '${c}'`);
  const element = `${names.prefix}:${names.typeName}`;
  const id = `(${quoteLiteral(`${names.typeName}.`)} || t.fid)`;
  const geomElement = `${names.prefix}:${GML_GEOMETRY_PROPERTY}`;
  const attrs = columns.length === 0 ? `''` : columns.map((c) => propertyElementSql(`${names.prefix}:${c}`, `t.${quoteIdent(c)}`)).join(' || ');
  return [
    `${quoteLiteral(`<${element} gml:id="`)} || ${id} || '"><${geomElement}>'`,
    `${gmlGeometrySql(layer, crs, id)}`,
    `'</${geomElement}>' || ${attrs} || ${quoteLiteral(`</${element}>`)}`,
  ].join(' || ');
}
