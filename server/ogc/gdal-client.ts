// GDAL as the independent client of the tests (ogrinfo, ogr2ogr from gdal-bin): every child process is time-boxed,
// and GDAL is told not to retry, so a server bug fails a test instead of hanging it. Test support only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';

export interface GdalResult {
  stdout: string;
  stderr: string;
}

const baseConfig = [
  '--config', 'GDAL_HTTP_TIMEOUT', '60',
  '--config', 'GDAL_HTTP_MAX_RETRY', '0',
  '--config', 'GDAL_HTTP_RETRY_DELAY', '0',
  '--config', 'CPL_CURL_GZIP', 'NO',
  '--config', 'OGR_WFS_PAGE_SIZE', '10000',
  '--config', 'OGR_WFS_LOAD_MULTIPLE_LAYER_DEFN', 'NO',
];

/** Runs a GDAL program; `apiKey` is sent as X-API-Key on every request. Rejects on a non-zero exit or a timeout. */
export function gdal(program: 'ogrinfo' | 'ogr2ogr', args: string[], opts: { apiKey?: string; timeoutMs?: number } = {}): Promise<GdalResult> {
  const config = [...baseConfig, ...(opts.apiKey ? ['--config', 'GDAL_HTTP_HEADERS', `X-API-Key: ${opts.apiKey}`] : [])];
  return new Promise((resolve, reject) => {
    execFile(program, [...config, ...args], {
      timeout: opts.timeoutMs ?? 180_000,
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', http_proxy: '', https_proxy: '' },
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${program} ${args.join(' ')} failed: ${err.message}\n${stderr.slice(0, 2000)}`));
      else resolve({ stdout, stderr });
    });
  });
}

export interface GeoJsonFeature {
  id?: number;
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown } | null;
}

/** A layer read through a GDAL driver and written out as GeoJSON (ogr2ogr), parsed. */
export async function readWithGdal(source: string, layer: string, opts: { apiKey?: string; where?: string; spat?: number[]; open?: string[] } = {}): Promise<GeoJsonFeature[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-gdal-'));
  const out = path.join(dir, 'out.geojson');
  try {
    await gdal('ogr2ogr', [
      '-f', 'GeoJSON', out, source, layer, '-preserve_fid',
      ...(opts.open ?? []).flatMap((o) => ['-oo', o]),
      ...(opts.where ? ['-where', opts.where] : []),
      ...(opts.spat ? ['-spat', ...opts.spat.map(String)] : []),
    ], opts);
    return (JSON.parse(fs.readFileSync(out, 'utf8')) as { features: GeoJsonFeature[] }).features;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface SqlFeature {
  fid: number;
  properties: Record<string, unknown>;
  coordinates: number[];
}

const flatten = (c: unknown): number[] => (Array.isArray(c) ? c.flatMap(flatten) : [c as number]);

/** What SQL says a layer holds: attributes (without system columns) and flattened coordinates, by fid. */
export async function sqlFeatures(owner: pg.Client, layerId: string, where = 'true'): Promise<Map<number, SqlFeature>> {
  const { rows } = await owner.query<{ fid: string; props: Record<string, unknown>; g: { coordinates: unknown } }>(
    `select fid, to_jsonb(t) - array['fid','geom','geom_3857','version','created_at','created_by','updated_at','updated_by'] as props,
            st_asgeojson(geom, 7)::json as g
     from ${layerId.split('.').map((p) => `"${p}"`).join('.')} t where ${where} order by fid`,
  );
  return new Map(rows.map((r) => [Number(r.fid), { fid: Number(r.fid), properties: r.props, coordinates: flatten(r.g.coordinates) }]));
}

/** Compares one feature read by GDAL with SQL's: every attribute (numbers numerically) and every coordinate. */
export function sameFeature(got: GeoJsonFeature, want: SqlFeature, tolerance = 1e-7): string | null {
  for (const [k, v] of Object.entries(want.properties)) {
    const g = got.properties[k];
    if (v === null) {
      if (g !== null && g !== undefined) return `${k}: ${JSON.stringify(g)} for null`;
    } else if (typeof v === 'number') {
      if (typeof g !== 'number' || Math.abs(g - v) > 1e-9 * Math.max(1, Math.abs(v))) return `${k}: ${JSON.stringify(g)} ≠ ${v}`;
    } else if (typeof v === 'boolean') {
      if (g !== v && g !== (v ? 1 : 0)) return `${k}: ${JSON.stringify(g)} ≠ ${v}`;
    } else if (g !== v) {
      return `${k}: ${JSON.stringify(g)} ≠ ${JSON.stringify(v)}`;
    }
  }
  const c = flatten(got.geometry?.coordinates ?? []);
  if (c.length !== want.coordinates.length) return `${c.length} coordinates ≠ ${want.coordinates.length}`;
  for (let i = 0; i < c.length; i++) {
    if (Math.abs(c[i]! - want.coordinates[i]!) > tolerance) return `coordinate ${i}: ${c[i]} ≠ ${want.coordinates[i]}`;
  }
  return null;
}
