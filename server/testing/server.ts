// A real server on a fresh test database, listening on a free loopback port.
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { loadConfig } from '../config.ts';
import { buildApp } from '../app.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  database: TestDatabase;
  /** A connection as the database owner, for arranging data and checking what SQL says. */
  owner: pg.Client;
  close(): Promise<void>;
}

export async function startTestServer(opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<TestServer> {
  const database = await createTestDatabase({ demo: opts.demo ?? true });
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', ...opts.env });
  const app = await buildApp({ config, appDatabaseUrl: database.appUrl, logger: false });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  return {
    app,
    url,
    database,
    owner,
    async close() {
      await owner.end();
      await app.close();
      await database.drop();
    },
  };
}
