// GetFeature (and GetFeatureById): the query as the provider's FeatureQuery, features streamed from a database
// cursor as GML 3.2 members or GeoJSON. A WFS collection declares numberReturned (and next) in its start tag, so
// before anything is sent a small page is read whole (SMALL_PAGE) and a larger one is counted (bounded by the
// page). numberMatched is the catalog count unfiltered, an exact bounded count on small layers, a full count for
// resultType=hits, else "unknown" (which WFS 2.0 allows).
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { checkCondition, type CheckedCondition, type Condition } from '../features/condition.ts';
import { CRS84, type CrsDefinition } from '../features/crs.ts';
import type { FeatureOutput } from '../features/feature-sql.ts';
import { FeatureCollectionStream, withMembers } from '../features/geojson-stream.ts';
import { GML_GEOMETRY_PROPERTY } from '../features/gml-sql.ts';
import { layerProvenance } from '../features/provenance.ts';
import { countFeatures, countFeaturesUpTo, countPage, openFeaturePage, readFeature, SMALL_PAGE } from '../features/provider.ts';
import { matchesWholeLayer, type FeatureQuery } from '../features/query.ts';
import { sendStream } from '../features/stream-reply.ts';
import { WfsError } from './exceptions.ts';
import { parseFesFilter, resourceIds } from './fes.ts';
import { NAMESPACES, NS_PREFIX, NS_URI, qualified } from './names.ts';
import type { GetFeatureQuery } from './request.ts';
import { escapeXml } from './xml.ts';

export const GML_CONTENT_TYPE = 'application/gml+xml; version=3.2; charset=utf-8';
const JSON_CONTENT_TYPE = 'application/geo+json; charset=utf-8';
/** Layers up to this size get an exact numberMatched for any filter. */
const SMALL_LAYER = 10_000;

export interface GetFeatureContext {
  client: pg.ClientBase;
  request: FastifyRequest;
  reply: FastifyReply;
  /** The service URL (…/wfs). */
  url: string;
  maxCount: number;
  /**
   * The layer's catalog entry when the caller found it already (an anonymous request, from the shared read of
   * the public catalog: server/ogc/shared-catalog.ts); null: no such public layer; absent: look it up here.
   */
  known?: Layer | null;
}

async function layerFor(ctx: GetFeatureContext, q: GetFeatureQuery): Promise<Layer> {
  const layer = ctx.known !== undefined ? ctx.known : await findLayer(ctx.client, q.typeName);
  if (layer) return layer;
  if (q.byId) throw new WfsError('NotFound', `There is no feature '${q.resourceIds?.[0]?.slice(0, 80)}' (or you may not see it).`, 'id');
  // A restricted layer and one that does not exist answer the same.
  throw new WfsError('InvalidParameterValue', `Feature type '${q.typeName.slice(0, 80)}' does not exist or is not visible to you.`, 'typeNames');
}

function propertiesOf(layer: Layer, names: string[] | null): string[] | null {
  if (names === null) return null;
  const known = new Set(layer.attributes.map((a) => a.name));
  const out: string[] = [];
  for (const n of names) {
    if (n === GML_GEOMETRY_PROPERTY) continue;
    if (!known.has(n)) {
      throw new WfsError('InvalidParameterValue', `'${n.slice(0, 60)}' is not a property of ${qualified(layer.id)}. Properties: ${[GML_GEOMETRY_PROPERTY, ...known].join(', ')}.`, 'propertyName');
    }
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

function conditionOf(layer: Layer, q: GetFeatureQuery): CheckedCondition | null {
  let tree: Condition | null = null;
  if (q.filter) tree = parseFesFilter(q.filter, { crs: q.srsName, typeName: layer.id });
  else if (q.bbox) {
    tree = { op: 'spatial', relation: 'intersects', left: { kind: 'property', name: GML_GEOMETRY_PROPERTY }, right: { kind: 'envelope', bbox: q.bbox.coords, crs: q.bbox.crs } };
  } else if (q.resourceIds) tree = { op: 'ids', fids: resourceIds(q.resourceIds, layer.id) };
  return tree ? checkCondition(layer, tree, { geometryNames: [GML_GEOMETRY_PROPERTY] }) : null;
}

function nextUrl(ctx: GetFeatureContext, q: GetFeatureQuery, startIndex: number, count: number): string | null {
  if (!q.kvp) return null;
  const params = q.kvp.filter(([k]) => !['STARTINDEX', 'COUNT', 'MAXFEATURES'].includes(k.toUpperCase()));
  params.push(['STARTINDEX', String(startIndex)], ['COUNT', String(count)]);
  return `${ctx.url}?${new URLSearchParams(params).toString()}`;
}

/** GeoJSON has one axis order (x, y): EPSG:4326 as JSON is longitude first, like CRS84. */
const jsonCrs = (crs: CrsDefinition): CrsDefinition => (crs.srid === 4326 ? CRS84 : crs);

async function numberMatched(ctx: GetFeatureContext, layer: Layer, query: FeatureQuery): Promise<number | null> {
  if (matchesWholeLayer(query)) return layer.featureCount;
  if (layer.featureCount <= SMALL_LAYER) return countFeaturesUpTo(ctx.client, layer, query, SMALL_LAYER);
  return null;
}

function collectionStart(ctx: GetFeatureContext, layer: Layer, attrs: Record<string, string>): string {
  const describe = `${ctx.url}?service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=${qualified(layer.id)}`;
  const extra = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<wfs:FeatureCollection xmlns:wfs="${NAMESPACES.wfs}" xmlns:gml="${NAMESPACES.gml}" xmlns:${NS_PREFIX}="${NS_URI}" xmlns:xsi="${NAMESPACES.xsi}" xsi:schemaLocation="${NAMESPACES.wfs} http://schemas.opengis.net/wfs/2.0/wfs.xsd ${NAMESPACES.gml} http://schemas.opengis.net/gml/3.2.1/gml.xsd ${NS_URI} ${escapeXml(describe)}" timeStamp="${new Date().toISOString()}"${extra}>
`;
}

export async function getFeature(ctx: GetFeatureContext, q: GetFeatureQuery): Promise<Error | null> {
  const { client, reply } = ctx;
  const layer = await layerFor(ctx, q);
  const properties = propertiesOf(layer, q.propertyNames);
  const condition = conditionOf(layer, q);
  const gml: FeatureOutput = { format: 'gml', crs: q.srsName, gml: { prefix: NS_PREFIX, typeName: layer.id } };
  const output: FeatureOutput = q.outputFormat === 'gml32' ? gml : { crs: jsonCrs(q.srsName) };
  const provenance = layerProvenance(layer);
  reply.header('cache-control', layer.visibility === 'public' ? 'public, no-cache' : 'private, no-cache');
  reply.header('last-modified', layer.dataUpdatedAt.toUTCString());

  if (q.byId) {
    const fid = condition?.op === 'ids' ? condition.fids[0] : undefined;
    const feature = fid === undefined ? null : await readFeature(client, layer, fid, properties, null, output);
    if (!feature) throw new WfsError('NotFound', `There is no feature '${q.resourceIds?.[0]?.slice(0, 80)}' (or you may not see it).`, 'id');
    if (q.outputFormat === 'json') {
      reply.type(JSON_CONTENT_TYPE).send(withMembers(feature.text, { provenance }));
      return null;
    }
    const element = `${NS_PREFIX}:${layer.id}`;
    const declared = feature.text.replace(`<${element} `, `<${element} xmlns:${NS_PREFIX}="${NS_URI}" xmlns:gml="${NAMESPACES.gml}" `);
    reply.type(GML_CONTENT_TYPE).send(`<?xml version="1.0" encoding="UTF-8"?>\n${declared}\n`);
    return null;
  }

  const limit = Math.min(q.count ?? ctx.maxCount, ctx.maxCount);
  const query: FeatureQuery = {
    bbox: null, filters: [], condition, properties, limit, cursor: null, ...(q.startIndex > 0 ? { offset: q.startIndex } : {}),
  };

  if (q.resultType === 'hits') {
    const n = matchesWholeLayer(query) ? layer.featureCount : await countFeatures(client, { ...layer }, query);
    if (q.outputFormat === 'json') {
      reply.type(JSON_CONTENT_TYPE).send({ type: 'FeatureCollection', numberMatched: n, numberReturned: 0, features: [], provenance });
    } else {
      reply.type(GML_CONTENT_TYPE).send(`${collectionStart(ctx, layer, { numberMatched: String(n), numberReturned: '0' })}</wfs:FeatureCollection>\n`);
    }
    return null;
  }

  const matched = await numberMatched(ctx, layer, query);
  if (q.outputFormat === 'json') {
    reply.type(JSON_CONTENT_TYPE);
    return sendStream(reply, new FeatureCollectionStream({
      head: { timeStamp: new Date().toISOString(), provenance },
      page: openFeaturePage(client, layer, query, output, { joined: true }),
      tail: (summary) => {
        const next = summary.next ? nextUrl(ctx, q, q.startIndex + limit, limit) : null;
        return {
          ...(matched !== null ? { numberMatched: matched } : {}),
          numberReturned: summary.numberReturned,
          ...(next ? { links: [{ rel: 'next', type: 'application/geo+json', href: next }] } : {}),
        };
      },
    }));
  }

  // A suspended cursor holds the connection, so nothing else can be asked while it is open: a small page is read
  // whole first (it knows whether more follows), a larger page is counted before the cursor opens.
  const page = openFeaturePage(client, layer, query, output);
  let first: string[] | null = null;
  let returned: number;
  let hasNext: boolean;
  try {
    if (limit <= SMALL_PAGE) {
      const rows: string[] = [];
      for (let b = await page.nextBatch(); b; b = await page.nextBatch()) rows.push(...b);
      const summary = await page.finish();
      first = rows;
      returned = rows.length;
      hasNext = summary.next !== null;
    } else {
      await page.close();
      returned = await countPage(client, layer, query);
      hasNext = returned === limit && (matched !== null
        ? q.startIndex + limit < matched
        : (await countPage(client, layer, { ...query, offset: q.startIndex + limit, limit: 1 })) > 0);
    }
  } catch (err) {
    await page.close();
    throw err;
  }
  const attrs: Record<string, string> = { numberMatched: matched === null ? 'unknown' : String(matched), numberReturned: String(returned) };
  const next = hasNext ? nextUrl(ctx, q, q.startIndex + limit, limit) : null;
  if (next) attrs.next = next;
  if (q.startIndex > 0) {
    const previous = nextUrl(ctx, q, Math.max(0, q.startIndex - limit), limit);
    if (previous) attrs.previous = previous;
  }
  const members = (batch: string[]) => batch.map((f) => `<wfs:member>${f}</wfs:member>\n`).join('');
  const start = collectionStart(ctx, layer, attrs);
  const big = first === null ? openFeaturePage(client, layer, query, output) : null;
  async function* body(): AsyncGenerator<string> {
    try {
      yield start + (first ? members(first) : '');
      if (big) for (let b = await big.nextBatch(); b; b = await big.nextBatch()) yield members(b);
      yield '</wfs:FeatureCollection>\n';
    } finally {
      await big?.close();
    }
  }
  reply.type(GML_CONTENT_TYPE);
  return sendStream(reply, Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 }));
}
