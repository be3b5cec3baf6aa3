// Downloads, opened by GDAL as an independent reader: Shapefile (names mapped to 10 characters, .prj, UTF-8 .cpg),
// GeoPackage, GeoJSON and CSV, each in a ZIP with a README stating source, owner, licence and last update. Names,
// values and coordinates are checked against SQL; VN-2000 output against the Bản Giốc check value; access rules and
// bad parameters against the platform's errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_API_KEY } from '../../infra/demo/accounts.ts';
import { readWithGdal, gdal, sqlFeatures, type GeoJsonFeature } from '../ogc/gdal-client.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

let server: TestServer;
let dir: string;

const ROADS = 'giao_thong.duong_dia_phuong';
const COMMUNES = 'tai_nguyen.ranh_gioi_xa';
const PLACES = 'van_hoa.diem_di_san_dia_chat';
const BTS = 'thong_tin.tram_bts';

async function download(layer: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; file: string; body: Buffer }> {
  const res = await fetch(`${server.url}/api/layers/${layer}/download?${query}`, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  const file = path.join(dir, `${layer}-${Math.random().toString(36).slice(2)}.zip`);
  fs.writeFileSync(file, body);
  return { status: res.status, headers: res.headers, file, body };
}

const unzipList = (file: string) => execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n').sort();
const unzipText = (file: string, name: string) => execFileSync('unzip', ['-p', file, name], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');

/** Each feature GDAL read has SQL's geometry exactly (orientation aside: ST_Equals) and its attributes under `names`. */
async function sameAsSql(layer: string, features: GeoJsonFeature[], fidOf: (f: GeoJsonFeature) => number, names: Record<string, string>, where = 'true', srid = 4326) {
  const want = await sqlFeatures(server.owner, layer, where);
  assert.equal(features.length, want.size, layer);
  for (const f of features) {
    const w = want.get(fidOf(f));
    assert.ok(w, `${layer}: ${fidOf(f)}`);
    for (const [attr, value] of Object.entries(w.properties)) {
      const got = f.properties[names[attr] ?? attr];
      if (typeof value === 'number') assert.ok(typeof got === 'number' && Math.abs(got - value) < 1e-9, `${attr}: ${got} ≠ ${value}`);
      else assert.equal(got ?? null, value, `${layer} ${w.fid} ${attr}`);
    }
  }
  const { rows } = await server.owner.query<{ bad: number }>(
    `select count(*)::int as bad from jsonb_array_elements($1::jsonb) g
     join ${layer} t on t.fid = (g->>'fid')::bigint
     where not st_dwithin(st_transform(t.geom, ${srid}), st_setsrid(st_geomfromgeojson(g->>'geometry'), ${srid}), ${srid === 4326 ? 1e-7 : 0.001})
        or not st_dwithin(st_setsrid(st_geomfromgeojson(g->>'geometry'), ${srid}), st_transform(t.geom, ${srid}), ${srid === 4326 ? 1e-7 : 0.001})
        or abs(st_area(st_transform(t.geom, ${srid})) - st_area(st_setsrid(st_geomfromgeojson(g->>'geometry'), ${srid}))) > 1e-6 * greatest(1, st_area(st_transform(t.geom, ${srid})))`,
    [JSON.stringify(features.map((f) => ({ fid: fidOf(f), geometry: JSON.stringify(f.geometry) })))],
  );
  assert.equal(rows[0]!.bad, 0, `${layer}: geometries that differ from SQL's`);
}

function fieldMapping(file: string): Record<string, string> {
  const lines = unzipText(file, 'fields.csv').replace(/^\ufeff/, '').trim().split('\r\n').slice(1);
  return Object.fromEntries(lines.map((l) => {
    const [field, attribute] = l.split(',');
    return [attribute!, field!];
  }));
}

before(async () => {
  server = await startTestServer({ demo: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-exports-test-'));
});
after(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Shapefile', () => {
  test('a whole layer: .shp .shx .dbf .prj .cpg, long names mapped to 10 characters and written beside, values and coordinates as SQL has them', async () => {
    const r = await download(ROADS, 'format=shp');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/zip');
    assert.match(r.headers.get('content-disposition')!, /filename="giao_thong_duong_dia_phuong_shp\.zip"/);
    const base = 'giao_thong_duong_dia_phuong';
    assert.deepEqual(unzipList(r.file), ['README.txt', 'fields.csv', `${base}.cpg`, `${base}.dbf`, `${base}.prj`, `${base}.shp`, `${base}.shx`].sort());
    execFileSync('unzip', ['-tq', r.file]); // every CRC checks
    assert.equal(unzipText(r.file, `${base}.cpg`), 'UTF-8');
    assert.match(unzipText(r.file, `${base}.prj`), /^GEOGCS\["WGS 84"/);
    const mapping = fieldMapping(r.file);
    assert.equal(mapping.chieu_dai_km, 'CHIEU_DAI_');
    assert.equal(mapping.nam_xay_dung, 'NAM_XAY_DU');
    assert.equal(mapping.ten, 'TEN');
    const readme = unzipText(r.file, 'README.txt');
    assert.match(readme, /CHIEU_DAI_\s+chieu_dai_km — Chiều dài \(km\) \/ Length \(km\)/);

    const info = await gdal('ogrinfo', ['-ro', '-so', `/vsizip/${r.file}/${base}.shp`, base]);
    assert.match(info.stdout, /Geometry: Line String/);
    assert.match(info.stdout, /NAM_XAY_DU: Integer \(4\.0\)/);
    assert.match(info.stdout, /TEN: String \(\d+\.0\)/);
    assert.match(info.stdout, /ID\["EPSG",4326\]/);
    const features = await readWithGdal(`/vsizip/${r.file}/${base}.shp`, base);
    const names = Object.fromEntries(Object.entries(mapping).map(([a, f]) => [a, f]));
    await sameAsSql(ROADS, features, (f) => Number(f.properties.FID), names);
  });

  test('polygons, in VN-2000 (EPSG:9210), filtered by bbox and attribute', async () => {
    const r = await download(COMMUNES, `format=shp&crs=9210&bbox=106.0,22.5,106.5,22.9&loai=${encodeURIComponent('Xã')}`);
    assert.equal(r.status, 200, r.body.toString().slice(0, 300));
    const base = 'tai_nguyen_ranh_gioi_xa';
    assert.match(unzipText(r.file, `${base}.prj`), /VN-2000 \/ TM-3 105-45/);
    const features = await readWithGdal(`/vsizip/${r.file}/${base}.shp`, base);
    const where = "loai = 'Xã' and st_intersects(geom, st_makeenvelope(106.0, 22.5, 106.5, 22.9, 4326))";
    assert.ok(features.length > 0);
    await sameAsSql(COMMUNES, features, (f) => Number(f.properties.FID), fieldMapping(r.file), where, 9210);
    assert.match(unzipText(r.file, 'README.txt'), /Lựa chọn \/ Selection:\s+bbox=106\.0,22\.5,106\.5,22\.9; loai ∈ \{Xã\}/);
  });
});

describe('GeoPackage, GeoJSON, CSV', () => {
  test('GeoPackage: one table with the layer\'s attributes, its SRS, and SQL\'s values and geometry', async () => {
    const r = await download(PLACES, 'format=gpkg');
    assert.equal(r.status, 200);
    assert.deepEqual(unzipList(r.file), ['README.txt', 'van_hoa_diem_di_san_dia_chat.gpkg']);
    execFileSync('unzip', ['-o', '-q', r.file, '-d', path.join(dir, 'gpkg')]);
    const gpkg = path.join(dir, 'gpkg', 'van_hoa_diem_di_san_dia_chat.gpkg');
    const info = await gdal('ogrinfo', ['-ro', '-so', gpkg, 'van_hoa_diem_di_san_dia_chat']);
    assert.match(info.stdout, /Geometry: Point/);
    assert.match(info.stdout, /DESCRIPTION=.*Sở Văn hoá, Thể thao và Du lịch.*Giấy phép: CC BY 4\.0/);
    assert.match(info.stdout, /FID Column = fid/);
    const features = await readWithGdal(gpkg, 'van_hoa_diem_di_san_dia_chat');
    await sameAsSql(PLACES, features, (f) => Number(f.id), {});
    const vn = await download(PLACES, 'format=gpkg&package=none&crs=EPSG:9210');
    assert.equal(vn.headers.get('content-type'), 'application/geopackage+sqlite3');
    const bare = path.join(dir, 'vn.gpkg');
    fs.copyFileSync(vn.file, bare);
    const one = await readWithGdal(bare, 'van_hoa_diem_di_san_dia_chat', { where: 'fid = 1' });
    const [e, n] = one[0]!.geometry!.coordinates as number[];
    assert.ok(Math.abs(e! - 599_554) < 1 && Math.abs(n! - 2_528_819) < 1, `${e} ${n}`);
  });

  test('GeoJSON: the whole layer, with its provenance, readable by GDAL', async () => {
    const r = await download(ROADS, 'format=geojson');
    assert.deepEqual(unzipList(r.file), ['README.txt', 'giao_thong_duong_dia_phuong.geojson']);
    const fc = JSON.parse(unzipText(r.file, 'giao_thong_duong_dia_phuong.geojson'));
    assert.equal(fc.provenance.owner.name_vi, 'Sở Giao thông Vận tải');
    const features = await readWithGdal(`/vsizip/${r.file}/giao_thong_duong_dia_phuong.geojson`, ROADS);
    await sameAsSql(ROADS, features, (f) => Number(f.id), {});
    const readme = unzipText(r.file, 'README.txt');
    const { rows } = await server.owner.query(`select l.source, l.licence, l.data_updated_at, a.name_vi from catalog.layers l join catalog.agencies a on a.id = l.owner_agency_id where l.id = $1`, [ROADS]);
    assert.ok(readme.includes(rows[0].source) && readme.includes(rows[0].licence) && readme.includes(rows[0].name_vi));
    assert.ok(readme.includes((rows[0].data_updated_at as Date).toISOString()));
    assert.match(readme, new RegExp(`Số đối tượng / Features:\\s+${fc.features.length}\\b`));
  });

  test('CSV: UTF-8 with BOM, WKT or lon/lat, formulas defused; GDAL reads the WKT back', async () => {
    await server.owner.query(`update ${PLACES} set mo_ta = '=HYPERLINK("http://evil.example","x")', ten = 'Tên, có "ngoặc"' where fid = 2`);
    const r = await download(PLACES, 'format=csv');
    const csv = unzipText(r.file, 'van_hoa_diem_di_san_dia_chat.csv');
    assert.ok(csv.startsWith('\ufefffid,ten,loai,xep_hang,mo_ta,tuyen_du_lich,xa,WKT\r\n'));
    const line2 = csv.split('\r\n').find((l) => l.startsWith('2,'))!;
    assert.ok(line2.startsWith('2,"Tên, có ""ngoặc""",'), line2);
    assert.ok(line2.includes(`,"'=HYPERLINK(""http://evil.example"",""x"")",`), line2);
    assert.ok(csv.includes('1,Thác Bản Giốc,'));
    assert.ok(csv.includes('POINT(106.721998 22.856402)'));
    const plain = path.join(dir, 'places.csv');
    fs.writeFileSync(plain, csv);
    const features = await readWithGdal(plain, 'places', { open: ['GEOM_POSSIBLE_NAMES=WKT', 'KEEP_GEOM_COLUMNS=NO'] });
    assert.equal(features.length, (await sqlFeatures(server.owner, PLACES)).size);
    assert.deepEqual(features.find((f) => f.properties.fid === '1')!.geometry!.coordinates, [106.721998, 22.856402]);
    const lonlat = await download(PLACES, 'format=csv&geometry=lonlat&package=none');
    assert.equal(lonlat.headers.get('content-type'), 'text/csv; charset=utf-8');
    const text = lonlat.body.toString('utf8');
    assert.ok(text.startsWith('\ufefffid,ten,loai,xep_hang,mo_ta,tuyen_du_lich,xa,lon,lat\r\n'));
    assert.ok(text.includes(',106.7219980,22.8564020\r\n'));
  });
});

describe('access, caching and bad requests', () => {
  test('a restricted layer is a 404 for others and downloads with the key; ETag and 304', async () => {
    const hidden = await download(BTS, 'format=csv');
    assert.equal(hidden.status, 404);
    assert.equal(JSON.parse(hidden.body.toString()).code, 'layer_not_found');
    const keyed = await download(BTS, 'format=csv&package=none', { 'x-api-key': DEMO_API_KEY });
    assert.equal(keyed.status, 200);
    assert.equal(keyed.headers.get('cache-control'), 'private, no-store');
    assert.match(keyed.body.toString('utf8').split('\r\n')[1]!, /^1,/);
    const first = await download(PLACES, 'format=geojson');
    const again = await download(PLACES, 'format=geojson', { 'if-none-match': first.headers.get('etag')! });
    assert.equal(again.status, 304);
  });

  test('each bad parameter is a 400 that says what is allowed', async () => {
    const bad: [string, string][] = [
      ['', 'invalid_format'],
      ['format=kml', 'invalid_format'],
      ['format=shp&package=none', 'invalid_package'],
      ['format=geojson&crs=9210', 'invalid_crs'],
      ['format=shp&crs=EPSG:2154', 'invalid_crs'],
      ['format=csv&geometry=xy', 'invalid_geometry_column'],
      ['format=csv&bbox=1,2', 'invalid_bbox'],
      ['format=csv&mat_khau=1', 'unknown_parameter'],
      [`format=csv&filter=${encodeURIComponent("ten = 'x'; drop table x")}`, 'invalid_filter'],
      [`format=csv&filter=${encodeURIComponent("strSubstring(ten,0,1) = 'x'")}`, 'invalid_filter'],
      ['format=csv&properties=ten,mat_khau', 'unknown_property'],
    ];
    for (const [query, code] of bad) {
      const r = await download(PLACES, query);
      assert.equal(r.status, 400, `${query}: ${r.body.toString().slice(0, 200)}`);
      assert.equal(JSON.parse(r.body.toString()).code, code, query);
    }
    const filtered = await download(PLACES, `format=csv&package=none&filter=${encodeURIComponent("loai = 'Thác nước'")}&properties=ten`);
    const rows = filtered.body.toString('utf8').trimEnd().split('\r\n');
    assert.equal(rows[0], '\ufefffid,ten,WKT');
    const { rows: want } = await server.owner.query(`select count(*)::int n from ${PLACES} where loai = 'Thác nước'`);
    assert.equal(rows.length - 1, want[0].n);
  });
});
