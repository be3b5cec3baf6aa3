// /api/admin: the operator manages agencies and agency admins; an agency admin manages the agency's staff,
// API clients and layers (admin-layers.ts). Each action is checked here and again by the database (security
// definer functions and RLS), and each is written to the audit log.
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { AppError, notFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { checkPasswordPolicy, hashPassword, hashToken, newToken } from '../auth/credentials.ts';
import { administers } from '../auth/identity.ts';
import { actingAgency, agencyCode, agencyId, findAgency, forbidden, requireAdmin, requireOperator } from './admin-access.ts';
import { adminLayerRoutes } from './admin-layers.ts';
import { parseBody } from './auth.ts';

const username = z.string().regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'a username is 3–64 lower-case letters, digits, . _ -');

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

const agencyName = z.string().trim().min(1, 'a name is needed').max(300);

const agencyBody = z.object({
  code: agencyCode,
  name_vi: agencyName,
  name_en: agencyName,
  kind: z.enum(['operator', 'department', 'local_government', 'other']).default('department'),
});

const renameBody = z.object({ name_vi: agencyName, name_en: agencyName.optional() }).strict();
const mergeBody = z.object({ into: agencyCode });
const uuidParam = z.string().uuid();

const agencyNotFound = (code: string) => new AppError(404, 'agency_not_found', `There is no agency with code '${code.slice(0, 60)}'.`);

/** What a merge moves from one agency (read before it moves, as the operator sees everything). */
async function mergeCounts(client: pg.ClientBase, agency: string, code: string) {
  const { rows } = await client.query<{ layers: number; accounts: number; api_clients: number; open_reports: number }>(
    `select (select count(*)::int from catalog.layers where owner_agency_id = $1) as layers,
            (select count(*)::int from auth.visible_accounts() v where v.memberships @> jsonb_build_array(jsonb_build_object('agency_code', $2::text))) as accounts,
            (select count(*)::int from auth.visible_api_clients() c where c.agency_code = $2) as api_clients,
            (select count(*)::int from reports.reports r where r.agency_id = $1 and r.status in ('new', 'in_progress')) as open_reports`,
    [agency, code]);
  return rows[0]!;
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
      const { rows } = await client.query<{ username: string; memberships: { agency_code: string }[] }>(
        'select username, memberships from auth.visible_accounts() where id = $1', [id]);
      if (!rows[0]) throw notFound('The account');
      checkPasswordPolicy(body.password, rows[0].username);
      await client.query('select auth.reset_password($1, $2)', [id, await hashPassword(body.password)]);
      const agency = rows[0].memberships[0] ? await agencyId(client, rows[0].memberships[0].agency_code) : null;
      await recordAudit(client, request, { action: 'user_password_reset', agencyId: agency, targetType: 'user', targetId: id, details: { username: rows[0].username } });
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
      const { rows: found } = await client.query<{ agency_code: string; name: string }>(
        'select agency_code, name from auth.visible_api_clients() where id = $1', [id]);
      const { rows } = await client.query<{ ok: boolean }>('select auth.revoke_api_client($1) as ok', [id]);
      if (!rows[0]?.ok || !found[0]) throw notFound('The active API client');
      // In the agency's log, where its admins look for what happened to its keys.
      await recordAudit(client, request, {
        action: 'api_client_revoked', agencyId: await agencyId(client, found[0].agency_code), targetType: 'api_client', targetId: id,
        details: { name: found[0].name },
      });
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
      const agency = await findAgency(client, request.params.code);
      if (!agency) throw agencyNotFound(request.params.code);
      await client.query('update catalog.agencies set name_vi = $2, name_en = coalesce($3, name_en), updated_at = now() where id = $1',
        [agency.id, body.name_vi, body.name_en ?? null]);
      await recordAudit(client, request, {
        action: 'agency_renamed', agencyId: agency.id, targetType: 'agency', targetId: agency.code,
        details: { from: agency.name_vi, to: body.name_vi, ...(body.name_en ? { to_en: body.name_en } : {}) },
      });
    }, { write: true });
    reply.status(204).send();
  });

  app.post<{ Params: { code: string } }>('/api/admin/agencies/:code/merge', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(mergeBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const from = await findAgency(client, request.params.code);
      if (!from) throw agencyNotFound(request.params.code);
      if (body.into === from.code) throw new AppError(400, 'merge_into_itself', 'An agency cannot be merged into itself: choose another agency.');
      const into = await findAgency(client, body.into);
      if (!into) throw new AppError(400, 'unknown_agency', `There is no agency with code '${body.into}'.`);
      if (from.status !== 'active') throw new AppError(409, 'agency_not_active', `${from.name_vi} was already merged or dissolved.`);
      if (into.status !== 'active') throw new AppError(400, 'agency_not_active', `${into.name_vi} was merged or dissolved: merge into an active agency.`);
      // Reports on a point go to the operator's agency by default: it must not disappear into another.
      if (from.kind === 'operator') throw new AppError(400, 'operator_agency', 'The platform operator\'s agency cannot be merged into another.');
      const moved = await mergeCounts(client, from.id, from.code);
      await client.query('select catalog.merge_agency($1, $2)', [from.id, into.id]).catch((err: { code?: string; message: string }) => {
        if (err.code === '23514') throw new AppError(400, 'invalid_merge', err.message);
        throw err;
      });
      const details = { from: from.code, into: into.code, moved };
      await recordAudit(client, request, { action: 'agency_merged', agencyId: into.id, targetType: 'agency', targetId: from.code, details });
    }, { write: true });
    reply.status(204).send();
  });

  await adminLayerRoutes(app);

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
