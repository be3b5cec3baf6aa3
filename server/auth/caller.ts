// Who the request is from, checked against the database on every request (so a disabled account, a
// revoked session or key stops working on the very next request, Điều 6.5): an API key (Authorization: Bearer
// or X-API-Key), else the session cookie, else anonymous. Cookie-authenticated writes must carry the session's
// CSRF token in X-CSRF-Token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { hashToken, sameHash } from './credentials.ts';
import { anonymousIdentity, type Identity, type Membership } from './identity.ts';

export const SESSION_COOKIE = 'cb_session';
export const SESSION_TTL = '12 hours';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Identity;
    /** A session cookie was presented but is no longer valid (expired, revoked, account disabled). */
    sessionRejected: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function presentedApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const auth = request.headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  return undefined;
}

async function identityFromApiKey(app: FastifyInstance, key: string): Promise<Identity | null> {
  const { rows } = await app.db.pool.query<{
    api_client_id: string; agency_id: string; agency_code: string; name: string; layer_scope: string[] | null; can_write: boolean;
  }>('select * from auth.api_key_identity($1)', [hashToken(key)]);
  const r = rows[0];
  if (!r) return null;
  return {
    kind: 'api_client',
    apiClientId: r.api_client_id,
    isOperator: false,
    memberships: [],
    apiClient: { agencyId: r.agency_id, agencyCode: r.agency_code, name: r.name, layerScope: r.layer_scope, canWrite: r.can_write },
  };
}

export async function identityFromSession(app: FastifyInstance, token: string): Promise<Identity | null> {
  const { rows } = await app.db.pool.query<{
    session_id: string; user_id: string; csrf_hash: string; username: string; display_name: string;
    is_operator: boolean; memberships: Membership[];
  }>('select * from auth.session_identity($1, $2::interval)', [hashToken(token), SESSION_TTL]);
  const r = rows[0];
  if (!r) return null;
  return {
    kind: 'user',
    userId: r.user_id,
    sessionId: r.session_id,
    csrfHash: r.csrf_hash,
    username: r.username,
    displayName: r.display_name,
    isOperator: r.is_operator,
    memberships: r.memberships,
  };
}

export function registerCaller(app: FastifyInstance): void {
  app.decorateRequest('caller', null as unknown as Identity);
  app.decorateRequest('sessionRejected', false);
  app.addHook('onRequest', async (request) => {
    request.caller = anonymousIdentity;
    const key = presentedApiKey(request);
    if (key !== undefined) {
      const identity = await identityFromApiKey(app, key);
      if (!identity) throw new AppError(401, 'invalid_api_key', 'The API key is unknown or has been revoked.');
      request.caller = identity;
      return;
    }
    const token = request.cookies?.[SESSION_COOKIE];
    if (!token) return;
    const identity = await identityFromSession(app, token);
    if (!identity) {
      request.sessionRejected = true;
      return;
    }
    if (!SAFE_METHODS.has(request.method) && request.routeOptions.url !== '/api/auth/login') {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameHash(hashToken(presented), identity.csrfHash!)) {
        throw new AppError(403, 'csrf_token_invalid', 'This request needs the X-CSRF-Token header of your session.');
      }
    }
    request.caller = identity;
  });
}

/** For routes that need a signed-in person. */
export function requireUser(request: FastifyRequest): Identity & { userId: string } {
  if (request.caller.kind !== 'user') {
    throw request.sessionRejected
      ? new AppError(401, 'session_expired', 'Your session has ended (signed out, expired or the account was disabled). Sign in again.')
      : new AppError(401, 'not_signed_in', 'Sign in first.');
  }
  return request.caller as Identity & { userId: string };
}
