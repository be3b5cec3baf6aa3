// /api/admin: the operator manages agencies and agency admins; an agency admin manages the agency's staff,
// API clients and layer metadata. Each action is checked here and again by the database (security definer
// functions and RLS), and each is written to the audit log.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { AppError, notFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { requireUser } from '../auth/caller.ts';
import { checkPasswordPolicy, hashPassword, hashToken, newToken } from '../auth/credentials.ts';
import { administers, type Identity } from '../auth/identity.ts';
import { findLayer } from '../catalog/catalog.ts';
import { parseBody } from './auth.ts';

const username = z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'a username is 3–64 lower-case letters, digits, . _ -');
const agencyCode = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'an agency code is lower-case ASCII letters, digits and _');

const createUserBody = z.object({
  username,
  password: z.string().min(1).max(500),
  display_name: z.string().max(200).default(''),
  email: z.string().email().max(200).optional(),
  role: z.enum(['operator_admin', 'agency_admin', 'editor', 'viewer']),
  agency: agencyCode.optional(),
  layers: z.array(z.string().max(80)).max(500).optional(),
});

const statusBody = z.object({
  status: z.enum(['active', 'disabled', 'lost']),
  reason: z.string().max(500).default(''),
});

const apiClientBody = z.object({
  name: z.string().min(1).max(200),
  agency: agencyCode.optional(),
  layers: z.array(z.string().max(80)).max(500).optional(),
  can_write: z.boolean().default(false),
});

const agencyBody = z.object({
  code: agencyCode,
  name_vi: z.string().min(1).max(300),
  name_en: z.string().min(1).max(300),
  kind: z.enum(['operator', 'department', 'local_government', 'other']).default('department'),
});

const renameBody = z.object({ name_vi: z.string().min(1).max(300), name_en: z.string().min(1).max(300).optional() });
const mergeBody = z.object({ into: agencyCode });
const ownerBody = z.object({ agency: agencyCode });
const layerMetaBody = z.object({
  title_vi: z.string().min(1).max(300).optional(),
  title_en: z.string().min(1).max(300).optional(),
  description_vi: z.string().max(5000).optional(),
  description_en: z.string().max(5000).optional(),
  visibility: z.enum(['public', 'restricted']).optional(),
  readers: z.array(agencyCode).max(100).optional(),
  source: z.string().min(1).max(500).optional(),
  legal_basis: z.string().max(500).optional(),
  licence: z.string().max(200).optional(),
}).strict();

const uuidParam = z.string().uuid();

function forbidden(message: string): AppError {
  return new AppError(403, 'forbidden', message);
}

async function agencyId(client: pg.ClientBase, code: string): Promise<string> {
  const { rows } = await client.query<{ id: string }>('select id from catalog.agencies where code = $1', [code]);
  if (!rows[0]) throw new AppError(400, 'unknown_agency', `There is no agency with code '${code}'.`);
  return rows[0].id;
}

/** The agency an agency admin acts for: the one named, or their only one. */
function actingAgency(caller: Identity, named: string | undefined): string | undefined {
  if (named) return named;
  const admin = caller.memberships.filter((m) => m.role === 'agency_admin');
  return admin.length === 1 ? admin[0]!.agency_code : undefined;
}

function requireAdmin(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator && !caller.memberships.some((m) => m.role === 'agency_admin')) {
    throw forbidden('This needs an administrator account (operator or agency admin).');
  }
  return caller;
}

function requireOperator(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator) throw forbidden('Only the platform operator may do this.');
  return caller;
}

export async function adminRoutes(app: FastifyInstance): Promise<void> {
  // --- accounts -----------------------------------------------------------------------------------------
  app.get('/api/admin/users', async (request) => {
    const caller = requireAdmin(request);
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query('select * from auth.visible_accounts() order by username');
      return { users: rows };
    });
  });

  app.post('/api/admin/users', async (request, reply) => {
    const caller = requireAdmin(request);
    const body = parseBody(createUserBody, request.body);
    checkPasswordPolicy(body.password, body.username);
    const isOperator = body.role === 'operator_admin';
    const code = isOperator ? body.agency : actingAgency(caller, body.agency);
    if (!isOperator && !code) throw new AppError(400, 'agency_required', 'Say which agency the account belongs to (agency).');
    const hash = await hashPassword(body.password);
    const id = await app.db.withCaller(caller, async (client) => {
      const agency = code ? await agencyId(client, code) : null;
      if (isOperator ? !caller.isOperator : !administers(caller, agency!)) {
        throw forbidden('You may only create accounts for your own agency.');
      }
      if (!caller.isOperator && body.role === 'agency_admin') throw forbidden('Only the platform operator creates agency admins.');
      const { rows } = await client.query<{ id: string }>(
        'select auth.create_account($1, $2, $3, $4, $5, $6, $7, $8) as id',
        [body.username, body.display_name, body.email ?? null, hash, isOperator, agency, isOperator ? (agency ? 'viewer' : null) : body.role, body.layers ?? null],
      ).catch((err: { code?: string; constraint?: string }) => {
        if (err.code === '23505') throw new AppError(409, 'username_taken', `The username '${body.username}' is taken.`);
        if (err.code === '23514') throw new AppError(400, 'invalid_layer_scope', 'The layer list names a layer the agency does not own.');
        throw err;
      });
      const newId = rows[0]!.id;
      await recordAudit(client, request, {
        action: 'user_created', agencyId: agency, targetType: 'user', targetId: newId,
        details: { username: body.username, role: body.role, layers: body.layers ?? null },
      });
      return newId;
    }, { write: true });
    reply.status(201).send({ id, username: body.username, role: body.role, agency: code ?? null });
  });

  app.post<{ Params: { id: string } }>('/api/admin/users/:id/status', async (request, reply) => {
    const caller = requireAdmin(request);
    const id = parseBody(uuidParam, request.params.id);
    const body = parseBody(statusBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ memberships: { agency_code: string }[] }>(
        'select memberships from auth.visible_accounts() where id = $1', [id]);
      if (!rows[0]) throw notFound('The account');
      await client.query('select auth.set_account_status($1, $2, $3)', [id, body.status, body.reason]);
      const agency = rows[0].memberships[0] ? await agencyId(client, rows[0].memberships[0].agency_code) : null;
      await recordAudit(client, request, {
        action: `user_${body.status === 'active' ? 'enabled' : body.status === 'lost' ? 'reported_lost' : 'disabled'}`,
        agencyId: agency, targetType: 'user', targetId: id, details: { reason: body.reason },
      });
    }, { write: true });
    reply.status(204).send();
  });

  app.post<{ Params: { id: string } }>('/api/admin/users/:id/password', async (request, reply) => {
    const caller = requireAdmin(request);
    const id = parseBody(uuidParam, request.params.id);
    const body = parseBody(z.object({ password: z.string().min(1).max(500) }), request.body);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ username: string }>('select username from auth.visible_accounts() where id = $1', [id]);
      if (!rows[0]) throw notFound('The account');
      checkPasswordPolicy(body.password, rows[0].username);
      await client.query('select auth.reset_password($1, $2)', [id, await hashPassword(body.password)]);
      await recordAudit(client, request, { action: 'user_password_reset', targetType: 'user', targetId: id });
    }, { write: true });
    reply.status(204).send();
  });

  // --- API clients (Điều 9.2) -----------------------------------------------------------------------------
  app.get('/api/admin/api-clients', async (request) => {
    const caller = requireAdmin(request);
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query('select * from auth.visible_api_clients() order by created_at');
      return { api_clients: rows };
    });
  });

  app.post('/api/admin/api-clients', async (request, reply) => {
    const caller = requireAdmin(request);
    const body = parseBody(apiClientBody, request.body);
    const code = actingAgency(caller, body.agency);
    if (!code) throw new AppError(400, 'agency_required', 'Say which agency the API client belongs to (agency).');
    const key = newToken('cbk');
    const result = await app.db.withCaller(caller, async (client) => {
      const agency = await agencyId(client, code);
      if (!administers(caller, agency)) throw forbidden('You may only issue keys for your own agency.');
      const { rows } = await client.query<{ id: string }>(
        'select auth.create_api_client($1, $2, $3, $4, $5, $6) as id',
        [agency, body.name, hashToken(key), key.slice(0, 12), body.layers ?? null, body.can_write],
      );
      await recordAudit(client, request, {
        action: 'api_client_created', agencyId: agency, targetType: 'api_client', targetId: rows[0]!.id,
        details: { name: body.name, layers: body.layers ?? null, can_write: body.can_write },
      });
      return { id: rows[0]!.id, agency };
    }, { write: true });
    // The key is shown once; only its hash is kept.
    reply.status(201).header('cache-control', 'no-store').send({ id: result.id, name: body.name, key, agency: code });
  });

  app.post<{ Params: { id: string } }>('/api/admin/api-clients/:id/revoke', async (request, reply) => {
    const caller = requireAdmin(request);
    const id = parseBody(uuidParam, request.params.id);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ ok: boolean }>('select auth.revoke_api_client($1) as ok', [id]);
      if (!rows[0]?.ok) throw notFound('The active API client');
      await recordAudit(client, request, { action: 'api_client_revoked', targetType: 'api_client', targetId: id });
    }, { write: true });
    reply.status(204).send();
  });

  // --- agencies (operator) --------------------------------------------------------------------------------
  app.get('/api/admin/agencies', async (request) => {
    const caller = requireAdmin(request);
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query(
        `select a.code, a.name_vi, a.name_en, a.kind, a.status, m.code as merged_into,
                (select count(*) from catalog.layers l where l.owner_agency_id = a.id) as layer_count
         from catalog.agencies a left join catalog.agencies m on m.id = a.merged_into order by a.code`);
      return { agencies: rows };
    });
  });

  app.post('/api/admin/agencies', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(agencyBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        'insert into catalog.agencies (code, name_vi, name_en, kind) values ($1, $2, $3, $4) returning id',
        [body.code, body.name_vi, body.name_en, body.kind],
      ).catch((err: { code?: string }) => {
        if (err.code === '23505') throw new AppError(409, 'agency_exists', `An agency with code '${body.code}' exists.`);
        throw err;
      });
      await recordAudit(client, request, { action: 'agency_created', agencyId: rows[0]!.id, targetType: 'agency', targetId: body.code, details: body });
    }, { write: true });
    reply.status(201).send({ code: body.code });
  });

  app.patch<{ Params: { code: string } }>('/api/admin/agencies/:code', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(renameBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query<{ id: string; name_vi: string }>(
        `update catalog.agencies a set name_vi = $2, name_en = coalesce($3, a.name_en), updated_at = now()
         from catalog.agencies old where a.code = $1 and old.id = a.id returning a.id, old.name_vi`,
        [request.params.code, body.name_vi, body.name_en ?? null]);
      if (!rows[0]) throw notFound('The agency');
      await recordAudit(client, request, {
        action: 'agency_renamed', agencyId: rows[0].id, targetType: 'agency', targetId: request.params.code,
        details: { from: rows[0].name_vi, to: body.name_vi },
      });
    }, { write: true });
    reply.status(204).send();
  });

  app.post<{ Params: { code: string } }>('/api/admin/agencies/:code/merge', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(mergeBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const from = await agencyId(client, request.params.code);
      const into = await agencyId(client, body.into);
      await client.query('select catalog.merge_agency($1, $2)', [from, into]).catch((err: { code?: string; message: string }) => {
        if (err.code === '23514') throw new AppError(400, 'invalid_merge', err.message);
        throw err;
      });
      await recordAudit(client, request, { action: 'agency_merged', agencyId: into, targetType: 'agency', targetId: request.params.code, details: { into: body.into } });
    }, { write: true });
    reply.status(204).send();
  });

  // --- layers: hand over (operator), metadata and visibility (agency admin) ---------------------------------
  app.post<{ Params: { layerId: string } }>('/api/admin/layers/:layerId/owner', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(ownerBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw new AppError(404, 'layer_not_found', 'That layer does not exist or is not visible to you.');
      const to = await agencyId(client, body.agency);
      await client.query('update catalog.layers set owner_agency_id = $2, updated_at = now() where id = $1', [layer.id, to]);
      await recordAudit(client, request, {
        action: 'layer_handed_over', agencyId: to, targetType: 'layer', targetId: layer.id,
        details: { from: layer.owner.code, to: body.agency },
      });
    }, { write: true });
    reply.status(204).send();
  });

  app.patch<{ Params: { layerId: string } }>('/api/admin/layers/:layerId', async (request, reply) => {
    const caller = requireAdmin(request);
    const body = parseBody(layerMetaBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw new AppError(404, 'layer_not_found', 'That layer does not exist or is not visible to you.');
      if (!administers(caller, layer.owner.id)) throw forbidden('Only the owner agency\'s admins manage this layer.');
      const { readers, ...columns } = body;
      const names = Object.keys(columns) as (keyof typeof columns)[];
      if (names.length > 0) {
        // Column names come from the zod schema above (a fixed allowlist), values are parameters.
        const sets = names.map((n, i) => `${n} = $${i + 2}`).join(', ');
        await client.query(`update catalog.layers set ${sets}, updated_at = now() where id = $1`, [layer.id, ...names.map((n) => columns[n])]);
      }
      if (readers) {
        await client.query('delete from catalog.layer_readers where layer_id = $1', [layer.id]);
        await client.query(
          'insert into catalog.layer_readers (layer_id, agency_id) select $1, id from catalog.agencies where code = any($2)',
          [layer.id, readers]);
      }
      await recordAudit(client, request, { action: 'layer_updated', agencyId: layer.owner.id, targetType: 'layer', targetId: layer.id, details: body });
    }, { write: true });
    reply.status(204).send();
  });

  // --- audit log and notifications --------------------------------------------------------------------------
  app.get<{ Querystring: { limit?: string; before?: string; action?: string } }>('/api/admin/audit', async (request) => {
    const caller = requireAdmin(request);
    const limit = Math.min(Math.max(Number.parseInt(request.query.limit ?? '100', 10) || 100, 1), 1000);
    const before = request.query.before ? Number.parseInt(request.query.before, 10) : null;
    if (before !== null && !Number.isSafeInteger(before)) throw new AppError(400, 'invalid_cursor', 'before must be an event id.');
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query(
        `select e.id, e.at, e.action, e.target_type, e.target_id, e.details, host(e.ip) as ip,
                e.actor_user_id, e.actor_api_client_id, a.code as agency
         from audit.events e left join catalog.agencies a on a.id = e.agency_id
         where ($1::bigint is null or e.id < $1) and ($2::text is null or e.action = $2)
         order by e.id desc limit $3`,
        [before, request.query.action ?? null, limit]);
      return { events: rows };
    });
  });

  app.get('/api/admin/notifications', async (request) => {
    const caller = requireAdmin(request);
    return app.db.withCaller(caller, async (client) => {
      const { rows } = await client.query(
        `select n.id, a.code as agency, n.kind, n.message, n.subject_user_id, n.created_at, n.read_at
         from auth.notifications n join catalog.agencies a on a.id = n.agency_id order by n.id desc limit 200`);
      return { notifications: rows };
    });
  });
}
