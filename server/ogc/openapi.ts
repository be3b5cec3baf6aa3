// /ogc/api: the OpenAPI 3.0 definition of exactly what this folder serves — its paths, methods, parameters (with
// the limit's default and maximum), media types and errors. Per visible collection it also lists the items path
// with the collection's queryables as parameters, which is how GDAL learns what it may filter on server-side.
// When the vector tiles plugin serves /ogc (tiles/ogc-tiles.ts), its paths are here too (OGC API - Tiles, oas30).
import type { FastifyRequest } from 'fastify';
import { WEB_MERCATOR_QUAD } from '../../tiles/ogc-tiles.ts';
import { MVT_CONTENT_TYPE } from '../../tiles/tile-response.ts';
import type { Layer } from '../catalog/catalog.ts';
import { SUPPORTED_CRS } from '../features/crs.ts';
import { ogcBase } from './collections.ts';
import { filterLanguages } from './items-query.ts';
import { attributeSchema } from './queryables.ts';

export const OPENAPI_TYPE = 'application/vnd.oai.openapi+json;version=3.0';

const ref = (name: string) => ({ $ref: `#/components/parameters/${name}` });
const errors = {
  400: { $ref: '#/components/responses/Error' },
  404: { $ref: '#/components/responses/Error' },
  429: { $ref: '#/components/responses/Error' },
};
const json = (schema: unknown, type = 'application/json') => ({ content: { [type]: { schema } } });
const html = { 'text/html': { schema: { type: 'string' } } };

const itemsParameterRefs = ['f', 'bbox', 'bbox-crs', 'limit', 'offset', 'after', 'before', 'datetime', 'crs', 'properties', 'filter', 'filter-lang', 'filter-crs', 'resultType'];


/** The OGC API - Tiles paths of tiles/ogc-tiles.ts, with the operation ids 20-057 recommends. */
function tilePaths() {
  const tileParams = [ref('collectionId'), ref('tileMatrixSetId'), ref('tileMatrix'), ref('tileRow'), ref('tileCol')];
  return {
    '/tileMatrixSets': {
      get: { operationId: 'getTileMatrixSetsList', summary: 'Tiling schemes (tile matrix sets) of the tiles', responses: { 200: { description: 'The tile matrix sets', ...json({ type: 'object' }) } } },
    },
    '/tileMatrixSets/{tileMatrixSetId}': {
      get: { operationId: 'getTileMatrixSet', summary: 'A tile matrix set (OGC 17-083r4, JSON)', parameters: [ref('tileMatrixSetId')], responses: { 200: { description: 'The tile matrix set', ...json({ type: 'object' }) }, ...errors } },
    },
    '/collections/{collectionId}/tiles': {
      get: { operationId: '.collection.vector.getTileSetsList', summary: 'The vector tilesets of the collection', parameters: [ref('collectionId')], responses: { 200: { description: 'Tilesets', ...json({ type: 'object' }) }, ...errors } },
    },
    '/collections/{collectionId}/tiles/{tileMatrixSetId}': {
      get: { operationId: '.collection.vector.getTileSet', summary: 'Tileset metadata: limits, layer schema, the tile template', parameters: [ref('collectionId'), ref('tileMatrixSetId')], responses: { 200: { description: 'Tileset metadata', ...json({ type: 'object' }) }, ...errors } },
    },
    '/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}': {
      get: {
        operationId: '.collection.vector.getTile',
        summary: 'A vector tile (Mapbox Vector Tile); tile matrices outside the tileset limits are 404',
        parameters: tileParams,
        responses: {
          200: { description: 'The tile', content: { [MVT_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } } },
          204: { description: 'No data in this tile' },
          304: { description: 'Not modified (If-None-Match)' },
          ...errors,
        },
      },
    },
  };
}

export function openApiDocument(request: FastifyRequest, layers: Layer[], limits: { defaultLimit: number; maxLimit: number }, opts: { tiles: boolean } = { tiles: false }) {
  const crsUris = SUPPORTED_CRS.map((c) => c.uri);
  const editResponses = {
    400: { $ref: '#/components/responses/Error' },
    401: { $ref: '#/components/responses/Error' },
    403: { $ref: '#/components/responses/Error' },
    404: { $ref: '#/components/responses/Error' },
    412: { $ref: '#/components/responses/Error' },
    428: { $ref: '#/components/responses/Error' },
  };
  const itemsGet = () => ({
    summary: 'Features of the collection (and, as name=value, its queryables: see the path of each collection)',
    parameters: [ref('collectionId'), ...itemsParameterRefs.map(ref)],
    responses: {
      200: {
        description: 'A page of features (GeoJSON, streamed) or an HTML table.',
        headers: { 'Content-Crs': { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } }, 'Last-Modified': { schema: { type: 'string' } } },
        content: { 'application/geo+json': { schema: { $ref: '#/components/schemas/FeatureCollection' } }, ...html },
      },
      304: { description: 'Not modified (If-None-Match / If-Modified-Since).' },
      ...errors,
    },
  });
  const perCollection: Record<string, unknown> = {};
  for (const layer of layers) {
    const attributeParameters = layer.attributes.map((a) => ({
      name: a.name, in: 'query', required: false, description: `${a.label_en}: features whose ${a.name} equals one of the values given.`,
      schema: attributeSchema(a, 'en'), style: 'form', explode: true,
    }));
    perCollection[`/collections/${layer.id}/items`] = {
      get: { summary: `Features of ${layer.titleEn}`, parameters: [...itemsParameterRefs.map(ref), ...attributeParameters], responses: itemsGet().responses },
    };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Cao Bằng sector databases — OGC API Features',
      version: '1.0.0',
      description: 'Nền tảng cơ sở dữ liệu chuyên ngành tỉnh Cao Bằng (Quyết định 34/2024/QĐ-UBND). Parts 1–4 of OGC API - Features with CQL2. ' +
        'API keys: Authorization: Bearer <key> or X-API-Key. Beyond CQL2 1.0, the text filter also accepts S_DWITHIN(geometry, literal, metres) and ILIKE.',
      contact: { name: 'Trung tâm Công nghệ số và Truyền thông (Sở TTTT Cao Bằng)' },
      license: { name: 'Per collection: see each collection\'s license' },
    },
    servers: [{ url: ogcBase(request) }],
    security: [{}, { apiKey: [] }, { bearer: [] }],
    paths: {
      '/': { get: { summary: 'Landing page', parameters: [ref('f')], responses: { 200: { description: 'Landing page', content: { 'application/json': {}, ...html } }, ...errors } } },
      '/conformance': { get: { summary: 'Conformance classes', parameters: [ref('f')], responses: { 200: { description: 'Conformance', content: { 'application/json': {}, ...html } }, ...errors } } },
      '/api': { get: { summary: 'This document', parameters: [ref('f')], responses: { 200: { description: 'OpenAPI 3.0', content: { [OPENAPI_TYPE]: {}, ...html } } } } },
      '/collections': { get: { summary: 'Collections the caller may see', parameters: [ref('f')], responses: { 200: { description: 'Collections', content: { 'application/json': {}, ...html } }, 304: { description: 'Not modified' }, ...errors } } },
      '/collections/{collectionId}': {
        get: { summary: 'One collection, with owner, source, legal basis, licence and last update', parameters: [ref('collectionId'), ref('f')], responses: { 200: { description: 'Collection', content: { 'application/json': {}, ...html } }, 304: { description: 'Not modified' }, ...errors } },
      },
      '/collections/{collectionId}/items': {
        get: itemsGet(),
        post: {
          summary: 'Create a feature (Part 4)',
          parameters: [ref('collectionId'), ref('Content-Crs')],
          requestBody: { required: true, content: { 'application/geo+json': { schema: { $ref: '#/components/schemas/Feature' } }, 'application/json': { schema: { $ref: '#/components/schemas/Feature' } } } },
          responses: { 201: { description: 'Created; Location names the new feature, ETag its version.' }, ...editResponses },
        },
      },
      '/collections/{collectionId}/items/{featureId}': {
        get: {
          summary: 'One feature',
          parameters: [ref('collectionId'), ref('featureId'), ref('f'), ref('crs'), ref('properties')],
          responses: { 200: { description: 'The feature; its ETag is what If-Match takes.', content: { 'application/geo+json': { schema: { $ref: '#/components/schemas/Feature' } }, ...html } }, 304: { description: 'Not modified' }, ...errors },
        },
        put: {
          summary: 'Replace a feature (Part 4); needs If-Match',
          parameters: [ref('collectionId'), ref('featureId'), ref('If-Match'), ref('Content-Crs')],
          requestBody: { required: true, content: { 'application/geo+json': { schema: { $ref: '#/components/schemas/Feature' } }, 'application/json': { schema: { $ref: '#/components/schemas/Feature' } } } },
          responses: { 200: { description: 'Replaced' }, ...editResponses },
        },
        patch: {
          summary: 'Update part of a feature (Part 4, JSON merge patch); needs If-Match',
          parameters: [ref('collectionId'), ref('featureId'), ref('If-Match'), ref('Content-Crs')],
          requestBody: { required: true, content: { 'application/merge-patch+json': { schema: { type: 'object' } }, 'application/json': { schema: { type: 'object' } } } },
          responses: { 200: { description: 'Updated' }, ...editResponses },
        },
        delete: {
          summary: 'Delete a feature (Part 4); needs If-Match',
          parameters: [ref('collectionId'), ref('featureId'), ref('If-Match')],
          responses: { 204: { description: 'Deleted (its history is kept)' }, ...editResponses },
        },
      },
      '/collections/{collectionId}/queryables': {
        get: { summary: 'Queryables (Part 3)', parameters: [ref('collectionId'), ref('f')], responses: { 200: { description: 'JSON Schema', content: { 'application/schema+json': {}, ...html } }, ...errors } },
      },
      '/collections/{collectionId}/schema': {
        get: { summary: 'Schema of the features', parameters: [ref('collectionId'), ref('f')], responses: { 200: { description: 'JSON Schema', content: { 'application/schema+json': {}, ...html } }, ...errors } },
      },
      ...(opts.tiles ? tilePaths() : {}),
      ...perCollection,
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      parameters: {
        collectionId: { name: 'collectionId', in: 'path', required: true, schema: { type: 'string', enum: layers.map((l) => l.id) } },
        featureId: { name: 'featureId', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        f: { name: 'f', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'html'] }, description: 'Encoding; default from Accept.' },
        bbox: { name: 'bbox', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } }, description: 'In the axis order of bbox-crs.' },
        'bbox-crs': { name: 'bbox-crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris, default: crsUris[0] } },
        crs: { name: 'crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris, default: crsUris[0] } },
        limit: { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: limits.maxLimit, default: limits.defaultLimit }, description: 'Larger values are clamped to the maximum.' },
        offset: { name: 'offset', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
        after: { name: 'after', in: 'query', required: false, schema: { type: 'integer' }, description: 'Opaque cursor of the next links (features after this id).' },
        before: { name: 'before', in: 'query', required: false, schema: { type: 'integer' }, description: 'Opaque cursor of the prev links.' },
        datetime: { name: 'datetime', in: 'query', required: false, schema: { type: 'string' }, description: 'Instant or interval (.. open) on the last update of each feature.' },
        properties: { name: 'properties', in: 'query', required: false, style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' } } },
        filter: { name: 'filter', in: 'query', required: false, schema: { type: 'string' }, description: 'CQL2 (text or JSON) on the queryables.' },
        'filter-lang': { name: 'filter-lang', in: 'query', required: false, schema: { type: 'string', enum: [...filterLanguages], default: 'cql2-text' }, description: 'cql-text is read as cql2-text (the name GDAL 3.6 uses).' },
        'filter-crs': { name: 'filter-crs', in: 'query', required: false, schema: { type: 'string', format: 'uri', enum: crsUris, default: crsUris[0] } },
        resultType: { name: 'resultType', in: 'query', required: false, schema: { type: 'string', enum: ['results', 'hits'], default: 'results' }, description: 'hits: only numberMatched (a full count).' },
        'If-Match': { name: 'If-Match', in: 'header', required: true, schema: { type: 'string' }, description: 'The ETag of the version being changed.' },
        'Content-Crs': { name: 'Content-Crs', in: 'header', required: false, schema: { type: 'string', enum: crsUris.map((u) => `<${u}>`) } },
        ...(opts.tiles ? {
          tileMatrixSetId: { name: 'tileMatrixSetId', in: 'path', required: true, schema: { type: 'string', enum: [WEB_MERCATOR_QUAD] } },
          tileMatrix: { name: 'tileMatrix', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{1,2}$' }, description: 'The zoom level; the tileset metadata lists the ones with tiles.' },
          tileRow: { name: 'tileRow', in: 'path', required: true, schema: { type: 'integer', minimum: 0 }, description: 'Row from the top (y).' },
          tileCol: { name: 'tileCol', in: 'path', required: true, schema: { type: 'integer', minimum: 0 }, description: 'Column from the left (x).' },
        } : {}),
      },
      schemas: {
        Exception: { type: 'object', required: ['code'], properties: { code: { type: 'string' }, description: { type: 'string' } } },
        Feature: {
          type: 'object', required: ['type', 'geometry', 'properties'],
          properties: { type: { type: 'string', enum: ['Feature'] }, id: { type: 'integer' }, geometry: { type: 'object' }, properties: { type: 'object', nullable: true } },
        },
        FeatureCollection: {
          type: 'object', required: ['type', 'features'],
          properties: {
            type: { type: 'string', enum: ['FeatureCollection'] },
            features: { type: 'array', items: { $ref: '#/components/schemas/Feature' } },
            numberMatched: { type: 'integer' }, numberReturned: { type: 'integer' }, timeStamp: { type: 'string', format: 'date-time' },
            links: { type: 'array', items: { type: 'object' } },
          },
        },
      },
      responses: {
        Error: { description: 'An OGC exception', ...json({ $ref: '#/components/schemas/Exception' }) },
      },
    },
  };
}
