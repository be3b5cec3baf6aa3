// OGC API – Tiles (OGC 20-057) for the layers, in its own vocabulary: a layer is a collection, z/y/x are
// tileMatrix/tileRow/tileCol (row before column), and the one tiling scheme is WebMercatorQuad (OGC 17-083r4).
// The rest of /ogc (landing page, conformance, collections, items) is another plugin; this one only adds tiles.
//
//   GET /ogc/tileMatrixSets
//   GET /ogc/tileMatrixSets/WebMercatorQuad
//   GET /ogc/collections/:layerId/tiles                                  the collection's tilesets
//   GET /ogc/collections/:layerId/tiles/WebMercatorQuad                  tileset metadata
//   GET /ogc/collections/:layerId/tiles/WebMercatorQuad/:z/:y/:x         a tile (Mapbox Vector Tile)
//
// Errors are OGC exception JSON ({ code, description }), with the same machine codes as the rest of the platform.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findLayer, type Layer } from '../server/catalog/catalog.ts';
import { layerExtent, type Bbox } from '../server/catalog/extent.ts';
import type { AttributeType } from '../server/catalog/attributes.ts';
import { AppError, layerNotFound, toProblem } from '../server/errors.ts';
import { baseUrl } from '../server/http-urls.ts';
import { cacheControl } from './http-caching.ts';
import { serveLayerTile } from './routes.ts';
import { MAX_TILE_ZOOM } from './tile-address.ts';
import { MVT_CONTENT_TYPE } from './tile-response.ts';
import { tileServiceFor } from './tile-service.ts';
import { COUNT_ATTRIBUTE } from './tile-sql.ts';
import { attributionText, boundsOf, vectorLayer } from './tilejson.ts';

export const WEB_MERCATOR_QUAD = 'WebMercatorQuad';
const TMS_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';
const CRS_3857 = 'http://www.opengis.net/def/crs/EPSG/0/3857';
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const REL_TILING_SCHEME = 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme';
const REL_TILESETS_VECTOR = 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector';
const ORIGIN = 20037508.3427892;
// OGC 17-083r4 Annex D.1: scale denominator and cell size of tile matrix 0 (256-pixel tiles, 0.28 mm pixels).
const SCALE_0 = 559082264.028717;
const CELL_0 = 156543.033928041;

export function webMercatorQuad(base: string) {
  return {
    id: WEB_MERCATOR_QUAD,
    title: 'Google Maps Compatible for the World',
    uri: TMS_URI,
    crs: CRS_3857,
    orderedAxes: ['X', 'Y'],
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
    tileMatrices: Array.from({ length: MAX_TILE_ZOOM + 1 }, (_, z) => ({
      id: String(z),
      scaleDenominator: SCALE_0 / 2 ** z,
      cellSize: CELL_0 / 2 ** z,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: [-ORIGIN, ORIGIN],
      tileWidth: 256,
      tileHeight: 256,
      matrixWidth: 2 ** z,
      matrixHeight: 2 ** z,
    })),
    links: [{ rel: 'self', type: 'application/json', href: `${base}/ogc/tileMatrixSets/${WEB_MERCATOR_QUAD}` }],
  };
}

function tileColRow(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const phi = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
  const col = Math.floor(((lon + 180) / 360) * n);
  const row = Math.floor(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n);
  return [Math.min(n - 1, Math.max(0, col)), Math.min(n - 1, Math.max(0, row))];
}

/** The tiles of each zoom in the layer's range that cover its bounds: where a client finds data. */
export function tileMatrixSetLimits(bounds: Bbox, minZoom: number, maxZoom: number) {
  const limits = [];
  for (let z = minZoom; z <= maxZoom; z++) {
    const [minTileCol, minTileRow] = tileColRow(bounds[0], bounds[3], z);
    const [maxTileCol, maxTileRow] = tileColRow(bounds[2], bounds[1], z);
    limits.push({ tileMatrix: String(z), minTileRow, maxTileRow, minTileCol, maxTileCol });
  }
  return limits;
}

const jsonTypes: Record<AttributeType, { type: string; format?: string }> = {
  text: { type: 'string' },
  integer: { type: 'integer' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
};

const geometryDimension = { point: 0, line: 1, polygon: 2 } as const;

function collectionUrl(base: string, layer: Layer): string {
  return `${base}/ogc/collections/${encodeURIComponent(layer.id)}`;
}

function tilesetLinks(base: string, layer: Layer) {
  const tileset = `${collectionUrl(base, layer)}/tiles/${WEB_MERCATOR_QUAD}`;
  return [
    { rel: 'self', type: 'application/json', href: tileset },
    { rel: REL_TILING_SCHEME, type: 'application/json', href: `${base}/ogc/tileMatrixSets/${WEB_MERCATOR_QUAD}` },
    { rel: 'item', type: MVT_CONTENT_TYPE, templated: true, href: `${tileset}/{tileMatrix}/{tileRow}/{tileCol}` },
    { rel: 'describedby', type: 'application/json', title: 'TileJSON', href: `${base}/tiles/${encodeURIComponent(layer.id)}.json` },
  ];
}

export function tilesetMetadata(layer: Layer, extent: Bbox | null, base: string) {
  const bounds = boundsOf(extent);
  const vl = vectorLayer(layer);
  const properties: Record<string, { type: string; format?: string; title: string }> = Object.fromEntries(
    layer.attributes.map((a) => [a.name, { ...jsonTypes[a.type], title: a.label_vi }]),
  );
  if (vl.aggregation) properties[COUNT_ATTRIBUTE] = { type: 'integer', title: vl.aggregation.note };
  return {
    title: layer.titleVi,
    description: vl.description,
    dataType: 'vector',
    crs: CRS_3857,
    tileMatrixSetURI: TMS_URI,
    tileMatrixSetLimits: tileMatrixSetLimits(bounds, layer.minZoom, layer.maxZoom),
    attribution: attributionText(layer),
    license: layer.licence,
    updated: layer.dataUpdatedAt.toISOString(),
    boundingBox: { lowerLeft: [bounds[0], bounds[1]], upperRight: [bounds[2], bounds[3]], crs: CRS84 },
    layers: [{
      id: layer.id,
      title: layer.titleVi,
      description: vl.description,
      dataType: 'vector',
      geometryDimension: geometryDimension[layer.geometryFamily],
      minTileMatrix: String(layer.minZoom),
      maxTileMatrix: String(layer.maxZoom),
      propertiesSchema: { type: 'object', properties },
    }],
    links: tilesetLinks(base, layer),
  };
}

const tmsNotFound = (id: string) =>
  new AppError(404, 'tile_matrix_set_not_found', `There is no tile matrix set '${id.slice(0, 40)}'; this server has ${WEB_MERCATOR_QUAD}.`);

export async function ogcTileRoutes(app: FastifyInstance): Promise<void> {
  const tiles = tileServiceFor(app);

  app.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    reply.status(problem.status).type('application/json; charset=utf-8').send({ code: problem.code, description: problem.message });
  });

  const withLayer = async <T>(request: FastifyRequest, layerId: string, fn: (layer: Layer, extent: Bbox | null) => T) =>
    app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, layerId);
      if (!layer) throw layerNotFound(layerId);
      return { layer, body: fn(layer, await layerExtent(client, layer)) };
    });

  app.get('/ogc/tileMatrixSets', async (request, reply) => {
    const base = baseUrl(request);
    reply.header('cache-control', 'public, max-age=86400').send({
      tileMatrixSets: [{
        id: WEB_MERCATOR_QUAD,
        title: 'Google Maps Compatible for the World',
        uri: TMS_URI,
        links: [{ rel: 'self', type: 'application/json', href: `${base}/ogc/tileMatrixSets/${WEB_MERCATOR_QUAD}` }],
      }],
      links: [{ rel: 'self', type: 'application/json', href: `${base}/ogc/tileMatrixSets` }],
    });
  });

  app.get<{ Params: { tms: string } }>('/ogc/tileMatrixSets/:tms', async (request, reply) => {
    if (request.params.tms !== WEB_MERCATOR_QUAD) throw tmsNotFound(request.params.tms);
    reply.header('cache-control', 'public, max-age=86400').send(webMercatorQuad(baseUrl(request)));
  });

  app.get<{ Params: { layerId: string } }>('/ogc/collections/:layerId/tiles', async (request, reply) => {
    const base = baseUrl(request);
    const { layer, body } = await withLayer(request, request.params.layerId, (l) => ({
      title: l.titleVi,
      links: [
        { rel: 'self', type: 'application/json', href: `${collectionUrl(base, l)}/tiles` },
        { rel: 'collection', type: 'application/json', href: collectionUrl(base, l) },
      ],
      tilesets: [{
        title: l.titleVi,
        dataType: 'vector',
        crs: CRS_3857,
        tileMatrixSetURI: TMS_URI,
        links: tilesetLinks(base, l),
      }],
    }));
    reply.header('cache-control', cacheControl(layer)).header('link', `<${collectionUrl(base, layer)}/tiles>; rel="${REL_TILESETS_VECTOR}"`)
      .send(body);
  });

  app.get<{ Params: { layerId: string; tms: string } }>('/ogc/collections/:layerId/tiles/:tms', async (request, reply) => {
    const base = baseUrl(request);
    const { layer, body } = await withLayer(request, request.params.layerId, (l, extent) => {
      // After the layer: an unknown scheme must not tell a restricted layer from a missing one.
      if (request.params.tms !== WEB_MERCATOR_QUAD) throw tmsNotFound(request.params.tms);
      return tilesetMetadata(l, extent, base);
    });
    reply.header('cache-control', cacheControl(layer)).send(body);
  });

  app.get<{ Params: { layerId: string; tms: string; z: string; y: string; x: string } }>(
    '/ogc/collections/:layerId/tiles/:tms/:z/:y/:x',
    async (request, reply) => {
      const { layerId, tms, z, y, x } = request.params;
      return serveLayerTile(tiles, request, reply, layerId, { z, x, y }, {
        afterAuthorization: () => (tms === WEB_MERCATOR_QUAD ? null : tmsNotFound(tms)),
        // A tile matrix outside the layer's range is outside its tileMatrixSetLimits: 404 (OGC 20-057, 7.1.1).
        outsideRange: (layer) => new AppError(404, 'tile_not_found',
          `Layer '${layer.id}' has tiles from tile matrix ${layer.minZoom} to ${layer.maxZoom}.`),
      });
    },
  );
}
