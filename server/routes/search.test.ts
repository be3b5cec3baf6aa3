// Search by name over HTTP against the demo data: diacritics-insensitive, ranked, limited, following every edit,
// and never showing a restricted layer to a caller who may not read it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../../infra/demo/accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';

const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const COMMUNES = 'tai_nguyen.ranh_gioi_xa';
const BTS = 'thong_tin.tram_bts';
const PLACES = 'van_hoa.dia_danh_thu';
const BAN_GIOC: [number, number] = [106.721998, 22.856402];

interface Result {
  layer: { id: string; title_vi: string; title_en: string };
  fid: number;
  name: string;
  features: number;
  match: string;
  point: [number, number];
  bbox: [number, number, number, number];
  links: { feature: string };
}

let server: TestServer;
let url: string;
const sessions: Record<string, Session> = {};

async function search(q: string, opts: { session?: Session; apiKey?: string; extra?: string } = {}): Promise<Result[]> {
  const res = await api(url, 'GET', `/api/search?q=${encodeURIComponent(q)}${opts.extra ?? ''}`, opts);
  assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
  return res.body.results;
}

async function addPlace(name: string, lon: number, lat: number): Promise<number> {
  const { rows } = await server.owner.query(
    `insert into van_hoa.dia_danh_thu (geom, ten, ma) values (st_setsrid(st_makepoint($2, $3), 4326), $1, upper(left($1, 3)))
     returning fid`, [name, lon, lat]);
  return rows[0].fid;
}

before(async () => {
  server = await startTestServer({ demo: true });
  url = server.url;
  for (const u of ['bientap.tttt', 'bientap.gtvt', 'xem.xaydung']) sessions[u] = await login(url, u, DEMO_PASSWORD);
  // A layer with names made for the ranking: one word ("Lũng Vài") in every position it can take.
  await createLayer(server.owner, {
    id: PLACES, ownerAgencyCode: 'so_vhttdl', titleVi: 'Địa danh thử', titleEn: 'Test places', geometryFamily: 'point',
    source: 'Sở VHTTDL', nameAttribute: 'ten',
    attributes: [
      { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' },
      { name: 'ma', type: 'text', label_vi: 'Mã', label_en: 'Code' },
    ],
  });
  for (const [i, name] of ['Vài Lũng', 'Nalũng Vài', 'Xóm Lũng Vài', 'Lũng Vài Thượng', 'Lũng Vài'].entries()) {
    await addPlace(name, 106.1 + i * 0.01, 22.7);
  }
});

after(async () => server.close());

describe('matching without diacritics', () => {
  test('"ban gioc" finds Thác Bản Giốc first, with a point and a box to zoom to', async () => {
    const results = await search('ban gioc');
    const first = results[0]!;
    assert.equal(first.name, 'Thác Bản Giốc');
    assert.equal(first.layer.id, GEOSITES);
    assert.equal(first.layer.title_vi, 'Điểm di sản Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng');
    assert.ok(Math.abs(first.point[0] - BAN_GIOC[0]) < 1e-6 && Math.abs(first.point[1] - BAN_GIOC[1]) < 1e-6, JSON.stringify(first.point));
    assert.deepEqual(first.bbox, [first.point[0], first.point[1], first.point[0], first.point[1]]);
    assert.equal(first.links.feature, `${url}/api/layers/${GEOSITES}/features/${first.fid}`);
    const feature = await api(url, 'GET', `/api/layers/${GEOSITES}/features/${first.fid}`);
    assert.equal(feature.body.properties.ten, 'Thác Bản Giốc');
  });

  test('"dong khe" finds the commune Đông Khê first, although đ is not an accent', async () => {
    for (const q of ['dong khe', 'Đông Khê', 'ĐÔNG KHÊ', 'đong khe', 'Đông Khê'.normalize('NFD'), '  dong   khe ']) {
      const first = (await search(q))[0]!;
      assert.equal(first.name, 'Thị trấn Đông Khê', q);
      assert.equal(first.layer.id, COMMUNES, q);
      assert.equal(first.match, 'exact', `${q}: a commune matches without its kind`);
      const [w, s, e, n] = first.bbox;
      assert.ok(w < e && s < n, 'a commune has an area');
      assert.ok(first.point[0] > w && first.point[0] < e && first.point[1] > s && first.point[1] < n, 'its point lies inside');
    }
  });

  test('the words may come in any order', async () => {
    const names = (await search('gioc ban')).map((r) => r.name);
    assert.ok(names.includes('Thác Bản Giốc'), names.join(', '));
  });
});

describe('ranking and limits', () => {
  test('exact, then prefix, then a word start, then anywhere, then the words in another order', async () => {
    const results = await search('lung vai', { extra: `&layers=${PLACES}` });
    assert.deepEqual(results.map((r) => [r.name, r.match]), [
      ['Lũng Vài', 'exact'],
      ['Lũng Vài Thượng', 'prefix'],
      ['Xóm Lũng Vài', 'word'],
      ['Nalũng Vài', 'contains'],
      ['Vài Lũng', 'words'],
    ]);
  });

  test('limit caps the results', async () => {
    assert.equal((await search('xa', { extra: '&limit=3' })).length, 3);
    assert.equal((await search('xa')).length, 10, 'ten by default');
    assert.equal((await search('xa', { extra: '&limit=50' })).length, 50);
  });

  test('features of one layer that share a name are one result covering all of them', async () => {
    const { rows } = await server.owner.query(
      `select ten, count(*)::int as n, min(st_xmin(geom)) as w, max(st_xmax(geom)) as e from do_thi.duong_do_thi
       group by ten having count(*) > 1 order by count(*) desc, ten limit 1`);
    const street = rows[0];
    const hit = (await search(street.ten, { extra: '&layers=do_thi.duong_do_thi' })).find((r) => r.name === street.ten)!;
    assert.ok(hit, street.ten);
    assert.equal(hit.features, street.n);
    assert.ok(Math.abs(hit.bbox[0] - street.w) < 1e-9 && Math.abs(hit.bbox[2] - street.e) < 1e-9);
  });

  test('bad queries are 400 with a code', async () => {
    const cases: Array<[string, number, string]> = [
      ['', 400, 'query_required'],
      ['?q=', 400, 'query_too_short'],
      ['?q=%20a%20', 400, 'query_too_short'],
      [`?q=${'a'.repeat(101)}`, 400, 'query_too_long'],
      ['?q=ban&limit=0', 400, 'invalid_limit'],
      ['?q=ban&limit=51', 400, 'invalid_limit'],
      ['?q=ban&limit=ten', 400, 'invalid_limit'],
      ['?q=ban&q=gioc', 400, 'invalid_query'],
      ['?q=ban&layers=,', 400, 'invalid_layers'],
      ['?q=ban&layers=khong.co', 404, 'layer_not_found'],
    ];
    for (const [query, status, code] of cases) {
      const res = await api(url, 'GET', `/api/search${query}`);
      assert.equal(res.status, status, `${query}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, code, query);
    }
  });

  test('punctuation alone matches nothing rather than everything', async () => {
    assert.deepEqual(await search('%%'), []);
    assert.deepEqual(await search("'; --"), []);
  });
});

describe('the index follows every change', () => {
  test('a new feature, a renamed one and a deleted one', async () => {
    const fid = await addPlace('Đỉnh Phja Oắc', 105.86, 22.6);
    assert.equal((await search('phja oac'))[0]?.fid, fid);
    await server.owner.query("update van_hoa.dia_danh_thu set ten = 'Đỉnh Phja Đén' where fid = $1", [fid]);
    assert.equal((await search('phja oac')).some((r) => r.fid === fid && r.layer.id === PLACES), false);
    assert.equal((await search('phja den'))[0]?.fid, fid);
    await server.owner.query('delete from van_hoa.dia_danh_thu where fid = $1', [fid]);
    assert.equal((await search('phja den')).some((r) => r.layer.id === PLACES), false);
  });

  test('a feature without a name is not found, and is once it gets one', async () => {
    const { rows } = await server.owner.query(
      "insert into van_hoa.dia_danh_thu (geom, ma) values (st_setsrid(st_makepoint(106.2, 22.8), 4326), 'KHT') returning fid");
    assert.equal((await search('kht', { extra: `&layers=${PLACES}` })).length, 0);
    await server.owner.query("update van_hoa.dia_danh_thu set ten = 'Khau Tờ' where fid = $1", [rows[0].fid]);
    assert.equal((await search('khau to', { extra: `&layers=${PLACES}` }))[0]?.fid, rows[0].fid);
  });

  test('changing the layer\'s name attribute re-indexes the layer', async () => {
    await server.owner.query("update catalog.layers set name_attribute = 'ma' where id = $1", [PLACES]);
    try {
      const byCode = await search('LUN', { extra: `&layers=${PLACES}` });
      assert.deepEqual(byCode.map((r) => [r.name, r.features]), [['LŨN', 2]]);
      assert.equal((await search('lung vai', { extra: `&layers=${PLACES}` })).length, 0);
    } finally {
      await server.owner.query("update catalog.layers set name_attribute = 'ten' where id = $1", [PLACES]);
    }
    assert.equal((await search('lung vai', { extra: `&layers=${PLACES}` })).length, 5);
  });

  test('the contains search is answered by the trigram index', async () => {
    const { rows } = await server.owner.query("explain select * from search.entries where folded like '%ban gioc%'");
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /entries_folded_trgm/, plan);
  });
});

describe('restricted layers', () => {
  const btsName = async () => (await server.owner.query('select ten from thong_tin.tram_bts order by fid limit 1')).rows[0].ten as string;

  test('appear only for callers who may read them', async () => {
    const name = await btsName();
    const from = async (opts: { session?: Session; apiKey?: string }) => (await search(name, opts)).filter((r) => r.layer.id === BTS);
    assert.equal((await from({})).length, 0, 'anonymous');
    assert.equal((await from({ session: sessions['bientap.gtvt'] })).length, 0, 'another agency');
    assert.ok((await from({ session: sessions['bientap.tttt'] })).some((r) => r.name === name), 'the owner agency');
    assert.ok((await from({ session: sessions['xem.xaydung'] })).some((r) => r.name === name), 'a reader agency');
    assert.ok((await from({ apiKey: DEMO_API_KEY })).some((r) => r.name === name), 'a reader agency\'s API key');
  });

  test('naming one is 404 for those who may not read it, and the answer is never shared between callers', async () => {
    const anonymous = await api(url, 'GET', `/api/search?q=tram&layers=${BTS}`);
    assert.equal(anonymous.status, 404);
    assert.equal(anonymous.body.code, 'layer_not_found');
    const owner = await api(url, 'GET', `/api/search?q=tram&layers=${BTS}`, { session: sessions['bientap.tttt'] });
    assert.equal(owner.status, 200);
    assert.ok(owner.body.results.length > 0);
    assert.equal(owner.headers.get('cache-control'), 'private, no-cache');
  });
});
