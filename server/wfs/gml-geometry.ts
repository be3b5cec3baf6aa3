// GML geometry literals in filters (gml:Envelope, Point, LineString, Polygon and their Multi- forms, GML 3.1/3.2)
// → the provider's geometry expressions. Coordinates stay in the srsName's axis order; the SQL swaps them.
import type { GeoJsonGeometryLiteral, GeometryExpr } from '../features/condition.ts';
import { crsFromSrsName, type CrsDefinition } from '../features/crs.ts';
import { WfsError } from './exceptions.ts';
import { child, childrenNamed, type XmlElement } from './xml.ts';

type Position = number[];

const invalid = (message: string) => new WfsError('InvalidParameterValue', message, 'filter');

function numbers(text: string, what: string): number[] {
  const parts = text.trim().split(/[\s,]+/).filter((s) => s !== '');
  const out = parts.map(Number);
  if (out.some((n) => !Number.isFinite(n))) throw invalid(`${what}: coordinates are numbers separated by spaces.`);
  return out;
}

function positions(text: string, dimension: number, what: string): Position[] {
  const n = numbers(text, what);
  if (n.length === 0 || n.length % dimension !== 0) throw invalid(`${what}: ${n.length} numbers do not make ${dimension}-dimensional positions.`);
  const out: Position[] = [];
  for (let i = 0; i < n.length; i += dimension) out.push([n[i]!, n[i + 1]!]);
  return out;
}

function dimensionOf(el: XmlElement, inherited: number): number {
  const d = el.attrs.srsDimension;
  if (d === undefined) return inherited;
  if (d !== '2' && d !== '3') throw invalid('srsDimension is 2 or 3.');
  return Number(d);
}

function lineCoordinates(el: XmlElement, dim: number): Position[] {
  const posList = child(el, 'posList');
  if (posList) return positions(posList.text, dimensionOf(posList, dimensionOf(el, dim)), `gml:${el.name}`);
  const pos = childrenNamed(el, 'pos');
  if (pos.length > 0) return pos.map((p) => positions(p.text, dimensionOf(p, dim), 'gml:pos')[0]!);
  const coordinates = child(el, 'coordinates');
  if (coordinates) return positions(coordinates.text.replace(/,/g, ' '), 2, 'gml:coordinates');
  throw invalid(`gml:${el.name} needs gml:posList or gml:pos.`);
}

function ring(el: XmlElement | undefined, dim: number, what: string): Position[] {
  const linear = el && child(el, 'LinearRing');
  if (!linear) throw invalid(`${what} needs a gml:LinearRing.`);
  return lineCoordinates(linear, dim);
}

function polygon(el: XmlElement, dim: number): Position[][] {
  const rings = [ring(child(el, 'exterior') ?? child(el, 'outerBoundaryIs'), dim, 'gml:exterior')];
  for (const inner of [...childrenNamed(el, 'interior'), ...childrenNamed(el, 'innerBoundaryIs')]) rings.push(ring(inner, dim, 'gml:interior'));
  return rings;
}

function members(el: XmlElement, memberNames: string[], type: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const m of el.children) {
    if (!memberNames.includes(m.name)) continue;
    // A *Members element holds several geometries; a *Member element one.
    out.push(...m.children.filter((g) => g.name === type || (type === 'LineString' && g.name === 'Curve') || (type === 'Polygon' && g.name === 'Surface')));
  }
  return out;
}

function geometry(el: XmlElement, dim: number): GeoJsonGeometryLiteral {
  const d = dimensionOf(el, dim);
  switch (el.name) {
    case 'Point':
      return { type: 'Point', coordinates: lineCoordinates(el, d)[0] };
    case 'LineString':
      return { type: 'LineString', coordinates: lineCoordinates(el, d) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: polygon(el, d) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: members(el, ['pointMember', 'pointMembers'], 'Point').map((p) => lineCoordinates(p, d)[0]) };
    case 'MultiCurve':
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: members(el, ['curveMember', 'curveMembers', 'lineStringMember'], 'LineString').map((l) => lineCoordinates(l, d)) };
    case 'MultiSurface':
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: members(el, ['surfaceMember', 'surfaceMembers', 'polygonMember'], 'Polygon').map((p) => polygon(p, d)) };
    default:
      throw invalid(`gml:${el.name.slice(0, 40)} is not a geometry this server reads (Envelope, Point, LineString, Polygon, MultiPoint, MultiCurve, MultiSurface).`);
  }
}

export function srsOf(el: XmlElement, fallback: CrsDefinition): CrsDefinition {
  const name = el.attrs.srsName;
  if (name === undefined) return fallback;
  const crs = crsFromSrsName(name);
  if (!crs) throw invalid(`srsName '${name.slice(0, 80)}' is not one this server knows.`);
  return crs;
}

/** A GML geometry or envelope element as a geometry literal in its srsName (else `fallback`). */
export function gmlGeometry(el: XmlElement, fallback: CrsDefinition): GeometryExpr {
  const crs = srsOf(el, fallback);
  if (el.name === 'Envelope') {
    const lower = child(el, 'lowerCorner');
    const upper = child(el, 'upperCorner');
    if (!lower || !upper) throw invalid('gml:Envelope needs gml:lowerCorner and gml:upperCorner.');
    const [a, b] = numbers(lower.text, 'gml:lowerCorner');
    const [c, d] = numbers(upper.text, 'gml:upperCorner');
    if ([a, b, c, d].some((v) => v === undefined)) throw invalid('gml:Envelope corners have two numbers each.');
    return { kind: 'envelope', bbox: [a!, b!, c!, d!], crs };
  }
  return { kind: 'geometry', geometry: geometry(el, 2), crs };
}
