// /ogc/collections/{collectionId}/items and …/items/{featureId}: features from the provider as GeoJSON (streamed,
// in any supported CRS, with Content-Crs) or HTML, with Last-Modified, ETags and 304s, next/prev links, and
// numberMatched only where it costs no full count: the catalog's count for an unfiltered layer, a count bounded by
// SMALL_LAYER for small layers, or the page itself when it is the first and last one. resultType=hits counts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import type { CrsDefinition } from '../features/crs.ts';
import { featureCollectionText, FeatureCollectionStream, withMembers, type FeatureCollectionParts } from '../features/geojson-stream.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { layerProvenance } from '../features/provenance.ts';
import { countFeatures, countFeaturesUpTo, openFeaturePage, readFeature, SMALL_PAGE, type PageSummary } from '../features/provider.ts';
import { matchesWholeLayer, type FeatureQuery } from '../features/query.ts';
import { responseCommitted, sendStream } from '../features/stream-reply.ts';
import { cacheControlFor, collectionUrl, maintenanceNotices, ogcBase, titleOf, type Link } from './collections.ts';
import { queryParameters, requestedEncoding, requestedLanguage, type Encoding, type Language } from './encoding.ts';
import { collectionNotFound, featureNotFound } from './exceptions.ts';
import { escapeHtml, renderPage, safeHref } from './html.ts';
import { invalidFeatureId, parseItemRequest, parseItemsRequest, type ItemsRequest } from './items-query.ts';
import { sharedLookup, StaleGuess } from './shared-catalog.ts';

export const GEOJSON = 'application/geo+json';
/** Layers up to this many features get an exact numberMatched for any filter (a bounded count is cheap). */
export const SMALL_LAYER = 10_000;
/** Features on one HTML page: a person reads a table, not 10 000 rows. */
const HTML_MAX = 500;

const VARY = 'Accept, Accept-Language, Authorization, X-API-Key, Cookie';

function conditionalHeaders(request: FastifyRequest, reply: FastifyReply, etag: string, lastModified: Date, layer: Layer): boolean {
  reply
    .header('etag', etag)
    .header('last-modified', lastModified.toUTCString())
    .header('cache-control', cacheControlFor([layer]))
    .header('vary', VARY);
  const inm = request.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = request.headers['if-modified-since'];
  if (typeof ims === 'string') {
    const since = Date.parse(ims);
    // HTTP dates have whole seconds: unmodified when the last change was before the next second.
    return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

const contentCrs = (crs: CrsDefinition) => `<${crs.uri}>`;

function afterSend(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!responseCommitted(reply)) throw err;
  request.log.error({ err }, 'OGC items response failed after it was sent');
  return reply;
}

function pageLinks(request: FastifyRequest, layer: Layer, req: ItemsRequest, summary: PageSummary | null, encoding: Encoding): Link[] {
  const items = `${collectionUrl(request, layer)}/items`;
  const url = (paging: [string, string][], f?: string) =>
    `${items}?${new URLSearchParams([...req.canonical, ...paging, ...(f ? [['f', f] as [string, string]] : [])]).toString()}`;
  const { query } = req;
  const current: [string, string][] = query.offset ? [['offset', String(query.offset)]]
    : query.cursor && 'after' in query.cursor ? [['after', String(query.cursor.after)]]
    : query.cursor && 'before' in query.cursor ? [['before', String(query.cursor.before)]] : [];
  const selfType = encoding === 'html' ? 'text/html' : GEOJSON;
  const links: Link[] = [
    { href: url(current, encoding === 'html' ? 'html' : undefined), rel: 'self', type: selfType, title: 'This page' },
    { href: url(current, encoding === 'html' ? undefined : 'html'), rel: 'alternate', type: encoding === 'html' ? GEOJSON : 'text/html', title: 'This page in the other encoding' },
    { href: collectionUrl(request, layer), rel: 'collection', type: 'application/json', title: titleOf(layer, 'vi') },
  ];
  if (!summary) return links;
  const f = encoding === 'html' ? 'html' : undefined;
  const limit = query.limit ?? 0;
  if (query.offset !== undefined || (!query.cursor && summary.next === null)) {
    // Offset paging stays offset paging (what the client chose); a first page without a next needs neither.
    const offset = query.offset ?? 0;
    if (summary.next) links.push({ href: url([['offset', String(offset + limit)]], f), rel: 'next', type: selfType, title: 'Next page' });
    if (offset > 0) links.push({ href: url(offset - limit > 0 ? [['offset', String(offset - limit)]] : [], f), rel: 'prev', type: selfType, title: 'Previous page' });
  } else {
    // Keyset paging on the feature id: page 1 000 costs what page 1 costs.
    if (summary.next && 'after' in summary.next) links.push({ href: url([['after', String(summary.next.after)]], f), rel: 'next', type: selfType, title: 'Next page' });
    if (summary.prev && 'before' in summary.prev) links.push({ href: url([['before', String(summary.prev.before)]], f), rel: 'prev', type: selfType, title: 'Previous page' });
  }
  return links;
}

/** numberMatched when it is cheap to know exactly; null when it would take a full count. */
async function cheapNumberMatched(client: pg.ClientBase, layer: Layer, query: FeatureQuery): Promise<number | null> {
  if (matchesWholeLayer(query)) return layer.featureCount;
  if (layer.featureCount <= SMALL_LAYER) return countFeaturesUpTo(client, layer, query, SMALL_LAYER);
  return null;
}

function itemsHtml(request: FastifyRequest, layer: Layer, lang: Language, features: { id: number; properties: Record<string, unknown> }[], links: Link[], matched: number | null): string {
  const columns = layer.attributes.map((a) => a.name);
  const items = `${collectionUrl(request, layer)}/items`;
  const head = `<tr><th>id</th>${columns.map((c) => `<th>${escapeHtml(layer.attributes.find((a) => a.name === c)?.[lang === 'en' ? 'label_en' : 'label_vi'] ?? c)}</th>`).join('')}</tr>`;
  const rows = features.map((f) => `<tr><td><a href="${safeHref(`${items}/${f.id}?f=html`)}">${f.id}</a></td>${columns.map((c) => `<td>${escapeHtml(f.properties[c] ?? '')}</td>`).join('')}</tr>`).join('');
  const nav = links.filter((l) => l.rel === 'next' || l.rel === 'prev').map((l) => `<a href="${safeHref(l.href)}">${l.rel === 'next' ? 'Next ›' : '‹ Previous'}</a>`).join(' · ');
  return renderPage({
    title: titleOf(layer, lang),
    lang,
    crumbs: [
      { title: 'OGC API', href: ogcBase(request) },
      { title: 'Collections', href: `${ogcBase(request)}/collections?f=html` },
      { title: titleOf(layer, lang), href: `${collectionUrl(request, layer)}?f=html` },
      { title: 'Items' },
    ],
    body: `<p>${features.length} ${lang === 'en' ? 'features shown' : 'đối tượng'}${matched !== null ? ` / ${matched}` : ''}. ${nav}</p><table>${head}${rows}</table><p>${nav}</p>`,
    jsonHref: links.find((l) => l.rel === 'alternate')!.href,
    notices: maintenanceNotices(request.server, lang),
  });
}

export async function itemRoutes(app: FastifyInstance): Promise<void> {
  const limits = { defaultLimit: app.config.FEATURES_DEFAULT_LIMIT, maxLimit: app.config.FEATURES_MAX_LIMIT };

  app.get<{ Params: { collectionId: string } }>('/collections/:collectionId/items', async (request, reply) => {
    const params = queryParameters(request.url);
    const id = request.params.collectionId;
    const lookup = sharedLookup(app, request, id);
    /**
     * Answers with `known` as the layer (undefined: found in the caller's transaction). With a guessed layer
     * (`guessed`), nothing is sent before `confirm` has found it current; a small JSON page is read meanwhile.
     */
    const answer = (known: Layer | null | undefined, guessed: boolean) => app.db.withCaller(request.caller, async (client) => {
      const layer = known !== undefined ? known : await findLayer(client, id);
      /** `snapshot`: what the page's own query saw, which confirms the guess if it is the guess's own snapshot. */
      const confirm = async (snapshot: string | null = null) => {
        if (!guessed || (snapshot !== null && snapshot === lookup!.guessSnapshot)) return;
        if ((await lookup!.confirmed()) !== layer) throw new StaleGuess();
      };
      if (!layer) throw collectionNotFound(id);
      const req = parseItemsRequest(layer, params, limits);
      const encoding = requestedEncoding(request, req.f);
      const lang = requestedLanguage(request);
      const { query } = req;
      const paging = [query.offset ?? 0, query.cursor ? JSON.stringify(query.cursor) : ''];
      const etag = weakEtag(`${layer.id}:${layer.dataVersion}:${digest([
        encoding, lang, ogcBase(request), layerProvenance(layer), layer.attributes.map((a) => [a.name, a.type]), req.canonical, paging, req.resultType,
      ])}`);
      reply.header('content-crs', contentCrs(req.crs));
      if (conditionalHeaders(request, reply, etag, layer.dataUpdatedAt, layer)) {
        await confirm();
        reply.code(304).send();
        return;
      }

      if (req.resultType === 'hits') {
        await confirm();
        const n = matchesWholeLayer(query) ? layer.featureCount : await countFeatures(client, layer, query);
        reply.type(`${GEOJSON}; charset=utf-8`).send({
          type: 'FeatureCollection', timeStamp: new Date().toISOString(), numberMatched: n, numberReturned: 0, features: [],
          links: pageLinks(request, layer, req, null, 'json'),
        });
        return;
      }

      const matched = await cheapNumberMatched(client, layer, query);
      if (encoding === 'html') {
        await confirm();
        const htmlQuery = { ...query, limit: Math.min(query.limit ?? HTML_MAX, HTML_MAX) };
        const page = openFeaturePage(client, layer, htmlQuery);
        const features: { id: number; properties: Record<string, unknown> }[] = [];
        try {
          for (let batch = await page.nextBatch(); batch; batch = await page.nextBatch()) {
            for (const text of batch) features.push(JSON.parse(text) as { id: number; properties: Record<string, unknown> });
          }
          const summary = await page.finish();
          const links = pageLinks(request, layer, { ...req, query: htmlQuery }, summary, 'html');
          reply.type('text/html; charset=utf-8').send(itemsHtml(request, layer, lang, features, links, matched));
        } finally {
          await page.close();
        }
        return;
      }

      if (request.method === 'HEAD') {
        await confirm();
        reply.type(`${GEOJSON}; charset=utf-8`).send();
        return;
      }
      // A page this small is read in one query and held whole anyway (provider.ts): it is read before the guess
      // is confirmed, and sent as one body with a Content-Length, so it leaves in one write instead of a chunk per
      // batch, the tail and the terminator. Larger pages stream, once the layer is confirmed.
      const small = query.limit !== null && query.limit <= SMALL_PAGE;
      if (!small) await confirm();
      const firstPage = !query.offset && !query.cursor;
      const parts: FeatureCollectionParts = {
        head: { timeStamp: new Date().toISOString(), provenance: layerProvenance(layer) },
        page: openFeaturePage(client, layer, query, { crs: req.crs }, { joined: true }),
        tail: (summary) => {
          const known = matched ?? (firstPage && summary.next === null ? summary.numberReturned : null);
          return {
            ...(known !== null ? { numberMatched: known } : {}),
            numberReturned: summary.numberReturned,
            links: pageLinks(request, layer, req, summary, 'json'),
          };
        },
      };
      reply.type(`${GEOJSON}; charset=utf-8`);
      if (small) {
        const body = Buffer.from(await featureCollectionText(parts));
        await confirm(parts.page.snapshot);
        reply.send(body);
        return;
      }
      const stream = new FeatureCollectionStream(parts);
      const failure = await sendStream(reply, stream);
      if (failure) throw failure;
    });
    try {
      if (lookup?.guess) {
        try {
          await answer(lookup.guess, true);
        } catch (err) {
          // A guess that failed (an error, or found stale) is decided again on the confirmed entry, unless the
          // confirmation says the guess was right and the error stands.
          if (responseCommitted(reply) || (!(err instanceof StaleGuess) && (await lookup.confirmed()) === lookup.guess)) throw err;
          await answer(await lookup.confirmed(), false);
        }
      } else {
        await answer(lookup ? await lookup.confirmed() : undefined, false);
      }
    } catch (err) {
      return afterSend(request, reply, err);
    }
    return reply;
  });

  app.get<{ Params: { collectionId: string; featureId: string } }>('/collections/:collectionId/items/:featureId', async (request, reply) => {
    const { collectionId, featureId } = request.params;
    const lookup = sharedLookup(app, request, collectionId);
    const shared = lookup ? await lookup.confirmed() : undefined;
    const result = await app.db.withCaller(request.caller, async (client) => {
      const layer = shared !== undefined ? shared : await findLayer(client, collectionId);
      if (!layer) throw collectionNotFound(collectionId);
      const req = parseItemRequest(layer, queryParameters(request.url));
      if (!/^\d{1,15}$/.test(featureId)) throw invalidFeatureId(featureId);
      const fid = Number(featureId);
      const feature = await readFeature(client, layer, fid, req.properties, null, { crs: req.crs });
      if (!feature) throw featureNotFound(layer.id, featureId);
      return { layer, req, fid, feature };
    });
    const { layer, req, fid, feature } = result;
    const encoding = requestedEncoding(request, req.f);
    const lang = requestedLanguage(request);
    const plain = encoding === 'json' && req.properties === null && req.crs.srid === 4326 && !req.crs.latLon;
    // The plain representation's ETag is strong and is what If-Match takes for Part 4 edits.
    const etag = plain ? `"${layer.id}:${fid}:${feature.version}"`
      : weakEtag(`${layer.id}:${fid}:${feature.version}:${digest([encoding, lang, req.crs.uri, req.properties, ogcBase(request)])}`);
    reply.header('content-crs', contentCrs(req.crs));
    if (conditionalHeaders(request, reply, etag, feature.updatedAt, layer)) return reply.code(304).send();
    const self = `${collectionUrl(request, layer)}/items/${fid}`;
    if (encoding === 'html') {
      const f = JSON.parse(feature.text) as { properties: Record<string, unknown>; geometry: unknown };
      const rows = layer.attributes
        .filter((a) => req.properties === null || req.properties.includes(a.name))
        .map((a) => `<tr><th>${escapeHtml(lang === 'en' ? a.label_en : a.label_vi)}</th><td>${escapeHtml(f.properties[a.name] ?? '')}</td></tr>`)
        .join('');
      const p = layerProvenance(layer);
      return reply.type('text/html; charset=utf-8').send(renderPage({
        title: `${titleOf(layer, lang)} #${fid}`,
        lang,
        crumbs: [
          { title: 'OGC API', href: ogcBase(request) },
          { title: titleOf(layer, lang), href: `${collectionUrl(request, layer)}?f=html` },
          { title: 'Items', href: `${collectionUrl(request, layer)}/items?f=html` },
          { title: String(fid) },
        ],
        body: `<table>${rows}</table><h2>Geometry</h2><pre>${escapeHtml(JSON.stringify(f.geometry).slice(0, 4000))}</pre>` +
          `<p>${escapeHtml(`${p.owner.name_vi} — ${p.source}. ${p.licence}. Cập nhật / updated ${feature.updatedAt.toISOString()}`)}</p>`,
        jsonHref: self,
        notices: maintenanceNotices(app, lang),
      }));
    }
    const body = withMembers(feature.text, {
      links: [
        { href: self, rel: 'self', type: GEOJSON, title: 'This feature' },
        { href: `${self}?f=html`, rel: 'alternate', type: 'text/html', title: 'This feature as HTML' },
        { href: collectionUrl(request, layer), rel: 'collection', type: 'application/json', title: titleOf(layer, lang) },
      ],
    });
    return reply.type(`${GEOJSON}; charset=utf-8`).send(body);
  });
}
