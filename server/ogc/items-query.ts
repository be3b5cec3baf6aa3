// The items resource's query parameters in OGC API vocabulary → the provider's FeatureQuery: bbox (+ bbox-crs),
// limit, offset or the opaque after/before cursors of our next links, datetime (on the last update), properties,
// filter (CQL2 text or JSON, + filter-lang, filter-crs), crs, resultType and the queryables as name=value.
// An unknown parameter is a 400, as Part 1 requires.
import type { Layer } from '../catalog/catalog.ts';
import type { Bbox } from '../catalog/extent.ts';
import { AppError, badRequest } from '../errors.ts';
import { checkCondition, type CheckedCondition, type Condition } from '../features/condition.ts';
import { CRS84, crsFromUri, SUPPORTED_CRS, type CrsDefinition } from '../features/crs.ts';
import {
  coerceAttributeValue, parseAttributeFilter, parseBbox, parseLimit, parsePropertyList, type AttributeFilter, type FeatureCursor,
  type FeatureQuery, type LimitConfig,
} from '../features/query.ts';
import { parseCql2Json } from './cql2/json-parser.ts';
import { parseCql2Text } from './cql2/text-parser.ts';

/** The name of the geometry in filters and queryables. */
export const GEOMETRY_QUERYABLE = 'geometry';

export const itemsParameters = [
  'f', 'bbox', 'bbox-crs', 'limit', 'offset', 'after', 'before', 'datetime', 'properties', 'crs', 'filter', 'filter-lang',
  'filter-crs', 'resultType',
] as const;
export const itemParameters = ['f', 'crs', 'properties'] as const;

/** `cql-text` is the draft name GDAL 3.6 looks for; it reads the same CQL2 text. */
export const filterLanguages = ['cql2-text', 'cql2-json', 'cql-text'] as const;

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

export interface ItemsRequest {
  query: FeatureQuery;
  crs: CrsDefinition;
  bboxCrs: CrsDefinition;
  resultType: 'results' | 'hits';
  f: string | undefined;
  /** The request in canonical form: links and ETags are built from it. */
  canonical: [string, string][];
}

function group(params: Iterable<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of params) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

function single(grouped: Map<string, string[]>, name: string): string | undefined {
  const values = grouped.get(name);
  if (!values) return undefined;
  if (values.length > 1) throw badRequest('invalid_parameter', `${name} may be given only once; it was given ${values.length} times.`);
  return values[0];
}

function rejectUnknown(grouped: Map<string, string[]>, allowed: Set<string>, layer: Layer): void {
  const unknown = [...grouped.keys()].filter((k) => !allowed.has(k));
  if (unknown.length === 0) return;
  throw badRequest(
    'unknown_parameter',
    `Unknown query parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((n) => `'${clip(n, 40)}'`).join(', ')}. ` +
      `Allowed: ${[...allowed].join(', ')} (the last ones are the queryables of ${layer.id}).`,
  );
}

export function parseCrsParameter(name: string, text: string | undefined): CrsDefinition {
  if (text === undefined) return CRS84;
  const crs = crsFromUri(text);
  if (!crs) {
    throw badRequest(`invalid_${name.replace('-', '_')}`,
      `${name} '${clip(text, 80)}' is not supported. Use one of: ${SUPPORTED_CRS.map((c) => c.uri).join(', ')}.`);
  }
  return crs;
}

/** bbox in the axis order of bbox-crs → WGS84 lon/lat (checked ranges) or the CRS's own x/y and its SRID. */
function parseOgcBbox(text: string, crs: CrsDefinition): { bbox: Bbox; srid: number } {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 4 && parts.length !== 6) {
    throw badRequest('invalid_bbox', `bbox is 4 numbers (or 6 with heights) in the axis order of bbox-crs (${crs.uri}); got ${parts.length}.`);
  }
  const n = parts.map((p) => (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(p) ? Number(p) : Number.NaN));
  const bad = n.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw badRequest('invalid_bbox', `bbox: '${clip(parts[bad]!)}' is not a finite number.`);
  const [a, b, c, d] = n.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  if (crs.geographic) {
    // parseBbox checks ranges and order in longitude, latitude.
    const lonLat = crs.latLon ? [b, a, d, c] : [a, b, c, d];
    return { bbox: parseBbox(lonLat.join(',')), srid: 4326 };
  }
  if (a! > c! || b! > d!) throw badRequest('invalid_bbox', 'bbox: the lower corner comes first (minX,minY,maxX,maxY).');
  return { bbox: [a!, b!, c!, d!], srid: crs.srid };
}

/** RFC 3339 instant or interval (`a/b`, `../b`, `a/..`), on the features' last update. */
export function parseDatetime(text: string): { start: string | null; end: string | null } {
  const bound = (t: string, end: boolean): string | null => {
    const v = t.trim();
    if (v === '..' || v === '') return null;
    const dt = coerceAttributeValue('datetime', v);
    if (dt !== null) return String(dt);
    const date = coerceAttributeValue('date', v);
    // A date is the whole day (UTC), so an end date includes its last second.
    if (date !== null) return end ? `${date}T23:59:59.999999Z` : `${date}T00:00:00Z`;
    throw badRequest('invalid_datetime',
      `datetime is an RFC 3339 time or date, or an interval start/end with .. for an open end (e.g. 2024-01-01/..); '${clip(v)}' is not.`);
  };
  const parts = text.split('/');
  if (parts.length === 1) return { start: bound(parts[0]!, false), end: bound(parts[0]!, true) };
  if (parts.length !== 2) throw badRequest('invalid_datetime', 'datetime has at most one /.');
  const out = { start: bound(parts[0]!, false), end: bound(parts[1]!, true) };
  if (out.start && out.end && Date.parse(out.start) > Date.parse(out.end)) {
    throw badRequest('invalid_datetime', 'datetime: the start of the interval is after its end.');
  }
  return out;
}

function parseFilter(layer: Layer, grouped: Map<string, string[]>): CheckedCondition | null {
  const text = single(grouped, 'filter');
  const lang = single(grouped, 'filter-lang');
  const crsText = single(grouped, 'filter-crs');
  const language = (lang ?? 'cql2-text').trim().toLowerCase();
  if (!(filterLanguages as readonly string[]).includes(language)) {
    throw badRequest('invalid_filter_lang', `filter-lang is cql2-text or cql2-json; got '${clip(lang ?? '', 30)}'.`);
  }
  const crs = parseCrsParameter('filter-crs', crsText);
  // filter-lang and filter-crs without a filter are checked, and change nothing.
  if (text === undefined) return null;
  const tree: Condition = language === 'cql2-json' ? parseCql2Json(text, crs) : parseCql2Text(text, crs);
  return checkCondition(layer, tree, { geometryNames: [GEOMETRY_QUERYABLE] });
}

function parsePositiveInt(name: string, text: string, max: number): number {
  const t = text.trim();
  if (!/^\d{1,12}$/.test(t) || Number(t) > max) throw badRequest(`invalid_${name}`, `${name} is a whole number from 0 to ${max}; got '${clip(text)}'.`);
  return Number(t);
}

function parseCursor(name: 'after' | 'before', text: string): number {
  const t = text.trim();
  if (!/^\d{1,15}$/.test(t)) throw badRequest('invalid_cursor', `${name} is the id of a feature to page from; got '${clip(text)}'.`);
  return Number(t);
}

export function parseItemsRequest(layer: Layer, params: Iterable<[string, string]>, limits: LimitConfig): ItemsRequest {
  const grouped = group(params);
  const attributes = layer.attributes.map((a) => a.name);
  rejectUnknown(grouped, new Set<string>([...itemsParameters, ...attributes]), layer);

  const bboxCrs = parseCrsParameter('bbox-crs', single(grouped, 'bbox-crs'));
  const crs = parseCrsParameter('crs', single(grouped, 'crs'));
  const bboxText = single(grouped, 'bbox');
  const bbox = bboxText === undefined ? null : parseOgcBbox(bboxText, bboxCrs);
  const limit = parseLimit(single(grouped, 'limit'), limits);
  const offsetText = single(grouped, 'offset');
  const afterText = single(grouped, 'after');
  const beforeText = single(grouped, 'before');
  if ([offsetText, afterText, beforeText].filter((v) => v !== undefined).length > 1) {
    throw badRequest('invalid_cursor', 'Page with one of offset, after or before.');
  }
  const offset = offsetText === undefined ? 0 : parsePositiveInt('offset', offsetText, 100_000_000);
  const cursor: FeatureCursor | null = afterText !== undefined ? { after: parseCursor('after', afterText) }
    : beforeText !== undefined ? { before: parseCursor('before', beforeText) } : null;
  const datetimeText = single(grouped, 'datetime');
  const propertiesText = single(grouped, 'properties');
  const resultTypeText = single(grouped, 'resultType');
  if (resultTypeText !== undefined && resultTypeText !== 'results' && resultTypeText !== 'hits') {
    throw badRequest('invalid_result_type', `resultType is results or hits; got '${clip(resultTypeText, 30)}'.`);
  }
  const filters: AttributeFilter[] = [];
  for (const attribute of layer.attributes) {
    const texts = grouped.get(attribute.name);
    if (texts && !(itemsParameters as readonly string[]).includes(attribute.name)) filters.push(parseAttributeFilter(attribute, texts));
  }
  const condition = parseFilter(layer, grouped);

  const query: FeatureQuery = {
    bbox: bbox?.bbox ?? null,
    ...(bbox && bbox.srid !== 4326 ? { bboxSrid: bbox.srid } : {}),
    filters,
    condition,
    updated: datetimeText === undefined ? null : parseDatetime(datetimeText),
    properties: propertiesText === undefined ? null : parsePropertyList(layer, propertiesText),
    limit,
    cursor,
    ...(offset > 0 ? { offset } : {}),
  };

  // Canonical: fixed order, each parameter as given after validation (the filter text as sent).
  const canonical: [string, string][] = [];
  const keep = (name: string) => {
    const v = single(grouped, name);
    if (v !== undefined) canonical.push([name, v]);
  };
  ['bbox', 'bbox-crs', 'datetime', 'filter', 'filter-lang', 'filter-crs', 'crs', 'properties'].forEach(keep);
  for (const f of filters) for (const v of f.values) canonical.push([f.name, String(v)]);
  canonical.push(['limit', String(limit)]);

  return {
    query,
    crs,
    bboxCrs,
    resultType: resultTypeText === 'hits' ? 'hits' : 'results',
    f: single(grouped, 'f'),
    canonical,
  };
}

/** The item resource's parameters. */
export function parseItemRequest(layer: Layer, params: Iterable<[string, string]>): { crs: CrsDefinition; properties: string[] | null; f: string | undefined } {
  const grouped = group(params);
  rejectUnknown(grouped, new Set<string>(itemParameters), layer);
  const propertiesText = single(grouped, 'properties');
  return {
    crs: parseCrsParameter('crs', single(grouped, 'crs')),
    properties: propertiesText === undefined ? null : parsePropertyList(layer, propertiesText),
    f: single(grouped, 'f'),
  };
}

export const invalidFeatureId = (text: string) =>
  new AppError(404, 'feature_not_found', `There is no feature '${clip(text, 40)}': feature ids here are whole numbers.`);
