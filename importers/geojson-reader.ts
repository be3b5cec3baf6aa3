// A GeoJSON file (a FeatureCollection, a single Feature or a bare geometry) as a SourceDataset. Opening streams the
// file once (geojson-scanner.ts) to check every feature, count geometry families, infer field types, take the
// bbox and read the `crs` member (GeoJSON 2008, still written by QGIS and GDAL for non-WGS 84 data);
// features() streams it again. Lines and polygons come out as Multi* WKB like the Shapefile reader's, and a
// GeometryCollection of one family as that family's Multi* type.
import path from 'node:path';
import type { Geometry, Position } from 'geojson';
import { guessCrs } from './crs.ts';
import type { Bbox } from './crs.ts';
import { guessEncoding } from './encoding.ts';
import { proposeAttributeNames } from './field-names.ts';
import { scanGeoJson } from './geojson-scanner.ts';
import type { FieldInfo, FileProblem, SourceDataset, SourceFeature } from './source.ts';
import { ImportFileError } from './source.ts';
import { geometryToWkb } from './wkb.ts';

export interface OpenGeoJsonOptions {
  name: string;
  /** Largest single feature in bytes (default 256 MB). */
  maxFeatureBytes?: number;
  /** Deepest GeometryCollection nesting (default 3). */
  maxCollectionDepth?: number;
}

type Family = 'point' | 'line' | 'polygon';
const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'];

class GeometryProblem extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Prepared {
  geometry: Geometry | null;
  family: Family | 'mixed' | null;
}

/**
 * Checks a GeoJSON geometry and makes it what PostGIS accepts: positions of finite numbers, lines of two points or
 * more, closed rings of four positions or more. Fixable defects are fixed with a problem; the rest throw.
 */
class GeometryChecker {
  constructor(
    private readonly problems: FileProblem[],
    private readonly maxCollectionDepth: number,
    private readonly bbox: Bbox,
  ) {}

  private position(p: unknown): Position {
    if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
      throw new GeometryProblem('invalid_geometry', 'A position is not a pair of numbers; the geometry is left empty.');
    }
    const x = p[0];
    const y = p[1];
    // JSON has no NaN, but 1e999 parses to Infinity.
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new GeometryProblem('non_finite_coordinates', 'The geometry has infinite coordinates; it is left empty.');
    }
    if (x < this.bbox[0]) this.bbox[0] = x;
    if (y < this.bbox[1]) this.bbox[1] = y;
    if (x > this.bbox[2]) this.bbox[2] = x;
    if (y > this.bbox[3]) this.bbox[3] = y;
    return [x, y];
  }

  private array(a: unknown, what: string): unknown[] {
    if (!Array.isArray(a)) throw new GeometryProblem('invalid_geometry', `The ${what} coordinates are not an array; the geometry is left empty.`);
    return a;
  }

  private line(a: unknown): Position[] | null {
    const pts = this.array(a, 'line').map((p) => this.position(p));
    if (pts.length < 2) {
      this.problems.push({ code: 'short_line', message: 'A line with fewer than two points was left out.' });
      return null;
    }
    return pts;
  }

  private ring(a: unknown): Position[] | null {
    const pts = this.array(a, 'ring').map((p) => this.position(p));
    const f = pts[0];
    const l = pts[pts.length - 1];
    if (f && l && (f[0] !== l[0] || f[1] !== l[1])) {
      pts.push([f[0] as number, f[1] as number]);
      this.problems.push({ code: 'ring_not_closed', message: 'A ring did not end where it began and was closed.' });
    }
    if (pts.length < 4) {
      this.problems.push({ code: 'degenerate_ring', message: 'A ring with fewer than three distinct points was left out.' });
      return null;
    }
    return pts;
  }

  private polygon(a: unknown): Position[][] | null {
    const rings = this.array(a, 'polygon').map((r) => this.ring(r));
    if (rings.length === 0 || rings[0] === null) return null;
    return rings.filter((r): r is Position[] => r !== null);
  }

  check(g: unknown, depth = 0): Prepared {
    if (g === null || g === undefined) return { geometry: null, family: null };
    if (typeof g !== 'object' || Array.isArray(g)) throw new GeometryProblem('invalid_geometry', 'The geometry is not an object; it is left empty.');
    const o = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
    switch (o.type) {
      case 'Point':
        return { geometry: { type: 'Point', coordinates: this.position(o.coordinates) }, family: 'point' };
      case 'MultiPoint':
        return { geometry: { type: 'MultiPoint', coordinates: this.array(o.coordinates, 'multipoint').map((p) => this.position(p)) }, family: 'point' };
      case 'LineString': {
        const l = this.line(o.coordinates);
        return { geometry: l ? { type: 'MultiLineString', coordinates: [l] } : null, family: 'line' };
      }
      case 'MultiLineString': {
        const ls = this.array(o.coordinates, 'multiline').map((l) => this.line(l)).filter((l): l is Position[] => l !== null);
        return { geometry: { type: 'MultiLineString', coordinates: ls }, family: 'line' };
      }
      case 'Polygon': {
        const p = this.polygon(o.coordinates);
        return { geometry: p ? { type: 'MultiPolygon', coordinates: [p] } : null, family: 'polygon' };
      }
      case 'MultiPolygon': {
        const ps = this.array(o.coordinates, 'multipolygon').map((p) => this.polygon(p)).filter((p): p is Position[][] => p !== null);
        return { geometry: { type: 'MultiPolygon', coordinates: ps }, family: 'polygon' };
      }
      case 'GeometryCollection': {
        if (depth >= this.maxCollectionDepth) {
          throw new ImportFileError('geometry_too_deep', `GeometryCollections are nested more than ${this.maxCollectionDepth} deep.`);
        }
        const members = this.array(o.geometries, 'collection').map((m) => this.check(m, depth + 1));
        const families = new Set(members.map((m) => m.family).filter((f) => f !== null));
        const family = families.size === 1 ? ([...families][0] as Family | 'mixed') : families.size === 0 ? null : 'mixed';
        const geoms = members.map((m) => m.geometry).filter((m): m is Geometry => m !== null);
        if (family === 'point') {
          return { geometry: { type: 'MultiPoint', coordinates: geoms.flatMap((m) => (m.type === 'Point' ? [m.coordinates] : (m as GeoJSON.MultiPoint).coordinates)) }, family };
        }
        if (family === 'line') return { geometry: { type: 'MultiLineString', coordinates: geoms.flatMap((m) => (m as GeoJSON.MultiLineString).coordinates) }, family };
        if (family === 'polygon') return { geometry: { type: 'MultiPolygon', coordinates: geoms.flatMap((m) => (m as GeoJSON.MultiPolygon).coordinates) }, family };
        return { geometry: { type: 'GeometryCollection', geometries: geoms }, family };
      }
      default:
        throw new GeometryProblem('invalid_geometry', `"${String(o.type).slice(0, 40)}" is not a GeoJSON geometry type; the geometry is left empty.`);
    }
  }
}

function isEmpty(g: Geometry): boolean {
  return g.type === 'GeometryCollection' ? g.geometries.length === 0 : g.coordinates.length === 0;
}

interface FieldStats {
  sourceName: string;
  ints: number;
  floats: number;
  strings: number;
  dates: number;
  booleans: number;
  objects: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const isDate = (s: string) => {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
};

function fieldType(s: FieldStats): FieldInfo['type'] {
  const total = s.ints + s.floats + s.strings + s.booleans + s.objects;
  if (total === 0) return 'text';
  if (s.ints === total) return 'integer';
  if (s.ints + s.floats === total) return 'number';
  if (s.booleans === total) return 'boolean';
  if (s.strings === total && s.dates === total) return 'date';
  return 'text';
}

function parseCrsMember(crs: unknown): number | null | 'bad' {
  if (crs === null || crs === undefined) return null;
  const c = crs as { type?: unknown; properties?: { name?: unknown; code?: unknown } };
  if (c.type === 'EPSG' && typeof c.properties?.code === 'number') return c.properties.code;
  if (c.type === 'name' && typeof c.properties?.name === 'string') {
    const n = c.properties.name.trim();
    if (/^urn:ogc:def:crs:OGC:(1\.3)?:CRS84$/i.test(n) || /^CRS84$/i.test(n)) return 4326;
    const m = /^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/)(\d+)$/i.exec(n);
    if (m) return Number(m[1]);
  }
  return 'bad';
}

const featureLabel = (i: number) => `feature ${i + 1}`;

export async function openGeoJson(filePath: string, opts: OpenGeoJsonOptions): Promise<SourceDataset> {
  const fileName = path.basename(filePath);
  const maxDepth = opts.maxCollectionDepth ?? 3;
  const scanOpts = { fileName, maxPieceBytes: opts.maxFeatureBytes };
  const members = new Map<string, unknown>();
  const families = { point: 0, line: 0, polygon: 0, mixed: 0 };
  const types = new Set<string>();
  const stats = new Map<string, FieldStats>();
  const textSamples = new Map<string, Buffer>();
  const bbox: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  let featureCount = 0;
  let sawFeaturesArray = false;

  const parse = (json: string, what: string): unknown => {
    try {
      return JSON.parse(json);
    } catch (e) {
      throw new ImportFileError('not_json', `${fileName} is not valid JSON in ${what}: ${(e as Error).message}.`);
    }
  };

  const analyse = (f: unknown, index: number) => {
    if (typeof f !== 'object' || f === null || (f as { type?: unknown }).type !== 'Feature') {
      throw new ImportFileError('not_geojson', `${fileName}: ${featureLabel(index)} is not a GeoJSON Feature (its "type" is ${JSON.stringify((f as { type?: unknown })?.type ?? null)?.slice(0, 40)}).`);
    }
    const feat = f as { geometry?: unknown; properties?: unknown };
    const g = feat.geometry as { type?: unknown } | null | undefined;
    if (g && typeof g === 'object' && typeof g.type === 'string') types.add(g.type);
    try {
      const p = new GeometryChecker([], maxDepth, bbox).check(feat.geometry);
      if (p.family && p.geometry && !isEmpty(p.geometry)) families[p.family]++;
    } catch (e) {
      if (e instanceof ImportFileError) throw new ImportFileError(e.code, `${fileName}: ${featureLabel(index)}: ${e.message}`);
      // Per-feature problems are reported by features(); here only the counts matter.
    }
    const props = feat.properties;
    if (props !== null && props !== undefined && (typeof props !== 'object' || Array.isArray(props))) {
      throw new ImportFileError('not_geojson', `${fileName}: the "properties" of ${featureLabel(index)} are not an object.`);
    }
    for (const [k, v] of Object.entries((props ?? {}) as Record<string, unknown>)) {
      let s = stats.get(k);
      if (!s) {
        s = { sourceName: k, ints: 0, floats: 0, strings: 0, dates: 0, booleans: 0, objects: 0 };
        stats.set(k, s);
      }
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') {
        if (Number.isSafeInteger(v)) s.ints++;
        else s.floats++;
      } else if (typeof v === 'string') {
        s.strings++;
        if (isDate(v)) s.dates++;
        if (/[^\x00-\x7f]/.test(v) && textSamples.size < 20_000 && !textSamples.has(v)) textSamples.set(v, Buffer.from(v, 'utf8'));
      } else if (typeof v === 'boolean') s.booleans++;
      else s.objects++;
    }
    featureCount++;
  };

  for await (const item of scanGeoJson(filePath, scanOpts)) {
    if (item.kind === 'feature') {
      sawFeaturesArray = true;
      analyse(parse(item.json, featureLabel(item.index)), item.index);
    } else {
      members.set(item.key, parse(item.json, `its "${item.key}" member`));
    }
  }

  const rootType = members.get('type');
  const problems: FileProblem[] = [];
  let root: 'collection' | 'feature' | 'geometry';
  if (rootType === 'FeatureCollection') {
    if (!sawFeaturesArray && !Array.isArray(members.get('features'))) {
      throw new ImportFileError('not_geojson', `${fileName} is a FeatureCollection without a "features" array.`);
    }
    root = 'collection';
  } else if (rootType === 'Feature') {
    root = 'feature';
    analyse(Object.fromEntries(members), 0);
  } else if (typeof rootType === 'string' && GEOMETRY_TYPES.includes(rootType)) {
    root = 'geometry';
    analyse({ type: 'Feature', geometry: Object.fromEntries(members), properties: {} }, 0);
  } else {
    throw new ImportFileError('not_geojson',
      rootType === undefined
        ? `${fileName} is JSON but not GeoJSON: it has no "type" member (expected FeatureCollection, Feature or a geometry type).`
        : `${fileName} is JSON but not GeoJSON: its type ${JSON.stringify(rootType).slice(0, 40)} is not a GeoJSON type.`);
  }

  const used = (['point', 'line', 'polygon'] as const).filter((f) => families[f] > 0);
  if (used.length > 1 || families.mixed > 0) {
    const counts = [
      families.point && `${families.point} point`, families.line && `${families.line} line`,
      families.polygon && `${families.polygon} polygon`, families.mixed && `${families.mixed} mixed-collection`,
    ].filter(Boolean).join(', ');
    throw new ImportFileError('mixed_geometry',
      `${fileName} mixes geometry types (${counts} features); a layer holds one kind. Split the file by geometry type and import each part.`,
      { ...families });
  }

  const crsMember = parseCrsMember(members.get('crs'));
  if (crsMember === 'bad') {
    problems.push({ code: 'unknown_crs_member', message: `The "crs" member of ${fileName} names no EPSG code we can read; it was ignored.` });
  }
  const fileBbox: Bbox | null = bbox[0] <= bbox[2] ? bbox : null;
  const crs = guessCrs({ bbox: fileBbox, defaultSrid: 4326, ...(typeof crsMember === 'number' ? { declaredSrid: crsMember } : {}) });

  const statList = [...stats.values()];
  const names = proposeAttributeNames(statList.map((s) => s.sourceName));
  const fields: FieldInfo[] = statList.map((s, i) => ({ name: names[i] as string, sourceName: s.sourceName, type: fieldType(s) }));
  for (const s of statList) {
    if (s.objects > 0) problems.push({ code: 'nested_property', message: `Property "${s.sourceName}" holds objects or arrays; they are kept as JSON text.` });
  }
  const keyOf = new Map(statList.map((s, i) => [s.sourceName, fields[i] as FieldInfo]));
  const encoding = guessEncoding([...textSamples.values()]);
  encoding.evidence = `GeoJSON is UTF-8 by definition. ${encoding.evidence}`;

  const convert = (v: unknown, type: FieldInfo['type']): SourceFeature['properties'][string] => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'object') return JSON.stringify(v);
    if (type === 'text' && typeof v !== 'string') return String(v);
    return v as string | number | boolean;
  };

  async function* features(readOpts: { swapXY?: boolean } = {}): AsyncGenerator<SourceFeature> {
    const swap = readOpts.swapXY ?? crs.swapXY;
    const build = (f: { geometry?: unknown; properties?: Record<string, unknown> | null }, index: number): SourceFeature => {
      const problems: FileProblem[] = [];
      let wkb: Buffer | null = null;
      try {
        const p = new GeometryChecker(problems, maxDepth, [Infinity, Infinity, -Infinity, -Infinity]).check(f.geometry);
        if (p.geometry && isEmpty(p.geometry)) {
          problems.push({ code: 'empty_geometry', message: 'The geometry is empty.' });
        } else if (p.geometry) {
          wkb = geometryToWkb(p.geometry, swap);
        }
      } catch (e) {
        if (!(e instanceof GeometryProblem)) throw e;
        problems.push({ code: e.code, message: e.message });
      }
      const properties: SourceFeature['properties'] = {};
      for (const field of fields) properties[field.name] = null;
      for (const [k, v] of Object.entries(f.properties ?? {})) {
        const field = keyOf.get(k) as FieldInfo;
        properties[field.name] = convert(v, field.type);
      }
      return { index, wkb, properties, problems };
    };
    if (root === 'collection') {
      for await (const item of scanGeoJson(filePath, scanOpts)) {
        if (item.kind === 'feature') yield build(JSON.parse(item.json), item.index);
      }
      return;
    }
    const again = new Map<string, unknown>();
    for await (const item of scanGeoJson(filePath, scanOpts)) if (item.kind === 'member') again.set(item.key, JSON.parse(item.json));
    const obj = Object.fromEntries(again);
    yield build(root === 'feature' ? obj : { geometry: obj, properties: {} }, 0);
  }

  return {
    name: opts.name,
    kind: 'geojson',
    shapeType: [...types].sort().join(', ') || 'none',
    geometryFamily: used[0] ?? null,
    fields,
    featureCount,
    bbox: fileBbox && crs.swapXY ? [fileBbox[1], fileBbox[0], fileBbox[3], fileBbox[2]] : fileBbox,
    encoding,
    crs,
    problems,
    features,
  };
}
