// Server nodes as real processes: `server/main.ts` (what `npm start` runs) with DEMO=0, against a given database, on
// a loopback port, so a test can kill one with SIGKILL the way a machine dies.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../../server/config.ts';
import { freePort } from './postgres.ts';

export interface ServerNode {
  name: string;
  url: string;
  port: number;
  logPath: string;
  child: ChildProcess;
  /** Resolves when the process has ended. */
  exited: Promise<void>;
  /** SIGKILL: no drain, no goodbye (a dead machine). */
  kill(): Promise<void>;
  /** SIGTERM: the graceful shutdown; resolves when the process has ended. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  name: string;
  /** The owner's connection: migrations run at start-up (none pending: the database is prepared). */
  databaseUrl: string;
  readDatabaseUrl?: string;
  dataDir: string;
  logDir: string;
  env?: Record<string, string>;
}

// Our settings in the test runner's own environment must not leak into a node.
const inherited = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([k]) =>
  !/^(DATABASE_URL|APP_DATABASE_URL|READ_|PORT$|HOST$|DATA_DIR$|DEMO$|LOG_LEVEL$|BACKUP_|ALERT_|LOCAL_PG_|PUBLIC_URL$|TILE_|FEATURES_|IMPORT_|SHUTDOWN_)/.test(k)));

export async function startNode(opts: NodeOptions): Promise<ServerNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  fs.mkdirSync(opts.dataDir, { recursive: true });
  fs.mkdirSync(opts.logDir, { recursive: true });
  const logPath = path.join(opts.logDir, `${opts.name}.log`);
  const log = fs.openSync(logPath, 'a');
  // node with tsx as a loader (not the tsx CLI, which would put a second process between us and the server).
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: projectRoot,
    env: {
      ...inherited(process.env),
      DATABASE_URL: opts.databaseUrl,
      ...(opts.readDatabaseUrl ? { READ_DATABASE_URL: opts.readDatabaseUrl } : {}),
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO: '0',
      DATA_DIR: opts.dataDir,
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_SECONDS: '10',
      ...opts.env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const node: ServerNode = {
    name: opts.name,
    url,
    port,
    logPath,
    child,
    exited,
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone) child.kill('SIGTERM');
      await exited;
    },
  };
  const until = Date.now() + 90_000;
  for (;;) {
    if (gone) throw new Error(`node ${opts.name} exited while starting:\n${tail(logPath)}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return node;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await node.kill();
      throw new Error(`node ${opts.name} did not answer /api/health within 90 s:\n${tail(logPath)}`);
    }
    await sleep(200);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
