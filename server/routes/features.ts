// The platform API's feature reads: GeoJSON from the feature provider, with the layer's provenance on every
// response. This file speaks HTTP only; queries are parsed by features/query.ts and run by features/provider.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { AppError, layerNotFound } from '../errors.ts';
import { baseUrl } from '../http-urls.ts';
import { FeatureCollectionStream, withMembers } from '../features/geojson-stream.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { layerProvenance } from '../features/provenance.ts';
import { openFeaturePage, readFeature } from '../features/provider.ts';
import {
  canonicalParameters,
  matchesWholeLayer,
  parseFeatureQuery,
  parseFid,
  parseItemQuery,
  type FeatureCursor,
  type FeatureQuery,
} from '../features/query.ts';
import { responseCommitted, sendStream } from '../features/stream-reply.ts';

const geojsonType = 'application/geo+json; charset=utf-8';

/** The raw query string's parameters, in order and repeated as sent (not fastify's object: no key is special). */
function queryParameters(url: string): [string, string][] {
  const i = url.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(url.slice(i + 1))];
}

/** Restricted data must not sit in shared caches; either way clients revalidate (the ETag makes that cheap). */
function cacheControl(layer: Layer): string {
  return layer.visibility === 'public' ? 'public, no-cache' : 'private, no-cache';
}

function collectionEtag(layer: Layer, query: FeatureQuery): string {
  const dependsOn = [layerProvenance(layer), layer.attributes.map((a) => [a.name, a.type]), canonicalParameters(query)];
  return weakEtag(`${layer.id}:${layer.dataVersion}:${digest(dependsOn)}`);
}

function featureNotFound(layer: Layer, fid: number): AppError {
  return new AppError(404, 'feature_not_found', `Layer ${layer.id} has no feature ${fid}.`);
}

/** Once a streamed body has started, an error can only be logged: the status line is gone. */
function afterSend(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  if (!responseCommitted(reply)) throw err;
  request.log.error({ err }, 'feature response failed after it was sent');
  return reply;
}

export async function featureRoutes(app: FastifyInstance): Promise<void> {
  const limits = { defaultLimit: app.config.FEATURES_DEFAULT_LIMIT, maxLimit: app.config.FEATURES_MAX_LIMIT };

  app.get<{ Params: { layerId: string } }>('/api/layers/:layerId/features', async (request, reply) => {
    const { layerId } = request.params;
    const params = queryParameters(request.url);
    try {
      await app.db.withCaller(request.caller, async (client) => {
        const layer = await findLayer(client, layerId);
        if (!layer) throw layerNotFound(layerId);
        const query = parseFeatureQuery(layer, params, limits);
        const etag = collectionEtag(layer, query);
        reply
          .header('etag', etag)
          .header('last-modified', layer.dataUpdatedAt.toUTCString())
          .header('cache-control', cacheControl(layer));
        if (etagMatches(request.headers['if-none-match'], etag)) {
          reply.code(304).send();
          return;
        }
        reply.type(geojsonType);
        if (request.method === 'HEAD') {
          reply.send();
          return;
        }

        const base = baseUrl(request);
        const layerUrl = `${base}/api/layers/${encodeURIComponent(layer.id)}`;
        const pageUrl = (cursor: FeatureCursor | null) =>
          `${layerUrl}/features?${new URLSearchParams(canonicalParameters(query, cursor)).toString()}`;
        const stream = new FeatureCollectionStream({
          head: { layer: layerProvenance(layer), timeStamp: new Date().toISOString() },
          page: openFeaturePage(client, layer, query, undefined, { joined: true }),
          tail: (summary) => ({
            numberReturned: summary.numberReturned,
            ...(matchesWholeLayer(query) ? { numberMatched: layer.featureCount } : {}),
            links: [
              { rel: 'self', type: 'application/geo+json', href: pageUrl(query.cursor) },
              ...(summary.next ? [{ rel: 'next', type: 'application/geo+json', href: pageUrl(summary.next) }] : []),
              ...(summary.prev ? [{ rel: 'prev', type: 'application/geo+json', href: pageUrl(summary.prev) }] : []),
              { rel: 'collection', type: 'application/json', href: layerUrl },
            ],
          }),
        });
        const failure = await sendStream(reply, stream);
        // Thrown inside withCaller, so it sees a lost connection and rolls back; the client was answered already.
        if (failure) throw failure;
      });
    } catch (err) {
      return afterSend(request, reply, err);
    }
    return reply;
  });

  app.get<{ Params: { layerId: string; fid: string } }>('/api/layers/:layerId/features/:fid', async (request, reply) => {
    const { layerId } = request.params;
    const body = await app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, layerId);
      if (!layer) throw layerNotFound(layerId);
      const { properties, asOf } = parseItemQuery(layer, queryParameters(request.url));
      const fid = parseFid(request.params.fid);
      const feature = await readFeature(client, layer, fid, properties, asOf);
      if (!feature) throw featureNotFound(layer, fid);
      // A chosen subset of attributes is a different representation of the same version.
      const subset = properties === null ? '' : `:${digest(properties)}`;
      const etag = weakEtag(`${layer.id}:${fid}:${feature.version}${subset}`);
      reply
        .header('etag', etag)
        .header('last-modified', feature.updatedAt.toUTCString())
        .header('cache-control', cacheControl(layer));
      if (etagMatches(request.headers['if-none-match'], etag)) return null;
      const layerUrl = `${baseUrl(request)}/api/layers/${encodeURIComponent(layer.id)}`;
      return withMembers(feature.text, {
        layer: layerProvenance(layer),
        links: [
          { rel: 'self', type: 'application/geo+json', href: `${layerUrl}/features/${fid}` },
          { rel: 'collection', type: 'application/json', href: layerUrl },
        ],
      });
    });
    if (body === null) return reply.code(304).send();
    return reply.type(geojsonType).send(body);
  });
}
