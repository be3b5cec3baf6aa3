// A citizen's journeys on the public map, in Debian's Chromium against a real server with the demo data: finding
// Bản Giốc by typing "ban gioc", reporting an error from its card, looking the ticket up, the agency seeing it,
// a report on a point of the map and one on a road placed where it was clicked, measuring, sharing the view and saving it as an image.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { api, login } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { ensureWebBuilt, jumpAndSettle, launchBrowser, resultsDir, screenshot, waitForMapIdle, watchForProblems } from './browser.ts';
import { decodePng, distinctColours } from './png.ts';

const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const ROADS = 'giao_thong.quoc_lo';
const BAN_GIOC: [number, number] = [106.721998, 22.856402];
const TICKET = /^CB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

interface CatalogLayer {
  id: string;
  title_vi: string;
  owner: { name_vi: string };
}

/** Where a coordinate is drawn, in page pixels. */
async function pagePosition(page: Page, lngLat: [number, number]): Promise<{ x: number; y: number }> {
  return page.evaluate((ll) => {
    const map = window.cbMap!;
    const p = map.project(ll);
    const rect = map.getContainer().getBoundingClientRect();
    return { x: rect.left + p.x, y: rect.top + p.y };
  }, lngLat);
}

/** The coordinate under a page pixel. */
async function lngLatAt(page: Page, x: number, y: number): Promise<[number, number]> {
  return page.evaluate(({ px, py }) => {
    const map = window.cbMap!;
    const rect = map.getContainer().getBoundingClientRect();
    const ll = map.unproject([px - rect.left, py - rect.top]);
    return [ll.lng, ll.lat] as [number, number];
  }, { px: x, py: y });
}

/** Great-circle distance, worked out here independently of the app's own code. */
function haversine(a: [number, number], b: [number, number]): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(r(b[1] - a[1]) / 2) ** 2 + Math.cos(r(a[1])) * Math.cos(r(b[1])) * Math.sin(r(b[0] - a[0]) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

describe('a citizen on the public map', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let geosites: CatalogLayer;
  let banGiocFid: number;
  let ticket: string;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true });
    const catalog = (await (await fetch(`${server.url}/api/layers`)).json()) as { layers: CatalogLayer[] };
    geosites = catalog.layers.find((l) => l.id === GEOSITES)!;
    banGiocFid = (await server.owner.query("select fid from van_hoa.diem_di_san_dia_chat where ten = 'Thác Bản Giốc'")).rows[0].fid;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', acceptDownloads: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    context.setDefaultTimeout(90_000);
    page = await context.newPage();
    problems = watchForProblems(page);
    await page.goto(`${server.url}/`);
    await waitForMapIdle(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('types "ban gioc", picks Thác Bản Giốc with the keyboard; the map zooms there and its card opens', async () => {
    const box = page.getByRole('combobox', { name: 'Tìm địa danh, xã phường, đối tượng' });
    await box.click();
    await box.pressSequentially('ban gioc', { delay: 40 });
    const options = page.getByRole('option');
    await options.first().waitFor();
    const names = await page.locator('.search-option-name').allTextContents();
    assert.equal(names[0], 'Thác Bản Giốc', names.join(', '));
    assert.match((await page.locator('.search-option-meta').first().textContent()) ?? '', /Non nước Cao Bằng/);
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'citizen-search-results.png');

    await page.keyboard.press('ArrowDown');
    assert.equal(await box.getAttribute('aria-activedescendant'), 'search-option-0');
    assert.equal(await options.first().getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Enter');
    const card = page.getByTestId('popup');
    await card.waitFor();
    await waitForMapIdle(page);
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    assert.equal(await card.getAttribute('data-layer-id'), GEOSITES);
    assert.equal(await card.getAttribute('data-fid'), String(banGiocFid));
    assert.equal(await page.getByTestId('popup-title').textContent(), 'Thác Bản Giốc');
    assert.equal(await page.getByTestId('popup-owner').textContent(), geosites.owner.name_vi);

    const view = await page.evaluate(({ fid, layer, at }) => {
      const map = window.cbMap!;
      const p = map.project(at);
      const size = { w: map.getContainer().clientWidth, h: map.getContainer().clientHeight };
      const drawn = map.queryRenderedFeatures([[p.x - 6, p.y - 6], [p.x + 6, p.y + 6]]).filter((f) => f.sourceLayer === layer);
      return {
        x: p.x / size.w, y: p.y / size.h, zoom: map.getZoom(),
        drawn: drawn.map((f) => ({ id: f.id, name: f.properties.ten })),
        selected: map.getFeatureState({ source: 'cb', sourceLayer: layer, id: fid }).selected === true,
      };
    }, { fid: banGiocFid, layer: GEOSITES, at: BAN_GIOC });
    // Centred on it, give or take the nudge that keeps the whole card in view.
    assert.ok(Math.abs(view.x - 0.5) < 0.1 && Math.abs(view.y - 0.5) < 0.25, `Bản Giốc near the centre: ${JSON.stringify(view)}`);
    assert.ok(view.zoom >= 15, `zoomed in: ${view.zoom}`);
    const anchor = await page.locator('.maplibregl-popup-tip').boundingBox();
    const waterfall = await pagePosition(page, BAN_GIOC);
    assert.ok(anchor && Math.abs(anchor.x + anchor.width / 2 - waterfall.x) < 2, 'the card points at the waterfall');
    assert.ok(view.drawn.some((f) => f.id === banGiocFid && f.name === 'Thác Bản Giốc'), `drawn there: ${JSON.stringify(view.drawn)}`);
    assert.ok(view.selected, 'drawn as the selected feature');

    const apiLink = page.getByTestId('popup-api-link');
    assert.equal(await apiLink.getAttribute('href'), `${server.url}/api/layers/${GEOSITES}/features/${banGiocFid}`);
    const record = (await (await fetch((await apiLink.getAttribute('href'))!)).json()) as { properties: { ten: string } };
    assert.equal(record.properties.ten, 'Thác Bản Giốc');
    await screenshot(page, 'citizen-search-card.png');
  });

  it('presses "Báo lỗi dữ liệu", fills in the form and gets a ticket', async () => {
    let posted = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/reports')) posted += 1;
    });
    await page.getByRole('button', { name: 'Báo lỗi dữ liệu' }).click();
    const dialog = page.getByRole('dialog', { name: 'Báo lỗi dữ liệu' });
    await dialog.waitFor();
    assert.match((await page.getByTestId('report-about').textContent()) ?? '', /Thác Bản Giốc/);
    assert.match(await dialog.textContent() ?? '', new RegExp(`chuyển tới ${geosites.owner.name_vi}`));

    // Sending it empty says what is missing, next to the fields, and sends nothing.
    await page.getByRole('button', { name: 'Gửi báo lỗi' }).click();
    assert.equal(await page.locator('#report-category-error').textContent(), 'Vui lòng chọn loại lỗi.');
    assert.match((await page.locator('#report-description-error').textContent()) ?? '', /ít nhất 10 ký tự/);
    assert.equal(posted, 0);

    // The honeypot is there for bots only: not seen, not announced, not reachable with Tab.
    const trap = page.getByTestId('report-honeypot');
    assert.equal(await trap.count(), 1);
    const trapBox = await trap.boundingBox();
    assert.ok(!trapBox || trapBox.x + trapBox.width < 0, `off screen: ${JSON.stringify(trapBox)}`);
    assert.equal(await page.getByRole('textbox', { name: 'Để trống ô này' }).count(), 0);
    assert.equal(await trap.getAttribute('tabindex'), '-1');

    await page.getByLabel('Sai thông tin').check();
    await page.getByLabel('Mô tả lỗi').fill('Giờ mở cửa ghi trên bản đồ đã cũ: nay mở từ 7 giờ đến 17 giờ.');
    await page.getByLabel('Thông tin liên hệ (không bắt buộc)').fill('0912 345 678');
    await screenshot(page, 'citizen-report-form.png');
    await page.getByRole('button', { name: 'Gửi báo lỗi' }).click();
    const code = page.getByTestId('report-ticket');
    await code.waitFor();
    ticket = ((await code.textContent()) ?? '').trim();
    assert.match(ticket, TICKET);
    assert.equal(posted, 1);
    assert.equal(await page.getByRole('dialog', { name: 'Đã gửi báo lỗi' }).count(), 1);
    await screenshot(page, 'citizen-report-ticket.png');

    const { rows } = await server.owner.query(
      `select r.layer_id, r.fid, r.category, r.contact, r.held_reason, a.code from reports.reports r
       join catalog.agencies a on a.id = r.agency_id where r.ticket = $1`, [ticket]);
    assert.deepEqual(rows[0], { layer_id: GEOSITES, fid: banGiocFid, category: 'wrong_attribute', contact: '0912 345 678', held_reason: null, code: 'so_vhttdl' });
  });

  it('looks the ticket up and sees it is new', async () => {
    await page.getByRole('button', { name: 'Tra cứu ngay' }).click();
    const status = page.getByTestId('lookup-status');
    await status.waitFor();
    assert.equal(await status.textContent(), 'Mới');
    assert.equal(await page.getByTestId('lookup-ticket-value').textContent(), ticket);
    assert.equal(await page.getByTestId('lookup-agency').textContent(), geosites.owner.name_vi);
    assert.equal(await page.getByTestId('lookup-category').textContent(), 'Sai thông tin');
    assert.equal(await page.getByTestId('lookup-about').textContent(), `Thác Bản Giốc — ${geosites.title_vi}`);
    assert.equal(await page.getByTestId('lookup-reply').textContent(), 'Chưa có phản hồi.');
    assert.equal((await page.getByTestId('lookup-result').textContent())?.includes('0912'), false, 'the contact is not shown');
    await screenshot(page, 'citizen-lookup-new.png');
    await page.keyboard.press('Escape');
    await page.getByTestId('lookup-dialog').waitFor({ state: 'detached' });
  });

  it('an editor of Sở VHTTDL finds it in the inbox; the answer shows in the public lookup', async () => {
    const editor = await login(server.url, 'bientap.vanhoa', DEMO_PASSWORD);
    const inbox = await api(server.url, 'GET', '/api/admin/reports?status=new', { session: editor });
    assert.equal(inbox.status, 200);
    const found = inbox.body.reports.find((r: { ticket: string }) => r.ticket === ticket);
    assert.ok(found, 'the report is in the culture department\'s inbox');
    assert.equal(found.layer.id, GEOSITES);
    assert.equal(found.fid, banGiocFid);
    assert.equal(found.contact, '0912 345 678');
    const other = await api(server.url, 'GET', '/api/admin/reports', { session: await login(server.url, 'bientap.gtvt', DEMO_PASSWORD) });
    assert.ok(!other.body.reports.some((r: { ticket: string }) => r.ticket === ticket), 'not in another agency\'s inbox');
    const answer = await api(server.url, 'PATCH', `/api/admin/reports/${ticket}`, {
      session: editor, body: { status: 'in_progress', reply: 'Cảm ơn bạn, chúng tôi đang xác minh giờ mở cửa.' } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));

    // The header button, a ticket typed loosely.
    await page.getByRole('button', { name: 'Tra cứu phản ánh' }).click();
    await page.getByLabel('Mã phản ánh').fill(ticket.toLowerCase().replace(/-/g, ' '));
    await page.keyboard.press('Enter');
    await page.getByTestId('lookup-status').filter({ hasText: 'Đang xử lý' }).waitFor();
    assert.equal(await page.getByTestId('lookup-reply').textContent(), 'Cảm ơn bạn, chúng tôi đang xác minh giờ mở cửa.');
    await screenshot(page, 'citizen-lookup-in-progress.png');
    await page.getByTestId('lookup-dialog-close').click();
    await page.getByTestId('popup-close').click();
  });

  it('reports a missing feature on a point of the map, to the agency chosen', async () => {
    await jumpAndSettle(page, { center: [106.25, 22.66], zoom: 14 });
    await page.getByRole('button', { name: 'Báo lỗi tại một vị trí' }).click();
    await page.getByTestId('pick-panel').waitFor();
    assert.equal(await page.getByTestId('tool-report-point').getAttribute('aria-pressed'), 'true');
    const map = (await page.getByTestId('map').boundingBox())!;
    const click = { x: Math.round(map.x + map.width * 0.4), y: Math.round(map.y + map.height * 0.55) };
    const expected = await lngLatAt(page, click.x, click.y);
    await page.mouse.click(click.x, click.y);
    await page.getByRole('dialog', { name: 'Báo lỗi dữ liệu' }).waitFor();
    assert.equal(await page.getByTestId('popup').count(), 0, 'the click chose the place; it did not open a card');
    assert.match((await page.getByTestId('report-about').textContent()) ?? '', /^Vị trí: 22,\d{5}° N, 106,\d{5}° E$/);
    const agency = page.getByLabel('Gửi tới cơ quan');
    await agency.locator('option', { hasText: 'Sở Giao thông Vận tải' }).waitFor({ state: 'attached' });
    await agency.selectOption({ label: 'Sở Giao thông Vận tải' });
    await page.getByLabel('Thiếu đối tượng').check();
    await page.getByLabel('Mô tả lỗi').fill('Cây cầu dân sinh mới làm năm nay chưa có trên bản đồ.');
    await screenshot(page, 'citizen-report-point.png');
    await page.getByRole('button', { name: 'Gửi báo lỗi' }).click();
    const pointTicket = ((await page.getByTestId('report-ticket').textContent()) ?? '').trim();
    assert.match(pointTicket, TICKET);
    const { rows } = await server.owner.query(
      `select r.layer_id, st_x(r.location) as lon, st_y(r.location) as lat, a.code from reports.reports r
       join catalog.agencies a on a.id = r.agency_id where r.ticket = $1`, [pointTicket]);
    assert.equal(rows[0].code, 'so_gtvt');
    assert.equal(rows[0].layer_id, null);
    assert.ok(Math.abs(rows[0].lon - expected[0]) < 1e-4 && Math.abs(rows[0].lat - expected[1]) < 1e-4, `${JSON.stringify(rows[0])} vs ${expected}`);
    await page.getByRole('button', { name: 'Đóng', exact: true }).last().click();
    await page.getByTestId('report-dialog').waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('tool-report-point').getAttribute('aria-pressed'), 'false');
  });

  it('reports an error on a national road from its card: the report sits on the road where it was clicked', async () => {
    // A spot a third of the way along the road's first line; its point on surface is kilometres away.
    const { rows: [road] } = await server.owner.query(
      `select fid, st_x(p) as lon, st_y(p) as lat,
              st_distance(p::geography, st_pointonsurface(geom)::geography) as surface_away_m
       from (select fid, geom, st_lineinterpolatepoint(st_geometryn(geom, 1), 0.3) as p from ${ROADS} order by fid limit 1) x`);
    assert.ok(road.surface_away_m > 1000, `the point on surface is ${road.surface_away_m} m away`);
    await jumpAndSettle(page, { center: [road.lon, road.lat], zoom: 16 });
    const spot = await pagePosition(page, [road.lon, road.lat]);
    const click = { x: Math.round(spot.x), y: Math.round(spot.y) };
    const clicked = await lngLatAt(page, click.x, click.y);
    await page.mouse.click(click.x, click.y);
    const card = page.getByTestId('popup');
    await card.waitFor();
    assert.equal(await card.getAttribute('data-layer-id'), ROADS);
    assert.equal(await card.getAttribute('data-fid'), String(road.fid));
    await card.getByRole('button', { name: 'Báo lỗi dữ liệu' }).click();
    await page.getByRole('dialog', { name: 'Báo lỗi dữ liệu' }).waitFor();
    await page.getByLabel('Sai thông tin').check();
    await page.getByLabel('Mô tả lỗi').fill('Đoạn quốc lộ này đã được mở rộng thành bốn làn xe.');
    await page.getByRole('button', { name: 'Gửi báo lỗi' }).click();
    const roadTicket = ((await page.getByTestId('report-ticket').textContent()) ?? '').trim();
    assert.match(roadTicket, TICKET);
    const { rows: [placed] } = await server.owner.query(
      `select r.layer_id, r.fid, st_x(r.location) as lon, st_y(r.location) as lat, st_distance(r.location, f.geom) as from_line
       from reports.reports r join ${ROADS} f on f.fid = r.fid where r.ticket = $1`, [roadTicket]);
    assert.equal(placed.layer_id, ROADS);
    assert.ok(placed.from_line < 1e-6, `on the road's line: ${placed.from_line}°`);
    assert.ok(haversine([placed.lon, placed.lat], clicked) < 5, `where it was clicked: ${haversine([placed.lon, placed.lat], clicked)} m`);
    // The agency's inbox draws its marker at that place.
    const inbox = await api(server.url, 'GET', `/api/admin/reports/${roadTicket}`, { session: await login(server.url, 'bientap.gtvt', DEMO_PASSWORD) });
    assert.deepEqual(inbox.body.report.location, { lon: placed.lon, lat: placed.lat });
    await page.getByRole('button', { name: 'Đóng', exact: true }).last().click();
    await page.getByTestId('report-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('popup-close').click();
  });

  it('measures the distance between two clicked points', async () => {
    await jumpAndSettle(page, { center: [106.25, 22.66], zoom: 13 });
    await page.getByRole('button', { name: 'Đo khoảng cách' }).click();
    await page.getByTestId('measure-panel').waitFor();
    const a = await pagePosition(page, [106.23, 22.65]);
    const b = await pagePosition(page, [106.27, 22.67]);
    const [from, to] = [{ x: Math.round(a.x), y: Math.round(a.y) }, { x: Math.round(b.x), y: Math.round(b.y) }];
    await page.mouse.click(from.x, from.y);
    await page.mouse.dblclick(to.x, to.y);
    const result = page.getByTestId('measure-result');
    await page.waitForFunction(() => document.querySelector('[data-testid="measure-result"]')?.getAttribute('data-finished') === 'true');
    const expected = haversine(await lngLatAt(page, from.x, from.y), await lngLatAt(page, to.x, to.y));
    const metres = Number(await result.getAttribute('data-metres'));
    assert.equal(await result.getAttribute('data-points'), '2', 'the double click made one point, not two');
    assert.ok(Math.abs(metres - expected) < 1, `${metres} m vs ${expected} m`);
    assert.ok(metres > 4_500 && metres < 4_700, `about 4.6 km: ${metres}`);
    const km = (metres / 1000).toFixed(2).replace('.', ',');
    assert.equal(await result.textContent(), `Chiều dài: ${km} km`);
    assert.equal(await page.getByTestId('popup').count(), 0, 'measuring clicks open no card');
    assert.equal(await page.evaluate(() => window.cbMap!.getZoom()), 13, 'the double click did not zoom');
    await screenshot(page, 'citizen-measure-distance.png');
    await page.keyboard.press('Escape');
    await page.getByTestId('measure-panel').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => window.cbMap!.getLayer('cb-measure-line') === undefined), true);
  });

  it('measures an area', async () => {
    await page.getByRole('button', { name: 'Đo diện tích' }).click();
    for (const ll of [[106.24, 22.65], [106.26, 22.65], [106.26, 22.67]] as Array<[number, number]>) {
      const p = await pagePosition(page, ll);
      await page.mouse.click(Math.round(p.x), Math.round(p.y));
    }
    await page.keyboard.press('Enter');
    const result = page.getByTestId('measure-result');
    const squareMetres = Number(await result.getAttribute('data-square-metres'));
    // Half of a 2.05 km × 2.22 km box.
    assert.ok(squareMetres > 2.1e6 && squareMetres < 2.45e6, String(squareMetres));
    assert.match((await result.textContent()) ?? '', /^Diện tích: 2,\d\d km² · Chu vi: \d,\d\d km$/);
    await screenshot(page, 'citizen-measure-area.png');
    await page.getByTestId('measure-close').click();
  });

  it('shares the view as a link that reproduces it', async () => {
    await page.getByLabel('Quốc lộ', { exact: true }).uncheck();
    await jumpAndSettle(page, { center: [106.2612, 22.6701], zoom: 12.5 });
    await page.getByRole('button', { name: 'Chia sẻ bản đồ' }).click();
    const link = await page.getByTestId('share-url').inputValue();
    assert.match(link, /#map=12\.50\/22\.67010\/106\.26120&layers=/);
    assert.ok(!link.includes(ROADS), 'the hidden layer is not in the link');
    await page.getByRole('button', { name: 'Sao chép liên kết' }).click();
    await page.getByTestId('share-status').filter({ hasText: 'Đã sao chép liên kết.' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
    await screenshot(page, 'citizen-share.png');
    await page.keyboard.press('Escape');

    const other = await context.newPage();
    const otherProblems = watchForProblems(other);
    await other.goto(link);
    await waitForMapIdle(other);
    const view = await other.evaluate(() => ({ c: window.cbMap!.getCenter(), z: window.cbMap!.getZoom() }));
    assert.ok(Math.abs(view.z - 12.5) < 0.005 && Math.abs(view.c.lng - 106.2612) < 1e-5 && Math.abs(view.c.lat - 22.6701) < 1e-5, JSON.stringify(view));
    assert.equal(await other.getByLabel('Quốc lộ', { exact: true }).isChecked(), false);
    assert.equal(await other.getByLabel(geosites.title_vi, { exact: true }).isChecked(), true);
    const roadsDrawn = await other.evaluate((id) => window.cbMap!.queryRenderedFeatures().filter((f) => f.sourceLayer === id).length, ROADS);
    assert.equal(roadsDrawn, 0);
    await screenshot(other, 'citizen-shared-view.png');
    assert.deepEqual(otherProblems, []);
    await other.close();
    await page.getByLabel('Quốc lộ', { exact: true }).check();
  });

  it('saves the view as a PNG with the sources named below the map', async () => {
    await jumpAndSettle(page, { center: [106.2612, 22.6701], zoom: 12.5 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Xuất ảnh bản đồ (PNG)' }).click()]);
    assert.match(download.suggestedFilename(), /^ban-do-cao-bang-\d{8}-\d{4}\.png$/);
    const file = path.join(resultsDir, 'citizen-export.png');
    await download.saveAs(file);
    const png = decodePng(fs.readFileSync(file));
    const canvas = await page.evaluate(() => ({ w: window.cbMap!.getCanvas().width, h: window.cbMap!.getCanvas().height }));
    assert.equal(png.width, canvas.w);
    assert.ok(png.height > canvas.h, 'a caption below the map');
    assert.ok(distinctColours(png, { x: 0, y: 0, width: png.width, height: canvas.h }) > 50, 'the map is in the picture, not a blank canvas');
    assert.ok(distinctColours(png, { x: 0, y: canvas.h + 6, width: png.width, height: png.height - canvas.h - 6 }) > 2, 'the caption is written');
  });

  it('in English too: the search, the tools and the form', async () => {
    await page.getByTestId('lang-en').click();
    assert.equal(await page.getByRole('combobox', { name: 'Search places, communes and features' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Measure a distance' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Look up a report' }).count(), 1);
    await page.getByTestId('lang-vi').click();
    assert.equal(await page.getByRole('button', { name: 'Đo khoảng cách' }).count(), 1);
  });

  it('on a phone: the search floats over the map, a commune is found by tapping, the form fits the screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'vi-VN' });
    phone.setDefaultTimeout(90_000);
    try {
      const mobile = await phone.newPage();
      const mobileProblems = watchForProblems(mobile);
      await mobile.goto(`${server.url}/`);
      await waitForMapIdle(mobile);
      const box = mobile.getByRole('combobox', { name: 'Tìm địa danh, xã phường, đối tượng' });
      const searchBox = (await box.boundingBox())!;
      const header = (await mobile.locator('.app-header').boundingBox())!;
      assert.ok(searchBox.y >= header.y + header.height, 'below the header, over the map');
      assert.ok(searchBox.x >= 0 && searchBox.x + searchBox.width <= 390, 'inside the screen');
      await box.tap();
      await box.fill('dong khe');
      const first = mobile.getByRole('option').first();
      await first.waitFor();
      assert.match((await first.textContent()) ?? '', /^Thị trấn Đông Khê/);
      await screenshot(mobile, 'citizen-phone-search.png');
      await first.tap();
      await mobile.getByTestId('popup').waitFor();
      await waitForMapIdle(mobile);
      assert.equal(await mobile.getByTestId('popup-title').textContent(), 'Thị trấn Đông Khê');
      await screenshot(mobile, 'citizen-phone-card.png');
      await mobile.getByRole('button', { name: 'Báo lỗi dữ liệu' }).tap();
      const dialog = (await mobile.getByRole('dialog', { name: 'Báo lỗi dữ liệu' }).boundingBox())!;
      assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= 390 && dialog.y >= 0 && dialog.y + dialog.height <= 844, JSON.stringify(dialog));
      await screenshot(mobile, 'citizen-phone-report.png');
      assert.deepEqual(mobileProblems, []);
    } finally {
      await phone.close();
    }
  });

  it('says nothing wrong in the console', () => {
    assert.deepEqual(problems, []);
  });
});
