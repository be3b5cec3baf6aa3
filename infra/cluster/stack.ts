// The many-machines set-up of infra/cluster.test.ts, kept running for benchmarks by hand: a primary (and a
// streaming replica), N server nodes and nginx, all on loopback under a temporary folder, until Ctrl-C.
//
//   npx tsx infra/cluster/stack.ts [--nodes 2] [--replica] [--no-nginx]
//   npx tsx infra/load/load.ts --url <the printed address> --seconds 30
//
// Everything it started is stopped and removed on Ctrl-C (SIGINT) or SIGTERM.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startNginx, type RunningNginx } from './nginx.ts';
import { startNode, type ServerNode } from './nodes.ts';
import { preparePlatformDatabase, replicaAppUrl } from './platform-database.ts';
import { startPrimary, startReplica, stopQuietly, type PgInstance } from './postgres.ts';

interface StackOptions {
  nodes: number;
  replica: boolean;
  nginx: boolean;
}

function parse(argv: string[]): StackOptions {
  const opts: StackOptions = { nodes: 2, replica: false, nginx: true };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--nodes': opts.nodes = Math.max(1, Math.min(8, Number(argv[++i]))); break;
      case '--replica': opts.replica = true; break;
      case '--no-nginx': opts.nginx = false; break;
      default: throw new Error(`Unknown option ${argv[i]}. Options: --nodes N, --replica, --no-nginx.`);
    }
  }
  return opts;
}

async function main(opts: StackOptions): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-stack-'));
  let primary: PgInstance | undefined;
  let replica: PgInstance | undefined;
  const nodes: ServerNode[] = [];
  let nginx: RunningNginx | undefined;
  const cleanUp = async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((n) => n.kill()));
    await stopQuietly(replica);
    await stopQuietly(primary);
    fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    console.log(`Working folder (logs): ${root}`);
    primary = await startPrimary(root);
    const db = await preparePlatformDatabase(primary);
    console.log(`primary  ${db.ownerUrl}`);
    if (opts.replica) {
      replica = await startReplica(primary, root);
      console.log(`replica  ${replicaAppUrl(replica)}`);
    }
    for (let i = 0; i < opts.nodes; i++) {
      const name = `node-${i + 1}`;
      nodes.push(await startNode({
        name, databaseUrl: db.ownerUrl, dataDir: path.join(root, `data-${name}`), logDir: root,
        ...(replica ? { readDatabaseUrl: replicaAppUrl(replica) } : {}),
      }));
      console.log(`${name}   ${nodes[i]!.url}`);
    }
    if (opts.nginx) {
      nginx = await startNginx({ prefix: path.join(root, 'nginx'), nodes: nodes.map((n) => `127.0.0.1:${n.port}`) });
      console.log(`nginx    ${nginx.url}`);
    }
    console.log('Running; Ctrl-C stops and removes everything.');
  } catch (err) {
    await cleanUp();
    throw err;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cleanUp();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(parse(process.argv.slice(2))).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
