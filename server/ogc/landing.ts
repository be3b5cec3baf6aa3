// The landing page (/ogc), /ogc/conformance and /ogc/api. The landing page also announces maintenance windows
// (Điều 10.2), so a consuming system that only ever reads /ogc still learns of them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listLayers } from '../catalog/catalog.ts';
import { badRequest } from '../errors.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { cacheControlFor, maintenanceNotices, ogcBase, servesOgcTiles } from './collections.ts';
import { conformanceClasses } from './conformance.ts';
import { queryParameters, requestedEncoding, requestedLanguage } from './encoding.ts';
import { escapeHtml, linkList, renderPage } from './html.ts';
import { OPENAPI_TYPE, openApiDocument } from './openapi.ts';

function onlyF(request: FastifyRequest): string | undefined {
  const params = queryParameters(request.url);
  const unknown = params.find(([k]) => k !== 'f');
  if (unknown) throw badRequest('unknown_parameter', `Unknown query parameter '${unknown[0].slice(0, 40)}'. Allowed: f.`);
  return params.find(([k]) => k === 'f')?.[1];
}

export async function landingRoutes(app: FastifyInstance): Promise<void> {
  const limits = { defaultLimit: app.config.FEATURES_DEFAULT_LIMIT, maxLimit: app.config.FEATURES_MAX_LIMIT };

  app.get('/', async (request, reply) => {
    const encoding = requestedEncoding(request, onlyF(request));
    const lang = requestedLanguage(request);
    const base = ogcBase(request);
    const links = [
      { href: base, rel: 'self', type: 'application/json', title: 'This document' },
      { href: `${base}?f=html`, rel: 'alternate', type: 'text/html', title: 'This document as HTML' },
      { href: `${base}/api`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'The API definition (OpenAPI 3.0)' },
      { href: `${base}/api?f=html`, rel: 'service-doc', type: 'text/html', title: 'The API documentation' },
      { href: `${base}/conformance`, rel: 'conformance', type: 'application/json', title: 'Conformance classes' },
      { href: `${base}/collections`, rel: 'data', type: 'application/json', title: 'Collections' },
      ...(servesOgcTiles(app)
        ? [{ href: `${base}/tileMatrixSets`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes', type: 'application/json', title: 'Tile matrix sets' }]
        : []),
      { href: `${base.replace(/\/ogc$/, '')}/wfs?service=WFS&request=GetCapabilities`, rel: 'alternate', type: 'application/xml', title: 'The same data as WFS 2.0' },
    ];
    const notices = app.maintenance.upcoming().map((w) => ({
      starts_at: w.startsAt.toISOString(), ends_at: w.endsAt.toISOString(), title_vi: w.titleVi, title_en: w.titleEn,
      message_vi: w.messageVi, message_en: w.messageEn, read_only: w.readOnly, emergency: w.emergency,
    }));
    reply.header('cache-control', 'no-cache').header('vary', 'Accept, Accept-Language');
    const title = lang === 'en' ? 'Cao Bằng sector databases: OGC API Features' : 'Cơ sở dữ liệu chuyên ngành tỉnh Cao Bằng: OGC API Features';
    const description = lang === 'en'
      ? 'Geographic data of the sector departments of Cao Bằng province (Decision 34/2024/QĐ-UBND). Public layers are open; restricted ones need an API key.'
      : 'Dữ liệu địa lý của các sở, ngành tỉnh Cao Bằng (Quyết định 34/2024/QĐ-UBND). Lớp công khai mở cho mọi người; lớp hạn chế cần khóa API.';
    if (encoding === 'html') {
      return reply.type('text/html; charset=utf-8').send(renderPage({
        title, lang, crumbs: [{ title: 'OGC API' }], body: `<p>${escapeHtml(description)}</p>${linkList(links.slice(2))}`,
        jsonHref: `${base}?f=json`, notices: maintenanceNotices(app, lang),
      }));
    }
    return reply.type('application/json; charset=utf-8').send({ title, description, links, maintenance: notices });
  });

  app.get('/conformance', async (request, reply) => {
    const encoding = requestedEncoding(request, onlyF(request));
    const classes = conformanceClasses(app);
    reply.header('cache-control', 'public, max-age=3600');
    if (encoding === 'html') {
      return reply.type('text/html; charset=utf-8').send(renderPage({
        title: 'Conformance', lang: requestedLanguage(request), crumbs: [{ title: 'OGC API', href: ogcBase(request) }, { title: 'Conformance' }],
        body: `<ul>${classes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>`, jsonHref: `${ogcBase(request)}/conformance?f=json`,
      }));
    }
    return reply.type('application/json; charset=utf-8').send({ conformsTo: classes });
  });

  app.get('/api', async (request, reply) => {
    const encoding = requestedEncoding(request, onlyF(request));
    const layers = await app.db.withCaller(request.caller, (client) => listLayers(client));
    const doc = openApiDocument(request, layers, limits, { tiles: servesOgcTiles(app) });
    const etag = weakEtag(`api:${digest(doc)}`);
    reply.header('etag', etag).header('cache-control', cacheControlFor(layers)).header('vary', 'Accept, Authorization, X-API-Key, Cookie');
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    if (encoding === 'html') {
      const rows = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.entries(ops as Record<string, { summary?: string }>).map(([method, op]) =>
          `<tr><td>${escapeHtml(method.toUpperCase())}</td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.summary)}</td></tr>`));
      return reply.type('text/html; charset=utf-8').send(renderPage({
        title: doc.info.title, lang: requestedLanguage(request), crumbs: [{ title: 'OGC API', href: ogcBase(request) }, { title: 'API' }],
        body: `<p>${escapeHtml(doc.info.description)}</p><table><tr><th>Method</th><th>Path</th><th>What</th></tr>${rows.join('')}</table>`,
        jsonHref: `${ogcBase(request)}/api?f=json`,
      }));
    }
    return reply.type(`${OPENAPI_TYPE}; charset=utf-8`).send(JSON.stringify(doc));
  });
}
