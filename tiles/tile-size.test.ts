// Tiles of the demo data stay small at every zoom that serves them, and the aggregation of dense point tiles
// is truthful: counts that add up to the features in the tile, colours of the members' own category.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { LAMP_STATES } from '../infra/demo/layers.ts';
import { login } from '../server/testing/http.ts';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { PROVINCE_BOUNDS } from './tilejson.ts';

const MAX_TILE_BYTES = 500 * 1024;
const LIGHTS = 'do_thi.den_chieu_sang';
/** The densest z13 tile of the demo street lights: 14 614 of them, 765 kB before aggregation. */
const DENSE = { z: 13, x: 6513, y: 3566 };

interface Tile { z: number; x: number; y: number }

function tileRange(bounds: number[], z: number): Tile[] {
  const n = 2 ** z;
  const col = (lon: number) => Math.min(n - 1, Math.floor(((lon + 180) / 360) * n));
  const row = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.min(n - 1, Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n));
  };
  const tiles: Tile[] = [];
  for (let x = col(bounds[0]!); x <= col(bounds[2]!); x++) for (let y = row(bounds[3]!); y <= row(bounds[1]!); y++) tiles.push({ z, x, y });
  return tiles;
}

describe('tile sizes and point aggregation on the demo data', () => {
  let server: TestServer;
  /** The operator reads every layer, the restricted ones too. */
  let operator: string;
  const get = (url: string) => server.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip', cookie: operator } });
  const mvtOf = async (url: string) => {
    const res = await get(url);
    assert.ok(res.statusCode === 200 || res.statusCode === 204, `${url}: ${res.statusCode} ${res.body}`);
    return res.statusCode === 204 ? Buffer.alloc(0) : zlib.gunzipSync(res.rawPayload);
  };

  before(async () => {
    server = await startTestServer({ demo: true });
    operator = (await login(server.url, 'vanhanh', DEMO_PASSWORD)).cookie;
  });

  after(async () => {
    await server?.close();
  });

  test('no tile over 500 KB: every layer, every z0–z8 tile over the province and its two first zooms of its own', async () => {
    const { rows: layers } = await server.owner.query<{ id: string; min_zoom: number }>('select id, min_zoom from catalog.layers order by id');
    assert.equal(layers.length, 14);
    const report: string[] = [];
    let walked = 0;
    for (const layer of layers) {
      const [schema, table] = layer.id.split('.');
      const { rows: [e] } = await server.owner.query(
        `select st_xmin(x) as w, st_ymin(x) as s, st_xmax(x) as e, st_ymax(x) as n from (select st_extent(geom) as x from "${schema}"."${table}") q`);
      const extent = [e.w, e.s, e.e, e.n] as number[];
      const zooms = [...new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, layer.min_zoom, layer.min_zoom + 1])].sort((a, b) => a - b);
      let largest = { bytes: 0, at: '' };
      let served = 0;
      for (const z of zooms) {
        for (const t of tileRange(z <= 8 ? PROVINCE_BOUNDS : extent, z)) {
          const url = `/tiles/${layer.id}/${t.z}/${t.x}/${t.y}.mvt`;
          const bytes = await mvtOf(url);
          walked++;
          if (bytes.length > 0) served++;
          assert.ok(bytes.length <= MAX_TILE_BYTES, `${url}: ${bytes.length} bytes`);
          if (bytes.length > largest.bytes) largest = { bytes: bytes.length, at: `${t.z}/${t.x}/${t.y}` };
        }
      }
      assert.ok(served > 0, `${layer.id}: some tile has features`);
      report.push(`${layer.id}: largest ${largest.bytes} B at ${largest.at}`);
    }
    assert.ok(walked > 400, `${walked} tiles walked`);
    // The densest layer is the one that needed aggregation; it is served, and well under the limit.
    assert.match(report.find((r) => r.startsWith(LIGHTS))!, /largest \d+ B at 1[34]\//);
  });

  test('a dense point tile holds one point per cell and category: counts add up to exactly the features SQL finds', async () => {
    const bytes = await mvtOf(`/tiles/${LIGHTS}/${DENSE.z}/${DENSE.x}/${DENSE.y}.mvt`);
    const layer = new VectorTile(new PbfReader(bytes)).layers[LIGHTS]!;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    const { rows: [sql] } = await server.owner.query<{ n: number; states: Record<string, number> }>(
      `select count(*)::int as n, (select jsonb_object_agg(trang_thai, c) from (
         select trang_thai, count(*)::int as c from do_thi.den_chieu_sang
         where st_intersects(geom_3857, st_tileenvelope($1, $2, $3, margin => 64.0 / 4096)) group by 1) s) as states
       from do_thi.den_chieu_sang where st_intersects(geom_3857, st_tileenvelope($1, $2, $3, margin => 64.0 / 4096))`,
      [DENSE.z, DENSE.x, DENSE.y]);
    assert.ok(sql!.n > 10_000, `${sql!.n} street lights in the tile`);
    const count = (f: (typeof features)[number]) => (f.properties._count as number | undefined) ?? 1;
    assert.equal(features.reduce((sum, f) => sum + count(f), 0), sql!.n);
    // Per category too: the colours on the map are the members' own.
    const byState: Record<string, number> = {};
    for (const f of features) byState[f.properties.trang_thai as string] = (byState[f.properties.trang_thai as string] ?? 0) + count(f);
    assert.deepEqual(byState, sql!.states);
    assert.ok(Object.keys(byState).every((s) => LAMP_STATES.includes(s)));
    assert.ok(features.length < sql!.n / 3, `${features.length} points for ${sql!.n}`);
    assert.ok(bytes.length < 200 * 1024, `${bytes.length} bytes`);

    const lone = features.filter((f) => f.properties._count === undefined);
    const crowds = features.filter((f) => f.properties._count !== undefined);
    assert.ok(lone.length > 0 && crowds.length > 0);
    for (const f of crowds) {
      assert.equal(f.id, undefined, 'an aggregate is no single feature');
      assert.ok((f.properties._count as number) >= 2);
      assert.deepEqual(Object.keys(f.properties).sort(), ['_count', 'trang_thai']);
    }
    // A point alone in its cell is itself: its fid, its code and its status, where SQL has it.
    const { rows } = await server.owner.query<{ fid: number; ma_den: string; trang_thai: string; u: number; v: number }>(
      `select fid, ma_den, trang_thai,
              round((st_x(geom_3857) - st_xmin(e)) / (st_xmax(e) - st_xmin(e)) * 4096) as u,
              round((st_ymax(e) - st_y(geom_3857)) / (st_ymax(e) - st_ymin(e)) * 4096) as v
       from do_thi.den_chieu_sang, st_tileenvelope($1, $2, $3) e where fid = any($4)`,
      [DENSE.z, DENSE.x, DENSE.y, lone.map((f) => f.id)]);
    assert.equal(rows.length, lone.length);
    const byFid = new Map(rows.map((r) => [r.fid, r]));
    for (const f of lone) {
      const r = byFid.get(f.id as number)!;
      assert.deepEqual({ ...f.properties }, { ma_den: r.ma_den, trang_thai: r.trang_thai });
      const p = f.loadGeometry()[0]![0]!;
      assert.deepEqual([p.x, p.y], [Number(r.u), Number(r.v)]);
    }
    for (const f of features) {
      const p = f.loadGeometry()[0]![0]!;
      assert.ok(p.x >= -64 && p.x <= 4160 && p.y >= -64 && p.y <= 4160);
    }
  });

  test('GDAL reads an aggregated tile: the counts and categories as attributes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-mvt-'));
    try {
      const file = path.join(dir, 'lights.mvt');
      const bytes = await mvtOf(`/tiles/${LIGHTS}/${DENSE.z}/${DENSE.x}/${DENSE.y}.mvt`);
      fs.writeFileSync(file, bytes);
      const out = execFileSync('/usr/bin/ogrinfo',
        ['-ro', '-al', '-oo', `X=${DENSE.x}`, '-oo', `Y=${DENSE.y}`, '-oo', `Z=${DENSE.z}`, file], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const layer = new VectorTile(new PbfReader(bytes)).layers[LIGHTS]!;
      assert.match(out, new RegExp(`Feature Count: ${layer.length}\\n`));
      assert.match(out, /_count \(Integer(64)?\) = \d+/);
      assert.match(out, /trang_thai \(String\) = Hỏng/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a sparse tile of the same layer is not aggregated: every light with every attribute', async () => {
    const sparse = { z: 15, x: 26055, y: 14265 };
    const bytes = await mvtOf(`/tiles/${LIGHTS}/${sparse.z}/${sparse.x}/${sparse.y}.mvt`);
    const layer = new VectorTile(new PbfReader(bytes)).layers[LIGHTS]!;
    // Within the buffer once snapped to the tile grid: half a unit beyond it still rounds onto its edge.
    const { rows: [sql] } = await server.owner.query<{ n: number }>(
      `select count(*)::int as n from do_thi.den_chieu_sang
       where st_intersects(geom_3857, st_tileenvelope($1, $2, $3, margin => 64.5 / 4096))`, [sparse.z, sparse.x, sparse.y]);
    assert.ok(sql!.n > 100 && sql!.n <= 2000, `${sql!.n}`);
    assert.equal(layer.length, sql!.n);
    const f = layer.feature(0);
    assert.equal(typeof f.id, 'number');
    assert.ok('loai_den' in f.properties && 'tuyen_duong' in f.properties && !('_count' in f.properties));
  });
});
