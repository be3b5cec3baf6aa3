// A feature query in one typed, validated shape, whatever protocol it came from. The parsers below are the
// platform API's (`/api/layers/:layerId/features`); OGC API Features and WFS reuse the pieces (bbox, limit,
// attribute values) under their own parameter names. Everything that reaches SQL has been checked here.
import type { Attribute, AttributeType } from '../catalog/attributes.ts';
import type { Layer } from '../catalog/catalog.ts';
import type { Bbox } from '../catalog/extent.ts';
import { badRequest } from '../errors.ts';
import type { CheckedCondition } from './condition.ts';

export type FilterValue = string | number | boolean;

/** Features whose attribute equals one of `values` (already coerced to the attribute's type). */
export interface AttributeFilter {
  name: string;
  type: AttributeType;
  values: FilterValue[];
}

/** Keyset paging on fid: features after one fid (forward) or before one (backward). */
export type FeatureCursor = { after: number } | { before: number };

export interface FeatureQuery {
  /** WGS84 minLon, minLat, maxLon, maxLat: features whose geometry intersects it. */
  bbox: Bbox | null;
  filters: AttributeFilter[];
  /** Attributes to return, in this order; null: all of the layer's attributes. */
  properties: string[] | null;
  /** Page size; null only for whole-layer exports, never from a request. */
  limit: number | null;
  cursor: FeatureCursor | null;
  /** Read the layer as it was at this time (from history, Điều 11.3); null: as it is now. */
  asOf?: Date | null;
  /** The SRID `bbox` is in when it is not WGS84 longitude/latitude (OGC bbox-crs, a WFS BBOX's CRS), x first. */
  bboxSrid?: number;
  /** A filter tree (CQL2, Filter Encoding) already checked against the layer's attributes (condition.ts). */
  condition?: CheckedCondition | null;
  /** Features last updated within this interval (OGC `datetime`): ISO 8601 instants, null for an open end. */
  updated?: { start: string | null; end: string | null } | null;
  /** Matching features to skip first (WFS startIndex, OGC offset); never together with a cursor. */
  offset?: number;
}

export interface LimitConfig {
  defaultLimit: number;
  maxLimit: number;
}

/** Parameters of the platform API's collection route that are not attribute names. */
export const collectionParameters = ['bbox', 'limit', 'after', 'before', 'properties', 'as_of'] as const;
/** Parameters of the platform API's item route. */
export const itemParameters = ['properties', 'as_of'] as const;

/** An ISO 8601 time for as-of reads. A time in the future reads the present. */
export function parseAsOf(text: string | undefined): Date | null {
  if (text === undefined) return null;
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
  const t = Date.parse(text);
  if (!iso.test(text.trim()) || Number.isNaN(t)) {
    throw badRequest('invalid_as_of', `as_of is an ISO 8601 time such as 2024-06-30T17:00:00+07:00; got '${clip(text)}'.`);
  }
  return new Date(t);
}

const decimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function parseBbox(text: string): Bbox {
  const parts = text.split(',').map((p) => p.trim());
  const expected = 'bbox is minLon,minLat,maxLon,maxLat in WGS84 degrees, e.g. bbox=105.9,22.5,106.4,22.8';
  if (parts.length !== 4) {
    throw badRequest('invalid_bbox', `${expected}; got ${parts.length} value${parts.length === 1 ? '' : 's'}.`);
  }
  const numbers = parts.map((p) => (decimal.test(p) ? Number(p) : Number.NaN));
  const bad = numbers.findIndex((n) => !Number.isFinite(n));
  if (bad >= 0) throw badRequest('invalid_bbox', `${expected}; '${clip(parts[bad]!)}' is not a finite number.`);
  const [minLon, minLat, maxLon, maxLat] = numbers as Bbox;
  for (const lon of [minLon, maxLon]) {
    if (lon < -180 || lon > 180) throw badRequest('invalid_bbox', `${expected}; longitude ${lon} is outside -180…180.`);
  }
  for (const lat of [minLat, maxLat]) {
    if (lat < -90 || lat > 90) throw badRequest('invalid_bbox', `${expected}; latitude ${lat} is outside -90…90.`);
  }
  if (minLon > maxLon) throw badRequest('invalid_bbox', `${expected}; minLon ${minLon} is greater than maxLon ${maxLon}.`);
  if (minLat > maxLat) throw badRequest('invalid_bbox', `${expected}; minLat ${minLat} is greater than maxLat ${maxLat}.`);
  return [minLon, minLat, maxLon, maxLat];
}

/** A positive integer; above the maximum it is clamped (a client asking for "everything" gets the most we give). */
export function parseLimit(text: string | undefined, limits: LimitConfig): number {
  if (text === undefined) return Math.min(limits.defaultLimit, limits.maxLimit);
  const t = text.trim();
  if (!/^\+?\d+$/.test(t) || /^\+?0+$/.test(t)) {
    throw badRequest('invalid_limit', `limit is a positive whole number of features (at most ${limits.maxLimit}); got '${clip(text)}'.`);
  }
  const n = Number(t);
  return Number.isFinite(n) && n < limits.maxLimit ? n : limits.maxLimit;
}

/** A feature id: a whole number. Null when the text is not one (the caller picks the error). */
export function parseFidText(text: string): number | null {
  if (!/^-?\d{1,16}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export function parseFid(text: string): number {
  const fid = parseFidText(text);
  if (fid === null) throw badRequest('invalid_fid', `A feature id is a whole number; got '${clip(text)}'.`);
  return fid;
}

function parseCursorFid(name: string, text: string): number {
  const fid = parseFidText(text.trim());
  if (fid === null || fid < 0) {
    throw badRequest('invalid_cursor', `${name} is the id (a whole number) of a feature to page from; got '${clip(text)}'.`);
  }
  return fid;
}

const int8Min = -(2n ** 63n);
const int8Max = 2n ** 63n - 1n;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isCalendarDate(y: string, m: string, d: string): boolean {
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const datetimeRe = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?(Z|[+-](\d{2}):?(\d{2}))$/i;

/**
 * A query value as the attribute's type, or null when it cannot be one. Numbers stay strings where JS cannot
 * hold them exactly (bigint) or where the database parses them (dates): the value reaches SQL as a parameter
 * with a cast, so what was checked here is what the database compares.
 */
export function coerceAttributeValue(type: AttributeType, text: string): FilterValue | null {
  switch (type) {
    case 'text':
      // Stored text is NFC; a client on a system that sends decomposed marks (macOS) must still match.
      return text.includes('\u0000') ? null : text.normalize('NFC');
    case 'integer': {
      const t = text.trim();
      if (!/^[+-]?\d{1,19}$/.test(t)) return null;
      const n = BigInt(t);
      return n < int8Min || n > int8Max ? null : n.toString();
    }
    case 'number': {
      const t = text.trim();
      if (!decimal.test(t)) return null;
      const n = Number(t);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return null;
    }
    case 'date': {
      const m = dateRe.exec(text.trim());
      return m && isCalendarDate(m[1]!, m[2]!, m[3]!) ? `${m[1]}-${m[2]}-${m[3]}` : null;
    }
    case 'datetime': {
      const t = text.trim();
      const m = datetimeRe.exec(t);
      if (!m || !isCalendarDate(m[1]!, m[2]!, m[3]!)) return null;
      const [hh, mi, ss] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
      if (hh > 23 || mi > 59 || ss > 59) return null;
      if (m[8]!.toUpperCase() !== 'Z' && (Number(m[9]) > 15 || Number(m[10]) > 59)) return null;
      // Without an offset the instant would depend on the server's time zone, so one is required (above).
      return t.toUpperCase().replace(' ', 'T');
    }
  }
}

const typeHints: Record<AttributeType, string> = {
  text: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  date: 'a date YYYY-MM-DD',
  datetime: 'a date and time with offset, e.g. 2024-05-01T08:00:00+07:00',
};

export function parseAttributeFilter(attribute: Attribute, texts: string[]): AttributeFilter {
  const values: FilterValue[] = [];
  for (const text of texts) {
    const value = coerceAttributeValue(attribute.type, text);
    if (value === null) {
      throw badRequest('invalid_filter', `Attribute '${attribute.name}' is ${typeHints[attribute.type]}; '${clip(text)}' is not.`, {
        parameter: attribute.name,
        type: attribute.type,
      });
    }
    if (!values.includes(value)) values.push(value);
  }
  // Order does not change what matches: sorted, the same filter always gives the same SQL, links and ETag.
  values.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return { name: attribute.name, type: attribute.type, values };
}

/** `a,b,c` → attribute names, each one of the layer's. */
export function parsePropertyList(layer: Layer, text: string): string[] {
  const names = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
  const known = new Set(layer.attributes.map((a) => a.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw badRequest(
      'unknown_property',
      `properties names attributes of layer ${layer.id}; ${unknown.map((n) => `'${clip(n, 40)}'`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not one. ` +
        `Attributes: ${[...known].join(', ') || '(none)'}.`,
      { unknown: unknown.map((n) => clip(n, 40)), allowed: [...known] },
    );
  }
  return names;
}

/** Groups query parameters by name, keeping every value (a repeated attribute filter matches any of them). */
function groupParameters(params: Iterable<[string, string]>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of params) {
    const list = grouped.get(name);
    if (list) list.push(value);
    else grouped.set(name, [value]);
  }
  return grouped;
}

function rejectUnknown(grouped: Map<string, string[]>, fixed: readonly string[], layer: Layer, withAttributes: boolean): void {
  const attributes = withAttributes ? layer.attributes.map((a) => a.name) : [];
  const allowed = new Set<string>([...fixed, ...attributes]);
  const unknown = [...grouped.keys()].filter((n) => !allowed.has(n));
  if (unknown.length === 0) return;
  const listed = unknown.map((n) => `'${clip(n, 40)}'`).join(', ');
  const attrText = withAttributes ? `; and, to filter by value, this layer's attributes: ${attributes.join(', ') || '(none)'}` : '';
  throw badRequest(
    'unknown_parameter',
    `Unknown query parameter${unknown.length === 1 ? '' : 's'} ${listed}. Allowed: ${fixed.join(', ')}${attrText}.`,
    { unknown: unknown.map((n) => clip(n, 40)), allowed: [...allowed] },
  );
}

function single(grouped: Map<string, string[]>, name: string, code: string): string | undefined {
  const values = grouped.get(name);
  if (!values) return undefined;
  if (values.length > 1) throw badRequest(code, `${name} may be given only once; it was given ${values.length} times.`);
  return values[0];
}

/**
 * The platform API's collection parameters: bbox, limit, after | before, properties, and any of the layer's
 * attribute names as an exact-value filter. Reserved names win over an attribute of the same name.
 */
export function parseFeatureQuery(layer: Layer, params: Iterable<[string, string]>, limits: LimitConfig): FeatureQuery {
  const grouped = groupParameters(params);
  rejectUnknown(grouped, collectionParameters, layer, true);

  const bboxText = single(grouped, 'bbox', 'invalid_bbox');
  const limit = parseLimit(single(grouped, 'limit', 'invalid_limit'), limits);
  const after = single(grouped, 'after', 'invalid_cursor');
  const before = single(grouped, 'before', 'invalid_cursor');
  if (after !== undefined && before !== undefined) {
    throw badRequest('invalid_cursor', 'Page with either after or before, not both.');
  }
  const cursor: FeatureCursor | null =
    after !== undefined ? { after: parseCursorFid('after', after) }
    : before !== undefined ? { before: parseCursorFid('before', before) }
    : null;
  const propertiesText = single(grouped, 'properties', 'unknown_property');
  const asOf = parseAsOf(single(grouped, 'as_of', 'invalid_as_of'));

  const reserved = new Set<string>(collectionParameters);
  const filters: AttributeFilter[] = [];
  for (const attribute of layer.attributes) {
    const texts = grouped.get(attribute.name);
    if (texts && !reserved.has(attribute.name)) filters.push(parseAttributeFilter(attribute, texts));
  }

  return {
    bbox: bboxText === undefined ? null : parseBbox(bboxText),
    filters,
    properties: propertiesText === undefined ? null : parsePropertyList(layer, propertiesText),
    limit,
    cursor,
    asOf,
  };
}

/** The item route's parameters: `properties` and `as_of`. */
export function parseItemQuery(layer: Layer, params: Iterable<[string, string]>): { properties: string[] | null; asOf: Date | null } {
  const grouped = groupParameters(params);
  rejectUnknown(grouped, itemParameters, layer, false);
  const text = single(grouped, 'properties', 'unknown_property');
  return {
    properties: text === undefined ? null : parsePropertyList(layer, text),
    asOf: parseAsOf(single(grouped, 'as_of', 'invalid_as_of')),
  };
}

/**
 * The query as canonical parameters: the same query always gives the same list, whatever order or spelling
 * the client used. Links and ETags are built from it.
 */
export function canonicalParameters(query: FeatureQuery, cursor: FeatureCursor | null = query.cursor): [string, string][] {
  const out: [string, string][] = [];
  if (query.bbox) out.push(['bbox', query.bbox.join(',')]);
  if (query.limit !== null) out.push(['limit', String(query.limit)]);
  if (query.properties) out.push(['properties', query.properties.join(',')]);
  for (const f of query.filters) for (const v of f.values) out.push([f.name, String(v)]);
  if (cursor && 'after' in cursor) out.push(['after', String(cursor.after)]);
  if (cursor && 'before' in cursor) out.push(['before', String(cursor.before)]);
  if (query.asOf) out.push(['as_of', query.asOf.toISOString()]);
  return out;
}

/** Whether the number of matching features is the catalog's count (no filter narrows the layer). */
export function matchesWholeLayer(query: FeatureQuery): boolean {
  return query.bbox === null && query.filters.length === 0 && !query.asOf && !query.condition && !query.updated;
}
