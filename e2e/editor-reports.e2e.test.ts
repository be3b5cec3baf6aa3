// Citizen error reports in the agency editor, in Debian's Chromium against a real server with the demo data: a
// report filed through the public API on a Sở GTVT road, clicked beside the road, reaches Sở GTVT's editor, who sees
// it in the list and as a marker on the map on the road's line next to the click, answers it (a rejection without a reason is refused, in Vietnamese), moves it to "in progress"
// with a reply the citizen reads on their ticket, and opens the reported feature for editing. UBND TP's editor
// never sees it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { api, login } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { signInOnPage } from './editor-page.ts';
import { ensureWebBuilt, launchBrowser, screenshot, watchForProblems } from './browser.ts';

// A Sở GTVT layer that bientap.gtvt (the agency's editor, no layer scope) may edit.
const ROADS = 'giao_thong.duong_dia_phuong';
const DESCRIPTION = 'Tên đường ghi sai: đoạn này là đường Hoàng Đình Giong, không phải tên đang hiện.';
const REPLY = 'Cảm ơn anh/chị, Sở GTVT đang kiểm tra lại tên đoạn đường này.';

describe('citizen reports in the agency editor', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let fid: number;
  let ticket: string;
  let roadsTitle: string;
  /** Where the citizen clicked: about 15 m north of a third of the way along the road. */
  let clicked: { lon: number; lat: number };

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true });
    fid = Number((await server.owner.query(`select fid from ${ROADS} order by fid limit 1`)).rows[0].fid);
    const catalog = (await (await fetch(`${server.url}/api/layers`)).json()) as { layers: Array<{ id: string; title_vi: string; owner: { code: string } }> };
    const roads = catalog.layers.find((l) => l.id === ROADS)!;
    assert.equal(roads.owner.code, 'so_gtvt');
    roadsTitle = roads.title_vi;
    clicked = (await server.owner.query(
      `select round(st_x(p)::numeric, 6)::float8 as lon, round((st_y(p) + 0.000135)::numeric, 6)::float8 as lat
       from (select st_lineinterpolatepoint(st_geometryn(geom, 1), 0.3) as p from ${ROADS} where fid = $1) x`, [fid])).rows[0];
    const filed = await api(server.url, 'POST', '/api/reports', {
      body: { layer: ROADS, fid, category: 'wrong_attribute', description: DESCRIPTION, clicked_lon: clicked.lon, clicked_lat: clicked.lat },
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    ticket = filed.body.ticket;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    page.setDefaultTimeout(60_000);
    problems = watchForProblems(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists the report for the owning agency’s editor and draws its marker on the map', async () => {
    await signInOnPage(page, server.url, 'bientap.gtvt');
    const item = page.locator(`.report-item[data-ticket="${ticket}"]`);
    await item.waitFor();
    const text = (await item.textContent())!;
    for (const part of [`Phiếu ${ticket}`, 'Sai thông tin', DESCRIPTION, `Lớp: ${roadsTitle}`, 'Trạng thái: Mới']) {
      assert.ok(text.includes(part), `“${part}” in “${text}”`);
    }
    assert.match(text, /vừa xong|\d+ phút trước/);
    await page.waitForFunction((tk) => window.cbMap!.queryRenderedFeatures({ layers: ['reports-point'] }).some((f) => f.properties?.ticket === tk), ticket);
    // The marker sits on the road's line where the citizen clicked, not at the road's point on surface. Drawn
    // coordinates are rounded to the tile's grid: looked at from zoom 18, a few centimetres.
    await page.evaluate((c) => window.cbMap!.jumpTo({ center: c, zoom: 18 }), [clicked.lon, clicked.lat] as [number, number]);
    await page.waitForFunction((tk) => window.cbMap!.queryRenderedFeatures({ layers: ['reports-point'] }).some((f) => f.properties?.ticket === tk), ticket);
    const marker = await page.evaluate((tk) => {
      const f = window.cbMap!.queryRenderedFeatures({ layers: ['reports-point'] }).find((m) => m.properties?.ticket === tk)!;
      return (f.geometry as GeoJSON.Point).coordinates as [number, number];
    }, ticket);
    const { rows } = await server.owner.query(
      `select st_distance(m, f.geom) as from_line, st_distance(m::geography, c::geography) as from_click_m,
              st_distance(st_pointonsurface(f.geom)::geography, c::geography) as surface_from_click_m
       from ${ROADS} f, st_setsrid(st_makepoint($2, $3), 4326) m, st_setsrid(st_makepoint($4, $5), 4326) c where f.fid = $1`,
      [fid, marker[0], marker[1], clicked.lon, clicked.lat]);
    assert.ok(rows[0].from_line < 2e-6, `the marker ${marker} is on the road: ${rows[0].from_line}°`);
    assert.ok(rows[0].from_click_m < 20, `next to the click: ${rows[0].from_click_m} m`);
    assert.ok(rows[0].surface_from_click_m > 100, `and the point on surface is not (${rows[0].surface_from_click_m} m)`);
  });

  it('selects the report by clicking its marker, and from the list with the keyboard', async () => {
    const report = await api(server.url, 'GET', `/api/reports/${ticket}`);
    const { lon, lat } = report.body.location as { lon: number; lat: number };
    await page.evaluate((c) => window.cbMap!.jumpTo({ center: c, zoom: 15 }), [lon, lat] as [number, number]);
    await page.waitForFunction((tk) => window.cbMap!.queryRenderedFeatures({ layers: ['reports-point'] }).some((f) => f.properties?.ticket === tk), ticket);
    const p = await page.evaluate((ll) => {
      const map = window.cbMap!;
      const pt = map.project(ll);
      const rect = map.getContainer().getBoundingClientRect();
      return { x: rect.left + pt.x, y: rect.top + pt.y };
    }, [lon, lat] as [number, number]);
    await page.mouse.click(p.x, p.y);
    await page.getByRole('heading', { name: `Báo lỗi ${ticket}` }).waitFor();
    assert.equal(await page.locator(`.report-item[data-ticket="${ticket}"]`).getAttribute('aria-pressed'), 'true');
    // The selected marker is ringed: the highlight layer draws this report only.
    await page.waitForFunction((tk) => {
      const ringed = window.cbMap!.queryRenderedFeatures({ layers: ['reports-selected'] });
      return ringed.length > 0 && ringed.every((f) => f.properties?.ticket === tk);
    }, ticket);

    // The list item is a button: reachable with Tab, chosen with Enter.
    await page.locator(`.report-item[data-ticket="${ticket}"]`).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Báo lỗi ${ticket}` }).waitFor();
    await screenshot(page, 'editor-report-selected.png');
  });

  it('refuses a rejection without a reason, in Vietnamese, keeping what was typed', async () => {
    await page.getByLabel('Trạng thái mới').selectOption('rejected');
    const answer = page.waitForResponse((r) => r.url().endsWith(`/api/admin/reports/${ticket}`) && r.request().method() === 'PATCH');
    await page.getByRole('button', { name: 'Cập nhật báo lỗi' }).click();
    const response = await answer;
    assert.equal(response.status(), 400);
    const body = (await response.json()) as { code: string; message: string };
    assert.equal(body.code, 'reply_required');
    assert.equal(body.message, 'Say in the reply why the report is rejected: the reporter will read it.');
    await page.locator('#report-message', { hasText: 'Khi từ chối, hãy ghi rõ lý do trong câu trả lời: người báo lỗi sẽ đọc được.' }).waitFor();
    assert.equal(await page.getByLabel('Trạng thái mới').inputValue(), 'rejected');
    problems.length = 0; // the refused PATCH's 400 was the point
    const still = await api(server.url, 'GET', `/api/reports/${ticket}`);
    assert.equal(still.body.status, 'new');
  });

  it('moves the report to in progress with a reply that the citizen’s ticket lookup shows', async () => {
    await page.getByLabel('Trạng thái mới').selectOption('in_progress');
    await page.getByLabel('Trả lời người báo lỗi').fill(REPLY);
    await page.getByRole('button', { name: 'Cập nhật báo lỗi' }).click();
    await page.locator('#report-message', { hasText: `Đã cập nhật báo lỗi ${ticket}: Đang xử lý.` }).waitFor();
    await page.locator(`.report-item[data-ticket="${ticket}"]`, { hasText: 'Trạng thái: Đang xử lý' }).waitFor();
    // What the next step may be now follows the new status (in progress → fixed or rejected).
    const options = await page.getByLabel('Trạng thái mới').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(options, ['in_progress', 'fixed', 'rejected']);
    const lookup = await api(server.url, 'GET', `/api/reports/${ticket}`);
    assert.equal(lookup.status, 200);
    assert.equal(lookup.body.status, 'in_progress');
    assert.equal(lookup.body.reply, REPLY);
  });

  it('says it all again in English', async () => {
    await page.getByRole('button', { name: 'EN', exact: true }).click();
    await page.getByRole('heading', { name: 'Citizen error reports' }).waitFor();
    const text = (await page.locator(`.report-item[data-ticket="${ticket}"]`).textContent())!;
    assert.ok(text.includes(`Ticket ${ticket}`) && text.includes('Wrong information') && text.includes('Status: In progress'), text);
    await page.getByRole('button', { name: 'VI', exact: true }).click();
    await page.getByRole('heading', { name: 'Báo lỗi từ người dân' }).waitFor();
  });

  it('opens the reported feature for editing', async () => {
    await page.getByRole('button', { name: 'Sửa đối tượng này' }).click();
    const heading = page.locator('#feature-heading');
    await heading.waitFor();
    assert.match((await heading.textContent())!, new RegExp(`^Đối tượng #${fid} \\(phiên bản \\d+\\)$`));
    assert.equal(await page.locator(`.layer-choice[data-layer="${ROADS}"]`).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Lưu' }).waitFor();
    await screenshot(page, 'editor-report-edit-feature.png');
    assert.deepEqual(problems, []);
  });

  it('is not shown to another agency’s editor', async () => {
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByLabel('Tên đăng nhập').waitFor();
    problems.length = 0;
    await signInOnPage(page, server.url, 'bientap.dothi');
    assert.equal(await page.locator(`.report-item[data-ticket="${ticket}"]`).count(), 0);
    const markers = await page.evaluate(() => window.cbMap!.querySourceFeatures('reports').map((f) => f.properties?.ticket));
    assert.ok(!markers.includes(ticket), markers.join(', '));
    const other = await login(server.url, 'bientap.dothi', DEMO_PASSWORD);
    const denied = await api(server.url, 'GET', `/api/admin/reports/${ticket}`, { session: other });
    assert.equal(denied.status, 404);
    assert.equal(denied.body.code, 'report_not_found');
    assert.equal(denied.body.message, 'There is no report with this ticket, or it is not for you.');
    // The signed-out page asks who is signed in before the form shows: that one 401 is expected.
    assert.deepEqual(problems.filter((p) => !p.includes('/api/auth/me')), []);
  });
});
