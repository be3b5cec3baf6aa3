// A real server with the job queue and the import worker in-process, on a fresh empty test database, with its own
// data folder (uploads), and small helpers to upload and to wait for an import.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../server/config.ts';
import { buildApp } from '../../../server/app.ts';
import { createTestDatabase, type TestDatabase } from '../../../server/testing/database.ts';
import type { Session } from '../../../server/testing/http.ts';
import { api } from '../../../server/testing/http.ts';

export interface ImportTestServer {
  app: FastifyInstance;
  url: string;
  database: TestDatabase;
  owner: pg.Client;
  dataDir: string;
  close(): Promise<void>;
}

export async function startImportServer(opts: { env?: Record<string, string>; work?: boolean } = {}): Promise<ImportTestServer> {
  const database = await createTestDatabase({ demo: false });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-import-test-'));
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...opts.env });
  const app = await buildApp({ config, appDatabaseUrl: database.appUrl, logger: false, jobs: { work: opts.work ?? true } });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const owner = new pg.Client({ connectionString: database.ownerUrl });
  await owner.connect();
  return {
    app, url, database, owner, dataDir,
    async close() {
      await owner.end();
      await app.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Who a test request is from: a signed-in session, or an API client's key. */
export type Credential = Session | { apiKey: string };

function credentialHeaders(who: Credential): Record<string, string> {
  return 'apiKey' in who ? { authorization: `Bearer ${who.apiKey}` } : { cookie: who.cookie, 'x-csrf-token': who.csrf };
}

function apiOptions(who: Credential): { session: Session } | { apiKey: string } {
  return 'apiKey' in who ? { apiKey: who.apiKey } : { session: who };
}

export async function upload(
  url: string, who: Credential, file: { name: string; data: Buffer }, fields: Record<string, string | object>,
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  form.append('file', new Blob([new Uint8Array(file.data)]), file.name);
  const res = await fetch(`${url}/api/imports`, {
    method: 'POST', body: form, headers: credentialHeaders(who),
  });
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, body };
}

/** Polls the import until its status is one of `statuses` (or the timeout, which fails the test). */
export async function waitForImport(url: string, who: Credential, id: string, statuses: string[], timeoutMs = 120_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(url, 'GET', `/api/imports/${id}`, apiOptions(who));
    if (res.status !== 200) throw new Error(`GET import ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (statuses.includes(res.body.status)) return res.body;
    if (Date.now() > until) throw new Error(`import ${id} stayed ${res.body.status} (${JSON.stringify(res.body.error)}), wanted ${statuses.join('/')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
