import type { FastifyRequest } from 'fastify';

/** The platform's address as the caller sees it: PUBLIC_URL when set (behind a proxy), else from the request. */
export function baseUrl(request: FastifyRequest): string {
  const configured = request.server.config.PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, '');
  return `${request.protocol}://${request.host}`;
}
