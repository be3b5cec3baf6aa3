// From an uploaded file to its datasets: zips of several Shapefiles in folders (parts matched whatever the case of
// their extensions, extra files ignored), GeoJSON files, and uploads that are neither.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { ENCODING_CONFIDENCE_THRESHOLD } from './encoding.ts';
import { openUpload } from './open-upload.ts';
import { ImportFileError } from './source.ts';
import { buildDbf } from './testing/dbf-writer.ts';
import { encodeText } from './testing/encode-text.ts';
import { readAll } from './testing/features.ts';
import { scratchDir } from './testing/files.ts';
import samples from './testing/prj-samples.json' with { type: 'json' };
import { buildShapefile } from './testing/shp-writer.ts';
import { buildZip } from './testing/zip-writer.ts';
import type { ZipEntrySpec } from './testing/zip-writer.ts';

const scratch = scratchDir('upload');
after(() => scratch.remove());
const PRJ_9210 = (samples.esri as Record<string, string>)['9210'] as string;

const COMMUNES = ['Phường Sông Hiến', 'Xã Hưng Đạo', 'Thị trấn Nước Hai', 'Xã Đức Long', 'Xã Bế Triều', 'Thị trấn Trùng Khánh'];

function shapefileEntries(dir: string, base: string, encoding: 'tcvn3' | 'vni' | 'utf8', ext = (e: string) => e): ZipEntrySpec[] {
  const { shp, shx } = buildShapefile(1, COMMUNES.map((_, i) => ({ point: [560_000 + i * 1_000, 2_510_000 + i * 1_000] })));
  const dbf = buildDbf([{ name: 'TEN', type: 'C', length: 60 }, { name: 'MA', type: 'N', length: 6 }], COMMUNES.map((n, i) => [n, i + 1]), {
    encodeText: (t) => encodeText(t, encoding),
  });
  return [
    { name: `${dir}${base}.${ext('shp')}`, data: shp },
    { name: `${dir}${base}.${ext('shx')}`, data: shx },
    { name: `${dir}${base}.${ext('dbf')}`, data: dbf },
    { name: `${dir}${base}.${ext('prj')}`, data: Buffer.from(PRJ_9210) },
  ];
}

let seq = 0;
const upload = (data: Buffer | string, originalName: string) => {
  const n = seq++;
  return openUpload(scratch.write(`u${n}/${originalName}`, data), { workDir: path.join(scratch.dir, `work${n}`), originalName });
};

async function refuses(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ImportFileError, `expected ImportFileError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
}

test('a zip of several VN-2000 Shapefiles in TCVN3 and VNI, in folders, with a GeoJSON and other files', async () => {
  const geojson = JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { ten: 'Thác Bản Giốc' }, geometry: { type: 'Point', coordinates: [106.721998, 22.856402] } }] });
  const zip = buildZip([
    ...shapefileEntries('hanh_chinh/', 'xa_tcvn3', 'tcvn3'),
    ...shapefileEntries('hanh_chinh/cu/', 'XA_VNI', 'vni', (e) => (e === 'dbf' ? 'DBF' : e.toUpperCase())),
    ...shapefileEntries('', 'xa_utf8', 'utf8'),
    { name: 'du_lich/diem.geojson', data: Buffer.from(geojson) },
    { name: 'hanh_chinh/README.txt', data: Buffer.from('Sở TN&MT') },
    { name: 'hanh_chinh/xa_tcvn3.shp.xml', data: Buffer.from('<metadata/>') },
    { name: '__MACOSX/hanh_chinh/._xa_tcvn3.shp', data: Buffer.from('fork') },
    { name: 'Thumbs.db', data: Buffer.from('x') },
    { name: 'hanh_chinh/metadata.json', data: Buffer.from('{"author": "Sở TN&MT", "year": 2024}') },
    { name: 'notes.json', data: Buffer.from('not json at all') },
  ]);
  const datasets = await upload(zip, 'cao-bang.zip');
  assert.deepEqual(datasets.map((d) => [d.name, d.kind]), [
    ['hanh_chinh/cu/XA_VNI', 'shapefile'], ['hanh_chinh/xa_tcvn3', 'shapefile'], ['xa_utf8', 'shapefile'], ['du_lich/diem', 'geojson'],
  ]);
  const expected = { 'hanh_chinh/cu/XA_VNI': 'vni', 'hanh_chinh/xa_tcvn3': 'tcvn3', xa_utf8: 'utf8' } as Record<string, string>;
  for (const ds of datasets.slice(0, 3)) {
    assert.equal(ds.encoding?.encoding, expected[ds.name], ds.encoding?.evidence);
    assert.ok((ds.encoding?.confidence ?? 0) >= ENCODING_CONFIDENCE_THRESHOLD, `${ds.name}: ${ds.encoding?.evidence}`);
    assert.deepEqual([ds.crs.srid, ds.crs.source, ds.crs.needsConfirmation], [9210, 'prj-wkt', false]);
    assert.equal(ds.featureCount, COMMUNES.length);
    const got = await readAll(ds);
    assert.deepEqual(got.map((f) => f.properties.ten), COMMUNES);
    assert.deepEqual(got[0]?.geometry, { type: 'Point', coordinates: [560_000, 2_510_000] });
  }
  const gj = datasets[3];
  assert.deepEqual([gj?.crs.srid, gj?.featureCount], [4326, 1]);
});

test('a single GeoJSON upload is one dataset named after the file; what it is comes from its bytes', async () => {
  const text = JSON.stringify({ type: 'Feature', properties: { ten: 'Hòa An' }, geometry: { type: 'Point', coordinates: [106.2, 22.7] } });
  const [ds] = await upload(text, 'diem-du-lich.geojson');
  assert.equal(ds?.name, 'diem-du-lich');
  assert.equal(ds?.kind, 'geojson');
  const [asJson] = await upload(`\n  ${text}`, 'export.json');
  assert.equal(asJson?.featureCount, 1);
  const mislabelled = await upload(buildZip(shapefileEntries('', 'xa', 'utf8')), 'data.geojson');
  assert.equal(mislabelled[0]?.kind, 'shapefile');
});

test('a broken .geojson in a zip is an error; a zip whose only .json is metadata has no dataset', async () => {
  await refuses(upload(buildZip([{ name: 'a.geojson', data: Buffer.from('{"type": "Topology"}') }]), 'a.zip'), 'not_geojson');
  await refuses(upload(buildZip([{ name: 'meta.json', data: Buffer.from('{"a": 1}') }]), 'm.zip'), 'no_dataset', /not GeoJSON/);
});

test('a Shapefile in the zip without its .dbf or .shx is refused, naming the dataset and the file', async () => {
  const entries = shapefileEntries('giao_thong/', 'duong', 'utf8');
  await refuses(upload(buildZip(entries.filter((e) => !String(e.name).endsWith('.dbf'))), 'a.zip'), 'missing_dbf', /The Shapefile giao_thong\/duong has no duong\.dbf/);
  await refuses(upload(buildZip(entries.filter((e) => !String(e.name).endsWith('.shx'))), 'b.zip'), 'missing_shx', /has no duong\.shx/);
});

test('a lone .shp and files that are neither zip nor GeoJSON are refused with what to do', async () => {
  const { shp } = buildShapefile(1, [{ point: [1, 2] }]);
  await refuses(upload(shp, 'duong.shp'), 'shapefile_not_zipped', /zip the \.shp together with its \.shx, \.dbf/);
  await refuses(upload(Buffer.from('%PDF-1.7 ...'), 'bao-cao.pdf'), 'unsupported_file', /neither a zip archive nor a GeoJSON file/);
});
