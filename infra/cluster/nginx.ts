// nginx in front of the test's nodes: the configuration of infra/nginx/config.ts written to a temporary prefix,
// listening on a loopback port, run in the foreground as a child process that the test ends.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { standaloneConfig, type NginxSiteOptions } from '../nginx/config.ts';
import { tail } from './nodes.ts';
import { freePort } from './postgres.ts';

export interface RunningNginx {
  url: string;
  prefix: string;
  stop(): Promise<void>;
}

const candidates = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary, or an error that says how to get it (the cluster test needs it and skips nothing). */
export function nginxBinary(): string {
  const found = candidates.find((c) => fs.existsSync(c));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('nginx is not installed, and the many-nodes test runs the real nginx configuration. ' +
    'Install it: apt-get install -y nginx (CI: add nginx to the installs in .ci/run).');
}

export async function startNginx(opts: { prefix: string; nodes: string[] } & Partial<NginxSiteOptions>): Promise<RunningNginx> {
  const bin = nginxBinary();
  const port = await freePort();
  const prefix = opts.prefix;
  // Workers run as an unprivileged user when we are root: they must reach the prefix and write its temp folders.
  fs.mkdirSync(prefix, { recursive: true, mode: 0o755 });
  fs.chmodSync(prefix, 0o755);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    const dir = path.join(prefix, 'tmp', d);
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o777);
  }
  fs.chmodSync(path.join(prefix, 'tmp'), 0o755);
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(conf, standaloneConfig({ ...opts, listen: `127.0.0.1:${port}`, prefix }));
  const test = spawnSync(bin, ['-t', '-q', '-p', prefix, '-c', conf], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the configuration:\n${test.stderr}`);
  const errorLog = path.join(prefix, 'error.log');
  const child: ChildProcess = spawn(bin, ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    // SIGQUIT would wait for keepalive clients; the test is over, so SIGTERM (fast shutdown).
    if (!gone) child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
    if (!gone) child.kill('SIGKILL');
    await exited;
  };
  const until = Date.now() + 10_000;
  for (;;) {
    if (gone) throw new Error(`nginx exited at start: ${stderr}\n${tail(errorLog)}`);
    try {
      // Any answer (even a 502 before the nodes are up) means nginx listens.
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return { url, prefix, stop };
    } catch {
      if (Date.now() > until) {
        await stop();
        throw new Error(`nginx did not listen on ${url}: ${stderr}\n${tail(errorLog)}`);
      }
      await sleep(100);
    }
  }
}
