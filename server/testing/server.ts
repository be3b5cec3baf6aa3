// A real server on a fresh test database, listening on a free loopback port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  /** The server's own data folder (uploads), removed on close. */
  dataDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  demo?: boolean;
  env?: Record<string, string>;
  /** Run the job worker (imports, backups) in this process, as a one-machine deployment does. */
  worker?: boolean;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase({ demo: opts.demo ?? true });
  // A data folder of its own, so uploads of parallel test files never meet.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-test-server-'));
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...opts.env });
  const app = await buildApp({ config, appDatabaseUrl: database.appUrl, logger: false, ...(opts.worker ? { jobs: { work: true } } : {}) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  return {
    app,
    url,
    database,
    owner,
    dataDir,
    async close() {
      await owner.end();
      await app.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
