// Vector tiles and TileJSON per layer. Every request is authorized against the catalog first (a layer the
// caller may not read answers exactly like one that does not exist); only then come cache and database.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { findLayer, type Layer } from '../server/catalog/catalog.ts';
import { layerExtent } from '../server/catalog/extent.ts';
import { layerNotFound } from '../server/errors.ts';
import { baseUrl } from '../server/http-urls.ts';
import { parseTileAddress } from './tile-address.ts';
import { TileCache } from './tile-cache.ts';
import { tileQuery } from './tile-sql.ts';
import { acceptsGzip, cacheControl, etagMatches, tileEtag } from './http-caching.ts';
import { tileJson } from './tilejson.ts';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export const MVT_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';

type TileOutcome =
  | { kind: 'outside_zoom_range'; layer: Layer }
  | { kind: 'not_modified'; layer: Layer; etag: string }
  | { kind: 'cached'; layer: Layer; etag: string; compressed: Buffer }
  | { kind: 'encoded'; layer: Layer; etag: string; cacheKey: string; mvt: Buffer };

export async function tileRoutes(app: FastifyInstance): Promise<void> {
  const cache = new TileCache(app.config.TILE_CACHE_BYTES);

  app.get<{ Params: { layerId: string; z: string; x: string; y: string } }>(
    '/tiles/:layerId/:z/:x/:y.mvt',
    async (request, reply) => {
      const { layerId } = request.params;
      const wantsGzip = acceptsGzip(request.headers['accept-encoding']);
      const outcome = await app.db.withCaller(request.caller, async (client): Promise<TileOutcome> => {
        const layer = await findLayer(client, layerId);
        if (!layer) throw layerNotFound(layerId);
        const tile = parseTileAddress(request.params);
        if (tile.z < layer.minZoom || tile.z > layer.maxZoom) return { kind: 'outside_zoom_range', layer };
        const etag = tileEtag(layer.id, layer.dataVersion, tile, wantsGzip);
        if (etagMatches(request.headers['if-none-match'], etag)) return { kind: 'not_modified', layer, etag };
        const cacheKey = TileCache.key(layer.id, layer.dataVersion, tile);
        const compressed = cache.get(cacheKey);
        if (compressed) return { kind: 'cached', layer, etag, compressed };
        const { rows } = await client.query<{ mvt: Buffer | null }>(tileQuery(layer, tile));
        return { kind: 'encoded', layer, etag, cacheKey, mvt: rows[0]?.mvt ?? Buffer.alloc(0) };
      });

      reply.header('cache-control', cacheControl(outcome.layer));
      if (outcome.kind === 'outside_zoom_range') return reply.status(204).send();
      reply.header('etag', outcome.etag).header('vary', 'Accept-Encoding');
      if (outcome.kind === 'not_modified') return reply.status(304).send();

      let compressed: Buffer;
      if (outcome.kind === 'cached') {
        compressed = outcome.compressed;
      } else {
        // Compressed once, after the connection went back to the pool; empty tiles are cached as empty.
        compressed = outcome.mvt.length > 0 ? await gzip(outcome.mvt) : Buffer.alloc(0);
        cache.set(outcome.cacheKey, compressed);
      }
      if (compressed.length === 0) return reply.status(204).send();
      return sendTile(reply, wantsGzip ? compressed : await gunzip(compressed), wantsGzip);
    },
  );

  app.get<{ Params: { layerId: string } }>('/tiles/:layerId.json', async (request, reply) => {
    const { layerId } = request.params;
    const { layer, body } = await app.db.withCaller(request.caller, async (client) => {
      const found = await findLayer(client, layerId);
      if (!found) throw layerNotFound(layerId);
      return { layer: found, body: tileJson(found, await layerExtent(client, found), baseUrl(request)) };
    });
    reply.header('cache-control', cacheControl(layer)).type('application/json; charset=utf-8').send(body);
  });
}

function sendTile(reply: FastifyReply, bytes: Buffer, gzipped: boolean): FastifyReply {
  reply.type(MVT_CONTENT_TYPE);
  if (gzipped) reply.header('content-encoding', 'gzip');
  return reply.send(bytes);
}
