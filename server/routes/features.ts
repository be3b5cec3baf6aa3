import type { FastifyInstance } from 'fastify';
// Placeholder: the feature routes are being written (issue 2).
export async function featureRoutes(_app: FastifyInstance): Promise<void> {}
