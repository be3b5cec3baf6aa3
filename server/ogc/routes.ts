// OGC API - Features under /ogc, as one plugin: its own error shape (exception JSON), rate limits, the JSON media
// types its clients send, and the resources. Vector tiles under /ogc are a sibling plugin (tiles/ogc-tiles.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { collectionRoutes } from './collections.ts';
import { registerOgcErrors } from './exceptions.ts';
import { enforceFeedRateLimit } from './feed-rate-limit.ts';
import { itemEditRoutes } from './item-edits.ts';
import { itemRoutes } from './items.ts';
import { landingRoutes } from './landing.ts';
import { queryablesRoutes } from './queryables.ts';

const JSON_BODY_LIMIT = 20 * 1024 * 1024;

function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  try {
    done(null, body === '' ? null : JSON.parse(body));
  } catch {
    done(new AppError(400, 'invalid_json', 'The body is not valid JSON.'));
  }
}

async function ogcApi(app: FastifyInstance): Promise<void> {
  registerOgcErrors(app);
  app.addContentTypeParser(['application/geo+json', 'application/merge-patch+json'], { parseAs: 'string', bodyLimit: JSON_BODY_LIMIT }, parseJsonBody);
  app.addHook('onRequest', async (request, reply) => enforceFeedRateLimit(request, reply));
  await app.register(landingRoutes);
  await app.register(collectionRoutes);
  await app.register(queryablesRoutes);
  await app.register(itemRoutes);
  await app.register(itemEditRoutes);
}

export async function ogcRoutes(app: FastifyInstance): Promise<void> {
  await app.register(ogcApi, { prefix: '/ogc' });
}
