// The append-only audit log (Điều 10.4): every write and every admin action. The actor is taken by the
// database from the caller the transaction set, so a route cannot misattribute an action.
import type pg from 'pg';
import type { FastifyRequest } from 'fastify';

export interface AuditEntry {
  action: string;
  agencyId?: string | null;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
  /** Only for events before a caller exists (a login): who it was about. */
  actorUserId?: string;
}

export async function recordAudit(client: pg.ClientBase, request: FastifyRequest, e: AuditEntry): Promise<void> {
  await client.query('select audit.record($1, $2, $3, $4, $5, $6, $7)', [
    e.action, e.agencyId ?? null, e.targetType ?? null, e.targetId ?? null, JSON.stringify(e.details ?? {}),
    request.ip, e.actorUserId ?? null,
  ]);
}
