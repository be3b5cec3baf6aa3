// The editor's map work in Debian's Chromium against a real server with the demo data: snapping to existing
// features while drawing and reshaping, reshaping and deleting a line and a polygon (checked in the database), a
// feature's old version drawn on the map from its history (with the editor's name), and the English switch.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { api, login, type Session } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { signInOnPage } from './editor-page.ts';
import { ensureWebBuilt, launchBrowser, screenshot, watchForProblems } from './browser.ts';

type Position = [number, number];

const LIGHTS = 'do_thi.den_chieu_sang';
const STREETS = 'do_thi.duong_do_thi';
const LAKES = 'tai_nguyen.ho_ao';
// Quiet corners of the city (checked in `before`: nothing of the layer within 150 m), one per layer.
const LIGHT_SPOT: Position = [106.2361234, 22.6701234];
const STREET_SPOT: Position = [106.2381234, 22.6701234];
const LAKE_SPOT: Position = [106.2341234, 22.6701234];
const ZOOM = 18;

/** A map position → page pixels, plus an offset in screen pixels. */
async function screenOf(page: Page, lngLat: Position, dx = 0, dy = 0): Promise<{ x: number; y: number }> {
  return page.evaluate(([ll, ox, oy]) => {
    const map = window.cbMap!;
    const pt = map.project(ll as [number, number]);
    const rect = map.getContainer().getBoundingClientRect();
    return { x: rect.left + pt.x + (ox as number), y: rect.top + pt.y + (oy as number) };
  }, [lngLat, dx, dy] as const);
}

async function clickMap(page: Page, lngLat: Position, dx = 0, dy = 0): Promise<void> {
  const p = await screenOf(page, lngLat, dx, dy);
  await page.mouse.click(p.x, p.y);
}

/** Drags the n-th vertex handle to a map position (offset in pixels), in small steps as a hand would. */
async function dragHandle(page: Page, n: number, to: Position, dx = 0, dy = 0): Promise<void> {
  const box = (await page.locator('.vertex-handle').nth(n).boundingBox())!;
  const target = await screenOf(page, to, dx, dy);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x, target.y, { steps: 12 });
  await page.mouse.up();
}

async function showAt(page: Page, center: Position, fid?: number): Promise<void> {
  await page.evaluate(([c, z]) => window.cbMap!.jumpTo({ center: c as [number, number], zoom: z as number }), [center, ZOOM] as const);
  if (fid !== undefined) {
    await page.waitForFunction((id) => window.cbMap!.queryRenderedFeatures().some((f) => f.source === 'editing' && f.id === id), fid);
  }
}

/** Opens a feature by clicking it where it is drawn. */
async function openFeature(page: Page, at: Position, fid: number): Promise<void> {
  // Closed first, so the heading waited for is the newly opened one's (not the panel left open by the last test).
  if (await page.locator('#feature-heading').count()) await page.locator('#feature-panel').getByRole('button', { name: /^(Huỷ|Cancel)$/ }).click();
  await page.locator('#feature-heading').waitFor({ state: 'detached' });
  await clickMap(page, at);
  await page.locator('#feature-heading', { hasText: `#${fid} ` }).waitFor();
}

/** Chooses the layer to edit and waits until the page has (it fits the map to the layer then). */
async function chooseLayer(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: title }).click();
  await page.locator('.layer-choice[aria-pressed="true"]', { hasText: title }).waitFor();
}

const mid = (a: Position, b: Position): Position => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];

/** The vertices of a geometry's first line or ring (the layers store lines and areas as Multi*). */
function firstPath(g: { type: string; coordinates: any } | null): Position[] {
  let c = g!.coordinates;
  while (Array.isArray(c[0]?.[0])) c = c[0];
  return c as Position[];
}

/** Every position of any geometry's coordinates, flattened. */
function allPositions(c: unknown): Position[] {
  return Array.isArray(c) && typeof c[0] === 'number' ? [c as Position] : (c as unknown[]).flatMap(allPositions);
}

// Passed as source text: tsx would wrap named functions inside an evaluate callback in a `__name` helper that does
// not exist in the page. Everything the page says — text, labels, titles, placeholders — bar the data (agency and
// people's names, the layer list, attribute values).
const PAGE_WORDS = `(() => {
  const data = new Set(document.querySelectorAll('#who, #layer-list, .attribute-form input, .attribute-form select option:not(:first-child), .versions h3'));
  const out = [];
  const walk = (node) => {
    if (node instanceof Element && (data.has(node) || node.hidden || node.tagName === 'SCRIPT' || node.tagName === 'STYLE')) return;
    if (node.nodeType === Node.TEXT_NODE && node.textContent.trim()) out.push(node.textContent.trim());
    if (node instanceof Element) for (const attr of ['aria-label', 'title', 'placeholder']) if (node.getAttribute(attr)) out.push(node.getAttribute(attr));
    node.childNodes.forEach(walk);
  };
  walk(document.body);
  return out;
})()`;

describe('the editor map: snapping, reshape, delete, history on the map, English', () => {
  let server: TestServer;
  let owner: pg.Client;
  let url: string;
  let browser: Browser;
  let city: Page;
  let tnmt: Page;
  let cityApi: Session;
  let tnmtApi: Session;
  let problems: string[];
  const allowed = new Map<string, string>();

  async function geometryOf(layer: string, fid: number): Promise<{ geometry: { type: string; coordinates: any } | null; version: number } | null> {
    const { rows } = await owner.query(`select st_asgeojson(geom)::json as geometry, version from ${layer} where fid = $1`, [fid]);
    return rows[0] ?? null;
  }

  async function create(session: Session, layer: string, geometry: unknown, properties: Record<string, unknown>): Promise<number> {
    const r = await api(url, 'POST', `/api/layers/${layer}/features`, { session, body: { type: 'Feature', geometry, properties } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  }

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true });
    ({ owner, url } = server);
    for (const [layer, spot] of [[LIGHTS, LIGHT_SPOT], [STREETS, STREET_SPOT], [LAKES, LAKE_SPOT]] as const) {
      const { rows } = await owner.query(
        `select count(*)::int as n from ${layer} where st_dwithin(geom::geography, st_setsrid(st_point($1, $2), 4326)::geography, 150)`, spot);
      assert.equal(rows[0].n, 0, `nothing of ${layer} near ${spot}`);
    }
    const catalog = (await api(url, 'GET', '/api/layers')).body as { layers: { id: string; attributes: { name: string; allowed?: string[] }[] }[] };
    for (const layer of catalog.layers) for (const a of layer.attributes) if (a.allowed?.length) allowed.set(`${layer.id}.${a.name}`, a.allowed[0]!);
    cityApi = await login(url, 'bientap.dothi', DEMO_PASSWORD);
    tnmtApi = await login(url, 'bientap.tnmt', DEMO_PASSWORD);
    browser = await launchBrowser();
    city = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    problems = watchForProblems(city);
    await signInOnPage(city, url, 'bientap.dothi');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a point drawn a few pixels from an existing light lands exactly on it; with snapping off it does not', async () => {
    const lamp = allowed.get(`${LIGHTS}.loai_den`)!;
    const anchor = await create(cityApi, LIGHTS, { type: 'Point', coordinates: LIGHT_SPOT }, { ma_den: 'NEO-1', loai_den: lamp });
    await chooseLayer(city, 'Đèn chiếu sáng công cộng');
    await showAt(city, LIGHT_SPOT, anchor);

    const drawNear = async (code: string): Promise<number> => {
      await city.getByRole('button', { name: 'Vẽ điểm mới' }).click();
      await clickMap(city, LIGHT_SPOT, 6, -5);
      await city.getByLabel('Mã đèn *').fill(code);
      await city.getByLabel('Loại đèn *').selectOption(lamp);
      await city.getByRole('button', { name: 'Lưu' }).click();
      await city.getByText('Đã lưu.').waitFor();
      return Number((await city.locator('#feature-heading').textContent())!.match(/#(\d+)/)![1]);
    };
    assert.ok(await city.getByLabel('Bắt dính vào đối tượng có sẵn').isChecked(), 'snapping is on by default');
    const snapped = await drawNear('BAT-DINH');
    const { rows } = await owner.query(
      `select st_equals(a.geom, b.geom) as same, st_asgeojson(a.geom)::json as a, st_asgeojson(b.geom)::json as b
       from ${LIGHTS} a, ${LIGHTS} b where a.fid = $1 and b.fid = $2`, [snapped, anchor]);
    assert.equal(rows[0].same, true, `${JSON.stringify(rows[0].a)} vs ${JSON.stringify(rows[0].b)}`);
    assert.deepEqual(rows[0].a.coordinates, LIGHT_SPOT);

    await city.getByLabel('Bắt dính vào đối tượng có sẵn').uncheck();
    const free = await drawNear('TU-DO');
    const loose = (await geometryOf(LIGHTS, free))!.geometry!.coordinates as Position;
    assert.notDeepEqual(loose, LIGHT_SPOT);
    // Where it was clicked: 6 px east and 5 px north of the light (2.7e-6° a pixel at z18).
    assert.ok(Math.abs(loose[0] - LIGHT_SPOT[0] - 1.6e-5) < 4e-6 && Math.abs(loose[1] - LIGHT_SPOT[1] - 1.2e-5) < 4e-6, JSON.stringify(loose));
    await city.getByLabel('Bắt dính vào đối tượng có sẵn').check();
  });

  let street: number;
  // Written out, not computed: the database must give back exactly these numbers.
  const streetLine: Position[] = [STREET_SPOT, [106.2389234, 22.6701234], [106.2397234, 22.6705234]];
  const moved: Position = [106.2389234, 22.6698234];

  it('reshapes a street by dragging its middle vertex; the database has the new line as version 2', async () => {
    street = await create(cityApi, STREETS, { type: 'LineString', coordinates: streetLine }, { ten: 'Phố Thử Nghiệm' });
    await chooseLayer(city, 'Đường phố đô thị');
    await showAt(city, streetLine[1]!, street);
    await openFeature(city, mid(streetLine[0]!, streetLine[1]!), street);
    await city.getByRole('button', { name: 'Di chuyển / sửa hình' }).click();
    assert.equal(await city.locator('.vertex-handle').count(), 3);
    await dragHandle(city, 1, moved);
    await city.getByRole('button', { name: 'Lưu' }).click();
    await city.getByText('Đã lưu.').waitFor();
    await screenshot(city, 'editor-reshaped-line.png');

    const row = (await geometryOf(STREETS, street))!;
    assert.equal(row.version, 2);
    const [a, b, c] = firstPath(row.geometry);
    assert.deepEqual(a, streetLine[0], 'the first vertex stays');
    assert.deepEqual(c, streetLine[2], 'the last vertex stays');
    // Dropped where the pointer let go: within a pixel or two (2.7e-6° a pixel at z18).
    assert.ok(Math.abs(b![0] - moved[0]) < 6e-6 && Math.abs(b![1] - moved[1]) < 6e-6, `${b} vs ${moved}`);
    const { rows } = await owner.query('select version, operation from history.feature_versions where layer_id = $1 and fid = $2 order by version', [STREETS, street]);
    assert.deepEqual(rows.map((r) => [r.version, r.operation]), [[1, 'insert'], [2, 'update']]);
  });

  it('a vertex dragged near another street’s vertex snaps onto it exactly', async () => {
    const crossing: Position[] = [[106.2385234, 22.6707234], [106.2393234, 22.6710234]];
    const other = await create(cityApi, STREETS, { type: 'LineString', coordinates: crossing }, { ten: 'Ngõ Bên Cạnh' });
    await city.evaluate(() => window.cbMap!.fire('moveend'));
    await city.waitForFunction((id) => window.cbMap!.queryRenderedFeatures().some((f) => f.source === 'editing' && f.id === id), other);
    await openFeature(city, mid(moved, streetLine[2]!), street);
    await city.getByRole('button', { name: 'Di chuyển / sửa hình' }).click();
    await dragHandle(city, 2, crossing[1]!, -5, 4);
    await city.getByRole('button', { name: 'Lưu' }).click();
    await city.getByText('Đã lưu.').waitFor();
    const end = firstPath((await geometryOf(STREETS, street))!.geometry)[2];
    const target = firstPath((await geometryOf(STREETS, other))!.geometry)[1];
    assert.deepEqual(end, target);
  });

  it('the history draws an old version on the map, names the editor, and restores it', async () => {
    await city.getByRole('button', { name: 'Lịch sử' }).click();
    const dialog = city.getByRole('dialog', { name: `Lịch sử đối tượng #${street}` });
    await dialog.waitFor();
    assert.equal(await dialog.locator('.version').count(), 3);
    const text = (await dialog.textContent())!;
    // Each version names the person (to their own agency) and the agency; never the login name.
    for (const v of [1, 2, 3]) {
      assert.match((await dialog.locator(`.version[data-version="${v}"] h3`).textContent())!, / bởi Biên tập viên hạ tầng đô thị · UBND thành phố Cao Bằng$/);
    }
    assert.doesNotMatch(text, /bientap\.dothi/);
    assert.equal(await city.evaluate(() => window.cbMap!.queryRenderedFeatures({ layers: ['history-line'] }).length), 0, 'nothing drawn before a choice');

    await dialog.locator('.version[data-version="1"]').locator('.version-select').click();
    await city.waitForFunction(() => window.cbMap!.queryRenderedFeatures({ layers: ['history-line'] }).length > 0);
    const drawn = await city.evaluate(() => window.cbMap!.queryRenderedFeatures({ layers: ['history-line'] }).map((f) => ({
      version: f.properties.version, coordinates: (f.geometry as GeoJSON.LineString | GeoJSON.MultiLineString).coordinates,
    })));
    assert.deepEqual([...new Set(drawn.map((d) => d.version))], [1]);
    // Version 1's middle vertex (rendered coordinates are tile-rounded: within a few centimetres).
    const vertices = drawn.flatMap((d) => allPositions(d.coordinates));
    assert.ok(vertices.some(([x, y]) => Math.abs(x! - streetLine[1]![0]) < 1e-6 && Math.abs(y! - streetLine[1]![1]) < 1e-6), JSON.stringify(vertices));
    assert.ok(!vertices.some(([x, y]) => Math.abs(x! - moved[0]) < 1e-5 && Math.abs(y! - moved[1]) < 1e-5), 'not the current shape');
    assert.equal(await dialog.locator('.version[data-version="1"] .version-select').getAttribute('aria-pressed'), 'true');
    await screenshot(city, 'editor-history-on-map.png');

    await dialog.locator('.version[data-version="1"]').getByRole('button', { name: 'Khôi phục phiên bản này' }).click();
    await city.getByText('Đã khôi phục phiên bản 1.').waitFor();
    const row = (await geometryOf(STREETS, street))!;
    assert.equal(row.version, 4);
    assert.deepEqual(firstPath(row.geometry), streetLine);
    assert.equal(await city.evaluate(() => window.cbMap!.queryRenderedFeatures({ layers: ['history-line'] }).length), 0, 'cleared on close');
  });

  it('deletes a street: gone from the layer, a delete version in its history', async () => {
    await showAt(city, streetLine[1]!, street);
    await openFeature(city, mid(streetLine[0]!, streetLine[1]!), street);
    city.once('dialog', (d) => void d.accept());
    await city.getByRole('button', { name: 'Xoá' }).click();
    await city.getByText('Đã xoá đối tượng.').waitFor();
    assert.equal(await geometryOf(STREETS, street), null);
    const { rows } = await owner.query('select operation from history.feature_versions where layer_id = $1 and fid = $2 order by version desc limit 1', [STREETS, street]);
    assert.equal(rows[0].operation, 'delete');
    await city.waitForFunction((id) => !window.cbMap!.queryRenderedFeatures().some((f) => f.source === 'editing' && f.id === id), street);
  });

  let lake: number;
  const ring: Position[] = [LAKE_SPOT, [106.2351234, 22.6701234], [106.2351234, 22.6707234], [106.2341234, 22.6707234], LAKE_SPOT];
  const corner: Position = [106.2355234, 22.6710234];

  it('reshapes a lake by dragging a corner and moving another with the keyboard; the database has the new ring, still closed', async () => {
    tnmt = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    const tnmtProblems = watchForProblems(tnmt);
    await signInOnPage(tnmt, url, 'bientap.tnmt');
    lake = await create(tnmtApi, LAKES, { type: 'Polygon', coordinates: [ring] }, { ten: 'Hồ Thử', loai: allowed.get(`${LAKES}.loai`) });
    await chooseLayer(tnmt, 'Hồ, ao, hồ chứa');
    await showAt(tnmt, mid(ring[0]!, ring[2]!), lake);
    await openFeature(tnmt, mid(ring[0]!, ring[2]!), lake);
    await tnmt.getByRole('button', { name: 'Di chuyển / sửa hình' }).click();
    assert.equal(await tnmt.locator('.vertex-handle').count(), 4, 'one handle a corner (the closing one is the first)');
    await dragHandle(tnmt, 2, corner);
    // The second corner by keyboard: three Shift+↑ move it 30 px north.
    const keyed = await tnmt.evaluate((p) => {
      const map = window.cbMap!;
      const at = map.project(p as [number, number]);
      const ll = map.unproject([at.x, at.y - 30]);
      return [ll.lng, ll.lat] as [number, number];
    }, ring[1]!);
    await tnmt.getByRole('button', { name: 'Đỉnh 2: kéo, hoặc dùng phím mũi tên để di chuyển' }).focus();
    for (let i = 0; i < 3; i++) await tnmt.keyboard.press('Shift+ArrowUp');
    await tnmt.getByRole('button', { name: 'Lưu' }).click();
    await tnmt.getByText('Đã lưu.').waitFor();
    const row = (await geometryOf(LAKES, lake))!;
    assert.equal(row.version, 2);
    const saved = firstPath(row.geometry);
    assert.equal(saved.length, 5);
    assert.deepEqual(saved[0], saved[4], 'closed');
    for (const i of [0, 3]) assert.deepEqual(saved[i], ring[i], `corner ${i} stays`);
    assert.ok(Math.abs(saved[1]![0] - keyed[0]) < 1e-7 && Math.abs(saved[1]![1] - keyed[1]) < 1e-7, `${saved[1]} vs ${keyed}`);
    assert.ok(saved[1]![1] - ring[1]![1] > 5e-5, 'moved north');
    assert.ok(Math.abs(saved[2]![0] - corner[0]) < 2e-5 && Math.abs(saved[2]![1] - corner[1]) < 2e-5, `${saved[2]} vs ${corner}`);
    const { rows } = await owner.query(`select st_isvalid(geom) as valid from ${LAKES} where fid = $1`, [lake]);
    assert.equal(rows[0].valid, true);
    // Expected: the signed-out page's first /api/auth/me (401).
    assert.deepEqual(tnmtProblems.filter((p) => !/\/api\/auth\/me/.test(p)), []);
  });

  it('deletes the lake: gone from the layer, a delete version in its history', async () => {
    tnmt.once('dialog', (d) => void d.accept());
    await tnmt.getByRole('button', { name: 'Xoá' }).click();
    await tnmt.getByText('Đã xoá đối tượng.').waitFor();
    assert.equal(await geometryOf(LAKES, lake), null);
    const { rows } = await owner.query('select version, operation from history.feature_versions where layer_id = $1 and fid = $2 order by version', [LAKES, lake]);
    assert.deepEqual(rows.map((r) => r.operation), ['insert', 'update', 'delete']);
    await tnmt.close();
  });

  it('switches to English: the editor chrome has no Vietnamese left', async () => {
    const spot: Position = [106.2366234, 22.6701234];
    const fid = await create(cityApi, LIGHTS, { type: 'Point', coordinates: spot }, { ma_den: 'EN-1', loai_den: allowed.get(`${LIGHTS}.loai_den`) });
    await chooseLayer(city, 'Đèn chiếu sáng công cộng');
    await showAt(city, spot, fid);
    await openFeature(city, spot, fid);
    await city.getByRole('button', { name: 'Lịch sử' }).click();
    await city.getByRole('dialog', { name: `Lịch sử đối tượng #${fid}` }).waitFor();
    await city.getByRole('button', { name: 'EN', exact: true }).click();

    await city.getByRole('heading', { name: 'Sector data editing' }).waitFor();
    assert.equal(await city.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await city.title(), 'Data editing — Cao Bằng GIS portal');
    for (const label of ['Public map', 'Layers you may edit', 'Street lights', 'Draw a new point', 'Snap to existing features', 'Save', 'Move / reshape',
      'History', 'Delete', 'Cancel', 'Import data from a file', 'Target layer', 'Upload and preview', 'Light id *', 'Lamp type *']) {
      assert.ok(await city.getByText(label, { exact: true }).first().isVisible(), `"${label}" on screen`);
    }
    const dialog = city.getByRole('dialog', { name: `History of feature #${fid}` });
    assert.match((await dialog.textContent())!, /Version 1 — Created — .* by /);
    assert.equal(await city.getByRole('region', { name: 'Editing map' }).count(), 1);
    assert.equal(await city.getByRole('button', { name: 'Zoom in' }).count(), 1);

    const said = (await city.evaluate(PAGE_WORDS)) as string[];
    const vietnamese = /[ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ]/i;
    const left = said.filter((s) => vietnamese.test(s.replace(/Cao Bằng/g, '')) && !/^Ngôn ngữ \/ Language$/.test(s));
    assert.deepEqual(left, []);
    await screenshot(city, 'editor-english.png');
    await city.getByRole('button', { name: 'VI', exact: true }).click();
    await city.getByRole('heading', { name: 'Biên tập dữ liệu chuyên ngành' }).waitFor();
    await city.getByRole('button', { name: 'Đóng' }).click();
  });

  // Expected: the signed-out page's first /api/auth/me (401).
  it('had no unexpected problems', () => {
    assert.deepEqual(problems.filter((p) => !/\/api\/auth\/me/.test(p)), []);
  });
});
