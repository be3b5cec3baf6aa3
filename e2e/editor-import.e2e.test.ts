// The import journey on the editor page, in Debian's Chromium, for the file that goes wrong in real life: a zipped
// Shapefile in VN-2000 / TM-3 105°45′ (EPSG:9210) whose .prj names the neighbouring zone (105°30′) and whose .cpg
// says Windows-1258 while its DBF is TCVN3. The preview shows the names garbled and the points ~26 km west; the
// editor picks TCVN3 and EPSG:9210, previews again, sees the right names and places, commits, and the map goes to
// the imported features (not the whole layer) with them drawn where they belong. A preview the clean-up job expired
// while it was on screen offers no commit any more, only a new upload of the file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { LAMP_TYPES } from '../infra/demo/layers.ts';
import { projectRoot } from '../server/config.ts';
import { buildDbf } from '../importers/testing/dbf-writer.ts';
import { encodeText } from '../importers/testing/encode-text.ts';
import { buildShapefile } from '../importers/testing/shp-writer.ts';
import { buildZip } from '../importers/testing/zip-writer.ts';
import { expireAbandonedImports } from '../importers/pipeline/cleanup.ts';
import { signInOnPage } from './editor-page.ts';
import { ensureWebBuilt, launchBrowser, screenshot, watchForProblems } from './browser.ts';

const LIGHTS = 'do_thi.den_chieu_sang';
const STREETS = 'do_thi.duong_do_thi';
// Three lights a couple of hundred metres apart at the edge of the city, with wards whose TCVN3 bytes read as
// plausible Windows-1258 (so the lying .cpg is believed).
const LIGHTS_IN: { code: string; ward: string; lonlat: [number, number] }[] = [
  { code: 'TCVN-1', ward: 'Phố Cốc', lonlat: [106.2362, 22.6702] },
  { code: 'TCVN-2', ward: 'Nà Lý', lonlat: [106.2374, 22.6708] },
  { code: 'TCVN-3', ward: 'Bó Bế', lonlat: [106.2386, 22.6699] },
];

/** The preview's sample table: [ward, longitude, latitude] per row. */
async function sampleRows(page: Page): Promise<{ cells: string[]; lon: number; lat: number }[]> {
  const rows = await page.locator('.import-sample tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  return rows.map((cells) => {
    const [lon, lat] = cells.at(-1)!.split(',').map(Number);
    return { cells, lon: lon!, lat: lat! };
  });
}

describe('the editor’s import journey: fix the encoding and the CRS in the preview', () => {
  let server: TestServer;
  let owner: pg.Client;
  let url: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let zip: string;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true, worker: true });
    ({ owner, url } = server);

    // The positions in EPSG:9210 metres, as the surveyor's software wrote them (PostGIS does the projection).
    const { rows } = await owner.query(
      `select st_x(p) as e, st_y(p) as n from (select st_transform(st_setsrid(st_point(x, y), 4326), 9210) as p
       from unnest($1::float8[], $2::float8[]) as t(x, y)) s`,
      [LIGHTS_IN.map((l) => l.lonlat[0]), LIGHTS_IN.map((l) => l.lonlat[1])]);
    const lamp = LAMP_TYPES[0]!;
    const prjSamples = JSON.parse(fs.readFileSync(path.join(projectRoot, 'importers/testing/prj-samples.json'), 'utf8')) as Record<string, Record<string, string>>;
    const shapes = rows.map((r) => ({ point: [Number(r.e), Number(r.n)] as [number, number] }));
    const { shp, shx } = buildShapefile(1, shapes);
    const dbf = buildDbf(
      [{ name: 'MA_DEN', type: 'C', length: 20 }, { name: 'LOAI_DEN', type: 'C', length: 20 }, { name: 'PHUONG', type: 'C', length: 40 }],
      LIGHTS_IN.map((l) => [l.code, lamp, l.ward]),
      { encodeText: (s) => encodeText(s, 'tcvn3') },
    );
    assert.ok(!dbf.includes(Buffer.from('Cốc', 'utf8')) && dbf.includes(encodeText('Cốc', 'tcvn3')), 'the DBF really is TCVN3');
    zip = path.join(server.dataDir, 'den-tcvn3.zip');
    fs.writeFileSync(zip, buildZip([
      { name: 'den.shp', data: shp }, { name: 'den.shx', data: shx }, { name: 'den.dbf', data: dbf },
      { name: 'den.prj', data: Buffer.from(prjSamples.esri!['9209']!) },
      { name: 'den.cpg', data: Buffer.from('1258') },
    ]));

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    problems = watchForProblems(page);
    await signInOnPage(page, url, 'bientap.dothi');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the target layer starts on the layer being edited', async () => {
    // The panel follows once the editor has opened the layer (its features load first): wait for that, then check.
    const target = page.getByLabel('Lớp đích');
    const followed = async (layer: string) => {
      await page.waitForFunction((id) => (document.getElementById('import-layer') as HTMLSelectElement | null)?.value === id, layer, { timeout: 30_000 })
        .catch(() => {}); // the assertion below says what it shows instead
      return target.inputValue();
    };
    await page.getByRole('button', { name: 'Đường phố đô thị' }).click();
    assert.equal(await followed(STREETS), STREETS);
    await page.getByRole('button', { name: 'Đèn chiếu sáng công cộng' }).click();
    assert.equal(await followed(LIGHTS), LIGHTS);
  });

  it('an update by key asks for the key from the target layer\'s attributes, and only then', async () => {
    const key = page.getByLabel('Thuộc tính nhận diện đối tượng (mã)');
    assert.equal(await key.isVisible(), false);
    await page.getByLabel('Cách nhập').selectOption('upsert');
    assert.equal(await key.isVisible(), true);
    const { rows } = await server.owner.query<{ attributes: Array<{ name: string; label_vi: string }> }>('select attributes from catalog.layers where id = $1', [LIGHTS]);
    const offered = await key.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    assert.deepEqual(offered, rows[0]!.attributes.map((a) => [a.name, `${a.label_vi} (${a.name})`]));
    await page.getByLabel('Cách nhập').selectOption('append');
    assert.equal(await key.isVisible(), false);
  });

  it('previews garbled and misplaced, is fixed in the preview, commits, and the map shows the imported lights', async () => {
    // The file picker speaks the page's language, not the browser's, and names the chosen file.
    assert.equal(await page.locator('.file-button').textContent(), 'Chọn tệp…');
    assert.equal(await page.locator('#import-file-name').textContent(), 'Chưa chọn tệp');
    await page.getByLabel('Tệp dữ liệu (GeoJSON, Shapefile .zip, CSV…)').setInputFiles(zip);
    assert.equal(await page.locator('#import-file-name').textContent(), path.basename(zip));
    await page.getByRole('button', { name: 'Tải lên và xem trước' }).click();
    await page.getByText('Báo cáo xem trước').waitFor({ timeout: 120_000 });
    const report = page.locator('#import-report');
    assert.match((await report.textContent())!, /Số đối tượng: 3/);
    assert.match((await report.textContent())!, /Bảng mã: windows1258/);
    assert.match((await report.textContent())!, /Hệ toạ độ: EPSG:9209/);
    const first = await sampleRows(page);
    assert.equal(first.length, 3);
    const wards = (rows: { cells: string[] }[]) => rows.map((r) => r.cells.find((c) => LIGHTS_IN.some((l) => l.ward === c)) ?? null);
    assert.deepEqual(wards(first), [null, null, null], `garbled first: ${JSON.stringify(first.map((r) => r.cells))}`);
    // The wrong zone puts them ~0.25° west of where they are.
    first.forEach((r, i) => assert.ok(LIGHTS_IN[i]!.lonlat[0] - r.lon > 0.2, `${r.lon} vs ${LIGHTS_IN[i]!.lonlat[0]}`));
    await screenshot(page, 'editor-import-garbled.png');

    await page.getByLabel('Chọn bảng mã').selectOption('tcvn3');
    await page.getByLabel('Chọn hệ toạ độ (mã EPSG)').fill('9210');
    await page.getByRole('button', { name: 'Xem trước lại' }).click();
    await page.locator('#import-report', { hasText: 'EPSG:9210' }).waitFor({ timeout: 120_000 });
    assert.match((await report.textContent())!, /Bảng mã: tcvn3/);
    const fixed = await sampleRows(page);
    assert.deepEqual(wards(fixed), LIGHTS_IN.map((l) => l.ward));
    fixed.forEach((r, i) => {
      const [lon, lat] = LIGHTS_IN[i]!.lonlat;
      assert.ok(Math.abs(r.lon - lon) < 2e-6 && Math.abs(r.lat - lat) < 2e-6, `${r.lon}, ${r.lat} vs ${lon}, ${lat}`);
    });
    await screenshot(page, 'editor-import-fixed.png');

    const layerZoom = await page.evaluate(() => {
      const map = window.cbMap!;
      return map.getZoom();
    });
    await page.getByRole('button', { name: 'Nhập vào lớp dữ liệu' }).click();
    await page.getByText(/Đã nhập 3 đối tượng/).waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => window.cbMap!.queryRenderedFeatures().filter((f) => f.source === 'editing' && String(f.properties.ma_den).startsWith('TCVN-')).length === 3);

    // The map went to the three lights, not to the layer (which the view showed before the import).
    const view = await page.evaluate((points) => {
      const map = window.cbMap!;
      const b = map.getBounds();
      const rect = map.getContainer().getBoundingClientRect();
      return {
        zoom: map.getZoom(), inside: points.every((p) => b.contains(p as [number, number])),
        pixels: points.map((p) => map.project(p as [number, number])).map((p) => [p.x / rect.width, p.y / rect.height]),
      };
    }, LIGHTS_IN.map((l) => l.lonlat));
    assert.ok(view.inside, 'every imported light in view');
    assert.ok(view.zoom > layerZoom + 2, `zoomed to the import (${view.zoom}), not the layer (${layerZoom})`);
    // Drawn where they belong: each rendered feature sits on its light's position (within a few pixels).
    const drawn = await page.evaluate(() => window.cbMap!.queryRenderedFeatures().filter((f) => f.source === 'editing' && String(f.properties.ma_den).startsWith('TCVN-'))
      .map((f) => ({ code: f.properties.ma_den as string, ward: f.properties.phuong as string, at: (f.geometry as GeoJSON.Point).coordinates })));
    for (const l of LIGHTS_IN) {
      const d = drawn.find((x) => x.code === l.code)!;
      assert.equal(d.ward, l.ward);
      assert.ok(Math.abs(d.at[0]! - l.lonlat[0]) < 1e-5 && Math.abs(d.at[1]! - l.lonlat[1]) < 1e-5, `${l.code} drawn at ${d.at}`);
    }
    const { rows } = await owner.query(
      `select ma_den, phuong, st_distance(geom::geography, st_setsrid(st_point(x, y), 4326)::geography) as off
       from ${LIGHTS} join unnest($1::text[], $2::float8[], $3::float8[]) as t(code, x, y) on t.code = ma_den order by ma_den`,
      [LIGHTS_IN.map((l) => l.code), LIGHTS_IN.map((l) => l.lonlat[0]), LIGHTS_IN.map((l) => l.lonlat[1])]);
    assert.deepEqual(rows.map((r) => [r.ma_den, r.phuong]), LIGHTS_IN.map((l) => [l.code, l.ward]));
    for (const r of rows) assert.ok(r.off < 0.05, `${r.ma_den} lands ${r.off} m off`);
    await screenshot(page, 'editor-import-committed.png');
  });

  it('an expired preview offers no commit: it says so, in both languages, and uploads the file again', async () => {
    const name = 'den-bo-do.geojson';
    const file = path.join(server.dataDir, name);
    const code = 'HET-HAN-1';
    fs.writeFileSync(file, JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [106.2401, 22.6712] }, properties: { ma_den: code, loai_den: LAMP_TYPES[0], phuong: 'Hợp Giang' } }],
    }));
    const commit = page.getByRole('button', { name: 'Nhập vào lớp dữ liệu' });
    const again = page.getByRole('button', { name: 'Tải tệp lên lại' });
    const report = page.locator('#import-report');
    const previewOf = async () => {
      const { rows } = await owner.query<{ id: string }>(
        `select id from imports.imports where original_name = $1 and status = 'preview' order by created_at desc limit 1`, [name]);
      assert.equal(rows.length, 1, 'a preview of the file');
      return rows[0]!.id;
    };
    // As the clean-up job finds it: untouched for longer than IMPORT_PREVIEW_MAX_AGE_HOURS, then its run.
    const expire = async (id: string) => {
      await owner.query(`update imports.imports set updated_at = now() - interval '73 hours' where id = $1`, [id]);
      const result = await expireAbandonedImports(server.app.db, server.dataDir, 72);
      assert.deepEqual(result.expired, [id]);
    };

    await page.getByLabel('Lớp đích').selectOption(LIGHTS);
    await page.getByLabel('Tệp dữ liệu (GeoJSON, Shapefile .zip, CSV…)').setInputFiles(file);
    await page.getByRole('button', { name: 'Tải lên và xem trước' }).click();
    await commit.waitFor({ timeout: 120_000 });
    const first = await previewOf();
    await expire(first);

    // The report on screen still offers the commit; the click learns that the import expired meanwhile.
    await commit.click();
    await again.waitFor({ timeout: 30_000 });
    assert.equal(await commit.count(), 0, 'no commit for an expired import');
    assert.equal(await report.locator('.import-expired').textContent(),
      `Không còn nhập được «${name}» từ bản xem trước này: bản xem trước và tệp tải lên đã bị xoá. Tải tệp lên lại để xem trước rồi nhập.`);
    assert.equal(await page.locator('#import-stage').textContent(), 'Bản xem trước đã hết hạn (bỏ dở quá lâu nên đã được dọn): hãy tải tệp lên lại.');
    assert.equal(await page.getByText('Báo cáo xem trước').count(), 0, 'the removed preview’s report is gone');
    await screenshot(page, 'editor-import-expired.png');

    await page.getByRole('button', { name: 'EN', exact: true }).click();
    assert.equal(await report.locator('.import-expired').textContent(),
      `“${name}” can no longer be imported from this preview: the preview and the uploaded file were removed. Upload the file again to preview and import it.`);
    assert.equal(await page.locator('#import-stage').textContent(), 'The preview expired (left unfinished too long, so it was cleaned up): upload the file again.');
    assert.equal(await page.getByRole('button', { name: 'Upload the file again' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Import into the layer' }).count(), 0);
    await page.getByRole('button', { name: 'VI', exact: true }).click();
    await again.waitFor();

    // Upload again sends the same file: a new preview, with its commit.
    await again.click();
    await commit.waitFor({ timeout: 120_000 });
    const second = await previewOf();
    assert.notEqual(second, first);

    // Expired while shown, found out by asking for another preview this time: the same plain message.
    await expire(second);
    await page.getByRole('button', { name: 'Xem trước lại' }).click();
    await again.waitFor({ timeout: 30_000 });
    assert.equal(await commit.count(), 0);
    assert.match((await report.textContent())!, /Không còn nhập được/);
    assert.match((await page.locator('#import-stage').textContent())!, /Bản xem trước đã hết hạn/);

    // And the file uploaded once more imports as usual.
    await again.click();
    await commit.waitFor({ timeout: 120_000 });
    await commit.click();
    await page.getByText(/Đã nhập 1 đối tượng/).waitFor({ timeout: 120_000 });
    const { rows } = await owner.query(`select count(*)::int as n from ${LIGHTS} where ma_den = $1`, [code]);
    assert.equal(rows[0].n, 1);
    const { rows: states } = await owner.query(`select status from imports.imports where id = any ($1::uuid[]) order by status`, [[first, second]]);
    assert.deepEqual(states.map((r) => r.status), ['expired', 'expired']);
  });

  // Expected: the signed-out page's first /api/auth/me (401), and the commit and preview asked of the expired
  // imports (409 import_expired, as the browser logs it too).
  it('had no unexpected problems', () => {
    assert.deepEqual(problems.filter((p) => !/\/api\/auth\/me/.test(p) && !/409.*\/api\/imports\/[0-9a-f-]+\/(commit|preview)/.test(p)), []);
  });
});
