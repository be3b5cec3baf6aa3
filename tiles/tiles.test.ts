import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import pg from 'pg';
import { createLayer } from '../server/catalog/create-layer.ts';
import { insertAccount } from '../server/accounts.ts';
import { hashPassword } from '../server/auth/credentials.ts';
import { login } from '../server/testing/http.ts';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { PROVINCE_BOUNDS } from './tilejson.ts';
import { tileQuery } from './tile-sql.ts';
import { findLayer } from '../server/catalog/catalog.ts';

const POINTS = 'van_hoa.diem_du_lich';
const AREAS = 'van_hoa.khu_di_tich';
const LINES = 'giao_thong.loi_di_thu';
const SECRET = 'tai_nguyen.tram_quan_trac_mat';
const SECRET_TITLE = 'Trạm quan trắc nước ngầm (mật)';
const SECRET_SOURCE = 'Báo cáo quan trắc nội bộ 2024';
const PASSWORD = 'Mật-khẩu-thử-2024';

const BAN_GIOC = { lon: 106.721998, lat: 22.856402 };
const DONG_KHE = { lon: 106.43, lat: 22.43 };
/** Where the small lines and polygons are, in tile units of its z12 tile (away from T and from Đông Khê). */
const SMALL_PLACE = { lon: 105.95, lat: 22.65 };

interface Tile { z: number; x: number; y: number }

function tileOf(lon: number, lat: number, z: number): Tile {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    z,
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  };
}

const T = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, 12);
const SMALL = tileOf(SMALL_PLACE.lon, SMALL_PLACE.lat, 12);
const tileUrl = (layer: string, t: Tile) => `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt`;

function decode(bytes: Buffer) {
  return new VectorTile(new PbfReader(bytes));
}

function features(bytes: Buffer, layer: string) {
  const l = decode(bytes).layers[layer];
  assert.ok(l, `the tile has an MVT layer named ${layer}`);
  assert.equal(l.extent, 4096);
  return Array.from({ length: l.length }, (_, i) => l.feature(i));
}

const gz = { 'accept-encoding': 'gzip' };

describe('vector tiles', () => {
  let server: TestServer;
  const fids: Record<string, number> = {};
  let envelope: { xmin: number; ymin: number; xmax: number; ymax: number };
  let smallEnvelope: typeof envelope;
  /** Session cookies: a viewer of the restricted layer's owner agency, and one of another agency. */
  let reader: string;
  let outsider: string;

  const get = (url: string, headers: Record<string, string> = gz) => server.app.inject({ method: 'GET', url, headers });
  const tileBytes = async (layer: string, t: Tile) => {
    const res = await get(tileUrl(layer, t));
    assert.equal(res.statusCode, 200, `${tileUrl(layer, t)}: ${res.body}`);
    return zlib.gunzipSync(res.rawPayload);
  };
  /**
   * What SQL says a tile must hold: the features meeting the tile grown by its 64-unit buffer; below z14, of lines
   * only those whose bounding box spans at least one pixel (8 of the tile's 4096 units) one way or the other, of
   * polygons at least two (16 units).
   */
  const sqlFids = async (layer: string, t: Tile) => {
    const [schema, table] = layer.split('.');
    const minUnits = layer === AREAS ? 16 : layer === LINES ? 8 : 0;
    const { rows } = await server.owner.query<{ fid: number }>(
      `select fid from "${schema}"."${table}"
       where st_intersects(geom_3857, st_tileenvelope($1, $2, $3, margin => 64.0 / 4096))
         and ($1 >= 14 or greatest(st_xmax(geom_3857) - st_xmin(geom_3857), st_ymax(geom_3857) - st_ymin(geom_3857))
                          >= $4 * (st_xmax(st_tileenvelope($1, $2, $3)) - st_xmin(st_tileenvelope($1, $2, $3))) / 4096)
       order by fid`,
      [t.z, t.x, t.y, minUnits],
    );
    return rows.map((r) => r.fid);
  };
  const tileFids = (bytes: Buffer, layer: string) => features(bytes, layer).map((f) => f.id).sort((a, b) => a! - b!);
  const dataVersion = async (layer: string) =>
    (await server.owner.query<{ v: number }>('select data_version as v from catalog.layers where id = $1', [layer])).rows[0]!.v;

  /** A point placed in tile units of T (0..4096, y downwards), so its position in the tile is known exactly. */
  const insertPointAt = async (name: string, u: number, v: number, extra: Record<string, unknown> = {}) => {
    const w = envelope.xmax - envelope.xmin;
    const { rows } = await server.owner.query<{ fid: number }>(
      `insert into van_hoa.diem_du_lich (geom, ten, so_luot, diem, mo_cua, ngay_mo)
       values (st_transform(st_setsrid(st_point($1, $2), 3857), 4326), $3, $4, $5, $6, $7) returning fid`,
      [envelope.xmin + (u * w) / 4096, envelope.ymax - (v * w) / 4096, name, extra.so_luot ?? null, extra.diem ?? null,
        extra.mo_cua ?? null, extra.ngay_mo ?? null],
    );
    fids[name] = rows[0]!.fid;
  };
  /** WKT in EPSG:3857 of a line or polygon given in tile units of the z12 tile whose envelope is `env`. */
  const wktInTileUnits = (kind: 'LINESTRING' | 'POLYGON', env: typeof envelope, points: Array<[number, number]>) => {
    const w = env.xmax - env.xmin;
    const coords = points.map(([u, v]) => `${env.xmin + (u * w) / 4096} ${env.ymax - (v * w) / 4096}`).join(', ');
    return kind === 'POLYGON' ? `POLYGON((${coords}))` : `LINESTRING(${coords})`;
  };
  const insertAreaInTileUnits = async (name: string, huyen: string, ring: Array<[number, number]>, env = envelope) => {
    const wkt = wktInTileUnits('POLYGON', env, ring);
    const { rows } = await server.owner.query<{ fid: number }>(
      `insert into van_hoa.khu_di_tich (geom, ten, huyen)
       values (st_multi(st_transform(st_geomfromtext($1, 3857), 4326)), $2, $3) returning fid`,
      [wkt, name, huyen],
    );
    fids[name] = rows[0]!.fid;
  };

  before(async () => {
    server = await startTestServer({ demo: false });
    const owner = server.owner;
    await createLayer(owner, {
      id: POINTS, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm du lịch', titleEn: 'Tourist sites', geometryFamily: 'point',
      source: 'Sở VHTTDL, điều tra 2024', nameAttribute: 'ten',
      attributes: [
        { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' },
        { name: 'so_luot', type: 'integer', label_vi: 'Số lượt khách', label_en: 'Visitors' },
        { name: 'diem', type: 'number', label_vi: 'Điểm', label_en: 'Score' },
        { name: 'mo_cua', type: 'boolean', label_vi: 'Mở cửa', label_en: 'Open' },
        { name: 'ngay_mo', type: 'date', label_vi: 'Ngày mở', label_en: 'Opened on' },
      ],
    });
    await createLayer(owner, {
      id: AREAS, ownerAgencyCode: 'so_vhttdl', titleVi: 'Khu di tích', titleEn: 'Heritage areas', geometryFamily: 'polygon',
      descriptionVi: 'Ranh giới các khu di tích và danh thắng', source: 'Quyết định xếp hạng di tích', minZoom: 8, maxZoom: 16,
      attributes: [
        { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' },
        { name: 'huyen', type: 'text', label_vi: 'Huyện', label_en: 'District' },
      ],
    });
    await createLayer(owner, {
      id: LINES, ownerAgencyCode: 'so_gtvt', titleVi: 'Lối đi thử', titleEn: 'Test paths', geometryFamily: 'line',
      source: 'Kiểm thử', minZoom: 8, attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
    });
    await createLayer(owner, {
      id: SECRET, ownerAgencyCode: 'so_tnmt', titleVi: SECRET_TITLE, titleEn: 'Groundwater stations', geometryFamily: 'point',
      visibility: 'restricted', source: SECRET_SOURCE,
      attributes: [{ name: 'ma_tram', type: 'text', label_vi: 'Mã trạm', label_en: 'Station code' }],
    });

    const { rows: [env] } = await owner.query(
      `select st_xmin(e) as xmin, st_ymin(e) as ymin, st_xmax(e) as xmax, st_ymax(e) as ymax
       from st_tileenvelope($1, $2, $3) e`, [T.z, T.x, T.y]);
    envelope = env;
    const { rows: [smallEnv] } = await owner.query(
      `select st_xmin(e) as xmin, st_ymin(e) as ymin, st_xmax(e) as xmax, st_ymax(e) as ymax
       from st_tileenvelope($1, $2, $3) e`, [SMALL.z, SMALL.x, SMALL.y]);
    smallEnvelope = smallEnv;

    const { rows: [bg] } = await owner.query<{ fid: number }>(
      `insert into van_hoa.diem_du_lich (geom, ten, so_luot, diem, mo_cua, ngay_mo)
       values (st_setsrid(st_point($1, $2), 4326), 'Thác Bản Giốc', 12000, 4.5, true, '2024-05-12') returning fid`,
      [BAN_GIOC.lon, BAN_GIOC.lat]);
    fids['Thác Bản Giốc'] = bg!.fid;
    await insertPointAt('inside', 1024, 3000, { so_luot: 7 });
    await insertPointAt('buffer east', 4096 + 32, 2048);
    await insertPointAt('buffer north-west', -40, -40);
    await insertPointAt('beyond west', -100, 2048);
    await insertPointAt('beyond south', 2048, 4096 + 200);
    const { rows: [dk] } = await owner.query<{ fid: number }>(
      `insert into van_hoa.diem_du_lich (geom, ten) values (st_setsrid(st_point($1, $2), 4326), 'Đông Khê') returning fid`,
      [DONG_KHE.lon, DONG_KHE.lat]);
    fids['Đông Khê point'] = dk!.fid;

    await insertAreaInTileUnits('Thác Bản Giốc', 'Trùng Khánh', [[1500, 1500], [2500, 1500], [2500, 2500], [1500, 2500], [1500, 1500]]);
    // Its bounding box meets the tile's buffered envelope, its shape does not.
    await insertAreaInTileUnits('corner triangle', 'Trùng Khánh', [[4000, -400], [4600, -400], [4600, 200], [4000, -400]]);
    const { rows: [dka] } = await owner.query<{ fid: number }>(
      `insert into van_hoa.khu_di_tich (geom, ten, huyen)
       values (st_multi(st_expand(st_setsrid(st_point($1, $2), 4326), 0.1)), 'Đông Khê', 'Thạch An') returning fid`,
      [DONG_KHE.lon, DONG_KHE.lat]);
    fids['Đông Khê'] = dka!.fid;

    // Small shapes, sized in tile units of SMALL (z12); a unit there is 2^(12-z) times smaller at zoom z.
    const square = (u: number, v: number, side: number): Array<[number, number]> =>
      [[u, v], [u + side, v], [u + side, v + side], [u, v + side], [u, v]];
    await insertAreaInTileUnits('islet', 'Hòa An', square(500, 500, 400), smallEnvelope);
    await insertAreaInTileUnits('speck', 'Hòa An', square(2000, 2000, 100), smallEnvelope);
    await insertAreaInTileUnits('dot', 'Hòa An', square(3000, 3000, 1.5), smallEnvelope);
    const insertLine = async (name: string, points: Array<[number, number]>) => {
      const { rows: [line] } = await owner.query<{ fid: number }>(
        `insert into giao_thong.loi_di_thu (geom, ten)
         values (st_multi(st_transform(st_geomfromtext($1, 3857), 4326)), $2) returning fid`,
        [wktInTileUnits('LINESTRING', smallEnvelope, points), name]);
      fids[name] = line!.fid;
    };
    await insertLine('lane', [[1000, 3000], [1060, 3050], [1100, 3020]]);
    await insertLine('stub', [[3000, 1000], [3030, 1000]]);
    await insertLine('crumb', [[3500, 3500], [3501, 3501.5]]);

    await owner.query(`insert into tai_nguyen.tram_quan_trac_mat (geom, ma_tram) values (st_setsrid(st_point($1, $2), 4326), 'NN-07')`,
      [BAN_GIOC.lon, BAN_GIOC.lat]);
    const passwordHash = await hashPassword(PASSWORD);
    await insertAccount(owner, { username: 'doc.tnmt', role: 'viewer', agencyCode: 'so_tnmt', passwordHash });
    await insertAccount(owner, { username: 'doc.gtvt', role: 'viewer', agencyCode: 'so_gtvt', passwordHash });
    reader = (await login(server.url, 'doc.tnmt', PASSWORD)).cookie;
    outsider = (await login(server.url, 'doc.gtvt', PASSWORD)).cookie;
  });

  after(async () => {
    await server?.close();
  });

  test('a tile holds exactly the features SQL finds in the tile and its buffer', async () => {
    const bytes = await tileBytes(POINTS, T);
    const expected = await sqlFids(POINTS, T);
    assert.deepEqual(expected, ['Thác Bản Giốc', 'inside', 'buffer east', 'buffer north-west'].map((n) => fids[n]).sort((a, b) => a! - b!));
    assert.deepEqual(tileFids(bytes, POINTS), expected);
  });

  test('coordinates are in tile units, within the extent and its buffer', async () => {
    const bytes = await tileBytes(POINTS, T);
    const at = new Map(features(bytes, POINTS).map((f) => [f.id, f.loadGeometry()[0]![0]!]));
    assert.deepEqual({ ...at.get(fids.inside) }, { x: 1024, y: 3000 });
    assert.deepEqual({ ...at.get(fids['buffer east']) }, { x: 4128, y: 2048 });
    assert.deepEqual({ ...at.get(fids['buffer north-west']) }, { x: -40, y: -40 });
    for (const p of at.values()) {
      assert.ok(p.x >= -64 && p.x <= 4160 && p.y >= -64 && p.y <= 4160, `${p.x},${p.y}`);
    }
  });

  test('attributes arrive intact and typed, Vietnamese text included, and nothing else', async () => {
    const bytes = await tileBytes(POINTS, T);
    const byId = new Map(features(bytes, POINTS).map((f) => [f.id, f]));
    const banGioc = byId.get(fids['Thác Bản Giốc']);
    assert.ok(banGioc);
    assert.equal(banGioc.type, 1);
    assert.deepEqual({ ...banGioc.properties }, { ten: 'Thác Bản Giốc', so_luot: 12000, diem: 4.5, mo_cua: true, ngay_mo: '2024-05-12' });
    assert.equal((banGioc.properties.ten as string).normalize('NFC'), banGioc.properties.ten);
    // Null values are left out rather than written as text.
    assert.deepEqual({ ...byId.get(fids.inside)?.properties }, { ten: 'inside', so_luot: 7 });

    const areas = features(await tileBytes(AREAS, tileOf(DONG_KHE.lon, DONG_KHE.lat, 12)), AREAS);
    assert.deepEqual(areas.map((f) => ({ ...f.properties })), [{ ten: 'Đông Khê', huyen: 'Thạch An' }]);
  });

  test('polygons: exactly the shapes meeting the buffered tile, clipped to the buffer', async () => {
    const bytes = await tileBytes(AREAS, T);
    const expected = await sqlFids(AREAS, T);
    assert.deepEqual(expected, [fids['Thác Bản Giốc']], 'the corner triangle only has its bounding box in the tile');
    assert.deepEqual(tileFids(bytes, AREAS), expected);
    const [area] = features(bytes, AREAS);
    assert.equal(area!.type, 3);
    assert.deepEqual({ ...area!.properties }, { ten: 'Thác Bản Giốc', huyen: 'Trùng Khánh' });
    const ring = area!.loadGeometry()[0]!.map((p) => [p.x, p.y]);
    for (const corner of [[1500, 1500], [2500, 1500], [2500, 2500], [1500, 2500]]) {
      assert.ok(ring.some(([x, y]) => x === corner[0] && y === corner[1]), `corner ${corner} in ${JSON.stringify(ring)}`);
    }

    // Đông Khê covers its whole z12 tile: clipped at the buffer's edge, not the tile's.
    const dk = features(await tileBytes(AREAS, tileOf(DONG_KHE.lon, DONG_KHE.lat, 12)), AREAS)[0]!;
    const points = dk.loadGeometry().flat();
    assert.ok(points.every((p) => p.x >= -64 && p.x <= 4160 && p.y >= -64 && p.y <= 4160), JSON.stringify(points));
    assert.ok(points.some((p) => p.x === -64) && points.some((p) => p.x === 4160), JSON.stringify(points));
  });

  test('tiles at lower zooms (simplified) still hold exactly what SQL finds', async () => {
    for (const z of [8, 9, 10, 11]) {
      for (const place of [BAN_GIOC, DONG_KHE]) {
        const t = tileOf(place.lon, place.lat, z);
        const expected = await sqlFids(AREAS, t);
        assert.ok(expected.length > 0);
        assert.deepEqual(tileFids(await tileBytes(AREAS, t), AREAS), expected, `${z}/${t.x}/${t.y}`);
      }
    }
    const t = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, 6);
    assert.deepEqual(tileFids(await tileBytes(POINTS, t), POINTS), await sqlFids(POINTS, t));
  });

  test('below z14, lines under a pixel and polygons under two are left out, each back from the zoom where it is that big', async () => {
    // The zoom-z tile holding (u, v) of SMALL, for z below and above 12.
    const at = (z: number, u: number, v: number): Tile => z <= 12
      ? { z, x: SMALL.x >> (12 - z), y: SMALL.y >> (12 - z) }
      : { z, x: SMALL.x * 2 ** (z - 12) + Math.floor((u / 4096) * 2 ** (z - 12)), y: SMALL.y * 2 ** (z - 12) + Math.floor((v / 4096) * 2 ** (z - 12)) };
    const names = async (layer: string, t: Tile, among: string[]) => {
      const res = await get(tileUrl(layer, t));
      if (res.statusCode === 204) return [];
      const inTile = new Set(tileFids(zlib.gunzipSync(res.rawPayload), layer));
      return among.filter((n) => inTile.has(fids[n]!));
    };
    const areas = ['islet', 'speck'];
    const lines = ['lane', 'stub'];
    // Sizes in units of the zoom's tile: islet 400 / 2^(12-z), speck 100 / 2^(12-z); lane 100 wide, stub 30.
    const expected: Record<number, { areas: string[]; lines: string[] }> = {
      8: { areas: ['islet'], lines: [] }, // islet 25, speck 6.25; lane 6.25, stub 1.9
      9: { areas: ['islet'], lines: ['lane'] }, // speck 12.5 < 16; lane 12.5 ≥ 8, stub 3.75
      10: { areas: ['islet', 'speck'], lines: ['lane'] }, // speck 25; stub 7.5 < 8
      11: { areas: ['islet', 'speck'], lines: ['lane', 'stub'] }, // stub 15
      12: { areas: ['islet', 'speck'], lines: ['lane', 'stub'] },
    };
    for (const [z, want] of Object.entries(expected)) {
      const t = at(Number(z), 0, 0);
      assert.deepEqual(await names(AREAS, t, areas), want.areas, `areas z${z}`);
      assert.deepEqual(await names(LINES, t, lines), want.lines, `lines z${z}`);
      // The same rule as SQL states it (sqlFids), over everything in the tile.
      assert.deepEqual(tileFids(await tileBytes(AREAS, t), AREAS), await sqlFids(AREAS, t), `areas z${z}`);
      if (want.lines.length > 0) assert.deepEqual(tileFids(await tileBytes(LINES, t), LINES), await sqlFids(LINES, t), `lines z${z}`);
    }
    // The dot (1.5 units at z12) and the crumb (1.8) are 3 and 3.6 units at z13, too small; from z14 on all is kept.
    assert.deepEqual(await names(AREAS, at(13, 3000, 3000), ['dot']), []);
    assert.deepEqual(await names(AREAS, at(14, 3000, 3000), ['dot']), ['dot']);
    assert.deepEqual(await names(LINES, at(13, 3500, 3500), ['crumb']), []);
    assert.deepEqual(await names(LINES, at(14, 3500, 3500), ['crumb']), ['crumb']);
  });

  test('an empty tile is 204 with no body', async () => {
    const res = await get(tileUrl(POINTS, { z: 10, x: 0, y: 0 }));
    assert.equal(res.statusCode, 204);
    assert.equal(res.rawPayload.length, 0);
    assert.equal(res.headers['content-encoding'], undefined);
  });

  test('below the layer\'s min zoom and above its max zoom: 204, though features are there', async () => {
    const low = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, 7);
    assert.ok((await sqlFids(AREAS, low)).length > 0);
    const below = await get(tileUrl(AREAS, low));
    assert.equal(below.statusCode, 204);
    assert.equal(below.rawPayload.length, 0);
    // Inside the Bản Giốc area, whose middle is at (2000, 2000) in tile units of T.
    const high = { z: 17, x: T.x * 32 + 15, y: T.y * 32 + 15 };
    assert.ok((await sqlFids(AREAS, high)).length > 0);
    const above = await get(tileUrl(AREAS, high));
    assert.equal(above.statusCode, 204);
    assert.equal(above.rawPayload.length, 0);
    assert.equal((await get(tileUrl(AREAS, { z: 16, x: T.x * 16 + 7, y: T.y * 16 + 7 }))).statusCode, 200);
  });

  test('z/x/y that are not whole numbers inside the pyramid: 400 invalid_tile', async () => {
    for (const path of ['25/0/0', '3/-1/0', '3/0/8', '12/0/4096', 'abc/0/0', '3/abc/0', '3/0/1.5', '3/1e0/0']) {
      const res = await get(`/tiles/${POINTS}/${path}.mvt`);
      assert.equal(res.statusCode, 400, path);
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      assert.equal(res.json().code, 'invalid_tile', path);
    }
  });

  test('an unknown layer is 404 layer_not_found, for tiles and TileJSON', async () => {
    for (const url of ['/tiles/van_hoa.khong_co/1/0/0.mvt', '/tiles/van_hoa.khong_co.json', '/tiles/khong-hop-le/1/0/0.mvt']) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'layer_not_found', url);
    }
  });

  test('a restricted layer is 404 to anonymous callers, answered exactly like an unknown one', async () => {
    const t = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, 12);
    const unknown = 'tai_nguyen.khong_co';
    const pairs = [
      [tileUrl(SECRET, t), tileUrl(unknown, t)],
      [`/tiles/${SECRET}.json`, `/tiles/${unknown}.json`],
      // Authorized before the address is checked: a bad address does not tell the two apart either.
      [`/tiles/${SECRET}/25/0/0.mvt`, `/tiles/${unknown}/25/0/0.mvt`],
    ];
    for (const [secretUrl, unknownUrl] of pairs) {
      const secret = await get(secretUrl!);
      const other = await get(unknownUrl!);
      assert.equal(secret.statusCode, 404, secretUrl);
      assert.equal(secret.headers['cache-control'], other.headers['cache-control']);
      assert.deepEqual(JSON.parse(secret.body.replaceAll(SECRET, 'X')), JSON.parse(other.body.replaceAll(unknown, 'X')));
      for (const leak of [SECRET_TITLE, SECRET_SOURCE, 'NN-07', 'Sở Tài nguyên']) assert.ok(!secret.body.includes(leak), leak);
    }
  });

  test('a restricted layer is served, privately, to a reader of its agency and to nobody else', async () => {
    const t = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, 12);
    const asReader = await get(tileUrl(SECRET, t), { ...gz, cookie: reader });
    assert.equal(asReader.statusCode, 200);
    assert.equal(asReader.headers['cache-control'], 'private, max-age=0, must-revalidate');
    assert.deepEqual(features(zlib.gunzipSync(asReader.rawPayload), SECRET).map((f) => ({ ...f.properties })), [{ ma_tram: 'NN-07' }]);
    const json = await get(`/tiles/${SECRET}.json`, { cookie: reader });
    assert.equal(json.statusCode, 200);
    assert.equal(json.headers['cache-control'], 'private, max-age=0, must-revalidate');
    assert.equal(json.json().name, SECRET_TITLE);

    // The tile is in the server's cache now; authorization still comes first.
    for (const headers of [{ ...gz, cookie: outsider }, gz]) {
      const res = await get(tileUrl(SECRET, t), headers);
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'layer_not_found');
      assert.ok(!res.body.includes('NN-07'));
    }
    assert.equal((await get(`/tiles/${SECRET}.json`, { cookie: outsider })).statusCode, 404);
  });

  test('gzip when the client accepts it, plain bytes otherwise, same tile', async () => {
    const zipped = await get(tileUrl(POINTS, T));
    assert.equal(zipped.statusCode, 200);
    assert.equal(zipped.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    assert.equal(zipped.headers['cache-control'], 'public, max-age=60');
    assert.deepEqual([...zipped.rawPayload.subarray(0, 2)], [0x1f, 0x8b]);
    for (const headers of [{}, { 'accept-encoding': 'gzip;q=0, br' }] as Array<Record<string, string>>) {
      const plain = await get(tileUrl(POINTS, T), headers);
      assert.equal(plain.statusCode, 200);
      assert.equal(plain.headers['content-type'], 'application/vnd.mapbox-vector-tile');
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.deepEqual(plain.rawPayload, zlib.gunzipSync(zipped.rawPayload));
    }
    // Over a real connection too (fetch asks for gzip and unpacks it).
    const res = await fetch(`${server.url}${tileUrl(POINTS, T)}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.deepEqual(tileFids(Buffer.from(await res.arrayBuffer()), POINTS), await sqlFids(POINTS, T));
  });

  test('ETag and If-None-Match: 304 for the same representation, 200 otherwise', async () => {
    const first = await get(tileUrl(POINTS, T));
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[^"]+"$/);
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await get(tileUrl(POINTS, T), { ...gz, 'if-none-match': tag });
      assert.equal(again.statusCode, 304, tag);
      assert.equal(again.rawPayload.length, 0);
      assert.equal(again.headers.etag, etag);
    }
    assert.equal((await get(tileUrl(POINTS, T), { ...gz, 'if-none-match': '"other"' })).statusCode, 200);
    // The plain bytes are another representation with another tag.
    const plain = await get(tileUrl(POINTS, T), { 'if-none-match': etag });
    assert.equal(plain.statusCode, 200);
    assert.notEqual(plain.headers.etag, etag);
    const otherTile = await get(tileUrl(POINTS, { ...T, x: T.x + 1 }));
    assert.notEqual(otherTile.headers.etag, etag);
  });

  test('TileJSON 3.0.0 describes the layer, cites owner, source and last update, and its tile URL works', async () => {
    const res = await fetch(`${server.url}/tiles/${AREAS}.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    const tj = await res.json() as Record<string, any>;
    const { rows: [meta] } = await server.owner.query(
      `select to_char(data_updated_at at time zone 'Asia/Ho_Chi_Minh', 'DD/MM/YYYY') as updated,
              st_xmin(e) as xmin, st_ymin(e) as ymin, st_xmax(e) as xmax, st_ymax(e) as ymax
       from catalog.layers, (select st_extent(geom) as e from van_hoa.khu_di_tich) x where id = $1`, [AREAS]);
    assert.equal(tj.tilejson, '3.0.0');
    assert.equal(tj.name, 'Khu di tích');
    assert.equal(tj.description, 'Ranh giới các khu di tích và danh thắng');
    assert.equal(tj.attribution, `Sở Văn hoá, Thể thao và Du lịch · Quyết định xếp hạng di tích · cập nhật ${meta.updated}`);
    assert.deepEqual(tj.tiles, [`${server.url}/tiles/${AREAS}/{z}/{x}/{y}.mvt`]);
    assert.equal(tj.minzoom, 8);
    assert.equal(tj.maxzoom, 16);
    const [w, s, e, n] = tj.bounds as number[];
    assert.ok(Math.abs(w! - (meta.xmin - 0.01)) < 1e-5 && Math.abs(s! - (meta.ymin - 0.01)) < 1e-5, `${tj.bounds}`);
    assert.ok(Math.abs(e! - (meta.xmax + 0.01)) < 1e-5 && Math.abs(n! - (meta.ymax + 0.01)) < 1e-5, `${tj.bounds}`);
    const [lon, lat, zoom] = tj.center as number[];
    assert.ok(lon! > w! && lon! < e! && lat! > s! && lat! < n!);
    assert.ok(zoom! >= 8 && zoom! <= 16);
    assert.deepEqual(tj.vector_layers, [{
      id: AREAS, fields: { ten: 'String', huyen: 'String' }, minzoom: 8, maxzoom: 16,
      description: 'Ranh giới các khu di tích và danh thắng',
    }]);
    const points = await (await fetch(`${server.url}/tiles/${POINTS}.json`)).json() as Record<string, any>;
    assert.deepEqual(points.vector_layers[0].fields,
      { ten: 'String', so_luot: 'Number', diem: 'Number', mo_cua: 'Boolean', ngay_mo: 'String', _count: 'Number' });
    // What a dense tile of this point layer holds instead of every point, said where a client looks.
    assert.deepEqual({ ...points.vector_layers[0].aggregation, note: undefined }, {
      aboveFeaturesPerTile: 2000, cellsPerTileSide: 64, countAttribute: '_count', groupedBy: null, lonePointsKeep: ['fid', 'ten'], note: undefined,
    });
    assert.match(points.vector_layers[0].aggregation.note, /more than 2000 points .* _count = how many/);

    const link = (tj.tiles[0] as string).replace('{z}', String(T.z)).replace('{x}', String(T.x)).replace('{y}', String(T.y));
    const tile = await fetch(link);
    assert.equal(tile.status, 200);
    assert.deepEqual(tileFids(Buffer.from(await tile.arrayBuffer()), AREAS), await sqlFids(AREAS, T));
  });

  test('TileJSON of a layer without features: the province as bounds', async () => {
    await createLayer(server.owner, {
      id: 'van_hoa.thu_vien', ownerAgencyCode: 'so_vhttdl', titleVi: 'Thư viện', titleEn: 'Libraries',
      geometryFamily: 'point', source: 'Sở VHTTDL',
    });
    const tj = (await get('/tiles/van_hoa.thu_vien.json')).json();
    assert.deepEqual(tj.bounds, PROVINCE_BOUNDS);
    assert.equal(tj.description, 'Thư viện');
    assert.deepEqual(tj.vector_layers[0].fields, { _count: 'Number' });
  });

  test('GDAL\'s MVT driver reads a tile: layer, attributes and positions', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-mvt-'));
    try {
      const file = path.join(dir, 'x.mvt');
      fs.writeFileSync(file, await tileBytes(POINTS, T));
      const out = execFileSync('/usr/bin/ogrinfo',
        ['-ro', '-al', '-oo', `X=${T.x}`, '-oo', `Y=${T.y}`, '-oo', `Z=${T.z}`, file], { encoding: 'utf8' });
      assert.match(out, new RegExp(`Layer name: ${POINTS.replace('.', '\\.')}`));
      assert.match(out, /Feature Count: 4/);
      assert.match(out, /ten \(String\) = Thác Bản Giốc/);
      assert.match(out, /so_luot \(Integer(64)?\) = 12000/);
      // GDAL georeferences the tile in EPSG:3857: the 'inside' point comes back where it was put, to a tile unit.
      const w = envelope.xmax - envelope.xmin;
      const block = out.split(/OGRFeature\(/).find((b) => b.includes('ten (String) = inside'));
      const m = /POINT \(([-\d.]+) ([-\d.]+)\)/.exec(block ?? '');
      assert.ok(m, out);
      assert.ok(Math.abs(Number(m[1]) - (envelope.xmin + (1024 * w) / 4096)) <= w / 4096);
      assert.ok(Math.abs(Number(m[2]) - (envelope.ymax - (3000 * w) / 4096)) <= w / 4096);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('each layer\'s statement is prepared once per connection and reused for every tile', async () => {
    const client = new pg.Client({ connectionString: server.database.appUrl });
    await client.connect();
    try {
      const layer = await findLayer(client, POINTS);
      assert.ok(layer);
      const first = tileQuery(layer, T);
      const other = tileQuery(layer, { z: 3, x: 6, y: 3 });
      assert.equal(other.name, first.name);
      const a = await client.query<{ mvt: Buffer }>(first);
      await client.query(other);
      const b = await client.query<{ mvt: Buffer }>(first);
      assert.deepEqual(b.rows[0]!.mvt, a.rows[0]!.mvt);
      const { rows } = await client.query('select name, statement from pg_prepared_statements');
      assert.deepEqual(rows, [{ name: first.name, statement: first.text }]);
    } finally {
      await client.end();
    }
  });

  test('while the data version stands the cached tile is served; a committed edit shows at once', async () => {
    const before = await tileBytes(POINTS, T);
    const name = (bytes: Buffer) => features(bytes, POINTS).find((f) => f.id === fids['Thác Bản Giốc'])?.properties.ten;
    assert.equal(name(before), 'Thác Bản Giốc');
    const etagBefore = (await get(tileUrl(POINTS, T))).headers.etag as string;

    // An edit that skips the trigger leaves the version alone: the cache (keyed by version) still answers.
    await server.owner.query('begin');
    await server.owner.query('alter table van_hoa.diem_du_lich disable trigger history_update');
    await server.owner.query(`update van_hoa.diem_du_lich set ten = 'không qua trigger' where fid = $1`, [fids['Thác Bản Giốc']]);
    await server.owner.query('alter table van_hoa.diem_du_lich enable trigger history_update');
    await server.owner.query('commit');
    assert.equal(name(await tileBytes(POINTS, T)), 'Thác Bản Giốc');

    const version = await dataVersion(POINTS);
    await server.owner.query(`update van_hoa.diem_du_lich set ten = 'Thác Bản Giốc (mùa nước)' where fid = $1`, [fids['Thác Bản Giốc']]);
    assert.equal(await dataVersion(POINTS), version + 1);
    const after = await get(tileUrl(POINTS, T), { ...gz, 'if-none-match': etagBefore });
    assert.equal(after.statusCode, 200);
    assert.notEqual(after.headers.etag, etagBefore);
    assert.equal(name(zlib.gunzipSync(after.rawPayload)), 'Thác Bản Giốc (mùa nước)');

    // A feature moved away leaves the tile with the next version.
    await server.owner.query(`update van_hoa.diem_du_lich set geom = st_setsrid(st_point($1, $2), 4326) where fid = $3`,
      [DONG_KHE.lon, DONG_KHE.lat, fids.inside]);
    const moved = tileFids(await tileBytes(POINTS, T), POINTS);
    assert.ok(!moved.includes(fids.inside));
    assert.deepEqual(moved, await sqlFids(POINTS, T));
  });
});
