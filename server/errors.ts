// One error family: an HTTP status, a machine code and a message a person understands. Anything else that
// escapes a handler is a 500 whose details stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, details);

export const notFound = (what = 'The requested resource') =>
  new AppError(404, 'not_found', `${what} does not exist or is not visible to you.`);

/** A layer that does not exist and one the caller may not see answer the same, so neither leaks. */
export const layerNotFound = (layerId: string) =>
  new AppError(404, 'layer_not_found', `Layer '${layerId.slice(0, 80)}' does not exist or is not visible to you.`);

export interface Problem {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Maps any thrown value to what the client may see. */
export function toProblem(err: unknown): Problem {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
  }
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.validation) return { status: 400, code: 'invalid_request', message: fe.message };
    const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large'
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'invalid_json'
      : 'bad_request';
    return { status: fe.statusCode, code, message: fe.message };
  }
  const pgCode = (err as { code?: string })?.code;
  // The database refused on row level security or privileges: the API check should have caught it first.
  if (pgCode === '42501') return { status: 403, code: 'forbidden', message: 'You are not allowed to do this.' };
  const lostConnection = err instanceof Error && /Connection terminated|connection.*(lost|closed)|connection error and is not queryable/i.test(err.message);
  if (lostConnection || ['57P01', '57P02', '57P03', '08006', '08001', '08003', 'ECONNREFUSED', 'ECONNRESET'].includes(pgCode ?? '')) {
    return { status: 503, code: 'database_unavailable', message: 'The database is unavailable; try again shortly.' };
  }
  // A full disk (uploads, backups: ENOSPC/EDQUOT; the database's own: 53100) is the operator's to fix, not a bug.
  if (['ENOSPC', 'EDQUOT', '53100'].includes(pgCode ?? '')) {
    return { status: 507, code: 'storage_full', message: 'The server has run out of storage space, so nothing was saved. Try again later.' };
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' };
}

/** JSON problem responses for the platform API (the OGC and WFS protocols register their own shapes). */
export function registerJsonErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    // Refused before its body was read (an upload while the database restarts, on a full disk, too large): the
    // unread rest would otherwise sit in front of the client's next request on this keep-alive connection. A small
    // rest is read and dropped, so the client finishes sending and gets this answer; a large one ends the connection.
    if (!request.raw.complete) {
      const length = Number(request.headers['content-length'] ?? Number.NaN);
      if (Number.isFinite(length) && length <= 16 * 1024 * 1024) request.raw.resume();
      else reply.header('connection', 'close');
    }
    reply.status(problem.status).type('application/json; charset=utf-8').send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ status: 404, code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` });
  });
}
