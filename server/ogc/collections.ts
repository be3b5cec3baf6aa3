// /ogc/collections and /ogc/collections/{collectionId}: each layer the caller may see is a collection, described
// with its owner agency, source, legal basis, licence and last update (Điều 4.4, 8.1c), its extent, the CRSs its
// items can be read in, and links to its items, queryables, schema, downloads and (when served) vector tiles.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findLayer, listLayers, type Layer } from '../catalog/catalog.ts';
import { layerExtent, type Bbox } from '../catalog/extent.ts';
import { CRS84, SUPPORTED_CRS } from '../features/crs.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { layerProvenance } from '../features/provenance.ts';
import { baseUrl } from '../http-urls.ts';
import { queryParameters, requestedEncoding, requestedLanguage, type Language } from './encoding.ts';
import { collectionNotFound } from './exceptions.ts';
import { definitionTable, escapeHtml, linkList, renderPage, safeHref } from './html.ts';
import { badRequest } from '../errors.ts';

export const REL_QUERYABLES = 'http://www.opengis.net/def/rel/ogc/1.0/queryables';
const REL_TILESETS_VECTOR = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector';
export const DOWNLOAD_FORMATS = [
  { format: 'geojson', title: 'GeoJSON' },
  { format: 'csv', title: 'CSV (UTF-8, Excel)' },
  { format: 'shp', title: 'Shapefile' },
  { format: 'gpkg', title: 'GeoPackage' },
] as const;

/** Licences named in the catalog that have a canonical page to link to (rel=license). */
const knownLicences: Record<string, string> = {
  'CC BY 4.0': 'https://creativecommons.org/licenses/by/4.0/',
  'CC BY-SA 4.0': 'https://creativecommons.org/licenses/by-sa/4.0/',
  'CC0 1.0': 'https://creativecommons.org/publicdomain/zero/1.0/',
};

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

export const ogcBase = (request: FastifyRequest) => `${baseUrl(request)}/ogc`;
export const collectionUrl = (request: FastifyRequest, layer: Pick<Layer, 'id'>) =>
  `${ogcBase(request)}/collections/${encodeURIComponent(layer.id)}`;

export const titleOf = (layer: Layer, lang: Language) => (lang === 'en' ? layer.titleEn : layer.titleVi);
export const descriptionOf = (layer: Layer, lang: Language) => (lang === 'en' ? layer.descriptionEn : layer.descriptionVi);
export const ownerOf = (layer: Layer, lang: Language) => (lang === 'en' ? layer.owner.nameEn : layer.owner.nameVi);

/** Whether the vector tiles plugin serves this app (tiles/ogc-tiles.ts): then collections link to their tilesets. */
export function servesOgcTiles(app: FastifyInstance): boolean {
  return app.hasRoute({ method: 'GET', url: '/ogc/collections/:collectionId/tiles' });
}

/** Restricted data must not sit in shared caches; either way clients revalidate (ETags make that cheap). */
export function cacheControlFor(layers: Pick<Layer, 'visibility'>[]): string {
  return layers.some((l) => l.visibility !== 'public') ? 'private, no-cache' : 'public, no-cache';
}

export function collectionDocument(request: FastifyRequest, layer: Layer, extent: Bbox | null, lang: Language) {
  const self = collectionUrl(request, layer);
  const base = baseUrl(request);
  const id = encodeURIComponent(layer.id);
  const links: Link[] = [
    { href: self, rel: 'self', type: 'application/json', title: 'This collection' },
    { href: `${self}?f=html`, rel: 'alternate', type: 'text/html', title: 'This collection as HTML' },
    { href: `${self}/items`, rel: 'items', type: 'application/geo+json', title: 'Features (GeoJSON)' },
    { href: `${self}/items?f=html`, rel: 'items', type: 'text/html', title: 'Features (HTML)' },
    { href: `${self}/queryables`, rel: REL_QUERYABLES, type: 'application/schema+json', title: 'Queryables' },
    // GDAL 3.6 looks for the short relation names; relation types compare case-insensitively (RFC 8288).
    { href: `${self}/queryables`, rel: 'queryables', type: 'application/schema+json', title: 'Queryables' },
    { href: `${self}/schema`, rel: 'describedBy', type: 'application/schema+json', title: 'Schema of the features' },
    { href: `${base}/api/layers/${id}`, rel: 'describedby', type: 'application/json', title: 'Catalog entry (platform API)' },
    { href: `${base}/wfs?service=WFS&version=2.0.0&request=DescribeFeatureType&typeNames=cb:${id}`, rel: 'describedby', type: 'application/xml', title: 'XML schema (WFS)' },
    ...DOWNLOAD_FORMATS.map(({ format, title }) => ({
      href: `${base}/api/layers/${id}/download?format=${format}`, rel: 'enclosure', type: 'application/zip', title: `Download: ${title}`,
    })),
  ];
  const licenceUrl = /^https?:\/\//i.test(layer.licence) ? layer.licence : knownLicences[layer.licence.trim().toUpperCase()];
  if (licenceUrl) links.push({ href: licenceUrl, rel: 'license', type: 'text/html', title: layer.licence });
  if (servesOgcTiles(request.server)) {
    links.push({ href: `${self}/tiles`, rel: REL_TILESETS_VECTOR, type: 'application/json', title: 'Vector tiles' });
  }
  return {
    id: layer.id,
    title: titleOf(layer, lang),
    description: descriptionOf(layer, lang),
    keywords: [layer.sector.titleVi, layer.sector.titleEn, layer.owner.nameVi],
    attribution: `${ownerOf(layer, lang)} — ${layer.source}`,
    license: layer.licence,
    itemType: 'feature',
    crs: SUPPORTED_CRS.map((c) => c.uri),
    storageCrs: CRS84.uri,
    extent: {
      ...(extent ? { spatial: { bbox: [extent], crs: CRS84.uri } } : {}),
      temporal: { interval: [[null, layer.dataUpdatedAt.toISOString()]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' },
    },
    provenance: { ...layerProvenance(layer), visibility: layer.visibility },
    links,
  };
}

function collectionHtml(doc: ReturnType<typeof collectionDocument>, layer: Layer, lang: Language, notices: string[]): string {
  const p = doc.provenance;
  const rows: [string, unknown][] = [
    [lang === 'en' ? 'Owner agency' : 'Cơ quan chủ quản', lang === 'en' ? p.owner.name_en : p.owner.name_vi],
    [lang === 'en' ? 'Source' : 'Nguồn', p.source],
    [lang === 'en' ? 'Legal basis' : 'Căn cứ pháp lý', p.legal_basis],
    [lang === 'en' ? 'Licence' : 'Giấy phép', p.licence],
    [lang === 'en' ? 'Last update' : 'Cập nhật lần cuối', p.data_updated_at],
    [lang === 'en' ? 'Features' : 'Số đối tượng', layer.featureCount],
    [lang === 'en' ? 'Extent (lon/lat)' : 'Phạm vi (kinh độ/vĩ độ)', doc.extent.spatial?.bbox[0]?.join(', ') ?? '—'],
  ];
  const body = `<p>${escapeHtml(doc.description)}</p>${definitionTable(rows)}<h2>Links</h2>${linkList(doc.links.map((l) => ({ href: l.href, title: l.title ?? l.rel })))}`;
  return renderPage({
    title: doc.title,
    lang,
    crumbs: [{ title: 'OGC API', href: doc.links[0]!.href.replace(/\/collections\/.*$/, '') }, { title: 'Collections', href: doc.links[0]!.href.replace(/\/[^/]*$/, '') }, { title: doc.id }],
    body,
    jsonHref: doc.links[0]!.href,
    notices,
  });
}

export function maintenanceNotices(app: FastifyInstance, lang: Language): string[] {
  return app.maintenance.upcoming().map((w) =>
    lang === 'en'
      ? `Maintenance ${w.startsAt.toISOString()} – ${w.endsAt.toISOString()}: ${w.titleEn}. ${w.messageEn}${w.readOnly ? ' (read-only)' : ''}`
      : `Bảo trì ${w.startsAt.toISOString()} – ${w.endsAt.toISOString()}: ${w.titleVi}. ${w.messageVi}${w.readOnly ? ' (chỉ xem)' : ''}`,
  );
}

function rejectParameters(request: FastifyRequest, allowed: string[]): string | undefined {
  const params = queryParameters(request.url);
  const unknown = params.map(([k]) => k).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw badRequest('unknown_parameter', `Unknown query parameter '${unknown[0]!.slice(0, 40)}'. Allowed: ${allowed.join(', ')}.`);
  }
  return params.find(([k]) => k === 'f')?.[1];
}

export async function collectionRoutes(app: FastifyInstance): Promise<void> {
  app.get('/collections', async (request, reply) => {
    const f = rejectParameters(request, ['f']);
    const encoding = requestedEncoding(request, f);
    const lang = requestedLanguage(request);
    const { layers, docs } = await app.db.withCaller(request.caller, async (client) => {
      const layers = await listLayers(client);
      const docs = [];
      for (const layer of layers) docs.push(collectionDocument(request, layer, await layerExtent(client, layer), lang));
      return { layers, docs };
    });
    const etag = weakEtag(`collections:${digest([encoding, lang, ogcBase(request), layers.map((l) => [l.id, l.dataVersion, l.dataUpdatedAt]), servesOgcTiles(app)])}`);
    reply.header('etag', etag).header('cache-control', cacheControlFor(layers)).header('vary', 'Accept, Accept-Language, Authorization, X-API-Key, Cookie');
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    const self = `${ogcBase(request)}/collections`;
    if (encoding === 'html') {
      const rows = docs.map((d) => `<tr><td><a href="${safeHref(`${self}/${encodeURIComponent(d.id)}?f=html`)}">${escapeHtml(d.title)}</a></td><td><code>${escapeHtml(d.id)}</code></td><td>${escapeHtml(d.provenance.owner.name_vi)}</td><td>${escapeHtml(d.provenance.data_updated_at)}</td></tr>`).join('');
      return reply.type('text/html; charset=utf-8').send(renderPage({
        title: lang === 'en' ? 'Collections' : 'Các lớp dữ liệu',
        lang,
        crumbs: [{ title: 'OGC API', href: ogcBase(request) }, { title: 'Collections' }],
        body: `<table><tr><th>Title</th><th>Id</th><th>Owner</th><th>Last update</th></tr>${rows}</table>`,
        jsonHref: `${self}?f=json`,
        notices: maintenanceNotices(app, lang),
      }));
    }
    return reply.type('application/json; charset=utf-8').send({
      links: [
        { href: self, rel: 'self', type: 'application/json', title: 'Collections' },
        { href: `${self}?f=html`, rel: 'alternate', type: 'text/html', title: 'Collections as HTML' },
      ],
      collections: docs,
    });
  });

  app.get<{ Params: { collectionId: string } }>('/collections/:collectionId', async (request, reply) => {
    const f = rejectParameters(request, ['f']);
    const encoding = requestedEncoding(request, f);
    const lang = requestedLanguage(request);
    const { layer, doc } = await app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, request.params.collectionId);
      if (!layer) throw collectionNotFound(request.params.collectionId);
      return { layer, doc: collectionDocument(request, layer, await layerExtent(client, layer), lang) };
    });
    const etag = weakEtag(`${layer.id}:${layer.dataVersion}:${digest([encoding, lang, ogcBase(request), layerProvenance(layer), servesOgcTiles(app)])}`);
    reply
      .header('etag', etag)
      .header('last-modified', layer.dataUpdatedAt.toUTCString())
      .header('cache-control', cacheControlFor([layer]))
      .header('vary', 'Accept, Accept-Language, Authorization, X-API-Key, Cookie');
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    if (encoding === 'html') return reply.type('text/html; charset=utf-8').send(collectionHtml(doc, layer, lang, maintenanceNotices(app, lang)));
    return reply.type('application/json; charset=utf-8').send(doc);
  });
}
