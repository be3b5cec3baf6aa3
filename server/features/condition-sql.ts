// A checked filter tree (condition.ts) as one SQL boolean expression on the layer's row `t`. Columns are the
// layer's own attribute names (checked against the catalog, quoted), every literal is a parameter with a cast to
// the attribute's type, and geometry literals are read by the database from GeoJSON text parameters.
import type { CheckedCondition, TypedGeometry, TypedScalar } from './condition.ts';
import type { CrsDefinition } from './crs.ts';
import { Parameters, quoteIdent, quoteLiteral, sqlTypes } from './sql-parts.ts';

/** Every letter with a diacritic that NFD splits into a base letter and marks, plus đ/Đ, which it does not. */
function accentTable(): { from: string; to: string } {
  let from = 'đĐ';
  let to = 'dD';
  const ranges: [number, number][] = [[0x00c0, 0x024f], [0x1e00, 0x1eff]];
  for (const [lo, hi] of ranges) {
    for (let cp = lo; cp <= hi; cp++) {
      const ch = String.fromCodePoint(cp);
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      if (base !== ch && base.length === 1) {
        from += ch;
        to += base;
      }
    }
  }
  return { from, to };
}

const accents = accentTable();

/** Text without its diacritics (ACCENTI): a fixed translate(), immutable and index-friendly, no extension needed. */
export function unaccentSql(expr: string): string {
  return `translate(${expr}, ${quoteLiteral(accents.from)}, ${quoteLiteral(accents.to)})`;
}

function fold(kind: 'casei' | 'accenti', expr: string): string {
  return kind === 'casei' ? `lower(${expr})` : unaccentSql(expr);
}

function scalarSql(s: TypedScalar, params: Parameters): string {
  switch (s.kind) {
    case 'column':
      return `t.${quoteIdent(s.name)}`;
    case 'value':
      return `${params.add(s.value)}::${sqlTypes[s.type]}`;
    case 'fold':
      return fold(s.fold, scalarSql(s.arg, params));
  }
}

/** A literal geometry in storage coordinates (EPSG:4326, longitude first). */
function literalGeometrySql(g: Exclude<TypedGeometry, { kind: 'column' }>, params: Parameters): string {
  const crs: CrsDefinition = g.crs;
  let expr: string;
  if (g.kind === 'envelope') {
    const [a, b, c, d] = g.bbox;
    const [minX, minY, maxX, maxY] = crs.latLon ? [b, a, d, c] : [a, b, c, d];
    expr = `st_makeenvelope(${params.add(minX)}, ${params.add(minY)}, ${params.add(maxX)}, ${params.add(maxY)}, ${crs.srid})`;
    // A projected box's edges are curves in degrees: densify before the transform so they stay near the truth.
    if (!crs.geographic) expr = `st_segmentize(${expr}, greatest(${params.add(maxX - minX)}::float8, ${params.add(maxY - minY)}::float8) / 32)`;
  } else {
    expr = `st_setsrid(st_geomfromgeojson(${params.add(g.geojson)}::text), ${crs.srid})`;
    if (crs.latLon) expr = `st_flipcoordinates(${expr})`;
  }
  return crs.srid === 4326 ? expr : `st_transform(${expr}, 4326)`;
}

function geometrySql(g: TypedGeometry, params: Parameters): string {
  return g.kind === 'column' ? 't.geom' : literalGeometrySql(g, params);
}

export function conditionSql(c: CheckedCondition, params: Parameters): string {
  switch (c.op) {
    case 'and':
    case 'or':
      return c.args.length === 1 ? conditionSql(c.args[0]!, params) : `(${c.args.map((a) => conditionSql(a, params)).join(` ${c.op} `)})`;
    case 'not':
      return `not ${conditionSql(c.arg, params)}`;
    case 'boolean':
      return c.value ? 'true' : 'false';
    case 'compare':
      return `(${scalarSql(c.left, params)} ${c.comparison} ${scalarSql(c.right, params)})`;
    case 'like':
      // CQL2's wildcards are LIKE's own (% and _), and its escape character is LIKE's default (\).
      return `(${scalarSql(c.value, params)} like ${scalarSql(c.pattern, params)})`;
    case 'between':
      return `(${scalarSql(c.value, params)} between ${scalarSql(c.lower, params)} and ${scalarSql(c.upper, params)})`;
    case 'in': {
      const value = scalarSql(c.value, params);
      const list = `${params.add(c.list)}::${sqlTypes[c.type]}[]`;
      if (c.fold.length === 0) return `(${value} = any(${list}))`;
      const folded = [...c.fold].reverse().reduce((expr, f) => fold(f, expr), 'v');
      return `(${value} = any(select ${folded} from unnest(${list}) v))`;
    }
    case 'isNull':
      return `(${scalarSql(c.value, params)} is null)`;
    case 'spatial':
      return `st_${c.relation}(${geometrySql(c.left, params)}, ${geometrySql(c.right, params)})`;
    case 'dwithin': {
      const left = geometrySql(c.left, params);
      const right = geometrySql(c.right, params);
      const metres = params.add(c.metres);
      const exact = `st_dwithin((${left})::geography, (${right})::geography, ${metres}::float8)`;
      if (c.left.kind !== 'column' || c.right.kind === 'column') return exact;
      // The geography test cannot use the geometry index; a box around the literal, wide enough in degrees at its
      // latitude (110 km a degree, at the latitude furthest from the equator within reach), lets it.
      const g = right;
      const reach = `(${metres}::float8 / (110000 * cos(radians(least(89, greatest(abs(st_ymin(${g})), abs(st_ymax(${g}))) + ${metres}::float8 / 110000)))))`;
      return `(t.geom && st_expand(${g}, ${reach}) and ${exact})`;
    }
    case 'ids':
      return `(t.fid = any(${params.add(c.fids)}::bigint[]))`;
  }
}
