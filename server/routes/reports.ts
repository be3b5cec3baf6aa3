// Citizen error reports (Điều 8.1c). Public: submit a report (anonymous allowed), list the agencies a report on a
// point can go to, look a report up by its ticket. Staff: the agency's inbox and the status changes, each audited.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, badRequest, layerNotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { requireUser } from '../auth/caller.ts';
import type { Identity } from '../auth/identity.ts';
import { findLayer, layerIdPattern } from '../catalog/catalog.ts';
import { baseUrl } from '../http-urls.ts';
import { descriptionHash, parseNewReport } from '../reports/report-input.ts';
import { inboxReportJson, publicReportJson, reportEventJson } from '../reports/report-json.ts';
import {
  deleteHeldReport, findInboxReport, listInbox, listRecipients, lookupReport, releaseHeldReport, reportEvents, reportStatuses, submitReport, updateReport,
  type ReportStatus,
} from '../reports/report-store.ts';
import { ReportGuard, type ReportLimits } from '../reports/spam-guard.ts';
import { normalizeTicket } from '../reports/ticket.ts';
import { canMove, nextStatuses } from '../reports/transitions.ts';
import { parseBody } from './auth.ts';

export interface ReportRouteOptions {
  limits?: Partial<ReportLimits>;
}

const REPLY_MAX = 2000;

const updateBody = z.object({
  status: z.enum(reportStatuses).optional(),
  reply: z.string().max(REPLY_MAX * 2).nullable().optional(),
}).strict();

type QueryValue = string | string[] | undefined;

function single(query: Record<string, QueryValue>, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw badRequest('invalid_query', `Give ${name} once.`);
  return v;
}

function tooMany(reply: FastifyReply, seconds: number, code: string, message: string): AppError {
  reply.header('retry-after', String(seconds));
  return new AppError(429, code, message);
}

function ticketParam(raw: string): string {
  const ticket = normalizeTicket(raw);
  if (!ticket) throw badRequest('invalid_ticket', 'A ticket looks like CB-7K3M-9QXA.');
  return ticket;
}

/** The people who answer reports: the operator, agency admins and editors. Viewers and API clients do not. */
function requireStaff(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator && !caller.memberships.some((m) => m.role === 'agency_admin' || m.role === 'editor')) {
    throw new AppError(403, 'forbidden', 'Only the staff of an agency (its admins and editors) handle error reports.');
  }
  return caller;
}

const reportNotFound = () => new AppError(404, 'report_not_found', 'There is no report with this ticket, or it is not for you.');

export async function reportRoutes(app: FastifyInstance, opts: ReportRouteOptions = {}): Promise<void> {
  const guard = new ReportGuard(opts.limits);

  app.post('/api/reports', { bodyLimit: guard.limits.bodyBytes }, async (request, reply) => {
    const input = parseNewReport(request.body);
    const wait = guard.submission(request.ip);
    if (wait > 0) {
      throw tooMany(reply, wait, 'too_many_reports', `Too many reports from this address. Try again in ${Math.ceil(wait / 60)} minutes.`);
    }
    const result = await app.db.withCaller(request.caller, async (client) => {
      // The same 404 as every other path for a layer the caller may not read; the database checks again.
      if (input.target.kind === 'feature' && !(await findLayer(client, input.target.layerId))) {
        throw layerNotFound(input.target.layerId);
      }
      const submitted = await submitReport(client, {
        target: input.target,
        category: input.category,
        description: input.description,
        contact: input.contact,
        heldReason: input.honeypot ? 'honeypot' : null,
        ip: request.ip || null,
        textHash: descriptionHash(input.description),
        duplicateWindow: guard.limits.duplicateWindow,
        dailyLimit: guard.limits.daily,
      });
      if (submitted.outcome === 'created') {
        const t = input.target;
        await recordAudit(client, request, {
          action: 'report_submitted',
          // A held report enters the agency's log when its staff release it (report_released).
          agencyId: input.honeypot ? null : submitted.agency_id,
          targetType: 'report',
          targetId: submitted.ticket!,
          details: {
            category: input.category,
            ...(t.kind === 'feature' ? { layer: t.layerId, fid: t.fid } : { lon: t.lon, lat: t.lat }),
            ...(input.honeypot ? { held: 'honeypot' } : {}),
          },
        });
      }
      return submitted;
    }, { write: true });

    const base = baseUrl(request);
    switch (result.outcome) {
      case 'created':
        reply.status(201).header('location', `${base}/api/reports/${result.ticket}`);
        return { ticket: result.ticket, status: 'new', links: { self: `${base}/api/reports/${result.ticket}` } };
      case 'duplicate':
        // A second click on "send": the first report stands, and the reporter gets its ticket again.
        return { ticket: result.ticket, status: 'new', duplicate: true, links: { self: `${base}/api/reports/${result.ticket}` } };
      case 'duplicate_text':
        throw new AppError(409, 'duplicate_text',
          `You sent this same text a few minutes ago (ticket ${result.ticket}). Describe what is wrong with this feature or place.`,
          { ticket: result.ticket });
      case 'layer_not_found':
        throw layerNotFound(input.target.kind === 'feature' ? input.target.layerId : '');
      case 'feature_not_found':
        throw new AppError(404, 'feature_not_found', 'The layer has no such feature (it may have been deleted).');
      case 'unknown_agency':
        throw badRequest('unknown_agency', 'The chosen agency does not exist or no longer receives reports.');
      case 'no_operator':
        throw badRequest('agency_required', 'Choose the agency this report is for.');
      case 'location_required':
        throw badRequest('location_required', 'Say where: a feature (layer and fid) or a point (lon and lat).');
      case 'daily_limit':
        throw tooMany(reply, 3600, 'daily_report_limit', 'This address has sent the most reports allowed in a day. Try again tomorrow.');
    }
  });

  app.get('/api/reports/recipients', async (request, reply) => {
    const agencies = await app.db.withCaller(request.caller, (client) => listRecipients(client));
    reply.header('cache-control', 'no-cache');
    return { default: agencies.find((a) => a.kind === 'operator')?.code ?? null, agencies };
  });

  app.get<{ Params: { ticket: string } }>('/api/reports/:ticket', async (request, reply) => {
    const ticket = ticketParam(request.params.ticket);
    const wait = guard.lookupWait(request.ip);
    if (wait > 0) throw tooMany(reply, wait, 'too_many_lookups', `Too many unknown tickets from this address. Try again in ${Math.ceil(wait / 60)} minutes.`);
    const found = await app.db.withCaller(request.caller, (client) => lookupReport(client, ticket));
    reply.header('cache-control', 'no-store');
    if (!found) {
      guard.lookupMissed(request.ip);
      throw reportNotFound();
    }
    return publicReportJson(found, baseUrl(request));
  });

  // --- the agency's inbox ---------------------------------------------------------------------------------

  app.get('/api/admin/reports', async (request, reply) => {
    const caller = requireStaff(request);
    const query = request.query as Record<string, QueryValue>;
    const statusParam = query.status === undefined ? [] : [query.status].flat().flatMap((s) => s.split(','));
    const statuses = statusParam.map((s) => s.trim()).filter((s) => s !== '');
    const unknownStatus = statuses.find((s) => !(reportStatuses as readonly string[]).includes(s));
    if (unknownStatus !== undefined) {
      throw badRequest('invalid_status', `status is a list of ${reportStatuses.join(', ')}; '${unknownStatus.slice(0, 40)}' is not one.`);
    }
    const limitText = single(query, 'limit') ?? '50';
    const offsetText = single(query, 'offset') ?? '0';
    if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200) {
      throw badRequest('invalid_limit', 'limit is a whole number from 1 to 200.');
    }
    if (!/^\d{1,6}$/.test(offsetText)) throw badRequest('invalid_offset', 'offset is a whole number from 0.');
    const layerId = single(query, 'layer') ?? null;
    if (layerId !== null && !layerIdPattern.test(layerId)) throw layerNotFound(layerId);
    const agencyCode = single(query, 'agency') ?? null;
    if (agencyCode !== null && !/^[a-z][a-z0-9_]{1,40}$/.test(agencyCode)) throw badRequest('unknown_agency', 'agency is an agency code.');
    const heldText = single(query, 'held') ?? 'false';
    if (heldText !== 'true' && heldText !== 'false') throw badRequest('invalid_query', 'held is true or false.');

    const base = baseUrl(request);
    const { rows, total } = await app.db.withCaller(caller, (client) => listInbox(client, {
      statuses: statuses.length > 0 ? (statuses as ReportStatus[]) : null,
      layerId, agencyCode, held: heldText === 'true', limit: Number(limitText), offset: Number(offsetText),
    }));
    reply.header('cache-control', 'private, no-store');
    return { total, reports: rows.map((r) => inboxReportJson(r, base)) };
  });

  app.get<{ Params: { ticket: string } }>('/api/admin/reports/:ticket', async (request, reply) => {
    const caller = requireStaff(request);
    const ticket = ticketParam(request.params.ticket);
    const body = await app.db.withCaller(caller, async (client) => {
      const report = await findInboxReport(client, ticket);
      if (!report) throw reportNotFound();
      return {
        report: inboxReportJson(report, baseUrl(request)),
        next_statuses: report.held_reason ? [] : nextStatuses(report.status),
        events: (await reportEvents(client, report.id)).map(reportEventJson),
      };
    });
    reply.header('cache-control', 'private, no-store');
    return body;
  });

  app.patch<{ Params: { ticket: string } }>('/api/admin/reports/:ticket', async (request, reply) => {
    const caller = requireStaff(request);
    const ticket = ticketParam(request.params.ticket);
    const body = parseBody(updateBody, request.body ?? {});
    if (body.status === undefined && body.reply === undefined) {
      throw badRequest('nothing_to_change', 'Send a new status, a reply, or both.');
    }
    const replyText = body.reply === undefined ? undefined : body.reply === null ? null : body.reply.normalize('NFC').replace(/\u0000/g, '').trim() || null;
    if (replyText && replyText.length > REPLY_MAX) throw badRequest('reply_too_long', `A reply may have at most ${REPLY_MAX} characters.`);

    const updated = await app.db.withCaller(caller, async (client) => {
      const current = await findInboxReport(client, ticket, { forUpdate: true });
      if (!current) {
        // The update policy hides held reports even from the operator, who can see them: say why.
        if (await findInboxReport(client, ticket)) {
          throw new AppError(409, 'report_held', 'This report is held as spam and is not answered: release it to the inbox first.');
        }
        throw reportNotFound();
      }
      const status = body.status ?? current.status;
      const newReply = replyText === undefined ? current.reply : replyText;
      if (!canMove(current.status, status)) {
        throw new AppError(409, 'invalid_transition',
          `A report that is ${current.status} cannot become ${status}; it can become ${nextStatuses(current.status).join(' or ')}.`,
          { from: current.status, allowed: nextStatuses(current.status) });
      }
      if (status === 'rejected' && !newReply) {
        throw badRequest('reply_required', 'Say in the reply why the report is rejected: the reporter will read it.');
      }
      if (status === current.status && newReply === current.reply) return current;
      await updateReport(client, current.id, status, newReply).catch((err: { code?: string }) => {
        // Another member of staff moved it at the same moment: the database refused the transition.
        if (err.code === '23514') throw new AppError(409, 'invalid_transition', 'The report changed meanwhile; reload it.');
        throw err;
      });
      await recordAudit(client, request, {
        action: 'report_updated',
        agencyId: current.agency_id,
        targetType: 'report',
        targetId: ticket,
        details: { from: current.status, to: status, replied: newReply !== current.reply },
      });
      return (await findInboxReport(client, ticket))!;
    }, { write: true });
    reply.header('cache-control', 'private, no-store');
    return inboxReportJson(updated, baseUrl(request));
  });

  // --- held (spam) reports: the staff who would handle one release it into the inbox or delete it --------------

  const notHeld = () => new AppError(409, 'report_not_held', 'This report is not held as spam: it is in the inbox, where it is answered, and it cannot be deleted.');

  app.post<{ Params: { ticket: string } }>('/api/admin/reports/:ticket/release', async (request, reply) => {
    const caller = requireStaff(request);
    const ticket = ticketParam(request.params.ticket);
    const released = await app.db.withCaller(caller, async (client) => {
      const report = await findInboxReport(client, ticket);
      if (!report) throw reportNotFound();
      const outcome = await releaseHeldReport(client, ticket);
      if (outcome === 'not_found') throw reportNotFound();
      if (outcome === 'not_held') throw notHeld();
      await recordAudit(client, request, {
        action: 'report_released', agencyId: report.agency_id, targetType: 'report', targetId: ticket,
        details: { held: report.held_reason },
      });
      return (await findInboxReport(client, ticket))!;
    }, { write: true });
    reply.header('cache-control', 'private, no-store');
    return inboxReportJson(released, baseUrl(request));
  });

  app.delete<{ Params: { ticket: string } }>('/api/admin/reports/:ticket', async (request, reply) => {
    const caller = requireStaff(request);
    const ticket = ticketParam(request.params.ticket);
    await app.db.withCaller(caller, async (client) => {
      const report = await findInboxReport(client, ticket);
      if (!report) throw reportNotFound();
      const outcome = await deleteHeldReport(client, ticket);
      if (outcome === 'not_found') throw reportNotFound();
      if (outcome === 'not_held') throw notHeld();
      // The report is gone; the log keeps what it said (not the contact), should an honest one have been deleted.
      await recordAudit(client, request, {
        action: 'report_deleted', agencyId: report.agency_id, targetType: 'report', targetId: ticket,
        details: {
          held: report.held_reason, category: report.category, description: report.description,
          ...(report.layer_id ? { layer: report.layer_id, fid: report.fid } : { lon: report.lon, lat: report.lat }),
        },
      });
    }, { write: true });
    reply.status(204).send();
  });
}
