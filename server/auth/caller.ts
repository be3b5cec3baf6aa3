// Who the request is from. Every route reads `request.caller`; the accounts module (sessions, API keys) fills
// it in an onRequest hook. Until a credential is recognised the caller is anonymous.
import type { FastifyInstance } from 'fastify';
import { anonymous, type Caller } from '../db/database.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

export function registerCaller(app: FastifyInstance): void {
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRequest', async (request) => {
    request.caller = anonymous;
  });
}
