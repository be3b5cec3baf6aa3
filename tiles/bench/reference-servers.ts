// What the platform is measured against: nginx serving the same tile bytes from files (the limit for cached
// bytes), and MapServer 8's MVT output on the same tables, as FastCGI processes behind that nginx. Both run on
// loopback ports with configuration written into a temporary directory; the processes are ended by their pids.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Running {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** nginx's workers (another user) must be able to read the tiles and reach the sockets under `dir`. */
export function openToNginx(dir: string): void {
  fs.chmodSync(dir, 0o755);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up`);
}

const connects = (port: number) => new Promise<boolean>((resolve) => {
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.end();
    resolve(true);
  });
  socket.on('error', () => resolve(false));
});

export interface MapServerLayer {
  name: string;
  type: 'POINT' | 'LINE' | 'POLYGON';
  table: string;
  columns: string[];
}

/** A MapServer 8 map of the layers, as MVT, reading the same tables through the same role. */
export function mapfile(connection: string, layers: MapServerLayer[]): string {
  const layerBlocks = layers.map((l) => `
  LAYER
    NAME "${l.name}"
    TYPE ${l.type}
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "${connection}"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA "geom_3857 from (select fid, geom_3857, ${l.columns.map((c) => `\\"${c}\\"`).join(', ')} from ${l.table}) as t using unique fid using srid=3857"
    PROJECTION "init=epsg:3857" END
    METADATA "gml_include_items" "all" "gml_types" "auto" END
  END`).join('\n');
  return `MAP
  NAME "cb"
  EXTENT -20037508.3427892 -20037508.3427892 20037508.3427892 20037508.3427892
  SIZE 256 256
  UNITS METERS
  IMAGETYPE "mvt"
  PROJECTION "init=epsg:3857" END
  OUTPUTFORMAT
    NAME "mvt"
    DRIVER MVT
    FORMATOPTION "EXTENT=4096"
    FORMATOPTION "EDGE_BUFFER=4"
  END
${layerBlocks}
END
`;
}

/**
 * `processes` mapserv FastCGI processes, each on its own unix socket. mapserv takes its listening socket on
 * file descriptor 0, the way spawn-fcgi hands it over; a two-line Python launcher does the same.
 */
export async function startMapServer(dir: string, map: string, processes: number): Promise<{ sockets: string[]; stop(): Promise<void> }> {
  fs.writeFileSync(path.join(dir, 'cb.map'), map);
  fs.writeFileSync(path.join(dir, 'mapserver.conf'), `CONFIG\n  ENV\n    MS_MAPFILE "${path.join(dir, 'cb.map')}"\n  END\nEND\n`);
  // nginx's workers run as another user: the socket must be writable by them.
  const launcher = 'import os, socket, sys\ns = socket.socket(socket.AF_UNIX)\ns.bind(sys.argv[1])\nos.chmod(sys.argv[1], 0o777)\n'
    + 's.listen(128)\nos.dup2(s.fileno(), 0)\nos.execvp("mapserv", ["mapserv"])\n';
  const children: ChildProcess[] = [];
  const sockets: string[] = [];
  for (let i = 0; i < processes; i++) {
    const socket = path.join(dir, `mapserv-${i}.sock`);
    fs.rmSync(socket, { force: true });
    children.push(spawn('python3', ['-c', launcher, socket], {
      env: { ...process.env, MAPSERVER_CONFIG_FILE: path.join(dir, 'mapserver.conf') },
      stdio: ['ignore', 'ignore', 'inherit'],
    }));
    sockets.push(socket);
  }
  await waitFor(async () => sockets.every((s) => fs.existsSync(s)), 'mapserv');
  return { sockets, stop: async () => { await Promise.all(children.map(stopChild)); } };
}

/** nginx with one worker: the static tiles under `root` (gzip_static), and MapServer's sockets if given. */
export async function startNginx(dir: string, root: string, mapserverSockets: string[]): Promise<{ tiles: Running; mapserver: Running | null; stop(): Promise<void> }> {
  const [tilesPort, mapserverPort] = [await freePort(), await freePort()];
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, 'tmp', d), { recursive: true });
  const upstream = mapserverSockets.length === 0 ? '' : `
  upstream mapserv {
${mapserverSockets.map((s) => `    server unix:${s};`).join('\n')}
    keepalive ${mapserverSockets.length};
  }
  server {
    listen 127.0.0.1:${mapserverPort};
    location / {
      include /etc/nginx/fastcgi_params;
      fastcgi_pass mapserv;
      fastcgi_keep_conn on;
      fastcgi_buffers 64 64k;
    }
  }`;
  const conf = `worker_processes 1;
daemon off;
pid ${path.join(dir, 'nginx.pid')};
error_log ${path.join(dir, 'nginx-error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { application/vnd.mapbox-vector-tile mvt; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 10000000;
  open_file_cache max=50000 inactive=120s;
  server {
    listen 127.0.0.1:${tilesPort};
    root ${root};
    gzip_static on;
    etag on;
  }${upstream}
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, conf);
  const child = spawn('nginx', ['-p', dir, '-c', confPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(() => connects(tilesPort), 'nginx');
  return {
    tiles: { url: `http://127.0.0.1:${tilesPort}`, stop: async () => {} },
    mapserver: mapserverSockets.length ? { url: `http://127.0.0.1:${mapserverPort}`, stop: async () => {} } : null,
    stop: () => stopChild(child),
  };
}
