// A WFS 2.0 request, from KVP (GET; parameter names are case-insensitive) or from an XML body (POST), in one shape.
// Only what this server implements is accepted; the rest is an exception naming the parameter.
import { crsFromSrsName, EPSG_4326, SUPPORTED_CRS, type CrsDefinition } from '../features/crs.ts';
import { WfsError } from './exceptions.ts';
import { child, childrenNamed, parseXml, type XmlElement } from './xml.ts';

export const WFS_VERSION = '2.0.0';
const ACCEPTED_VERSIONS = ['2.0.0', '2.0.2'];
export const GET_FEATURE_BY_ID = 'urn:ogc:def:query:OGC-WFS::GetFeatureById';

export type OutputFormat = 'gml32' | 'json';
export const GML32_FORMAT = 'application/gml+xml; version=3.2';
export const OUTPUT_FORMATS = [GML32_FORMAT, 'text/xml; subtype=gml/3.2', 'application/json', 'application/geo+json'];

export type WfsRequest =
  | { operation: 'GetCapabilities' }
  | { operation: 'DescribeFeatureType'; typeNames: string[] | null }
  | { operation: 'ListStoredQueries' }
  | { operation: 'DescribeStoredQueries'; ids: string[] | null }
  | { operation: 'GetFeature'; query: GetFeatureQuery };

export interface GetFeatureQuery {
  typeName: string;
  /** Axis order as the client wrote it, in `crs`. */
  bbox: { coords: [number, number, number, number]; crs: CrsDefinition } | null;
  /** The fes:Filter element, parsed against the layer later. */
  filter: XmlElement | null;
  resourceIds: string[] | null;
  propertyNames: string[] | null;
  count: number | null;
  startIndex: number;
  resultType: 'results' | 'hits';
  srsName: CrsDefinition;
  outputFormat: OutputFormat;
  /** GetFeatureById: answer with the bare feature (404 when there is none). */
  byId: boolean;
  /** The KVP parameters as received, for next links (null for POST). */
  kvp: [string, string][] | null;
}

const operations = ['GetCapabilities', 'DescribeFeatureType', 'GetFeature', 'ListStoredQueries', 'DescribeStoredQueries'] as const;
type Operation = (typeof operations)[number];

/** The type name without its namespace prefix (one namespace here): `cb:giao_thong.quoc_lo` → `giao_thong.quoc_lo`. */
export const localTypeName = (name: string) => name.trim().replace(/^[A-Za-z_][\w.-]*:/, '');

export function parseOutputFormat(text: string | undefined): OutputFormat {
  if (text === undefined) return 'gml32';
  const v = text.toLowerCase().replace(/\s+/g, '').replace(/"/g, '');
  if (['application/gml+xml;version=3.2', 'text/xml;subtype=gml/3.2', 'text/xml;subtype=gml/3.2.1', 'gml32', 'application/gml+xml'].includes(v)) return 'gml32';
  if (['application/json', 'application/geo+json', 'json', 'geojson', 'application/json;subtype=geojson'].includes(v)) return 'json';
  throw new WfsError('InvalidParameterValue', `outputFormat '${text.slice(0, 60)}' is not offered; use one of: ${OUTPUT_FORMATS.join(', ')}.`, 'outputFormat');
}

function parseSrsName(text: string | undefined): CrsDefinition {
  if (text === undefined || text.trim() === '') return EPSG_4326;
  const crs = crsFromSrsName(text);
  if (!crs) {
    throw new WfsError('InvalidParameterValue', `srsName '${text.slice(0, 80)}' is not offered; use one of: ${SUPPORTED_CRS.map((c) => c.urn).join(', ')}.`, 'srsName');
  }
  return crs;
}

function nonNegative(text: string | undefined, name: string): number | null {
  if (text === undefined) return null;
  if (!/^\d{1,12}$/.test(text.trim())) throw new WfsError('InvalidParameterValue', `${name} is a whole number ≥ 0; got '${text.slice(0, 30)}'.`, name);
  return Number(text.trim());
}

function resultTypeOf(text: string | undefined): 'results' | 'hits' {
  if (text === undefined || text.toLowerCase() === 'results') return 'results';
  if (text.toLowerCase() === 'hits') return 'hits';
  throw new WfsError('InvalidParameterValue', `resultType is results or hits; got '${text.slice(0, 30)}'.`, 'resultType');
}

function checkVersion(version: string | undefined, operation: string): void {
  if (version === undefined || operation === 'GetCapabilities') return;
  if (!ACCEPTED_VERSIONS.includes(version.trim())) {
    throw new WfsError('InvalidParameterValue', `This server speaks WFS ${WFS_VERSION}; version '${version.slice(0, 20)}' is not offered.`, 'version');
  }
}

function checkService(service: string | undefined): void {
  if (service === undefined) throw new WfsError('MissingParameterValue', 'The SERVICE parameter is missing (SERVICE=WFS).', 'service');
  if (service.trim().toUpperCase() !== 'WFS') throw new WfsError('InvalidParameterValue', `SERVICE is WFS; got '${service.slice(0, 30)}'.`, 'service');
}

function operationOf(name: string | undefined): Operation {
  if (name === undefined) throw new WfsError('MissingParameterValue', 'The REQUEST parameter is missing (e.g. REQUEST=GetCapabilities).', 'request');
  const op = operations.find((o) => o.toLowerCase() === name.trim().toLowerCase());
  if (!op) {
    throw new WfsError('OperationNotSupported', `'${name.slice(0, 40)}' is not an operation of this server. Operations: ${operations.join(', ')}.`, 'request');
  }
  return op;
}

function bboxKvp(text: string): GetFeatureQuery['bbox'] {
  const parts = text.split(',').map((s) => s.trim());
  // minx,miny,maxx,maxy[,crs]: the CRS URN itself has no commas.
  const crsText = parts.length === 5 ? parts[4] : undefined;
  const nums = parts.slice(0, 4).map((p) => (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(p) ? Number(p) : Number.NaN));
  if ((parts.length !== 4 && parts.length !== 5) || nums.some((n) => !Number.isFinite(n))) {
    throw new WfsError('InvalidParameterValue', 'BBOX is minx,miny,maxx,maxy[,crs] with four finite numbers, in the axis order of the CRS (EPSG:4326 by default: latitude first).', 'bbox');
  }
  const [a, b, c, d] = nums as [number, number, number, number];
  if (a > c || b > d) throw new WfsError('InvalidParameterValue', 'BBOX: the lower corner comes first.', 'bbox');
  const crs = crsText === undefined ? EPSG_4326 : crsFromSrsName(crsText);
  if (!crs) throw new WfsError('InvalidParameterValue', `The BBOX CRS '${crsText!.slice(0, 80)}' is not offered.`, 'bbox');
  return { coords: [a, b, c, d], crs };
}

/** KVP: `?SERVICE=WFS&REQUEST=GetFeature&…`. */
export function parseKvp(params: [string, string][]): WfsRequest {
  const kvp = new Map<string, string>();
  for (const [k, v] of params) {
    const key = k.toUpperCase();
    if (kvp.has(key)) throw new WfsError('InvalidParameterValue', `${k} is given more than once.`, k);
    kvp.set(key, v);
  }
  const operation = operationOf(kvp.get('REQUEST'));
  checkService(kvp.get('SERVICE'));
  checkVersion(kvp.get('VERSION'), operation);
  if (operation === 'GetCapabilities') {
    const accept = kvp.get('ACCEPTVERSIONS');
    if (accept && !accept.split(',').some((v) => ACCEPTED_VERSIONS.includes(v.trim()))) {
      throw new WfsError('VersionNegotiationFailed', `This server speaks WFS ${WFS_VERSION} only.`, 'acceptVersions');
    }
    return { operation };
  }
  if (operation === 'ListStoredQueries') return { operation };
  if (operation === 'DescribeStoredQueries') {
    const ids = kvp.get('STOREDQUERY_ID');
    return { operation, ids: ids ? ids.split(',').map((s) => s.trim()) : null };
  }
  const typeNamesText = kvp.get('TYPENAMES') ?? kvp.get('TYPENAME');
  if (operation === 'DescribeFeatureType') {
    const format = kvp.get('OUTPUTFORMAT');
    if (format !== undefined && parseOutputFormat(format) !== 'gml32') {
      throw new WfsError('InvalidParameterValue', `DescribeFeatureType answers in XML Schema (${GML32_FORMAT}).`, 'outputFormat');
    }
    return { operation, typeNames: typeNamesText ? typeNamesText.split(',').map(localTypeName) : null };
  }
  // GetFeature
  if (kvp.has('SORTBY')) throw new WfsError('OptionNotSupported', 'Sorting (SORTBY) is not offered; features come in id order.', 'sortBy');
  const storedQuery = kvp.get('STOREDQUERY_ID');
  const base = {
    count: nonNegative(kvp.get('COUNT') ?? kvp.get('MAXFEATURES'), 'count'),
    startIndex: nonNegative(kvp.get('STARTINDEX'), 'startIndex') ?? 0,
    resultType: resultTypeOf(kvp.get('RESULTTYPE')),
    srsName: parseSrsName(kvp.get('SRSNAME')),
    outputFormat: parseOutputFormat(kvp.get('OUTPUTFORMAT')),
    propertyNames: kvp.get('PROPERTYNAME') ? kvp.get('PROPERTYNAME')!.replace(/^\(|\)$/g, '').split(',').map((s) => s.trim().replace(/^[A-Za-z_][\w.-]*:/, '')) : null,
    kvp: params,
  };
  if (storedQuery !== undefined) {
    if (storedQuery !== GET_FEATURE_BY_ID) throw new WfsError('InvalidParameterValue', `Unknown stored query '${storedQuery.slice(0, 80)}'; this server has ${GET_FEATURE_BY_ID}.`, 'storedQuery_id');
    const id = kvp.get('ID');
    if (!id) throw new WfsError('MissingParameterValue', 'GetFeatureById needs the ID parameter.', 'id');
    return { operation, query: { ...base, typeName: featureIdType(id), bbox: null, filter: null, resourceIds: [id], byId: true } };
  }
  const resourceIds = kvp.get('RESOURCEID')?.split(',').map((s) => s.trim()) ?? null;
  if (!typeNamesText && !resourceIds) throw new WfsError('MissingParameterValue', 'GetFeature needs TYPENAMES (or RESOURCEID).', 'typeNames');
  const typeNames = typeNamesText ? typeNamesText.replace(/^\(|\)$/g, '').split(',').map(localTypeName) : [featureIdType(resourceIds![0]!)];
  if (typeNames.length !== 1 || typeNamesText?.includes(')(')) {
    throw new WfsError('OperationProcessingFailed', 'One feature type per GetFeature request, please.', 'typeNames');
  }
  const bbox = kvp.get('BBOX');
  const filter = kvp.get('FILTER');
  if ([bbox, filter, resourceIds].filter((v) => v !== undefined && v !== null).length > 1) {
    throw new WfsError('InvalidParameterValue', 'BBOX, FILTER and RESOURCEID exclude one another (put a BBOX inside the FILTER).', 'filter');
  }
  return {
    operation,
    query: {
      ...base,
      typeName: typeNames[0]!,
      bbox: bbox === undefined ? null : bboxKvp(bbox),
      filter: filter === undefined ? null : parseXml(filter, 'FILTER'),
      resourceIds,
      byId: false,
    },
  };
}

/** The type of a feature id `typeName.fid`. */
export function featureIdType(id: string): string {
  const local = localTypeName(id);
  const i = local.lastIndexOf('.');
  if (i <= 0) throw new WfsError('InvalidParameterValue', `'${id.slice(0, 60)}' is not a feature id (typeName.number).`, 'id');
  return local.slice(0, i);
}

/** XML: `<wfs:GetFeature service="WFS" version="2.0.0">…`. */
export function parseXmlRequest(body: string): WfsRequest {
  const root = parseXml(body, 'The request');
  const operation = operationOf(root.name);
  checkService(root.attrs.service);
  checkVersion(root.attrs.version, operation);
  if (operation === 'GetCapabilities' || operation === 'ListStoredQueries') return { operation };
  if (operation === 'DescribeStoredQueries') {
    const ids = childrenNamed(root, 'StoredQueryId').map((e) => e.text.trim());
    return { operation, ids: ids.length ? ids : null };
  }
  if (operation === 'DescribeFeatureType') {
    const names = childrenNamed(root, 'TypeName').map((e) => localTypeName(e.text));
    return { operation, typeNames: names.length ? names : null };
  }
  const queries = root.children.filter((c) => c.name === 'Query' || c.name === 'StoredQuery');
  if (queries.length !== 1) throw new WfsError('OperationProcessingFailed', 'One wfs:Query (or wfs:StoredQuery) per GetFeature request, please.', 'Query');
  const q = queries[0]!;
  const base = {
    count: nonNegative(root.attrs.count, 'count'),
    startIndex: nonNegative(root.attrs.startIndex, 'startIndex') ?? 0,
    resultType: resultTypeOf(root.attrs.resultType),
    outputFormat: parseOutputFormat(root.attrs.outputFormat),
    kvp: null,
  };
  if (q.name === 'StoredQuery') {
    if (q.attrs.id !== GET_FEATURE_BY_ID) throw new WfsError('InvalidParameterValue', `Unknown stored query '${(q.attrs.id ?? '').slice(0, 80)}'.`, 'StoredQuery');
    const id = childrenNamed(q, 'Parameter').find((p) => p.attrs.name?.toUpperCase() === 'ID')?.text.trim();
    if (!id) throw new WfsError('MissingParameterValue', 'GetFeatureById needs its ID parameter.', 'id');
    return {
      operation,
      query: { ...base, typeName: featureIdType(id), bbox: null, filter: null, resourceIds: [id], propertyNames: null, srsName: EPSG_4326, byId: true },
    };
  }
  if (child(q, 'SortBy')) throw new WfsError('OptionNotSupported', 'Sorting (fes:SortBy) is not offered; features come in id order.', 'SortBy');
  const typeNames = (q.attrs.typeNames ?? q.attrs.typeName ?? '').split(/[\s,]+/).filter(Boolean).map(localTypeName);
  if (typeNames.length !== 1) throw new WfsError('InvalidParameterValue', 'wfs:Query names exactly one type in typeNames.', 'typeNames');
  const properties = childrenNamed(q, 'PropertyName').map((p) => p.text.trim().replace(/^[A-Za-z_][\w.-]*:/, ''));
  return {
    operation,
    query: {
      ...base,
      typeName: typeNames[0]!,
      srsName: parseSrsName(q.attrs.srsName),
      bbox: null,
      filter: child(q, 'Filter') ?? null,
      resourceIds: null,
      propertyNames: properties.length ? properties : null,
      byId: false,
    },
  };
}
