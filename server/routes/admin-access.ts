// Who may use /api/admin, and the agency an action is about. Shared by the admin routes (admin.ts, admin-layers.ts).
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { requireUser } from '../auth/caller.ts';
import type { Identity } from '../auth/identity.ts';

export const agencyCode = z.string().regex(/^[a-z][a-z0-9_]{1,40}$/, 'an agency code is lower-case ASCII letters, digits and _');

export function forbidden(message: string): AppError {
  return new AppError(403, 'forbidden', message);
}

export interface AgencyRow {
  id: string;
  code: string;
  name_vi: string;
  kind: string;
  status: string;
}

/** An agency named in a request body: unknown is the caller's mistake (400). */
export async function findAgency(client: pg.ClientBase, code: string): Promise<AgencyRow | null> {
  // A code that cannot be one (a NUL byte, 2 000 characters) names no agency: no need to ask the database.
  if (!agencyCode.safeParse(code).success) return null;
  const { rows } = await client.query<AgencyRow>('select id, code, name_vi, kind, status from catalog.agencies where code = $1', [code]);
  return rows[0] ?? null;
}

export async function agencyId(client: pg.ClientBase, code: string): Promise<string> {
  const agency = await findAgency(client, code);
  if (!agency) throw new AppError(400, 'unknown_agency', `There is no agency with code '${code.slice(0, 60)}'.`);
  return agency.id;
}

/** The agency an agency admin acts for: the one named, or their only one. */
export function actingAgency(caller: Identity, named: string | undefined): string | undefined {
  if (named) return named;
  const admin = caller.memberships.filter((m) => m.role === 'agency_admin');
  return admin.length === 1 ? admin[0]!.agency_code : undefined;
}

export function requireAdmin(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator && !caller.memberships.some((m) => m.role === 'agency_admin')) {
    throw forbidden('This needs an administrator account (operator or agency admin).');
  }
  return caller;
}

export function requireOperator(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator) throw forbidden('Only the platform operator may do this.');
  return caller;
}
