// /ogc/collections/{collectionId}/queryables (Part 3: what filters may name, as JSON Schema) and …/schema (the
// features' own schema, which GDAL reads to type the fields instead of guessing them from the first page).
import type { FastifyInstance } from 'fastify';
import type { Attribute } from '../catalog/attributes.ts';
import { findLayer, type GeometryFamily, type Layer } from '../catalog/catalog.ts';
import { badRequest } from '../errors.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { cacheControlFor, collectionUrl, ogcBase, titleOf } from './collections.ts';
import { queryParameters, requestedEncoding, requestedLanguage, type Language } from './encoding.ts';
import { collectionNotFound } from './exceptions.ts';
import { escapeHtml, renderPage } from './html.ts';
import { GEOMETRY_QUERYABLE } from './items-query.ts';

const geometryFormat: Record<GeometryFamily, string> = { point: 'geometry-point', line: 'geometry-multilinestring', polygon: 'geometry-multipolygon' };
const geometryRef: Record<GeometryFamily, string> = {
  point: 'https://geojson.org/schema/Point.json',
  line: 'https://geojson.org/schema/MultiLineString.json',
  polygon: 'https://geojson.org/schema/MultiPolygon.json',
};

export function attributeSchema(a: Attribute, lang: Language): Record<string, unknown> {
  const base: Record<string, unknown> = { title: lang === 'en' ? a.label_en : a.label_vi, description: lang === 'en' ? a.label_vi : a.label_en };
  switch (a.type) {
    case 'text':
      return { ...base, type: 'string', ...(a.max_length ? { maxLength: a.max_length } : {}), ...(a.allowed ? { enum: a.allowed } : {}) };
    case 'integer':
      return { ...base, type: 'integer', ...(a.allowed ? { enum: a.allowed } : {}) };
    case 'number':
      return { ...base, type: 'number' };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'date':
      return { ...base, type: 'string', format: 'date' };
    case 'datetime':
      return { ...base, type: 'string', format: 'date-time' };
  }
}

export function queryablesDocument(layer: Layer, self: string, lang: Language) {
  const properties: Record<string, unknown> = {
    [GEOMETRY_QUERYABLE]: { title: 'Geometry', format: geometryFormat[layer.geometryFamily], 'x-ogc-role': 'primary-geometry' },
  };
  for (const a of layer.attributes) properties[a.name] = attributeSchema(a, lang);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: self,
    type: 'object',
    title: titleOf(layer, lang),
    description: `Properties of ${layer.id} that filter (CQL2) and name=value parameters may use.`,
    properties,
    additionalProperties: false,
  };
}

export function featureSchemaDocument(layer: Layer, self: string, lang: Language) {
  const props: Record<string, unknown> = {};
  for (const a of layer.attributes) props[a.name] = attributeSchema(a, lang);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: self,
    title: titleOf(layer, lang),
    // One type per property (GDAL reads `type` as a string): an attribute that is not required may also be null.
    description: `A feature of ${layer.id}. Attributes other than ${layer.attributes.filter((a) => a.required).map((a) => a.name).join(', ') || '(none)'} may be null.`,
    type: 'object',
    required: ['type', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'integer' },
      geometry: { $ref: geometryRef[layer.geometryFamily] },
      properties: { type: 'object', properties: props },
    },
  };
}

export async function queryablesRoutes(app: FastifyInstance): Promise<void> {
  for (const kind of ['queryables', 'schema'] as const) {
    app.get<{ Params: { collectionId: string } }>(`/collections/:collectionId/${kind}`, async (request, reply) => {
      const params = queryParameters(request.url);
      const unknown = params.find(([k]) => k !== 'f');
      if (unknown) throw badRequest('unknown_parameter', `Unknown query parameter '${unknown[0].slice(0, 40)}'. Allowed: f.`);
      const encoding = requestedEncoding(request, params.find(([k]) => k === 'f')?.[1]);
      const lang = requestedLanguage(request);
      const layer = await app.db.withCaller(request.caller, async (client) => findLayer(client, request.params.collectionId));
      if (!layer) throw collectionNotFound(request.params.collectionId);
      const self = `${collectionUrl(request, layer)}/${kind}`;
      const doc = kind === 'queryables' ? queryablesDocument(layer, self, lang) : featureSchemaDocument(layer, self, lang);
      const etag = weakEtag(`${layer.id}:${kind}:${digest([encoding, lang, doc])}`);
      reply.header('etag', etag).header('cache-control', cacheControlFor([layer])).header('vary', 'Accept, Accept-Language, Authorization, X-API-Key, Cookie');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      if (encoding === 'html') {
        const rows = Object.entries(queryablesDocument(layer, self, lang).properties)
          .map(([name, s]) => `<tr><td><code>${escapeHtml(name)}</code></td><td>${escapeHtml((s as { title?: string }).title)}</td><td>${escapeHtml((s as { type?: string; format?: string }).type ?? (s as { format?: string }).format)}</td></tr>`)
          .join('');
        return reply.type('text/html; charset=utf-8').send(renderPage({
          title: `${titleOf(layer, lang)}: ${kind}`,
          lang,
          crumbs: [{ title: 'OGC API', href: ogcBase(request) }, { title: titleOf(layer, lang), href: `${collectionUrl(request, layer)}?f=html` }, { title: kind }],
          body: `<table><tr><th>Name</th><th>Title</th><th>Type</th></tr>${rows}</table>`,
          jsonHref: `${self}?f=json`,
        }));
      }
      return reply.type('application/schema+json; charset=utf-8').send(doc);
    });
  }
}
