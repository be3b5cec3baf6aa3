// Every request has an id: the caller's X-Request-Id when it is a plain token (a proxy's or another system's id, so
// one request can be followed across systems), otherwise a new one. Fastify puts it on every log line of the
// request (`reqId`); the response echoes it, so a person reporting a problem can quote it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

// Anything else (spaces, quotes, control characters, very long values) could forge or break log lines.
const plainToken = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export function requestIdFor(req: Pick<IncomingMessage, 'headers'>): string {
  const presented = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(presented) ? presented[0] : presented;
  return value !== undefined && plainToken.test(value) ? value : randomUUID();
}

/** Options for Fastify(): the header is read by genReqId (fastify's own requestIdHeader would take it unchecked). */
export const requestIdOptions = { requestIdHeader: false, genReqId: requestIdFor } as const;

export function registerRequestIdEcho(app: FastifyInstance): void {
  // onSend runs for every answer, errors and 404s included. A callback hook, not an async one: an async onSend
  // defers the write, and handlers that call reply.send() without returning reply would then answer twice.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done(null, payload);
  });
}
