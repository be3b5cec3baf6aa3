// Vector tiles and TileJSON: per layer, per sector, and for a list of layers. Every request is authorized first
// (a layer the caller may not read answers exactly like one that does not exist); only then come cache and
// database.
//
//   GET /tiles/:layerId/:z/:x/:y.mvt             one layer
//   GET /tiles/:layerId.json                      its TileJSON
//   GET /tiles/sector/:sector/:z/:x/:y.mvt       every layer of the sector the caller may read, one MVT layer each
//   GET /tiles/sector/:sector.json
//   GET /tiles/composite/:z/:x/:y.mvt?layers=a,b  the listed layers the caller may read, in that order
//   GET /tiles/composite.json?layers=a,b
//
// In a composite, a layer id that names nothing and one the caller may not read are both left out, silently:
// answering the two differently would tell anybody which restricted layers exist. A malformed list is 400
// `invalid_layers`; a list of which nothing is visible is 404 `layer_not_found`, like a single unknown layer.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findLayer, layerIdPattern, listLayers, type Layer } from '../server/catalog/catalog.ts';
import { layerExtent } from '../server/catalog/extent.ts';
import { AppError, badRequest, layerNotFound } from '../server/errors.ts';
import { baseUrl } from '../server/http-urls.ts';
import { cacheControl } from './http-caching.ts';
import { parseTileAddress, type TileAddress } from './tile-address.ts';
import { sendTile, VARY_BY_CALLER } from './tile-response.ts';
import { tileServiceFor, type TileService, type VisibleLayer } from './tile-service.ts';
import { compositeTileJson, tileJson } from './tilejson.ts';

export { MVT_CONTENT_TYPE } from './tile-response.ts';

/** More than a map needs, few enough that a list stays a reasonable URL. */
export const MAX_COMPOSITE_LAYERS = 64;

export type TileParams = { z: string; x: string; y: string };

export function parseLayerList(value: unknown): string[] {
  const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : '';
  const ids = [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s.length > 0))];
  if (ids.length === 0) {
    throw badRequest('invalid_layers', 'Name the layers as ?layers=sector.layer,sector.layer (at least one).');
  }
  if (ids.length > MAX_COMPOSITE_LAYERS) {
    throw badRequest('invalid_layers', `A composite holds at most ${MAX_COMPOSITE_LAYERS} layers; ${ids.length} were named.`);
  }
  const bad = ids.find((id) => !layerIdPattern.test(id));
  if (bad !== undefined) {
    throw badRequest('invalid_layers', 'A layer id is sector.layer in lower-case ASCII letters, digits and _.', { layer: bad.slice(0, 80) });
  }
  return ids;
}

/** In a composite a layer starts at its own minimum zoom (above its maximum it stays: see compositeTileJson). */
const inComposite = (tile: TileAddress) => (entry: VisibleLayer) => tile.z >= entry.layer.minZoom;

/** Public when everything asked for is in it and public; else the response depends on who asks. */
function compositeCacheControl(included: readonly Layer[], askedFor: number): string {
  const allPublic = included.length === askedFor && included.every((l) => l.visibility === 'public');
  return cacheControl({ visibility: allPublic ? 'public' : 'restricted' });
}

const sectorNotFound = (code: string) =>
  new AppError(404, 'sector_not_found', `There is no sector '${code.slice(0, 40)}'.`);

export async function tileRoutes(app: FastifyInstance): Promise<void> {
  const tiles = tileServiceFor(app);

  app.get<{ Params: { layerId: string } & TileParams }>('/tiles/:layerId/:z/:x/:y.mvt', async (request, reply) =>
    serveLayerTile(tiles, request, reply, request.params.layerId, request.params));

  app.get<{ Params: { layerId: string } }>('/tiles/:layerId.json', async (request, reply) => {
    const { layerId } = request.params;
    const { layer, body } = await app.db.withCaller(request.caller, async (client) => {
      const found = await findLayer(client, layerId);
      if (!found) throw layerNotFound(layerId);
      return { layer: found, body: tileJson(found, await layerExtent(client, found), baseUrl(request)) };
    });
    reply.header('cache-control', cacheControl(layer)).type('application/json; charset=utf-8').send(body);
  });

  app.get<{ Params: TileParams; Querystring: { layers?: string } }>('/tiles/composite/:z/:x/:y.mvt', async (request, reply) => {
    const ids = parseLayerList(request.query.layers);
    const result = await tiles.withLayers(request.caller, ids, async (scope) => {
      if (scope.visible.length === 0) throw layerNotFound(ids.join(','));
      const tile = parseTileAddress(request.params);
      const parts = await scope.parts(scope.visible.filter(inComposite(tile)), tile);
      return { included: scope.visible.map((v) => v.layer), parts };
    });
    return sendTile(request, reply, result.parts, {
      cacheControl: compositeCacheControl(result.included, ids.length), vary: VARY_BY_CALLER, composite: true,
    });
  });

  app.get<{ Querystring: { layers?: string } }>('/tiles/composite.json', async (request, reply) => {
    const ids = parseLayerList(request.query.layers);
    const base = baseUrl(request);
    const { included, body } = await app.db.withCaller(request.caller, async (client) => {
      const layers = [];
      for (const id of ids) {
        const layer = await findLayer(client, id);
        if (layer) layers.push({ layer, extent: await layerExtent(client, layer) });
      }
      if (layers.length === 0) throw layerNotFound(ids.join(','));
      const body = compositeTileJson({
        name: layers.map((l) => l.layer.titleVi).join(', '),
        description: `${layers.length} lớp dữ liệu / ${layers.length} layers`,
        tilesUrl: `${base}/tiles/composite/{z}/{x}/{y}.mvt?layers=${ids.map(encodeURIComponent).join(',')}`,
        layers,
      });
      return { included: layers.map((l) => l.layer), body };
    });
    reply.header('cache-control', compositeCacheControl(included, ids.length)).header('vary', VARY_BY_CALLER)
      .type('application/json; charset=utf-8').send(body);
  });

  app.get<{ Params: { sector: string } & TileParams }>('/tiles/sector/:sector/:z/:x/:y.mvt', async (request, reply) => {
    const { sector } = request.params;
    const result = await tiles.withAllLayers(request.caller, async (scope, catalog) => {
      if (!catalog.sectors.has(sector)) throw sectorNotFound(sector);
      const tile = parseTileAddress(request.params);
      const parts = await scope.parts(scope.visible.filter((v) => v.layer.sector.code === sector && inComposite(tile)(v)), tile);
      return { included: scope.visible.filter((v) => v.layer.sector.code === sector).map((v) => v.layer), parts };
    }, (catalog) => !catalog.sectors.has(sector));
    return sendTile(request, reply, result.parts, {
      cacheControl: compositeCacheControl(result.included, result.included.length), vary: VARY_BY_CALLER, composite: true,
    });
  });

  app.get<{ Params: { sector: string } }>('/tiles/sector/:sector.json', async (request, reply) => {
    const { sector } = request.params;
    const base = baseUrl(request);
    const { included, body } = await sectorTileJson(app, request, sector, base);
    reply.header('cache-control', compositeCacheControl(included, included.length)).header('vary', VARY_BY_CALLER)
      .type('application/json; charset=utf-8').send(body);
  });
}

export interface LayerTileOptions {
  /** Outside the layer's zoom range: an error to throw, or null for an empty tile. */
  outsideRange?: (layer: Layer) => AppError | null;
  /** A check of the rest of the path, made once the layer is authorized. */
  afterAuthorization?: () => AppError | null;
}

/**
 * One layer's tile, authorized before the address is even read: a bad address must not tell a restricted layer
 * from an unknown one either.
 */
export async function serveLayerTile(
  tiles: TileService,
  request: FastifyRequest,
  reply: FastifyReply,
  layerId: string,
  params: TileParams,
  options: LayerTileOptions = {},
): Promise<FastifyReply> {
  const result = await tiles.withLayers(request.caller, [layerId], async (scope) => {
    const entry = scope.visible[0];
    if (!entry) throw layerNotFound(layerId);
    const refused = options.afterAuthorization?.();
    if (refused) throw refused;
    const tile = parseTileAddress(params);
    if (tile.z < entry.layer.minZoom || tile.z > entry.layer.maxZoom) {
      const refusal = options.outsideRange?.(entry.layer) ?? null;
      if (refusal) throw refusal;
      return { layer: entry.layer, parts: [] };
    }
    const parts = await scope.parts([entry], tile);
    // Made restricted a moment ago (found while confirming a guessed catalog entry): as if it never existed.
    if (scope.visible.length === 0) throw layerNotFound(layerId);
    return { layer: entry.layer, parts };
  });
  return sendTile(request, reply, result.parts, { cacheControl: cacheControl(result.layer) });
}

async function sectorTileJson(app: FastifyInstance, request: FastifyRequest, sector: string, base: string) {
  // The CHECK on catalog.sectors.code: anything else (a NUL byte too) names no sector.
  if (!/^[a-z][a-z0-9_]{1,30}$/.test(sector)) throw sectorNotFound(sector);
  return app.db.withCaller(request.caller, async (client) => {
    const { rows } = await client.query<{ title_vi: string; title_en: string }>(
      'select title_vi, title_en from catalog.sectors where code = $1', [sector]);
    const found = rows[0];
    if (!found) throw sectorNotFound(sector);
    const layers = [];
    for (const layer of (await listLayers(client)).filter((l) => l.sector.code === sector)) {
      layers.push({ layer, extent: await layerExtent(client, layer) });
    }
    const body = compositeTileJson({
      name: found.title_vi,
      description: `Lĩnh vực ${found.title_vi} / ${found.title_en}`,
      tilesUrl: `${base}/tiles/sector/${encodeURIComponent(sector)}/{z}/{x}/{y}.mvt`,
      layers,
    });
    return { included: layers.map((l) => l.layer), body };
  });
}
