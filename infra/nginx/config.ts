// The nginx configuration in front of several server nodes (Điều 10.1: 24/7 on more than one machine). One
// function writes it, so the file operators install and the one the cluster test runs are the same text:
//
//   npx tsx infra/nginx/config.ts --listen 80 --node 10.0.0.11:3000 --node 10.0.0.12:3000 \
//     > /etc/nginx/conf.d/caobang-gis.conf
//
// What it does and why:
// - Nodes are stateless and share only the database, so any node serves any request: round robin, no stickiness.
// - Health: nginx (open source) checks passively. A node that refuses a connection or does not answer in time is
//   skipped for `fail_timeout` and the request goes to the next node (proxy_next_upstream) — for GET/HEAD only:
//   nginx never re-sends a POST/PUT/PATCH/DELETE that reached a node (no `non_idempotent`), so an edit is never
//   applied twice. 503 is not a reason to skip a node: every node answers 503 while the database is down or
//   the platform is read-only for maintenance, and that answer (JSON, Retry-After) is the one the client needs.
//   For active checks from an external balancer, use GET /api/ready.
// - Keepalive connections to the nodes, closed by nginx (60 s) before Node's own keep-alive timeout (fastify:
//   72 s) would close them, so nginx never sends a request on a connection the node is closing.
// - Tiles are gzip-compressed by the nodes already (and cached compressed): nginx must not compress them again.
//   JSON, GeoJSON, XML and the web app's text assets are compressed here.
// - Caching headers (Cache-Control, ETag, Last-Modified, Vary) and conditional requests pass through untouched:
//   the nodes decide what is public and for how long. Nothing is cached in nginx, so a restricted tile is never
//   stored where another caller could get it.
// - /metrics is for the monitoring system on the internal network (scrape the nodes directly), never public.
// - X-Forwarded-For is replaced, not appended: the nodes rate-limit per address, so a client must not be able to
//   choose it. The nodes believe it only from the proxies in their TRUST_PROXY (default: loopback): when nginx runs
//   on another machine than a node, set that node's TRUST_PROXY to nginx's address.
// - Uploads (POST /api/imports) are streamed to the node as they arrive, not spooled to nginx's disk first, and
//   import progress (server-sent events) is not buffered.
import { pathToFileURL } from 'node:url';

export interface NginxSiteOptions {
  /** `80`, `0.0.0.0:80`, `127.0.0.1:8080` … */
  listen: string;
  /** Server nodes as host:port. */
  nodes: string[];
  serverName?: string;
  /** Largest import upload (IMPORT_MAX_UPLOAD_BYTES of the nodes). Default 2 GiB. */
  importMaxBytes?: number;
  /** Seconds a failed node is left out (and the number of failures that make it so: 1). */
  failTimeoutSeconds?: number;
  /** Where access and error logs go; default nginx's own. */
  logDir?: string;
}

export const UPSTREAM = 'caobang_gis_nodes';

/** Compressed here; tiles (application/vnd.mapbox-vector-tile) are not in the list on purpose. */
const GZIP_TYPES = [
  'application/json', 'application/geo+json', 'application/problem+json', 'application/schema+json',
  'application/vnd.oai.openapi+json', 'application/xml', 'application/gml+xml', 'text/xml', 'text/plain',
  'text/css', 'text/csv', 'application/javascript', 'text/javascript', 'image/svg+xml',
];

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

function check(opts: NginxSiteOptions): void {
  if (opts.nodes.length === 0) throw new Error('Name at least one node (--node host:port).');
  const bad = opts.nodes.find((n) => !hostPort.test(n));
  if (bad !== undefined) throw new Error(`A node is host:port, e.g. 10.0.0.11:3000; got '${bad}'.`);
  if (!/^([0-9.]+:|\[[0-9a-fA-F:]+\]:)?\d{1,5}$/.test(opts.listen)) throw new Error(`--listen is a port or address:port, got '${opts.listen}'.`);
  if (opts.serverName !== undefined && !/^[A-Za-z0-9.*_-]+$/.test(opts.serverName)) throw new Error(`Not a server name: '${opts.serverName}'.`);
}

/** The upstream and server blocks: an http-context file, for /etc/nginx/conf.d/. */
export function siteConfig(opts: NginxSiteOptions): string {
  check(opts);
  const failTimeout = opts.failTimeoutSeconds ?? 10;
  const importMax = opts.importMaxBytes ?? 2 * 1024 * 1024 * 1024;
  const logs = opts.logDir
    ? [`    access_log ${opts.logDir}/access.log caobang_gis;`, `    error_log ${opts.logDir}/error.log warn;`]
    : ['    access_log /var/log/nginx/caobang-gis.access.log caobang_gis;'];
  const proxy = `        proxy_pass http://${UPSTREAM};`;
  return [
    '# caobang-gis: several server nodes behind one address. Written by infra/nginx/config.ts; see the notes there.',
    '',
    `upstream ${UPSTREAM} {`,
    ...opts.nodes.map((n) => `    server ${n} max_fails=1 fail_timeout=${failTimeout}s;`),
    '    keepalive 32;',
    '    keepalive_timeout 60s;',
    '    keepalive_requests 10000;',
    '}',
    '',
    "log_format caobang_gis '$remote_addr [$time_iso8601] \"$request\" $status $body_bytes_sent '",
    "                       'rt=$request_time id=$request_id node=$upstream_addr ns=$upstream_status nt=$upstream_response_time';",
    '',
    'server {',
    `    listen ${opts.listen};`,
    `    server_name ${opts.serverName ?? '_'};`,
    ...logs,
    '',
    '    # Feature batches may be large (the nodes take up to 50 MB there); everything else is small.',
    '    client_max_body_size 50m;',
    '',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    '    proxy_set_header Host $http_host;',
    '    proxy_set_header X-Forwarded-For $remote_addr;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    proxy_set_header X-Request-Id $request_id;',
    '    proxy_connect_timeout 2s;',
    '    proxy_send_timeout 60s;',
    '    proxy_read_timeout 60s;',
    '    # Passive health checks: a node that refuses or times out is skipped; GET/HEAD go on to the next node.',
    '    proxy_next_upstream error timeout;',
    '    proxy_next_upstream_tries 2;',
    '    proxy_next_upstream_timeout 10s;',
    '',
    '    gzip on;',
    '    gzip_proxied any;',
    '    gzip_vary on;',
    '    gzip_min_length 1024;',
    `    gzip_types ${GZIP_TYPES.join(' ')};`,
    '',
    '    # Prometheus metrics are scraped from each node on the internal network, never through here.',
    '    location = /metrics {',
    '        return 404;',
    '    }',
    '',
    '    # Vector tiles come gzip-compressed from the nodes (and their caches): never compress them twice.',
    '    location ~ \\.mvt$ {',
    '        gzip off;',
    proxy,
    '    }',
    '',
    '    # Import uploads: streamed to a node as they arrive, up to the import size limit.',
    '    location = /api/imports {',
    `        client_max_body_size ${importMax};`,
    '        proxy_request_buffering off;',
    '        proxy_read_timeout 300s;',
    proxy,
    '    }',
    '',
    '    # Import progress (server-sent events): passed on as it comes, for as long as the import runs.',
    '    location ~ ^/api/imports/[^/]+/events$ {',
    '        proxy_buffering off;',
    '        proxy_cache off;',
    '        proxy_read_timeout 1h;',
    proxy,
    '    }',
    '',
    '    location / {',
    proxy,
    '    }',
    '}',
    '',
  ].join('\n');
}

/**
 * A whole nginx.conf around the site, for `nginx -p <prefix> -c <file> -g 'daemon off;'`: everything (pid, temp
 * files, logs) inside `prefix`, so it runs beside any other nginx, as a child process.
 */
export function standaloneConfig(opts: NginxSiteOptions & { prefix: string }): string {
  const site = siteConfig({ ...opts, logDir: opts.logDir ?? opts.prefix });
  const p = opts.prefix;
  return [
    'worker_processes 2;',
    `pid ${p}/nginx.pid;`,
    `error_log ${p}/error.log warn;`,
    'events {',
    '    worker_connections 1024;',
    '}',
    'http {',
    '    default_type application/octet-stream;',
    `    client_body_temp_path ${p}/tmp/body;`,
    `    proxy_temp_path ${p}/tmp/proxy;`,
    `    fastcgi_temp_path ${p}/tmp/fastcgi;`,
    `    uwsgi_temp_path ${p}/tmp/uwsgi;`,
    `    scgi_temp_path ${p}/tmp/scgi;`,
    site.split('\n').map((line) => (line ? `    ${line}` : line)).join('\n'),
    '}',
    '',
  ].join('\n');
}

/** The example in infra/nginx/caobang-gis.conf (two nodes on a private network); a test keeps the two equal. */
export const exampleSite: NginxSiteOptions = { listen: '80', nodes: ['10.0.0.11:3000', '10.0.0.12:3000'], serverName: 'gis.caobang.gov.vn' };

function main(argv: string[]): void {
  const nodes: string[] = [];
  let listen = '80';
  let serverName: string | undefined;
  let importMaxBytes: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    const take = () => {
      if (value === undefined) throw new Error(`${argv[i]} needs a value`);
      i++;
      return value;
    };
    switch (argv[i]) {
      case '--node': nodes.push(take()); break;
      case '--listen': listen = take(); break;
      case '--server-name': serverName = take(); break;
      case '--import-max-bytes': importMaxBytes = Number(take()); break;
      default: throw new Error(`Unknown option ${argv[i]}. Use --listen, --node (repeat), --server-name, --import-max-bytes.`);
    }
  }
  process.stdout.write(siteConfig({ listen, nodes, ...(serverName ? { serverName } : {}), ...(importMaxBytes ? { importMaxBytes } : {}) }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
