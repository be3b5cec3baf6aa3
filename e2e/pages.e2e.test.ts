// The layer data page, the dashboard and the maintenance banner in Debian's Chromium against a real server with
// the demo data: what a visitor reads there is what the API says they may see.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { api, login } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { ensureWebBuilt, launchBrowser, screenshot, watchForProblems } from './browser.ts';

const ROADS = 'giao_thong.quoc_lo';
const BTS = 'thong_tin.tram_bts';

/** dd/mm/yyyy HH:mm in Vietnam time, worked out here rather than with the app's own formatter. */
function vietnamTime(iso: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

async function openPage(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForFunction(() => window.cbPageReady === true);
}

describe('the layer data page, the dashboard and the maintenance banner', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', baseURL: server.url });
    context.setDefaultTimeout(90_000);
    page = await context.newPage();
    problems = watchForProblems(page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page of a demo layer shows its owner, its count and a chart of its changes with bars', async () => {
    const layer = (await api(server.url, 'GET', `/api/layers/${ROADS}`)).body;
    const history = (await api(server.url, 'GET', `/api/layers/${ROADS}/changes?interval=day`)).body;
    await openPage(page, `/layer.html?id=${ROADS}`);
    assert.equal(await page.getByTestId('layer-title').textContent(), layer.title_vi);
    assert.equal(await page.getByTestId('layer-owner').textContent(), layer.owner.name_vi);
    assert.equal(await page.getByTestId('layer-count').textContent(), new Intl.NumberFormat('vi-VN').format(layer.feature_count));
    assert.equal(await page.getByTestId('layer-source').textContent(), layer.source);
    assert.equal(await page.getByTestId('layer-licence').textContent(), layer.licence);
    assert.match((await page.getByTestId('layer-extent').textContent()) ?? '', /^Kinh độ 10\d,\d{4}° – 10\d,\d{4}°, vĩ độ 2\d,\d{4}° – 2\d,\d{4}°$/);
    assert.equal(await page.title(), `${layer.title_vi} — Cổng dữ liệu GIS tỉnh Cao Bằng`);

    const bars = page.getByTestId('changes-chart').locator('rect.bar');
    assert.ok((await bars.count()) >= 1, 'the chart has bars');
    const drawn = await bars.evaluateAll((rects) => rects.map((r) => ({ series: r.getAttribute('data-series'), value: Number(r.getAttribute('data-value')) })));
    const sum = (series: string) => drawn.filter((d) => d.series === series).reduce((n, d) => n + d.value, 0);
    assert.equal(sum('inserted'), history.totals.inserted);
    assert.equal(sum('updated'), history.totals.updated);
    assert.ok(history.totals.inserted >= layer.feature_count);
    // The tallest bar is drawn, not a sliver.
    const heights = await bars.evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().height));
    assert.ok(Math.max(...heights) > 100, JSON.stringify(heights));

    // By month, chosen with the keyboard: the chart is redrawn with month periods.
    await page.locator('[data-interval="month"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-interval="month"][aria-pressed="true"]').waitFor();
    const months = await page.getByTestId('changes-chart').locator('rect.bar').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-period')));
    assert.ok(months.length >= 1 && months.every((p) => /^\d{2}\/\d{4}$/.test(p ?? '')), months.join(', '));

    const apiLinks = await page.getByTestId('api-links').locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('data-api'), (a as HTMLAnchorElement).href]));
    assert.deepEqual(apiLinks.map(([k]) => k), ['features', 'ogc_collection', 'ogc_items', 'wfs', 'tilejson', 'style']);
    for (const [name, href] of apiLinks) {
      const res = await fetch(href!);
      assert.equal(res.status, 200, `${name}: ${href}`);
    }
    await page.getByTestId('layer-preview').and(page.locator('[data-loaded="true"]')).waitFor();
    await screenshot(page, 'layer-page.png');
  });

  it('every download link of the page works', async () => {
    const links = await page.getByTestId('downloads').locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('data-format'), a.getAttribute('href')]));
    assert.deepEqual(links.map(([f]) => f), ['geojson', 'csv', 'shp', 'gpkg']);
    for (const [format, href] of links) {
      // Fetched by the page itself, as a click would: same origin, the visitor's cookies.
      const got = await page.evaluate(async (url) => {
        const res = await fetch(url!);
        const bytes = new Uint8Array(await res.arrayBuffer());
        return { status: res.status, type: res.headers.get('content-type'), magic: String.fromCharCode(bytes[0]!, bytes[1]!), size: bytes.length };
      }, href);
      assert.equal(got.status, 200, `${format}: ${href}`);
      assert.equal(got.type, 'application/zip', format!);
      assert.equal(got.magic, 'PK', format!);
      assert.ok(got.size > 1000, `${format}: ${got.size} bytes`);
    }
  });

  it('the page of the restricted layer says "not found or not permitted" to an anonymous visitor, in both languages', async () => {
    const bts = (await server.owner.query('select title_vi from catalog.layers where id = $1', [BTS])).rows[0].title_vi;
    await openPage(page, `/layer.html?id=${BTS}`);
    const message = page.getByTestId('layer-not-found');
    assert.match((await message.textContent()) ?? '', /Không tìm thấy lớp dữ liệu.*không tồn tại hoặc bạn không có quyền xem/);
    assert.equal(await message.getAttribute('role'), 'alert');
    assert.ok(!((await page.locator('body').textContent()) ?? '').includes(bts), 'the title of the restricted layer does not leak');
    await page.getByTestId('lang-en').click();
    assert.match((await message.textContent()) ?? '', /Layer not found.*does not exist or you are not permitted to see it/);
    await page.getByTestId('lang-vi').click();
    await screenshot(page, 'layer-page-not-found.png');
  });

  it('the dashboard shows a bar per sector with the public figures', async () => {
    const figures = (await api(server.url, 'GET', '/api/dashboard')).body;
    await openPage(page, '/dashboard.html');
    const bars = page.getByTestId('sector-chart').locator('rect.bar');
    const drawn = await bars.evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-key'), Number(r.getAttribute('data-value'))]));
    assert.deepEqual(drawn, figures.sectors.map((s: { code: string; features: number }) => [s.code, s.features]));
    assert.ok(drawn.length >= 8, 'every sector has a bar');
    const widths = await bars.evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
    assert.ok(Math.max(...widths) > 200, JSON.stringify(widths));
    const btsFeatures = (await server.owner.query('select feature_count from catalog.layers where id = $1', [BTS])).rows[0].feature_count;
    const publicTttt = (await server.owner.query("select coalesce(sum(feature_count), 0)::bigint as n from catalog.layers where sector_code = 'thong_tin' and visibility = 'public'")).rows[0].n;
    assert.ok(btsFeatures > 0);
    assert.deepEqual(drawn.find(([code]) => code === 'thong_tin'), ['thong_tin', publicTttt]);
    assert.equal(await page.getByTestId('total-features').textContent(), new Intl.NumberFormat('vi-VN').format(figures.totals.features));
    assert.equal(await page.getByTestId('reports').count(), 0, 'no reports for anonymous visitors');
    assert.equal(await page.getByTestId('imports').count(), 0);
    await screenshot(page, 'dashboard.png');
  });

  it('a signed-in agency admin also sees the open reports of the agency, and the page of its restricted layer, on a phone', async () => {
    const staff = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', baseURL: server.url });
    try {
      const staffPage = await staff.newPage();
      await staffPage.goto('/dashboard.html');
      const signedIn = await staffPage.evaluate(async (password) => (await fetch('/api/auth/login', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin.tttt', password }),
      })).status, DEMO_PASSWORD);
      assert.equal(signedIn, 200);
      await openPage(staffPage, '/dashboard.html');
      await staffPage.getByTestId('reports').waitFor();
      const sectors = await staffPage.getByTestId('sector-chart').locator('rect.bar').evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-key'), Number(r.getAttribute('data-value'))]));
      const all = (await server.owner.query("select coalesce(sum(feature_count), 0)::bigint as n from catalog.layers where sector_code = 'thong_tin'")).rows[0].n;
      assert.deepEqual(sectors.find(([code]) => code === 'thong_tin'), ['thong_tin', all], 'the owner counts its restricted layer');
      // A phone: the page is no wider than the screen.
      assert.ok(await staffPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
      await screenshot(staffPage, 'dashboard-staff-phone.png');

      // The restricted layer's own page opens for its owner, with its history and a download that works.
      await openPage(staffPage, `/layer.html?id=${BTS}`);
      const bts = (await api(server.url, 'GET', `/api/layers/${BTS}`, { session: await login(server.url, 'admin.tttt', DEMO_PASSWORD) })).body;
      assert.equal(await staffPage.getByTestId('layer-title').textContent(), `${bts.title_vi} Hạn chế`);
      assert.equal(await staffPage.getByTestId('layer-owner').textContent(), bts.owner.name_vi);
      assert.ok((await staffPage.getByTestId('changes-chart').locator('rect.bar').count()) >= 1);
      const csv = await staffPage.getByTestId('downloads').locator('a[data-format="csv"]').getAttribute('href');
      assert.equal(await staffPage.evaluate(async (url) => (await fetch(url!)).status, csv), 200);
      assert.equal((await fetch(`${server.url}${csv}`)).status, 404, 'the same link without the session finds nothing');
      assert.ok(await staffPage.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
      await screenshot(staffPage, 'layer-page-restricted-phone.png');
    } finally {
      await staff.close();
    }
  });

  it('the maintenance banner appears once the operator schedules a window, in Vietnam time, and can be dismissed', async () => {
    const operator = await login(server.url, 'vanhanh', DEMO_PASSWORD);
    const hour = 3_600_000;
    const start = new Date(Math.ceil((Date.now() + 25 * hour) / 60_000) * 60_000).toISOString();
    const end = new Date(Date.parse(start) + 2 * hour).toISOString();
    const upcoming = await api(server.url, 'POST', '/api/admin/maintenance', {
      session: operator,
      body: { starts_at: start, ends_at: end, title_vi: 'Nâng cấp máy chủ cơ sở dữ liệu', title_en: 'Database server upgrade', read_only: true },
    });
    assert.equal(upcoming.status, 201, JSON.stringify(upcoming.body));
    // Less than 24 hours ahead only as an emergency (Điều 10.2): the API refuses it otherwise.
    const now = new Date().toISOString();
    const inAnHour = new Date(Date.now() + hour).toISOString();
    const refused = await api(server.url, 'POST', '/api/admin/maintenance', {
      session: operator, body: { starts_at: now, ends_at: inAnHour, title_vi: 'Khắc phục sự cố mạng', title_en: 'Network repair' },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'maintenance_too_soon');
    const emergency = await api(server.url, 'POST', '/api/admin/maintenance', {
      session: operator, body: { starts_at: now, ends_at: inAnHour, title_vi: 'Khắc phục sự cố mạng', title_en: 'Network repair', emergency: true },
    });
    assert.equal(emergency.status, 201, JSON.stringify(emergency.body));

    await openPage(page, '/dashboard.html');
    const banner = page.getByTestId('maintenance-banner');
    const notices = banner.locator('.maintenance-notice');
    await notices.nth(1).waitFor();
    // The one under way first, then the one coming up.
    assert.match((await notices.nth(0).textContent()) ?? '', /^Bảo trì khẩn cấp · Đang bảo trì hệ thống: Khắc phục sự cố mạng/);
    assert.match((await notices.nth(0).textContent()) ?? '', /vẫn hoạt động/);
    assert.equal(await notices.nth(0).getAttribute('data-read-only'), 'false');
    const text = (await notices.nth(1).textContent()) ?? '';
    assert.match(text, /^Sắp bảo trì hệ thống: Nâng cấp máy chủ cơ sở dữ liệu/);
    assert.equal(await notices.nth(1).getByTestId('maintenance-when').textContent(), `Từ ${vietnamTime(start)} đến ${vietnamTime(end)} (giờ Việt Nam)`);
    assert.match(text, /chỉ cho xem dữ liệu/);
    assert.equal(await notices.nth(1).getAttribute('data-read-only'), 'true');
    // Right under the header, above the page.
    const [headerBox, bannerBox] = [await page.locator('header').boundingBox(), await banner.boundingBox()];
    assert.ok(headerBox && bannerBox && Math.abs(bannerBox.y - (headerBox.y + headerBox.height)) < 2, JSON.stringify({ headerBox, bannerBox }));

    await page.getByTestId('lang-en').click();
    assert.match((await notices.nth(1).textContent()) ?? '', /^Maintenance coming up: Database server upgrade.*Vietnam time.*read-only/);
    await page.getByTestId('lang-vi').click();
    await screenshot(page, 'maintenance-banner.png');

    // The layer page carries it too; the upcoming notice, dismissed with the keyboard, stays dismissed on the next
    // visit, and the other one stays.
    await openPage(page, `/layer.html?id=${ROADS}`);
    await notices.nth(1).waitFor();
    const dismiss = banner.getByRole('button', { name: 'Ẩn thông báo «Nâng cấp máy chủ cơ sở dữ liệu»' });
    await dismiss.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.maintenance-notice').length === 1);
    assert.match((await notices.first().textContent()) ?? '', /Khắc phục sự cố mạng/);
    await openPage(page, '/dashboard.html');
    await page.locator('[data-testid="maintenance-banner"][data-loaded="true"]').waitFor({ state: 'attached' });
    assert.equal(await notices.count(), 1);
    assert.match((await notices.first().textContent()) ?? '', /Khắc phục sự cố mạng/);
    // Dismissing the last one hides the banner.
    await banner.getByRole('button', { name: 'Ẩn thông báo «Khắc phục sự cố mạng»' }).click();
    await banner.waitFor({ state: 'hidden' });
  });

  it('the public map, the editor and the admin carry the same banner (windows scheduled by the test above)', async () => {
    // A fresh browser profile: the dismissals above were this visitor's only.
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', baseURL: server.url });
    fresh.setDefaultTimeout(90_000);
    try {
      const p = await fresh.newPage();
      for (const path of ['/', '/editor.html', '/admin.html']) {
        await p.goto(path);
        const notices = p.getByTestId('maintenance-banner').locator('.maintenance-notice');
        await notices.nth(1).waitFor();
        assert.match((await notices.nth(0).textContent()) ?? '', /Khắc phục sự cố mạng/, path);
        assert.match((await notices.nth(1).textContent()) ?? '', /Nâng cấp máy chủ cơ sở dữ liệu/, path);
      }
      // The admin's own language switch (the editor's) turns the banner to English as well, and the choice is the public map's.
      await p.locator('[data-lang="en"]').click();
      const banner = p.getByTestId('maintenance-banner');
      await p.waitForFunction(() => /Maintenance coming up/.test(document.querySelector('[data-testid="maintenance-banner"]')?.textContent ?? ''));
      assert.match((await banner.textContent()) ?? '', /Database server upgrade/);
      await p.goto('/');
      await p.waitForFunction(() => document.documentElement.lang === 'en');
      // The editor's workspace still fills the window under header and banner: nothing scrolls.
      await p.goto('/editor.html');
      await banner.locator('.maintenance-notice').nth(1).waitFor();
      assert.ok(await p.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight + 1));
    } finally {
      await fresh.close();
    }
  });

  it('nothing on the pages failed but the expected 404 of the restricted layer', () => {
    const unexpected = problems.filter((p) => !p.includes(`/api/layers/${BTS}`) && !(p.startsWith('console:') && p.includes('404')));
    assert.deepEqual(unexpected, []);
  });
});
