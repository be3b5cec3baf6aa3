// Sessions: login, logout, who am I, password change, and reporting one's own account lost (Điều 6.5).
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, badRequest } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { SESSION_COOKIE, SESSION_TTL, identityFromSession, requireUser } from '../auth/caller.ts';
import {
  checkPasswordPolicy, dummyPasswordHash, hashPassword, hashToken, newToken, verifyPassword,
} from '../auth/credentials.ts';
import type { Identity } from '../auth/identity.ts';
import { RateLimiter } from '../auth/rate-limit.ts';

const MAX_FAILURES = 5;
const LOCK_MINUTES = 15;

const loginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(500),
});

const passwordBody = z.object({
  current_password: z.string().min(1).max(500),
  new_password: z.string().min(1).max(500),
});

/** The CSRF token is derived from the session token, so it never needs storing in the clear. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('csrf').digest('base64url');
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw badRequest('invalid_body', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

export function meJson(identity: Identity) {
  return {
    id: identity.userId,
    username: identity.username,
    display_name: identity.displayName,
    is_operator: identity.isOperator,
    memberships: identity.memberships.map((m) => ({
      agency_id: m.agency_id, agency_code: m.agency_code, agency_name_vi: m.agency_name_vi, role: m.role, layer_scope: m.layer_scope,
    })),
  };
}

export async function authRoutes(app: FastifyInstance): Promise<void> {
  // Failed sign-ins per address: slows guessing across many usernames (each account also locks by itself).
  const failuresPerAddress = new RateLimiter(20, 5 * 60_000);

  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true, sameSite: 'lax', path: '/', secure: request.protocol === 'https', maxAge: 12 * 3600,
    });

  app.post('/api/auth/login', async (request, reply) => {
    const wait = failuresPerAddress.wait(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw new AppError(429, 'too_many_attempts', `Too many sign-in attempts from this address. Try again in ${wait} s.`);
    }
    const { username, password } = parseBody(loginBody, request.body);
    const { rows } = await app.db.pool.query<{ user_id: string; password_hash: string; status: string; locked_until: Date | null }>(
      'select * from auth.login_lookup($1)', [username],
    );
    const account = rows[0];
    if (account?.locked_until && account.locked_until > new Date()) {
      const seconds = Math.ceil((account.locked_until.getTime() - Date.now()) / 1000);
      reply.header('retry-after', String(seconds));
      throw new AppError(423, 'account_locked', `Too many failed sign-ins: the account is locked for ${Math.ceil(seconds / 60)} more minutes.`);
    }
    const ok = await verifyPassword(account?.password_hash ?? (await dummyPasswordHash()), password);
    if (!account || !ok) {
      failuresPerAddress.hit(request.ip);
      await app.db.withCaller({}, async (client) => {
        if (account) await client.query('select auth.login_failed($1, $2, $3::interval)', [account.user_id, MAX_FAILURES, `${LOCK_MINUTES} minutes`]);
        await recordAudit(client, request, { action: 'login_failed', details: { username: username.slice(0, 64) }, actorUserId: account?.user_id });
      }, { write: true });
      throw new AppError(401, 'invalid_credentials', 'Wrong username or password.');
    }
    if (account.status !== 'active') {
      throw new AppError(403, 'account_disabled', 'This account is disabled. Ask your agency\'s administrator.');
    }
    const token = newToken('cbs');
    const csrfToken = csrfTokenFor(token);
    await app.db.withCaller({ userId: account.user_id }, async (client) => {
      await client.query('select auth.open_session($1, $2, $3, $4::interval, $5, $6)', [
        account.user_id, hashToken(token), hashToken(csrfToken), SESSION_TTL, request.ip, request.headers['user-agent'] ?? null,
      ]);
      await recordAudit(client, request, { action: 'login' });
    }, { write: true });
    const identity = (await identityFromSession(app, token))!;
    setCookie(request, reply, token);
    reply.header('cache-control', 'no-store').send({ user: meJson(identity), csrfToken });
  });

  app.post('/api/auth/logout', async (request, reply) => {
    if (request.caller.kind === 'user') {
      const caller = request.caller;
      await app.db.withCaller(caller, async (client) => {
        await client.query('select auth.close_session($1, $2)', [caller.sessionId, 'logout']);
        await recordAudit(client, request, { action: 'logout' });
      }, { write: true });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
  });

  app.get('/api/auth/me', async (request, reply) => {
    const caller = requireUser(request);
    const token = request.cookies[SESSION_COOKIE]!;
    reply.header('cache-control', 'no-store').send({ user: meJson(caller), csrfToken: csrfTokenFor(token) });
  });

  app.post('/api/auth/password', async (request, reply) => {
    const caller = requireUser(request);
    const body = parseBody(passwordBody, request.body);
    checkPasswordPolicy(body.new_password, caller.username);
    const hash = await hashPassword(body.new_password);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ h: string }>('select auth.own_password_hash() as h');
      if (!rows[0]?.h || !(await verifyPassword(rows[0].h, body.current_password))) {
        throw new AppError(400, 'wrong_password', 'The current password is wrong.');
      }
      await client.query('select auth.set_own_password($1, $2)', [hash, caller.sessionId]);
      await recordAudit(client, request, { action: 'password_changed', targetType: 'user', targetId: caller.userId });
    }, { write: true });
    reply.status(204).send();
  });

  // The user reports their own account lost or stolen: every session (this one too) ends now.
  app.post('/api/auth/report-lost', async (request, reply) => {
    const caller = requireUser(request);
    await app.db.withCaller(caller, async (client) => {
      await client.query('select auth.set_account_status($1, $2, $3)', [caller.userId, 'lost', 'reported by the user']);
      await recordAudit(client, request, {
        action: 'account_reported_lost', targetType: 'user', targetId: caller.userId,
        agencyId: caller.memberships[0]?.agency_id ?? null,
      });
    }, { write: true });
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).status(204).send();
  });
}
