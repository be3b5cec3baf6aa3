// The feature API end to end: a real server on a fresh database, layers made the way the platform makes them,
// and every answer checked against what SQL itself says.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FeatureCollection } from 'geojson';
import { buildApp } from '../app.ts';
import { insertAccount } from '../accounts.ts';
import { hashPassword } from '../auth/credentials.ts';
import { findLayer } from '../catalog/catalog.ts';
import { createLayer } from '../catalog/create-layer.ts';
import { countFeatures } from '../features/provider.ts';
import { parseFeatureQuery } from '../features/query.ts';
import { loadConfig } from '../config.ts';
import { login, type Session } from '../testing/http.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

let server: TestServer;
/** Staff of the mines layer's owner agency, and of another agency. */
let mineStaff: Session;
let otherStaff: Session;
const PASSWORD = 'mật-khẩu-thử-nghiệm-2024';

const PLAN = 'xay_dung.quy_hoach_dat';
const MINES = 'tai_nguyen.mo_khoang_san';
const KM = 'giao_thong.cot_km';
const FOREST = 'nong_nghiep.lo_rung';
const KM_COUNT = 20_000;
const FOREST_COUNT = 2_000;

const nfc = (s: string) => s.normalize('NFC');
const landUses = ['Đất ở đô thị', 'Đất trồng lúa nước', 'Đất rừng phòng hộ', 'Đất thương mại, dịch vụ'].map(nfc);

interface Feature {
  type: 'Feature';
  id: number;
  geometry: { type: string; coordinates: unknown };
  properties: Record<string, unknown>;
  layer?: Record<string, unknown>;
}
interface Collection {
  type: 'FeatureCollection';
  layer: Record<string, unknown>;
  timeStamp: string;
  features: Feature[];
  numberReturned: number;
  numberMatched?: number;
  links: { rel: string; href: string; type: string }[];
}
interface Problem {
  status: number;
  code: string;
  message: string;
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : `${server.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

async function getJson<T>(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: T }> {
  const r = await get(path, headers);
  return { status: r.status, headers: r.headers, body: JSON.parse(r.text) as T };
}

async function collection(path: string): Promise<Collection> {
  const r = await getJson<Collection>(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.equal(r.headers.get('content-type'), 'application/geo+json; charset=utf-8');
  return r.body;
}

async function sqlFids(sql: string, values: unknown[] = []): Promise<number[]> {
  const { rows } = await server.owner.query<{ fid: number }>(sql, values);
  return rows.map((r) => Number(r.fid));
}

const ids = (fc: { features: Feature[] }) => fc.features.map((f) => f.id);
const link = (fc: Collection, rel: string) => fc.links.find((l) => l.rel === rel)?.href;

/** Follows `rel` links from `first`, collecting every page. */
async function walk(first: string, rel: 'next' | 'prev'): Promise<Collection[]> {
  const pages: Collection[] = [];
  let url: string | undefined = first;
  while (url) {
    const page = await collection(url);
    pages.push(page);
    url = link(page, rel);
    assert.ok(pages.length < 1000, 'paging does not end');
  }
  return pages;
}

async function expectProblem(path: string, status: number, code: string, message?: RegExp): Promise<Problem> {
  const r = await getJson<Problem>(path);
  assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(r.body.status, status);
  assert.equal(r.body.code, code, `${path}: ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body.message, 'string');
  assert.ok(r.body.message.length > 10, r.body.message);
  if (message) assert.match(r.body.message, message);
  return r.body;
}

async function busyAppConnections(): Promise<{ state: string; query: string }[]> {
  const { rows } = await server.owner.query<{ state: string; query: string }>(
    `select state, query from pg_stat_activity
     where datname = current_database() and usename = 'cb_app' and state is distinct from 'idle'`,
  );
  return rows;
}

/** Waits until the server's pool has every connection back and the database sees none of them busy. */
async function poolSettled(): Promise<void> {
  const pool = server.app.db.pool;
  for (let i = 0; i < 200; i++) {
    if (pool.waitingCount === 0 && pool.idleCount === pool.totalCount && (await busyAppConnections()).length === 0) return;
    await sleep(50);
  }
  assert.fail(
    `pool did not settle: total ${pool.totalCount}, idle ${pool.idleCount}, waiting ${pool.waitingCount}, ` +
      `busy ${JSON.stringify(await busyAppConnections())}`,
  );
}

before(async () => {
  server = await startTestServer({ demo: false, env: { FEATURES_MAX_LIMIT: '30000', FEATURES_DEFAULT_LIMIT: '10' } });
  const o = server.owner;
  await createLayer(o, {
    id: PLAN,
    ownerAgencyCode: 'so_xay_dung',
    titleVi: 'Quy hoạch sử dụng đất',
    titleEn: 'Land use plan',
    geometryFamily: 'polygon',
    source: 'Sở Xây dựng tỉnh Cao Bằng',
    legalBasis: 'Quyết định 34/2024/QĐ-UBND',
    licence: 'CC BY 4.0',
    nameAttribute: 'loai_dat',
    attributes: [
      { name: 'loai_dat', type: 'text', label_vi: 'Loại đất', label_en: 'Land use' },
      { name: 'so_thua', type: 'integer', label_vi: 'Số thửa', label_en: 'Parcel number' },
      { name: 'dien_tich', type: 'number', label_vi: 'Diện tích', label_en: 'Area' },
      { name: 'da_duyet', type: 'boolean', label_vi: 'Đã duyệt', label_en: 'Approved' },
      { name: 'ngay_duyet', type: 'date', label_vi: 'Ngày duyệt', label_en: 'Approval date' },
    ],
  });
  // An 8 × 8 grid of parcels over Cao Bằng city and a triangle whose bounding box is larger than itself.
  const squares: string[] = [];
  for (let i = 0; i < 64; i++) {
    const x = 105.5 + (i % 8) * 0.05;
    const y = 22.5 + Math.floor(i / 8) * 0.05;
    squares.push(`MULTIPOLYGON(((${x} ${y},${x + 0.04} ${y},${x + 0.04} ${y + 0.04},${x} ${y + 0.04},${x} ${y})))`);
  }
  await o.query(
    `insert into ${PLAN} (geom, loai_dat, so_thua, dien_tich, da_duyet, ngay_duyet)
     select st_geomfromtext(w, 4326), ($2::text[])[1 + (n - 1) % 4], n, n * 12.5, n % 3 = 0, date '2024-01-01' + n::int
     from unnest($1::text[]) with ordinality as s(w, n)`,
    [squares, landUses],
  );
  await o.query(
    `insert into ${PLAN} (geom, loai_dat, so_thua, dien_tich, da_duyet, ngay_duyet)
     values (st_geomfromtext('MULTIPOLYGON(((106.0 22.5,106.2 22.5,106.0 22.7,106.0 22.5)))', 4326), $1, 1000, 1.5, true, '2024-06-30')`,
    [nfc('Đất ở nông thôn')],
  );

  await createLayer(o, {
    id: MINES,
    ownerAgencyCode: 'so_tnmt',
    titleVi: 'Mỏ khoáng sản',
    titleEn: 'Mines',
    geometryFamily: 'point',
    visibility: 'restricted',
    source: 'Sở Tài nguyên và Môi trường',
    attributes: [{ name: 'ten_mo', type: 'text', label_vi: 'Tên mỏ', label_en: 'Mine' }],
  });
  await o.query(
    `insert into ${MINES} (geom, ten_mo) values (st_setsrid(st_makepoint(106.1, 22.7), 4326), $1), (st_setsrid(st_makepoint(106.2, 22.8), 4326), $2)`,
    [nfc('Mỏ thiếc Tĩnh Túc'), nfc('Mỏ mangan Trà Lĩnh')],
  );

  await createLayer(o, {
    id: KM,
    ownerAgencyCode: 'so_gtvt',
    titleVi: 'Cột cây số',
    titleEn: 'Kilometre posts',
    geometryFamily: 'point',
    source: 'Sở Giao thông Vận tải',
    attributes: [
      { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' },
      { name: 'so_km', type: 'integer', label_vi: 'Km', label_en: 'Km' },
    ],
  });
  await o.query(
    `insert into ${KM} (geom, ten, so_km)
     select st_setsrid(st_makepoint(105.3 + (g % 200) * 0.0075, 22.4 + (g / 200) * 0.007), 4326), $1 || g, g
     from generate_series(1, ${KM_COUNT}) g`,
    [nfc('Quốc lộ 3, km ')],
  );

  // Large features (513 vertices each, ~25 MB as GeoJSON), so a response is surely still streaming when cut.
  await createLayer(o, {
    id: FOREST,
    ownerAgencyCode: 'so_nn_ptnt',
    titleVi: 'Lô rừng',
    titleEn: 'Forest lots',
    geometryFamily: 'polygon',
    source: 'Chi cục Kiểm lâm',
    attributes: [{ name: 'chu_rung', type: 'text', label_vi: 'Chủ rừng', label_en: 'Forest owner' }],
  });
  await o.query(
    `insert into ${FOREST} (geom, chu_rung)
     select st_multi(st_buffer(st_setsrid(st_makepoint(105.4 + (g % 50) * 0.02, 22.4 + (g / 50) * 0.015), 4326), 0.005, 128)), $1
     from generate_series(1, ${FOREST_COUNT}) g`,
    [nfc('Ban quản lý rừng phòng hộ')],
  );

  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(o, { username: 'vien.tnmt', role: 'viewer', agencyCode: 'so_tnmt', passwordHash });
  await insertAccount(o, { username: 'vien.gtvt', role: 'viewer', agencyCode: 'so_gtvt', passwordHash });
  mineStaff = await login(server.url, 'vien.tnmt', PASSWORD);
  otherStaff = await login(server.url, 'vien.gtvt', PASSWORD);
});

after(async () => {
  await server?.close();
});

// ------------------------------------------------------------------------------------------------ catalog

test('GET /api/layers lists the public layers with provenance, and not the restricted one', async () => {
  const r = await getJson<{ sectors: { code: string }[]; layers: Record<string, any>[] }>('/api/layers');
  assert.equal(r.status, 200);
  const listed = r.body.layers.map((l) => l.id);
  assert.deepEqual([...listed].sort(), [FOREST, KM, PLAN].sort());
  assert.ok(!JSON.stringify(r.body).includes('khoang_san'));
  assert.ok(!r.body.sectors.some((s) => s.code === 'tai_nguyen'), 'a sector with only hidden layers is not listed');
  const plan = r.body.layers.find((l) => l.id === PLAN)!;
  assert.equal(plan.title_vi, 'Quy hoạch sử dụng đất');
  assert.equal(plan.owner.code, 'so_xay_dung');
  assert.equal(plan.source, 'Sở Xây dựng tỉnh Cao Bằng');
  assert.equal(plan.legal_basis, 'Quyết định 34/2024/QĐ-UBND');
  assert.equal(plan.feature_count, 65);
  assert.equal(plan.links.features, `${server.url}/api/layers/${PLAN}/features`);
});

test('GET /api/layers/:id describes one layer with its extent as SQL computes it; hidden and unknown are 404', async () => {
  const r = await getJson<Record<string, any>>(`/api/layers/${PLAN}`);
  assert.equal(r.status, 200);
  const { rows } = await server.owner.query(
    `select st_xmin(e) x0, st_ymin(e) y0, st_xmax(e) x1, st_ymax(e) y1 from (select st_extent(geom) e from ${PLAN}) s`,
  );
  assert.deepEqual(r.body.extent, [rows[0].x0, rows[0].y0, rows[0].x1, rows[0].y1]);
  assert.equal(r.body.feature_count, 65);
  assert.equal(r.body.attributes.length, 5);
  await expectProblem(`/api/layers/${MINES}`, 404, 'layer_not_found');
  await expectProblem('/api/layers/xay_dung.khong_co', 404, 'layer_not_found');
  // A NUL byte PostgreSQL would refuse as text: still just a layer that does not exist.
  await expectProblem('/api/layers/xay_dung.quy_hoach_dat%00', 404, 'layer_not_found');
  await expectProblem(`/api/layers/${encodeURIComponent("x' or '1'='1")}`, 404, 'layer_not_found');
});

// ------------------------------------------------------------------------------------------------ collection

test('a page is a FeatureCollection with the layer provenance, counts and links', async () => {
  const fc = await collection(`/api/layers/${PLAN}/features`);
  assert.equal(fc.type, 'FeatureCollection');
  assert.deepEqual(fc.layer, {
    id: PLAN,
    title_vi: 'Quy hoạch sử dụng đất',
    title_en: 'Land use plan',
    owner: { code: 'so_xay_dung', name_vi: 'Sở Xây dựng', name_en: 'Department of Construction' },
    source: 'Sở Xây dựng tỉnh Cao Bằng',
    legal_basis: 'Quyết định 34/2024/QĐ-UBND',
    licence: 'CC BY 4.0',
    data_updated_at: fc.layer.data_updated_at,
  });
  const { rows } = await server.owner.query(`select data_updated_at from catalog.layers where id = $1`, [PLAN]);
  assert.equal(fc.layer.data_updated_at, rows[0].data_updated_at.toISOString());
  assert.ok(!Number.isNaN(Date.parse(fc.timeStamp)));
  // FEATURES_DEFAULT_LIMIT is 10 on this server.
  assert.equal(fc.numberReturned, 10);
  assert.equal(fc.features.length, 10);
  assert.equal(fc.numberMatched, 65);
  assert.deepEqual(ids(fc), await sqlFids(`select fid from ${PLAN} order by fid limit 10`));
  const first = fc.features[0]!;
  const { rows: db } = await server.owner.query(
    `select fid, st_asgeojson(geom, 7)::json as g, loai_dat, so_thua, dien_tich, da_duyet, ngay_duyet::text from ${PLAN} where fid = $1`,
    [first.id],
  );
  assert.deepEqual(first, {
    type: 'Feature',
    id: db[0].fid,
    geometry: db[0].g,
    properties: {
      loai_dat: db[0].loai_dat,
      so_thua: db[0].so_thua,
      dien_tich: db[0].dien_tich,
      da_duyet: db[0].da_duyet,
      ngay_duyet: db[0].ngay_duyet,
    },
  });
  assert.equal(first.geometry.type, 'MultiPolygon');
  assert.equal(link(fc, 'self'), `${server.url}/api/layers/${PLAN}/features?limit=10`);
  assert.equal(link(fc, 'next'), `${server.url}/api/layers/${PLAN}/features?limit=10&after=${ids(fc)[9]}`);
  assert.equal(link(fc, 'prev'), undefined);
  assert.equal(link(fc, 'collection'), `${server.url}/api/layers/${PLAN}`);
});

test('bbox returns exactly the features whose geometry intersects it, as st_intersects says', async () => {
  const boxes: [number, number, number, number][] = [
    [105.5, 22.5, 105.6, 22.6],
    [105.52, 22.52, 105.53, 22.53],
    [105.0, 22.0, 107.0, 23.5],
    [105.545, 22.5, 105.548, 22.9], // the gap between two columns of parcels
    [106.15, 22.65, 106.2, 22.7], // inside the triangle's bounding box, outside the triangle
    [106.01, 22.51, 106.02, 22.52], // inside the triangle
    [100, 10, 101, 11],
  ];
  for (const box of boxes) {
    const fc = await collection(`/api/layers/${PLAN}/features?bbox=${box.join(',')}&limit=1000`);
    const expected = await sqlFids(
      `select fid from ${PLAN} where st_intersects(geom, st_makeenvelope($1, $2, $3, $4, 4326)) order by fid`,
      box,
    );
    assert.deepEqual(ids(fc), expected, `bbox ${box}`);
    assert.equal(fc.numberMatched, undefined, 'no count is computed for a bbox');
  }
  const triangle = await sqlFids(`select fid from ${PLAN} where so_thua = 1000`);
  assert.deepEqual(ids(await collection(`/api/layers/${PLAN}/features?bbox=106.15,22.65,106.2,22.7`)), []);
  assert.deepEqual(ids(await collection(`/api/layers/${PLAN}/features?bbox=106.01,22.51,106.02,22.52`)), triangle);
  assert.equal((await collection(`/api/layers/${PLAN}/features?bbox=105.5,22.5,105.6,22.6`)).features.length > 0, true);
});

test('limit above the maximum is clamped to it, not refused', async () => {
  const small = await buildApp({
    config: loadConfig({ ...process.env, LOG_LEVEL: 'silent', FEATURES_MAX_LIMIT: '7', FEATURES_DEFAULT_LIMIT: '5' }),
    appDatabaseUrl: server.database.appUrl,
    logger: false,
  });
  try {
    for (const [qs, expected] of [['limit=1000', 7], ['limit=8', 7], ['limit=7', 7], ['limit=3', 3], ['', 5]] as const) {
      const res = await small.inject({ url: `/api/layers/${PLAN}/features?${qs}` });
      assert.equal(res.statusCode, 200);
      const fc = JSON.parse(res.body) as Collection;
      assert.equal(fc.features.length, expected, qs);
      assert.equal(fc.numberReturned, expected, qs);
      assert.match(link(fc, 'next')!, new RegExp(`limit=${expected}&after=`));
    }
  } finally {
    await small.close();
  }
  // The clamp is this server's maximum too.
  const fc = await collection(`/api/layers/${PLAN}/features?limit=999999`);
  assert.equal(fc.numberReturned, 65);
  assert.match(link(fc, 'self')!, /limit=30000/);
});

test('paging with next links walks every feature exactly once, and prev links walk back the same pages', async () => {
  const all = await sqlFids(`select fid from ${PLAN} order by fid`);
  const pages = await walk(`/api/layers/${PLAN}/features?limit=7`, 'next');
  assert.equal(pages.length, Math.ceil(all.length / 7));
  assert.deepEqual(pages.flatMap(ids), all);
  for (const p of pages) assert.equal(p.numberReturned, p.features.length);
  assert.equal(link(pages[pages.length - 1]!, 'next'), undefined);

  const back = await walk(link(pages[pages.length - 1]!, 'self')!, 'prev');
  assert.deepEqual(back.map(ids), pages.map(ids).reverse());
  assert.equal(link(back[back.length - 1]!, 'prev'), undefined);

  // With a filter the same holds, and a cursor past the end gives an empty page that links back.
  const filtered = await sqlFids(`select fid from ${PLAN} where da_duyet and st_intersects(geom, st_makeenvelope(105.5, 22.5, 105.8, 22.9, 4326)) order by fid`);
  assert.ok(filtered.length > 6);
  const fpages = await walk(`/api/layers/${PLAN}/features?da_duyet=true&bbox=105.5,22.5,105.8,22.9&limit=3`, 'next');
  assert.deepEqual(fpages.flatMap(ids), filtered);
  const beyond = await collection(`/api/layers/${PLAN}/features?after=${all[all.length - 1]}&limit=3`);
  assert.deepEqual(ids(beyond), []);
  assert.equal(link(beyond, 'next'), undefined);
  const lastPage = await collection(link(beyond, 'prev')!);
  assert.deepEqual(ids(lastPage), all.slice(-3));
});

test('attribute filters match by exact value: text with diacritics (NFC or NFD), integer, boolean, date, any-of', async () => {
  const urban = landUses[0]!;
  const expected = await sqlFids(`select fid from ${PLAN} where loai_dat = $1 order by fid`, [urban]);
  assert.equal(expected.length, 16);
  for (const spelling of [urban, urban.normalize('NFD')]) {
    const fc = await collection(`/api/layers/${PLAN}/features?loai_dat=${encodeURIComponent(spelling)}&limit=100`);
    assert.deepEqual(ids(fc), expected);
    assert.ok(fc.features.every((f) => f.properties.loai_dat === urban));
  }
  // `+` is a space in a query string, as browsers send it.
  const plus = await collection(`/api/layers/${PLAN}/features?loai_dat=${encodeURIComponent(urban).replace(/%20/g, '+')}&limit=100`);
  assert.deepEqual(ids(plus), expected);

  assert.deepEqual(ids(await collection(`/api/layers/${PLAN}/features?so_thua=12`)), await sqlFids(`select fid from ${PLAN} where so_thua = 12`));
  assert.deepEqual(
    ids(await collection(`/api/layers/${PLAN}/features?so_thua=12&so_thua=40&so_thua=1000`)),
    await sqlFids(`select fid from ${PLAN} where so_thua in (12, 40, 1000) order by fid`),
  );
  assert.deepEqual(
    ids(await collection(`/api/layers/${PLAN}/features?da_duyet=false&loai_dat=${encodeURIComponent(landUses[1]!)}&limit=100`)),
    await sqlFids(`select fid from ${PLAN} where not da_duyet and loai_dat = $1 order by fid`, [landUses[1]]),
  );
  assert.deepEqual(
    ids(await collection(`/api/layers/${PLAN}/features?ngay_duyet=2024-01-11`)),
    await sqlFids(`select fid from ${PLAN} where ngay_duyet = '2024-01-11'`),
  );
  assert.deepEqual(
    ids(await collection(`/api/layers/${PLAN}/features?dien_tich=150`)),
    await sqlFids(`select fid from ${PLAN} where dien_tich = 150`),
  );
  assert.equal(ids(await collection(`/api/layers/${PLAN}/features?so_thua=12`)).length, 1);
  const none = await collection(`/api/layers/${PLAN}/features?loai_dat=${encodeURIComponent('Đất không có')}`);
  assert.deepEqual(ids(none), []);
  assert.equal(none.numberReturned, 0);
});

test('properties chooses the returned attributes, in the order asked', async () => {
  const fc = await collection(`/api/layers/${PLAN}/features?properties=so_thua,loai_dat&limit=2`);
  for (const f of fc.features) assert.deepEqual(Object.keys(f.properties), ['so_thua', 'loai_dat']);
  const bare = await collection(`/api/layers/${PLAN}/features?properties=&limit=2`);
  for (const f of bare.features) assert.deepEqual(f.properties, {});
  assert.match(link(fc, 'next')!, /properties=so_thua%2Cloai_dat/);
  await expectProblem(`/api/layers/${PLAN}/features?properties=so_thua,geom`, 400, 'unknown_property', /'geom'/);
});

test('every bad input is a 4xx JSON problem that says what was wrong, never a 500', async () => {
  const base = `/api/layers/${PLAN}/features`;
  const cases: [string, string, RegExp?][] = [
    ['bbox=105,160,106,23', 'invalid_bbox', /latitude 160/],
    ['bbox=106,22,105,23', 'invalid_bbox', /minLon 106 is greater than maxLon 105/],
    ['bbox=105,23,106,22', 'invalid_bbox', /minLat/],
    ['bbox=a,b,c,d', 'invalid_bbox', /'a' is not a finite number/],
    ['bbox=105,22,106', 'invalid_bbox', /got 3 values/],
    ['bbox=NaN,22,106,23', 'invalid_bbox'],
    ['bbox=105,22,Infinity,23', 'invalid_bbox'],
    ['bbox=-Infinity,22,106,23', 'invalid_bbox'],
    ['bbox=', 'invalid_bbox'],
    ['bbox=105,22,106,23&bbox=105,22,106,23', 'invalid_bbox', /only once/],
    ['limit=-1', 'invalid_limit', /positive whole number/],
    ['limit=0', 'invalid_limit'],
    ['limit=abc', 'invalid_limit'],
    ['limit=1e400', 'invalid_limit'],
    ['limit=2.5', 'invalid_limit'],
    ['limit=', 'invalid_limit'],
    ['after=abc', 'invalid_cursor'],
    ['after=1&before=5', 'invalid_cursor'],
    ['offset=10', 'unknown_parameter', /'offset'.*Allowed: bbox, limit, after, before, properties.*loai_dat, so_thua, dien_tich, da_duyet, ngay_duyet/],
    ['geom=1', 'unknown_parameter'],
    ['fid=1', 'unknown_parameter'],
    [`${encodeURIComponent("loai_dat' OR 1=1 --")}=x`, 'unknown_parameter'],
    [`${encodeURIComponent('1; drop table xay_dung.quy_hoach_dat')}=1`, 'unknown_parameter'],
    [`${encodeURIComponent('so_thua"; --')}=1`, 'unknown_parameter'],
    ['so_thua=abc', 'invalid_filter', /so_thua/],
    [`so_thua=${encodeURIComponent('1; drop table xay_dung.quy_hoach_dat')}`, 'invalid_filter'],
    ['so_thua=99999999999999999999', 'invalid_filter'],
    ['dien_tich=1e400', 'invalid_filter'],
    ['da_duyet=maybe', 'invalid_filter'],
    ['ngay_duyet=2024-02-30', 'invalid_filter'],
    ['loai_dat=a%00b', 'invalid_filter'],
    ['properties=nope', 'unknown_property'],
  ];
  for (const [qs, code, message] of cases) await expectProblem(`${base}?${qs}`, 400, code, message);
  await expectProblem(`/api/layers/xay_dung.khong_co/features?bbox=a`, 404, 'layer_not_found');
  await expectProblem(`/api/layers/${PLAN}/features/abc`, 400, 'invalid_fid');
  await expectProblem(`/api/layers/${PLAN}/features/1.5`, 400, 'invalid_fid');
  await expectProblem(`/api/layers/${PLAN}/features/1?bbox=1,2,3,4`, 400, 'unknown_parameter', /Allowed: properties/);
});

test('SQL-looking values are only values: they match nothing and change nothing', async () => {
  const before = await sqlFids(`select fid from ${PLAN} order by fid`);
  for (const value of ["' OR 1=1 --", "'; drop table xay_dung.quy_hoach_dat; --", '1; drop table xay_dung.quy_hoach_dat', "\\' or ''='"]) {
    const fc = await collection(`/api/layers/${PLAN}/features?loai_dat=${encodeURIComponent(value)}`);
    assert.deepEqual(ids(fc), [], value);
  }
  assert.deepEqual(await sqlFids(`select fid from ${PLAN} order by fid`), before);
});

test('a restricted layer is invisible to anonymous callers: 404 on collection and item, absent from the list', async () => {
  const [fid] = await sqlFids(`select fid from ${MINES} order by fid limit 1`);
  const a = await expectProblem(`/api/layers/${MINES}/features`, 404, 'layer_not_found');
  const b = await expectProblem(`/api/layers/${MINES}/features/${fid}`, 404, 'layer_not_found');
  const c = await expectProblem(`/api/layers/${MINES}/features?bbox=a,b,c,d&ten_mo=x`, 404, 'layer_not_found');
  const unknown = await expectProblem('/api/layers/tai_nguyen.khong_co/features', 404, 'layer_not_found');
  // The answer for a hidden layer says no more than the answer for a layer that does not exist.
  assert.equal(a.message.replace(MINES, 'X'), unknown.message.replace('tai_nguyen.khong_co', 'X'));
  for (const p of [a, b, c]) assert.ok(!JSON.stringify(p).includes('ten_mo'));
  const list = await get('/api/layers');
  assert.ok(!list.text.includes(MINES));
});

test("a restricted layer is served to its owner agency's staff (in their transaction) and to no one else", async () => {
  const staff = { cookie: mineStaff.cookie };
  const list = await getJson<{ layers: { id: string }[] }>('/api/layers', staff);
  assert.ok(list.body.layers.some((l) => l.id === MINES));
  const r = await getJson<Collection>(`/api/layers/${MINES}/features?ten_mo=${encodeURIComponent(nfc('Mỏ thiếc Tĩnh Túc'))}`, staff);
  assert.equal(r.status, 200);
  assert.deepEqual(ids(r.body), await sqlFids(`select fid from ${MINES} where ten_mo = $1`, [nfc('Mỏ thiếc Tĩnh Túc')]));
  assert.equal(r.body.layer.id, MINES);
  // Not for shared caches.
  assert.equal(r.headers.get('cache-control'), 'private, no-cache');
  const item = await getJson<Feature>(`/api/layers/${MINES}/features/${ids(r.body)[0]}`, staff);
  assert.equal(item.status, 200);
  assert.equal(item.body.properties.ten_mo, nfc('Mỏ thiếc Tĩnh Túc'));
  assert.equal(item.headers.get('cache-control'), 'private, no-cache');
  assert.equal((await get(`/api/layers/${PLAN}/features?limit=1`)).headers.get('cache-control'), 'public, no-cache');

  const other = { cookie: otherStaff.cookie };
  for (const path of [`/api/layers/${MINES}/features`, `/api/layers/${MINES}/features/${ids(r.body)[0]}`, `/api/layers/${MINES}`]) {
    const denied = await getJson<Problem>(path, other);
    assert.equal(denied.status, 404, path);
    assert.equal(denied.body.code, 'layer_not_found');
  }
  assert.ok(!(await get('/api/layers', other)).text.includes(MINES));
});

test('the provider counts what the API pages through (for WFS hits and OGC numberMatched)', async () => {
  for (const qs of ['', 'da_duyet=true', 'bbox=105.5,22.5,105.7,22.7&loai_dat=' + encodeURIComponent(landUses[2]!), 'so_thua=-1']) {
    const counted = await server.app.db.withCaller({}, async (client) => {
      const layer = (await findLayer(client, PLAN))!;
      return countFeatures(client, layer, parseFeatureQuery(layer, new URLSearchParams(`${qs}&limit=2`), { defaultLimit: 2, maxLimit: 2 }));
    });
    const walked = (await walk(`/api/layers/${PLAN}/features?${qs}&limit=4`, 'next')).flatMap(ids);
    assert.equal(counted, walked.length, qs);
  }
  const hidden = await server.app.db.withCaller({}, (client) => findLayer(client, MINES));
  assert.equal(hidden, null);
});

// ------------------------------------------------------------------------------------------------ item

test('one feature: GeoJSON with provenance, versioned ETag, 304, and 404/400 for missing and malformed fids', async () => {
  const [fid] = await sqlFids(`select fid from ${PLAN} where so_thua = 5`);
  const r = await getJson<Feature>(`/api/layers/${PLAN}/features/${fid}`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/geo+json; charset=utf-8');
  assert.equal(r.body.type, 'Feature');
  assert.equal(r.body.id, fid);
  assert.equal(r.body.properties.so_thua, 5);
  assert.equal(r.body.properties.loai_dat, landUses[0]);
  assert.equal(r.body.layer!.id, PLAN);
  assert.equal(r.body.layer!.source, 'Sở Xây dựng tỉnh Cao Bằng');
  assert.equal(r.headers.get('etag'), `W/"${PLAN}:${fid}:1"`);

  const cached = await get(`/api/layers/${PLAN}/features/${fid}`, { 'if-none-match': `W/"${PLAN}:${fid}:1"` });
  assert.equal(cached.status, 304);
  assert.equal(cached.text, '');

  await server.owner.query(`update ${PLAN} set dien_tich = dien_tich + 1 where fid = $1`, [fid]);
  const changed = await get(`/api/layers/${PLAN}/features/${fid}`, { 'if-none-match': `W/"${PLAN}:${fid}:1"` });
  assert.equal(changed.status, 200);
  assert.equal(changed.headers.get('etag'), `W/"${PLAN}:${fid}:2"`);
  assert.equal((JSON.parse(changed.text) as Feature).properties.dien_tich, 5 * 12.5 + 1);

  const subset = await getJson<Feature>(`/api/layers/${PLAN}/features/${fid}?properties=so_thua`);
  assert.deepEqual(subset.body.properties, { so_thua: 5 });
  assert.notEqual(subset.headers.get('etag'), changed.headers.get('etag'));

  await expectProblem(`/api/layers/${PLAN}/features/987654321`, 404, 'feature_not_found');
  await expectProblem(`/api/layers/${PLAN}/features/-1`, 404, 'feature_not_found');
  await expectProblem(`/api/layers/${PLAN}/features/${encodeURIComponent("1' or '1'='1")}`, 400, 'invalid_fid');
  await expectProblem(`/api/layers/${PLAN}/features/99999999999999999999`, 400, 'invalid_fid');
});

test('a collection has a weak ETag of layer, data version and the normalised query; If-None-Match gives 304', async () => {
  const url = `/api/layers/${PLAN}/features?bbox=105.5,22.5,105.7,22.7&so_thua=3&so_thua=4&limit=5`;
  const first = await get(url);
  assert.equal(first.status, 200);
  const etag = first.headers.get('etag')!;
  const { rows } = await server.owner.query(`select data_version, data_updated_at from catalog.layers where id = $1`, [PLAN]);
  assert.match(etag, new RegExp(`^W/"${PLAN.replace('.', '\\.')}:${rows[0].data_version}:[A-Za-z0-9_-]+"$`));
  const lastModified = new Date(first.headers.get('last-modified')!);
  assert.equal(lastModified.getTime(), Math.floor(rows[0].data_updated_at.getTime() / 1000) * 1000);

  // The same query spelled differently is the same representation.
  const respelled = await get(`/api/layers/${PLAN}/features?limit=05&so_thua=4&so_thua=3&bbox=105.50,22.5,105.7,22.70`);
  assert.equal(respelled.headers.get('etag'), etag);
  const other = await get(`/api/layers/${PLAN}/features?bbox=105.5,22.5,105.7,22.7&so_thua=3&limit=5`);
  assert.notEqual(other.headers.get('etag'), etag);

  const notModified = await get(url, { 'if-none-match': `"x", ${etag}` });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.text, '');
  assert.equal(notModified.headers.get('etag'), etag);
  assert.equal((await get(url, { 'if-none-match': '*' })).status, 304);
  assert.equal((await get(url, { 'if-none-match': 'W/"something-else"' })).status, 200);

  // Any change to the layer's data makes a new version, so the old tag no longer matches.
  await server.owner.query(`update ${PLAN} set da_duyet = not da_duyet where so_thua = 60`);
  const afterChange = await get(url, { 'if-none-match': etag });
  assert.equal(afterChange.status, 200);
  assert.notEqual(afterChange.headers.get('etag'), etag);
});

// ------------------------------------------------------------------------------------------------ streaming

test(`a layer of ${KM_COUNT} points streams in one response, every feature once, as valid JSON`, async () => {
  const r = await get(`/api/layers/${KM}/features?limit=${KM_COUNT}`);
  assert.equal(r.status, 200);
  const fc = JSON.parse(r.text) as Collection & FeatureCollection;
  assert.equal(fc.features.length, KM_COUNT);
  assert.equal(fc.numberReturned, KM_COUNT);
  assert.equal(fc.numberMatched, KM_COUNT);
  assert.deepEqual(ids(fc), await sqlFids(`select fid from ${KM} order by fid`));
  assert.equal(link(fc, 'next'), undefined);
  const last = fc.features[KM_COUNT - 1]!;
  assert.equal(last.properties.so_km, KM_COUNT);
  assert.equal(last.properties.ten, nfc(`Quốc lộ 3, km ${KM_COUNT}`));
  const { rows } = await server.owner.query(`select st_x(geom) x, st_y(geom) y from ${KM} where fid = $1`, [last.id]);
  assert.deepEqual(last.geometry.coordinates, [Number(rows[0].x.toFixed(7)), Number(rows[0].y.toFixed(7))]);
});

test('HEAD answers with the headers only, and leaves no connection busy', async () => {
  const res = await fetch(`${server.url}/api/layers/${FOREST}/features?limit=2000`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/geo+json; charset=utf-8');
  assert.match(res.headers.get('etag')!, /^W\//);
  assert.equal(await res.text(), '');
  await poolSettled();
});

test('clients that abort mid-stream leak no connection: afterwards the pool serves everyone', async () => {
  const url = `${server.url}/api/layers/${FOREST}/features?limit=${FOREST_COUNT}`;
  // node:http rather than fetch: destroying the request closes its socket there and then, as a client that
  // goes away does (fetch's pool also opens spare sockets that would keep the server from closing quickly).
  // Half of them signed in: their reads run in a transaction that must end too.
  const cutAfter = (bytes: number, signedIn: boolean) =>
    new Promise<number>((resolve, reject) => {
      const headers = signedIn ? { cookie: mineStaff.cookie } : {};
      const req = http.get(url, { agent: false, headers }, (res) => {
        assert.equal(res.statusCode, 200);
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received >= bytes && !req.destroyed) {
            req.destroy();
            resolve(received);
          }
        });
        res.on('end', () => reject(new Error('the response ended before it was cut: make it larger')));
      });
      req.on('error', () => {});
    });
  // While a response streams, its connection stays checked out (and the database is still reading for it).
  const held = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      new Promise<http.ClientRequest>((resolve) => {
        const headers = i % 2 === 0 ? { cookie: mineStaff.cookie } : {};
        const req = http.get(url, { agent: false, headers }, (res) => res.once('data', () => { res.pause(); resolve(req); }));
        req.on('error', () => {});
      }),
    ),
  );
  const pool = server.app.db.pool;
  // Exactly ten once any background work of the server (the maintenance list's reload, which the first of these
  // requests may have started) has given its connection back: the paused streams keep theirs.
  let checkedOut = 0;
  let busy = 0;
  for (let i = 0; i < 100; i++) {
    checkedOut = pool.totalCount - pool.idleCount;
    busy = (await busyAppConnections()).length;
    if (checkedOut === 10 && busy === 10) break;
    await sleep(50);
  }
  assert.equal(checkedOut, 10);
  assert.equal(busy, 10);
  for (const req of held) req.destroy();
  await poolSettled();

  // Cut at different points of the document: in the head, a few batches in, far in.
  const received = await Promise.all(Array.from({ length: 30 }, (_, i) => cutAfter(1 + (i % 5) * 400_000, i % 2 === 0)));
  const total = (await get(url)).text.length;
  assert.ok(received.every((n) => n < total / 2), 'every request was cut well before its end');
  // And some that give up before the response even starts.
  await Promise.all(
    Array.from({ length: 10 }, () => {
      const req = http.get(url, { agent: false, headers: { cookie: mineStaff.cookie } });
      req.on('error', () => {});
      return new Promise<void>((resolve) => {
        req.on('socket', (socket) => socket.on('connect', () => {
          req.destroy();
          resolve();
        }));
      });
    }),
  );
  await poolSettled();

  // More concurrent requests than the pool has connections: they only all finish if every one came back.
  assert.ok(pool.totalCount <= 20);
  const results = await Promise.all(
    Array.from({ length: 25 }, () => collection(`/api/layers/${KM}/features?limit=300&bbox=105.3,22.4,106.9,23.2`)),
  );
  for (const fc of results) assert.equal(fc.features.length, 300);
  await poolSettled();
  // The layer read through to the end still works after all that.
  const whole = await get(url);
  assert.equal((JSON.parse(whole.text) as Collection).numberReturned, FOREST_COUNT);
});

test('database connections lost mid-stream cut those responses, and the server carries on', async () => {
  const url = `${server.url}/api/layers/${FOREST}/features?limit=${FOREST_COUNT}`;
  // Repeated, signed in and not: how the loss reaches the client object varies with timing, and one of those
  // ways (an 'error' event on a checked-out client) would end the process if nothing listened.
  for (let i = 0; i < 20; i++) {
    const headers = i % 2 === 0 ? { cookie: mineStaff.cookie } : {};
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(url, { agent: false, headers }, (r) => r.once('data', () => { r.pause(); resolve(r); }));
      req.on('error', reject);
    });
    const { rowCount } = await server.owner.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and usename = 'cb_app' and state is distinct from 'idle'
         and query like '%lo_rung%'`,
    );
    assert.equal(rowCount, 1, 'the one streaming read (not whatever else the server is doing) was cut');
    const complete = await new Promise<boolean>((resolve) => {
      res.on('error', () => {});
      res.on('close', () => resolve(res.complete));
      res.resume();
    });
    assert.equal(complete, false, 'a response whose reading failed must not look complete');
  }
  await poolSettled();
  const fc = await collection(`/api/layers/${FOREST}/features?limit=3`);
  assert.equal(fc.numberReturned, 3);
});
