// What the tile benchmarks share: the tiles over the province at a zoom, and a server script of this folder run in
// a process of its own (so the load generator does not share its event loop, and its CPU time is its own).
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { projectRoot } from '../../server/config.ts';
import { PROVINCE_BOUNDS } from '../tilejson.ts';

export interface Tile { z: number; x: number; y: number }

export function provinceTiles(z: number): Tile[] {
  const n = 2 ** z;
  const col = (lon: number) => Math.floor(((lon + 180) / 360) * n);
  const row = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  };
  const [w, s, e, north] = PROVINCE_BOUNDS;
  const tiles: Tile[] = [];
  for (let x = col(w); x <= col(e); x++) for (let y = row(north); y <= row(s); y++) tiles.push({ z, x, y });
  return tiles;
}

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `script` of this folder in its own process; it prints its address on its first line. */
export async function startServer(script: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(projectRoot, 'tiles', 'bench', script)], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    },
  };
}
