// A bounded load run against a platform on this machine: a mixed workload for a fixed time, then throughput,
// latency percentiles and errors per kind of request.
//
//   npx tsx infra/load/load.ts --url http://127.0.0.1:3000 --seconds 30 [--concurrency 8] [--no-edits] [--no-imports] [--json]
//
// The mix (weights, per request): vector tiles of the public layers over the province at zooms 8–14 (60),
// GeoJSON feature queries with a bbox (25), edits by a signed-in demo editor with If-Match (12) and, when the
// import API is there, an import upload (3). Edits change the `ma_tuyen` (route code) of the roads of
// giao_thong.duong_dia_phuong that the editor (bientap.gtvt) owns: run it against demo or test data only.
// Every acknowledged edit (2xx) is remembered; at the end each one is looked up in the feature's history, so a
// write the platform acknowledged and then lost is reported (`lost`).
//
// Loopback only: the script refuses any other address. It never runs longer than --seconds plus one request
// timeout, and at most 600 seconds.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

export type Kind = 'tile' | 'features' | 'edit' | 'import';
export const kinds: Kind[] = ['tile', 'features', 'edit', 'import'];

export interface LoadOptions {
  url: string;
  seconds: number;
  concurrency?: number;
  editor?: { username: string; password: string };
  /** A line or point layer the editor may write, with a text attribute to change. */
  editLayer?: string;
  editAttribute?: string;
  edits?: boolean;
  /** Upload imports (default: when the server has the import API and a job queue). */
  imports?: boolean;
  weights?: Partial<Record<Kind, number>>;
  requestTimeoutMs?: number;
  /** Look every acknowledged edit up in the history at the end (default true). */
  verify?: boolean;
  /** Called for every finished request (fault tests act on progress). */
  onRecord?: (record: RequestRecord) => void;
}

export interface RequestRecord {
  kind: Kind;
  /** Milliseconds after the start of the run when the request was sent. */
  at: number;
  ms: number;
  /** HTTP status; 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  code?: string;
}

export interface AcknowledgedEdit {
  layer: string;
  fid: number;
  version: number;
  attribute: string;
  value: string;
  at: number;
}

export interface KindSummary {
  kind: Kind;
  requests: number;
  ok: number;
  /** Expected refusals: 412 after an edit whose answer was lost (the next edit names an old version). */
  conflicts: number;
  errors: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  byStatus: Record<string, number>;
}

export interface LoadReport {
  url: string;
  seconds: number;
  concurrency: number;
  records: RequestRecord[];
  edits: AcknowledgedEdit[];
  summary: KindSummary[];
  total: { requests: number; perSecond: number; errors: number };
  /** Acknowledged edits not found in the history afterwards (null: not checked). */
  lost: AcknowledgedEdit[] | null;
  /** Why no imports were made: turned off, or the server has no import API / job queue. */
  importsSkipped: 'off' | 'unavailable' | null;
}

/** Province of Cao Bằng, WGS84. */
const PROVINCE: [number, number, number, number] = [105.27, 22.35, 106.84, 23.12];
const ZOOMS = [8, 10, 12, 14];
const DEFAULT_WEIGHTS: Record<Kind, number> = { tile: 60, features: 25, edit: 12, import: 3 };
const MAX_SECONDS = 600;

/** Refuses anything but this machine: the script is for benchmarks and fault runs, never for someone's server. */
export function loopbackUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`--url must be a URL like http://127.0.0.1:3000, got '${raw}'.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (!loopback || !/^https?:$/.test(url.protocol)) {
    throw new Error(`The load script only runs against this machine (127.0.0.0/8, ::1, localhost); refusing ${url.origin}.`);
  }
  return url;
}

export function tileOf(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const rad = (lat * Math.PI) / 180;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return { z, x: Math.min(n - 1, Math.max(0, x)), y: Math.min(n - 1, Math.max(0, y)) };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const okStatus = (kind: Kind, status: number) =>
  kind === 'tile' ? status === 200 || status === 204 : kind === 'import' ? status === 202 : status >= 200 && status < 300;

export function summarize(records: RequestRecord[], seconds: number): { summary: KindSummary[]; total: LoadReport['total'] } {
  const summary: KindSummary[] = [];
  for (const kind of kinds) {
    const mine = records.filter((r) => r.kind === kind);
    if (mine.length === 0) continue;
    const ms = mine.map((r) => r.ms).sort((a, b) => a - b);
    const byStatus: Record<string, number> = {};
    for (const r of mine) byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
    const ok = mine.filter((r) => okStatus(kind, r.status)).length;
    const conflicts = mine.filter((r) => kind === 'edit' && r.status === 412).length;
    summary.push({
      kind, requests: mine.length, ok, conflicts, errors: mine.length - ok - conflicts,
      perSecond: mine.length / seconds, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), max: ms.at(-1)!,
      byStatus,
    });
  }
  const errors = summary.reduce((n, s) => n + s.errors, 0);
  return { summary, total: { requests: records.length, perSecond: records.length / seconds, errors } };
}

export function isError(r: RequestRecord): boolean {
  return !okStatus(r.kind, r.status) && !(r.kind === 'edit' && r.status === 412);
}

interface Session {
  cookie: string;
  csrf: string;
}

interface Target {
  id: string;
  minZoom: number;
  maxZoom: number;
}

const random = (min: number, max: number) => min + Math.random() * (max - min);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

async function signIn(base: string, username: string, password: string): Promise<Session> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  const body = await json(res);
  if (res.status !== 200) throw new Error(`Signing in as ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { cookie, csrf: body.csrfToken };
}

const versionOf = (etag: string | null) => Number(/:(\d+)"?$/.exec(etag ?? '')?.[1] ?? NaN);

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const base = loopbackUrl(opts.url).origin;
  if (!(opts.seconds > 0 && opts.seconds <= MAX_SECONDS)) throw new Error(`--seconds is between 1 and ${MAX_SECONDS}.`);
  const concurrency = Math.max(1, Math.min(64, opts.concurrency ?? 8));
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const editLayer = opts.editLayer ?? 'giao_thong.duong_dia_phuong';
  const attribute = opts.editAttribute ?? 'ma_tuyen';
  const weights = { ...DEFAULT_WEIGHTS, ...opts.weights };

  const catalog = await json(await fetch(`${base}/api/layers`));
  const targets: Target[] = (catalog?.layers ?? []).map((l: any) => ({ id: l.id, minZoom: l.min_zoom, maxZoom: l.max_zoom }))
    .filter((t: Target) => ZOOMS.some((z) => z >= t.minZoom && z <= t.maxZoom));
  if (targets.length === 0) throw new Error(`${base}/api/layers lists no public layer to load.`);

  let session: Session | null = null;
  const fids: number[] = [];
  const etags = new Map<number, string>();
  let importsEnabled = false;
  if (opts.edits ?? true) {
    const { DEMO_PASSWORD } = await import('../demo/accounts.ts');
    const editor = opts.editor ?? { username: 'bientap.gtvt', password: DEMO_PASSWORD };
    session = await signIn(base, editor.username, editor.password);
    const page = await json(await fetch(`${base}/api/layers/${editLayer}/features?limit=200&properties=${attribute}`, {
      headers: { cookie: session.cookie },
    }));
    for (const f of page?.features ?? []) fids.push(Number(f.id));
    if (fids.length < concurrency) throw new Error(`${editLayer} has too few features to edit (${fids.length}).`);
    if (opts.imports ?? true) {
      // 415 multipart_required: the import API is there and has a job queue; 404 / 503: it is not.
      const probe = await fetch(`${base}/api/imports`, {
        method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, body: '{}',
      });
      await probe.arrayBuffer();
      importsEnabled = probe.status === 415;
    }
  }
  const active = kinds.filter((k) => weights[k] > 0 && (k === 'edit' ? session !== null : k === 'import' ? importsEnabled : true));
  const totalWeight = active.reduce((n, k) => n + weights[k], 0);
  const chooseKind = (): Kind => {
    let r = Math.random() * totalWeight;
    for (const k of active) {
      r -= weights[k];
      if (r < 0) return k;
    }
    return active[active.length - 1]!;
  };

  const runId = randomBytes(3).toString('hex');
  const records: RequestRecord[] = [];
  const edits: AcknowledgedEdit[] = [];
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  let seq = 0;

  async function timed(kind: Kind, send: (signal: AbortSignal) => Promise<Response>, after?: (res: Response, body: any) => void) {
    const at = performance.now() - started;
    let status = 0;
    let code: string | undefined;
    try {
      const res = await send(AbortSignal.timeout(timeoutMs));
      status = res.status;
      const body = kind === 'tile' && res.status < 300 ? await res.arrayBuffer() : await json(res);
      if (res.status >= 400 && body && typeof body === 'object') code = (body as { code?: string }).code;
      after?.(res, body);
    } catch (err) {
      code = (err as Error).name === 'TimeoutError' ? 'timeout' : 'no_answer';
    }
    const record: RequestRecord = { kind, at, ms: performance.now() - started - at, status, ...(code ? { code } : {}) };
    records.push(record);
    opts.onRecord?.(record);
    return status;
  }

  const tile = () => {
    const t = pick(targets);
    const z = pick(ZOOMS.filter((zz) => zz >= t.minZoom && zz <= t.maxZoom));
    const { x, y } = tileOf(random(PROVINCE[0], PROVINCE[2]), random(PROVINCE[1], PROVINCE[3]), z);
    return timed('tile', (signal) => fetch(`${base}/tiles/${t.id}/${z}/${x}/${y}.mvt`, { signal }));
  };

  const features = () => {
    const t = pick(targets);
    const w = random(0.02, 0.2);
    const lon = random(PROVINCE[0], PROVINCE[2] - w);
    const lat = random(PROVINCE[1], PROVINCE[3] - w);
    const bbox = [lon, lat, lon + w, lat + w].map((v) => v.toFixed(5)).join(',');
    return timed('features', (signal) => fetch(`${base}/api/layers/${t.id}/features?bbox=${bbox}&limit=100`, { signal }));
  };

  const authHeaders = () => ({ cookie: session!.cookie, 'x-csrf-token': session!.csrf });

  async function refreshEtag(fid: number): Promise<void> {
    try {
      const res = await fetch(`${base}/api/layers/${editLayer}/features/${fid}`, { headers: { cookie: session!.cookie }, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      const etag = res.headers.get('etag');
      if (res.status === 200 && etag) etags.set(fid, etag);
    } catch {
      // the next edit of this feature tries again
    }
  }

  const edit = async (worker: number, turn: number) => {
    const mine = fids.filter((_, i) => i % concurrency === worker);
    const fid = mine[turn % mine.length]!;
    if (!etags.has(fid)) await refreshEtag(fid);
    const etag = etags.get(fid);
    // No version to name (the platform did not answer the read): no edit is sent, so none is counted.
    if (!etag) return sleep(50);
    const value = `TẢI-${runId}-${++seq}`;
    const status = await timed('edit', (signal) => fetch(`${base}/api/layers/${editLayer}/features/${fid}`, {
      method: 'PATCH',
      headers: { ...authHeaders(), 'content-type': 'application/json', 'if-match': etag, 'x-change-note': 'load test' },
      body: JSON.stringify({ type: 'Feature', properties: { [attribute]: value } }),
      signal,
    }), (res) => {
      if (res.status !== 200) return;
      const next = res.headers.get('etag');
      if (next) {
        etags.set(fid, next);
        edits.push({ layer: editLayer, fid, version: versionOf(next), attribute, value, at: performance.now() - started });
      }
    });
    // Not acknowledged: it may or may not have been written; ask for the current version before the next edit.
    if (status !== 200) etags.delete(fid);
  };

  const upload = () => {
    const n = ++seq;
    const lon = random(105.6, 106.5);
    const lat = random(22.5, 22.9);
    const collection = {
      type: 'FeatureCollection',
      features: [0, 1, 2].map((i) => ({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: [[lon + i * 0.01, lat], [lon + i * 0.01 + 0.005, lat + 0.005]] },
        properties: { ma_tuyen: `NHAP-${runId}-${n}-${i}`, ten: `Đường nhập thử ${n}.${i}`, cap_duong: 'Đường xã' },
      })),
    };
    const form = new FormData();
    form.append('layer', editLayer);
    form.append('mode', 'append');
    form.append('file', new Blob([JSON.stringify(collection)], { type: 'application/geo+json' }), `tai-${runId}-${n}.geojson`);
    return timed('import', (signal) => fetch(`${base}/api/imports`, { method: 'POST', headers: authHeaders(), body: form, signal }));
  };

  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    for (let turn = 0; performance.now() < deadline; turn++) {
      const kind = chooseKind();
      if (kind === 'tile') await tile();
      else if (kind === 'features') await features();
      else if (kind === 'edit') await edit(worker, turn);
      else await upload();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const { summary, total } = summarize(records, seconds);
  const lost = session && (opts.verify ?? true) ? await lostEdits(base, session, edits, timeoutMs) : null;
  const importsSkipped = importsEnabled ? null : session && (opts.imports ?? true) && weights.import > 0 ? 'unavailable' : 'off';
  return { url: base, seconds, concurrency, records, edits, summary, total, lost, importsSkipped };
}

/** Acknowledged edits whose version, with the value sent, is not in the feature's history. */
export async function lostEdits(base: string, session: Session, edits: AcknowledgedEdit[], timeoutMs = 10_000): Promise<AcknowledgedEdit[]> {
  const lost: AcknowledgedEdit[] = [];
  const byFeature = new Map<string, AcknowledgedEdit[]>();
  for (const e of edits) byFeature.set(`${e.layer}/${e.fid}`, [...(byFeature.get(`${e.layer}/${e.fid}`) ?? []), e]);
  for (const [key, acked] of byFeature) {
    const [layer, fid] = key.split('/');
    const res = await fetch(`${base}/api/layers/${layer}/features/${fid}/history`, { headers: { cookie: session.cookie }, signal: AbortSignal.timeout(timeoutMs) });
    const body = await json(res);
    if (res.status !== 200) throw new Error(`Checking the history of ${key} failed: ${res.status} ${JSON.stringify(body)}`);
    const versions = new Map<number, Record<string, unknown>>((body.versions ?? []).map((v: any) => [v.version, v.properties ?? {}]));
    for (const e of acked) if (versions.get(e.version)?.[e.attribute] !== e.value) lost.push(e);
  }
  return lost;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** Seconds of the run in which some request failed, with what failed: where a fault shows. */
export function errorTimeline(records: RequestRecord[]): string[] {
  const bySecond = new Map<number, { ok: number; failed: Record<string, number> }>();
  for (const r of records) {
    const s = Math.floor(r.at / 1000);
    const slot = bySecond.get(s) ?? { ok: 0, failed: {} };
    if (isError(r)) slot.failed[`${r.status}${r.code ? ` ${r.code}` : ''}`] = (slot.failed[`${r.status}${r.code ? ` ${r.code}` : ''}`] ?? 0) + 1;
    else slot.ok++;
    bySecond.set(s, slot);
  }
  return [...bySecond.entries()].sort(([a], [b]) => a - b).filter(([, v]) => Object.keys(v.failed).length > 0)
    .map(([s, v]) => `  t=${pad(s, 3)} s  ok ${pad(v.ok, 4)}  failed ${Object.entries(v.failed).map(([k, n]) => `${n}× ${k}`).join(', ')}`);
}

export function formatReport(report: LoadReport): string {
  const lines = [
    `Load run against ${report.url}: ${report.seconds.toFixed(1)} s, ${report.concurrency} concurrent clients` +
      (report.importsSkipped === 'unavailable' ? ' (no imports: the import API or its job queue is not available)'
        : report.importsSkipped === 'off' ? ' (imports off)' : ''),
    `${'kind'.padEnd(9)} ${pad('requests', 8)} ${pad('req/s', 7)} ${pad('p50 ms', 7)} ${pad('p90 ms', 7)} ${pad('p99 ms', 7)} ${pad('max ms', 7)} ${pad('errors', 6)}  statuses`,
  ];
  for (const s of report.summary) {
    lines.push(`${s.kind.padEnd(9)} ${pad(s.requests, 8)} ${pad(s.perSecond.toFixed(1), 7)} ${pad(s.p50.toFixed(1), 7)} ${pad(s.p90.toFixed(1), 7)} ` +
      `${pad(s.p99.toFixed(1), 7)} ${pad(s.max.toFixed(0), 7)} ${pad(s.errors, 6)}  ${Object.entries(s.byStatus).map(([k, n]) => `${k}:${n}`).join(' ')}`);
  }
  lines.push(`all       ${pad(report.total.requests, 8)} ${pad(report.total.perSecond.toFixed(1), 7)}${' '.repeat(33)}${pad(report.total.errors, 6)}`);
  lines.push(`acknowledged edits: ${report.edits.length}; lost: ${report.lost === null ? 'not checked' : report.lost.length}`);
  const timeline = errorTimeline(report.records);
  if (timeline.length > 0) lines.push('failures by second:', ...timeline);
  return lines.join('\n');
}

function parseArgs(argv: string[]): LoadOptions & { json: boolean } {
  const opts: LoadOptions & { json: boolean } = { url: 'http://127.0.0.1:3000', seconds: 30, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--url': opts.url = value(); break;
      case '--seconds': opts.seconds = Number(value()); break;
      case '--concurrency': opts.concurrency = Number(value()); break;
      case '--editor': opts.editor = { username: value(), password: process.env.LOAD_PASSWORD ?? '' }; break;
      case '--no-edits': opts.edits = false; break;
      case '--no-imports': opts.imports = false; break;
      case '--json': opts.json = true; break;
      default: throw new Error(`Unknown option ${arg}. Options: --url, --seconds, --concurrency, --editor (password in LOAD_PASSWORD), --no-edits, --no-imports, --json.`);
    }
  }
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    loopbackUrl(opts.url);
    const report = await runLoad(opts);
    if (opts.json) {
      const { records: _records, ...rest } = report;
      console.log(JSON.stringify(rest, null, 2));
    } else {
      console.log(formatReport(report));
    }
    process.exit(report.lost && report.lost.length > 0 ? 1 : 0);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
