// WFS 2.0 at /wfs: KVP on GET (and form-encoded POST), XML on POST. Every answer is XML or GeoJSON, every error an
// ows:ExceptionReport. Layers come from the catalog under the caller's rights, features from the feature provider.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findLayer, listLayers, type Layer } from '../catalog/catalog.ts';
import { layerExtent } from '../catalog/extent.ts';
import { baseUrl } from '../http-urls.ts';
import { responseCommitted } from '../features/stream-reply.ts';
import { enforceFeedRateLimit } from '../ogc/feed-rate-limit.ts';
import { sharedLookup } from '../ogc/shared-catalog.ts';
import { capabilitiesDocument } from './capabilities.ts';
import { featureTypeSchema } from './describe-feature-type.ts';
import { exceptionReport, registerWfsErrors, WfsError } from './exceptions.ts';
import { getFeature } from './get-feature.ts';
import { parseKvp, parseXmlRequest, type WfsRequest } from './request.ts';
import { describeStoredQueries, listStoredQueries } from './stored-queries.ts';

const XML = 'application/xml; charset=utf-8';
const SCHEMA = 'text/xml; subtype=gml/3.2; charset=utf-8';
const MAX_BODY = 2 * 1024 * 1024;

function queryParameters(url: string): [string, string][] {
  const i = url.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(url.slice(i + 1))];
}

async function wfs(app: FastifyInstance): Promise<void> {
  registerWfsErrors(app);
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).type(XML).send(exceptionReport(new WfsError('NotFound', `No WFS resource at ${request.url.split('?')[0]!.slice(0, 200)}; the service is at /wfs.`)));
  });
  // XML request bodies, read as text: parsing (with the DOCTYPE refusal) is xml.ts's.
  app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_BODY }, (_req, body, done) => done(null, { form: body }));
  app.addHook('onRequest', async (request, reply) => enforceFeedRateLimit(request, reply));

  const serviceUrl = (request: FastifyRequest) => `${baseUrl(request)}/wfs`;
  const limits = { maxCount: app.config.FEATURES_MAX_LIMIT };

  async function visibleLayers(request: FastifyRequest): Promise<{ layer: Layer; extent: Awaited<ReturnType<typeof layerExtent>> }[]> {
    return app.db.withCaller(request.caller, async (client) => {
      const out = [];
      for (const layer of await listLayers(client)) out.push({ layer, extent: await layerExtent(client, layer) });
      return out;
    });
  }

  async function dispatch(request: FastifyRequest, reply: FastifyReply, req: WfsRequest): Promise<FastifyReply> {
    switch (req.operation) {
      case 'GetCapabilities': {
        const layers = await visibleLayers(request);
        reply.header('cache-control', 'private, no-cache').header('vary', 'Authorization, X-API-Key, Cookie');
        return reply.type(XML).send(capabilitiesDocument({ url: serviceUrl(request), layers, defaultCount: limits.maxCount, maxCount: limits.maxCount }));
      }
      case 'DescribeFeatureType': {
        const layers = await app.db.withCaller(request.caller, async (client) => {
          if (req.typeNames === null) return listLayers(client);
          const found: Layer[] = [];
          for (const name of req.typeNames) {
            const layer = await findLayer(client, name);
            if (!layer) throw new WfsError('InvalidParameterValue', `Feature type '${name.slice(0, 80)}' does not exist or is not visible to you.`, 'typeNames');
            if (!found.some((l) => l.id === layer.id)) found.push(layer);
          }
          return found;
        });
        return reply.type(SCHEMA).header('cache-control', 'private, no-cache').send(featureTypeSchema(layers));
      }
      case 'ListStoredQueries': {
        const layers = await visibleLayers(request);
        return reply.type(XML).send(listStoredQueries(layers.map((l) => l.layer.id)));
      }
      case 'DescribeStoredQueries': {
        const layers = await visibleLayers(request);
        return reply.type(XML).send(describeStoredQueries(req.ids, layers.map((l) => l.layer.id)));
      }
      case 'GetFeature': {
        try {
          // Anonymous callers take the entry from the shared read of the public catalog (no query of their own).
          const lookup = sharedLookup(app, request, req.query.typeName);
          const known = lookup ? await lookup.confirmed() : undefined;
          await app.db.withCaller(request.caller, async (client) => {
            const failure = await getFeature({ client, request, reply, url: serviceUrl(request), maxCount: limits.maxCount, known }, req.query);
            // Thrown inside withCaller, so a lost connection is not returned to the pool; the client was answered.
            if (failure) throw failure;
          });
        } catch (err) {
          if (!responseCommitted(reply)) throw err;
          request.log.error({ err }, 'WFS response failed after it was sent');
        }
        return reply;
      }
    }
  }

  app.get('/', async (request, reply) => dispatch(request, reply, parseKvp(queryParameters(request.url))));

  // Every WFS operation here reads (there is no Transaction), so POSTs keep working in a read-only maintenance window.
  app.post('/', { config: { readsOnly: true } }, async (request, reply) => {
    const body = request.body as string | { form: string } | undefined | null;
    if (body && typeof body === 'object' && 'form' in body) return dispatch(request, reply, parseKvp([...new URLSearchParams(body.form)]));
    if (typeof body !== 'string' || body.trim() === '') {
      throw new WfsError('MissingParameterValue', 'POST a WFS request as XML (Content-Type: text/xml or application/xml).');
    }
    return dispatch(request, reply, parseXmlRequest(body));
  });
}

export async function wfsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(wfs, { prefix: '/wfs' });
}

