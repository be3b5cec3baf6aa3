// What an edit may write: a GeoJSON geometry of the layer's family with finite coordinates inside the
// province, and attributes that match the layer's schema (zod, built from the catalog). Everything a person can
// get wrong is reported with the field and the reason; the database's checks (ST_IsValid, RLS) come after.
import { z } from 'zod';
import type { Attribute } from '../catalog/attributes.ts';
import type { GeometryFamily, Layer } from '../catalog/catalog.ts';
import { AppError } from '../errors.ts';

/** Cao Bằng, padded (DESIGN.md): an edit outside this box is a mistake (swapped lon/lat, metres as degrees). */
export const PROVINCE_BOUNDS = { west: 105.25, south: 22.3, east: 106.85, north: 23.15 } as const;

export const MAX_VERTICES = 250_000;

const familyTypes: Record<GeometryFamily, string[]> = {
  point: ['Point'],
  line: ['LineString', 'MultiLineString'],
  polygon: ['Polygon', 'MultiPolygon'],
};

/** Nesting depth of `coordinates` for each type: anything else is malformed, however deep it goes. */
const depthOf: Record<string, number> = {
  Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3,
};

export interface GeoJsonGeometry {
  type: string;
  coordinates: unknown;
}

const invalidGeometry = (message: string) => new AppError(400, 'invalid_geometry', message);

function checkPositions(node: unknown, depth: number, counter: { n: number }): void {
  if (!Array.isArray(node)) throw invalidGeometry('coordinates must be nested arrays of [longitude, latitude].');
  if (depth === 0) {
    if (node.length < 2 || node.length > 3) throw invalidGeometry('A position is [longitude, latitude] (optionally with a height).');
    for (const v of node) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw invalidGeometry('Coordinates must be finite numbers (no NaN, Infinity or 1e400).');
      }
    }
    const [lon, lat] = node as number[];
    const b = PROVINCE_BOUNDS;
    if (lon! < b.west || lon! > b.east || lat! < b.south || lat! > b.north) {
      throw new AppError(400, 'outside_province',
        `The position ${lon}, ${lat} is outside Cao Bằng province (lon ${b.west}–${b.east}, lat ${b.south}–${b.north}). Are longitude and latitude swapped, or are these projected metres?`);
    }
    if (++counter.n > MAX_VERTICES) throw invalidGeometry(`A geometry may have at most ${MAX_VERTICES} vertices.`);
    return;
  }
  if (node.length === 0) throw invalidGeometry('A geometry part must not be empty.');
  for (const child of node) checkPositions(child, depth - 1, counter);
}

/** Checks structure, family, finiteness and place; returns the geometry as GeoJSON text for ST_GeomFromGeoJSON. */
export function validateGeometry(geometry: unknown, family: GeometryFamily): string {
  if (geometry === null || typeof geometry !== 'object' || Array.isArray(geometry)) {
    throw invalidGeometry('A feature needs a GeoJSON geometry object.');
  }
  const g = geometry as GeoJsonGeometry;
  if (typeof g.type !== 'string' || !(g.type in depthOf)) {
    throw invalidGeometry(`Unsupported geometry type '${String(g.type).slice(0, 40)}'; use ${familyTypes[family].join(' or ')}.`);
  }
  if (!familyTypes[family].includes(g.type)) {
    throw new AppError(400, 'wrong_geometry_type',
      `This layer holds ${family} features: a ${g.type} does not belong here (use ${familyTypes[family].join(' or ')}).`);
  }
  checkPositions(g.coordinates, depthOf[g.type]!, { n: 0 });
  if (g.type === 'LineString' || g.type === 'MultiLineString') {
    const lines = (g.type === 'LineString' ? [g.coordinates] : g.coordinates) as unknown[][];
    if (lines.some((l) => l.length < 2)) throw invalidGeometry('A line needs at least two positions.');
  }
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
    const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
    for (const ring of polys.flat()) {
      const first = ring[0]!;
      const last = ring[ring.length - 1]!;
      if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) {
        throw invalidGeometry('A polygon ring needs at least four positions and must end where it starts.');
      }
    }
  }
  return JSON.stringify({ type: g.type, coordinates: g.coordinates });
}

function attributeValueSchema(a: Attribute): z.ZodType<unknown> {
  let base: z.ZodType<unknown>;
  switch (a.type) {
    case 'text':
      base = (a.max_length ? z.string().max(a.max_length, `at most ${a.max_length} characters`) : z.string())
        .transform((v) => v.normalize('NFC'));
      break;
    case 'integer':
      base = z.number().int('must be a whole number').min(-(2 ** 53)).max(2 ** 53);
      break;
    case 'number':
      base = z.number().refine(Number.isFinite, 'must be a finite number');
      break;
    case 'boolean':
      base = z.boolean();
      break;
    case 'date':
      base = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
        .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a real date');
      break;
    case 'datetime':
      base = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date and time');
      break;
  }
  if (a.allowed && a.allowed.length > 0) {
    const allowed = a.allowed;
    base = base.refine((v) => allowed.includes(v as string | number), `must be one of: ${allowed.join(', ')}`);
  }
  return base;
}

const schemaCache = new WeakMap<Attribute[], { full: z.ZodType<Record<string, unknown>>; partial: z.ZodType<Record<string, unknown>> }>();

/** The zod schemas of a layer's properties: full (create, replace) and partial (patch). */
export function propertiesSchemas(attributes: Attribute[]) {
  let cached = schemaCache.get(attributes);
  if (!cached) {
    const full: Record<string, z.ZodType<unknown>> = {};
    const partial: Record<string, z.ZodType<unknown>> = {};
    for (const a of attributes) {
      const value = attributeValueSchema(a);
      full[a.name] = a.required ? value : value.nullable().optional();
      partial[a.name] = a.required ? value.optional() : value.nullable().optional();
    }
    cached = { full: z.strictObject(full) as z.ZodType<Record<string, unknown>>, partial: z.strictObject(partial) as z.ZodType<Record<string, unknown>> };
    schemaCache.set(attributes, cached);
  }
  return cached;
}

export function validateProperties(layer: Layer, properties: unknown, mode: 'full' | 'partial'): Record<string, unknown> {
  const input = properties ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError(400, 'invalid_properties', 'properties must be an object of attribute values.');
  }
  const r = propertiesSchemas(layer.attributes)[mode].safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new AppError(400, 'unknown_attribute',
      `Unknown attribute(s) ${issue.keys.map((k) => `'${k.slice(0, 60)}'`).join(', ')}; this layer has: ${layer.attributes.map((a) => a.name).join(', ')}.`);
  }
  const name = String(issue.path[0] ?? '');
  const attr = layer.attributes.find((a) => a.name === name);
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new AppError(400, 'invalid_attribute', `${attr ? `${attr.label_en} (${name})` : name}: ${message}.`, {
    attribute: name, label_vi: attr?.label_vi,
  });
}
