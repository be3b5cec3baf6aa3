import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { requireUser } from '../auth/caller.ts';
import type { Identity } from '../auth/identity.ts';

/** Operations belong to the platform operator (Điều 6.1): maintenance windows, backups, alerts. */
export function requireOperator(request: FastifyRequest): Identity & { userId: string } {
  const caller = requireUser(request);
  if (!caller.isOperator) throw new AppError(403, 'forbidden', 'Only the platform operator may do this.');
  return caller;
}
