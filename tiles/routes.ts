import type { FastifyInstance } from 'fastify';
// Placeholder: the tile routes are being written (issue 2).
export async function tileRoutes(_app: FastifyInstance): Promise<void> {}
