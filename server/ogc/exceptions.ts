// OGC API errors: the exception JSON of OGC API - Features (`{ code, description }`) with the HTTP status, the
// same machine codes as the rest of the platform, and nothing of a 5xx's cause.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toProblem } from '../errors.ts';

export const collectionNotFound = (id: string) =>
  new AppError(404, 'collection_not_found', `Collection '${id.slice(0, 80)}' does not exist or is not visible to you.`);

export const featureNotFound = (collectionId: string, featureId: string) =>
  new AppError(404, 'feature_not_found', `Collection ${collectionId} has no feature '${featureId.slice(0, 40)}'.`);

export function sendOgcException(reply: FastifyReply, err: unknown): FastifyReply {
  const problem = toProblem(err);
  return reply.status(problem.status).type('application/json; charset=utf-8').send({ code: problem.code, description: problem.message });
}

export function registerOgcErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) request.log.error({ err }, 'OGC API request failed');
    sendOgcException(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    sendOgcException(reply, new AppError(404, 'not_found', `No OGC API resource at ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}. Start at /ogc.`));
  });
}
