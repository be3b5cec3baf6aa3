// The public web map against a real server with the demo data, in Debian's Chromium: what a visitor sees,
// clicks and shares.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { ensureWebBuilt, jumpAndSettle, launchBrowser, screenshot, waitForMapIdle, watchForProblems } from './browser.ts';
import { decodePng, distinctColours } from './png.ts';

const COMMUNES = 'tai_nguyen.ranh_gioi_xa';
const ROADS = 'giao_thong.quoc_lo';
const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const BAN_GIOC: [number, number] = [106.721998, 22.856402];
const PROVINCE = { west: 105.25, south: 22.3, east: 106.85, north: 23.15 };

interface CatalogLayer {
  id: string;
  title_vi: string;
  title_en: string;
  name_attribute: string | null;
  owner: { name_vi: string; name_en: string };
  sector: { code: string; title_vi: string; title_en: string };
  source: string;
  data_updated_at: string;
  attributes: Array<{ name: string; label_vi: string; label_en: string }>;
}

/** dd/mm/yyyy HH:mm in Vietnam time (UTC+7 all year, no daylight saving), worked out without Intl. */
function vietnamTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 7 * 3600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

async function renderedFeatures(page: Page, layerId: string): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(
    (id) =>
      window
        .cbMap!.queryRenderedFeatures()
        .filter((f) => f.source === id)
        .map((f) => ({ ...f.properties })),
    layerId,
  );
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

function hashParams(url: string): URLSearchParams {
  return new URLSearchParams(new URL(url).hash.replace(/^#/, ''));
}

describe('the public web map', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let layers: Map<string, CatalogLayer>;

  const layer = (id: string): CatalogLayer => {
    const found = layers.get(id);
    assert.ok(found, `the demo catalog has the layer ${id}`);
    return found;
  };

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true });
    const catalog = (await (await fetch(`${server.url}/api/layers`)).json()) as { layers: CatalogLayer[] };
    layers = new Map(catalog.layers.map((l) => [l.id, l]));
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', timezoneId: 'Europe/Berlin' });
    // SwiftShader draws on the CPU; beside other test files on two cores the first view can take a while.
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

  it('opens on the whole province, in Vietnamese, and writes the view into the URL', async () => {
    assert.equal(await page.getByTestId('app-title').textContent(), 'Cổng dữ liệu GIS chuyên ngành tỉnh Cao Bằng');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'vi');
    const view = await page.evaluate(() => {
      const b = window.cbMap!.getBounds();
      return { west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth(), zoom: window.cbMap!.getZoom() };
    });
    // The whole province is in view, and not as a speck: the view is at most a few times wider than it.
    assert.ok(view.west <= PROVINCE.west && view.east >= PROVINCE.east, `province fits east-west: ${JSON.stringify(view)}`);
    assert.ok(view.south <= PROVINCE.south && view.north >= PROVINCE.north, `province fits north-south: ${JSON.stringify(view)}`);
    assert.ok(view.east - view.west < 4 * (PROVINCE.east - PROVINCE.west), `zoomed to the province: ${JSON.stringify(view)}`);
    const params = hashParams(page.url());
    assert.match(params.get('map') ?? '', /^\d+\.\d{2}\/22\.\d{5}\/10[56]\.\d{5}$/);
    assert.ok((params.get('layers') ?? '').split(',').includes(GEOSITES), 'visible layers are listed in the URL');
  });

  it('draws the demo layers: commune boundaries, roads and geosites', async () => {
    const communes = await renderedFeatures(page, COMMUNES);
    const roads = await renderedFeatures(page, ROADS);
    const geosites = await renderedFeatures(page, GEOSITES);
    assert.ok(communes.length > 0, 'commune boundaries are rendered');
    assert.ok(roads.length > 0, 'national roads are rendered');
    assert.ok(geosites.length > 0, 'geosites are rendered');
    const nameAttribute = layer(GEOSITES).name_attribute;
    assert.ok(nameAttribute, 'geosites have a name attribute');
    assert.ok(
      geosites.some((p) => String(p[nameAttribute]).includes('Bản Giốc')),
      `Thác Bản Giốc is among the drawn geosites: ${geosites.map((p) => p[nameAttribute]).join(', ')}`,
    );
  });

  it('clicking Thác Bản Giốc opens its card with the owner, the source and the last update', async () => {
    const geosites = layer(GEOSITES);
    await jumpAndSettle(page, { center: BAN_GIOC, zoom: 14 });
    const { x, y } = await pagePosition(page, BAN_GIOC);
    await page.mouse.click(x, y);
    const card = page.getByTestId('popup');
    await card.waitFor();
    await waitForMapIdle(page);
    assert.equal(await card.getAttribute('data-layer-id'), GEOSITES);
    assert.equal(await page.getByTestId('popup-layer').textContent(), geosites.title_vi);
    assert.match((await page.getByTestId('popup-title').textContent()) ?? '', /Thác Bản Giốc/);
    assert.equal(await page.getByTestId('popup-owner').textContent(), geosites.owner.name_vi);
    assert.equal(await page.getByTestId('popup-source').textContent(), geosites.source);
    const updated = (await page.getByTestId('popup-updated').textContent()) ?? '';
    assert.match(updated, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    assert.equal(updated, vietnamTime(geosites.data_updated_at));
    // The citation stays in sight however long the attributes are: inside the card, not scrolled away.
    const cardBox = await card.boundingBox();
    assert.ok(cardBox);
    for (const hook of ['popup-owner', 'popup-source', 'popup-updated']) {
      const box = await page.getByTestId(hook).boundingBox();
      assert.ok(box && box.y >= cardBox.y && box.y + box.height <= cardBox.y + cardBox.height + 0.5, `${hook} is in sight`);
    }
    const labels = await page.locator('[data-testid="popup-attributes"] dt').allTextContents();
    const expected = geosites.attributes.filter((a) => a.name !== geosites.name_attribute).map((a) => a.label_vi);
    assert.ok(expected.length > 0 && expected.every((l) => labels.includes(l)), `attribute labels ${labels.join(', ')}`);
    await screenshot(page, 'map-popup-vi.png');
  });

  it('the English switch re-renders every text, the open card included', async () => {
    const geosites = layer(GEOSITES);
    await page.getByTestId('lang-en').click();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await page.getByTestId('app-title').textContent(), 'Cao Bằng Province Sector GIS Data Portal');
    assert.equal(await page.getByTestId('lang-en').getAttribute('aria-pressed'), 'true');
    assert.equal(
      await page.getByTestId(`sector-${geosites.sector.code}`).locator('.sector-name').textContent(),
      geosites.sector.title_en,
    );
    assert.ok(await page.getByLabel(geosites.title_en, { exact: true }).isChecked());
    assert.equal(await page.getByTestId('popup-layer').textContent(), geosites.title_en);
    assert.equal(await page.getByTestId('popup-owner').textContent(), geosites.owner.name_en);
    const provenanceLabels = await page.locator('[data-testid="popup-provenance"] dt').allTextContents();
    assert.deepEqual(provenanceLabels.slice(0, 3), ['Owning agency', 'Source', 'Last updated']);
    await screenshot(page, 'map-popup-en.png');
    await page.getByTestId('lang-vi').click();
    assert.equal(await page.getByTestId('app-title').textContent(), 'Cổng dữ liệu GIS chuyên ngành tỉnh Cao Bằng');
    assert.equal(await page.getByTestId('popup-owner').textContent(), geosites.owner.name_vi);
    await page.getByTestId('popup-close').click();
    assert.equal(await page.getByTestId('popup').count(), 0);
  });

  it('unticking a layer takes it off the map and out of the URL; the keyboard ticks it again', async () => {
    const geosites = layer(GEOSITES);
    const toggle = page.getByLabel(geosites.title_vi, { exact: true });
    assert.ok((await renderedFeatures(page, GEOSITES)).length > 0);
    await toggle.click();
    await waitForMapIdle(page);
    assert.equal(await toggle.isChecked(), false);
    assert.equal((await renderedFeatures(page, GEOSITES)).length, 0);
    assert.ok((await renderedFeatures(page, COMMUNES)).length > 0, 'other layers stay');
    assert.ok(!(hashParams(page.url()).get('layers') ?? '').split(',').includes(GEOSITES));

    await toggle.focus();
    await page.keyboard.press('Space');
    await waitForMapIdle(page);
    assert.equal(await toggle.isChecked(), true);
    assert.ok((await renderedFeatures(page, GEOSITES)).length > 0);
    assert.ok((hashParams(page.url()).get('layers') ?? '').split(',').includes(GEOSITES));
  });

  it('a reload with the hash shows the same view and the same layers', async () => {
    const roads = layer(ROADS);
    await page.getByLabel(roads.title_vi, { exact: true }).click();
    await jumpAndSettle(page, { center: [106.2512, 22.6678], zoom: 11.37 });
    await page.waitForFunction(() => window.location.hash.includes('map=11.37/22.66780/106.25120'));
    await page.reload();
    await waitForMapIdle(page);
    const view = await page.evaluate(() => ({ center: window.cbMap!.getCenter(), zoom: window.cbMap!.getZoom() }));
    assert.ok(Math.abs(view.zoom - 11.37) < 0.005, `zoom ${view.zoom}`);
    assert.ok(Math.abs(view.center.lng - 106.2512) < 1e-5, `lon ${view.center.lng}`);
    assert.ok(Math.abs(view.center.lat - 22.6678) < 1e-5, `lat ${view.center.lat}`);
    assert.equal(await page.getByLabel(roads.title_vi, { exact: true }).isChecked(), false);
    assert.equal((await renderedFeatures(page, ROADS)).length, 0);
    assert.ok((await renderedFeatures(page, COMMUNES)).length > 0);
    await page.getByLabel(roads.title_vi, { exact: true }).click();
    await page.getByTestId('home-button').click();
    await waitForMapIdle(page);
  });

  it('paints a real map, not a blank page', async () => {
    const png = decodePng(await screenshot(page, 'map-province-vi.png'));
    assert.equal(png.width, 1280);
    assert.ok(distinctColours(png) > 200, `the page has many colours: ${distinctColours(png)}`);
    const box = await page.getByTestId('map').boundingBox();
    assert.ok(box);
    const mapArea = { x: Math.round(box.x) + 10, y: Math.round(box.y) + 10, width: Math.round(box.width) - 20, height: Math.round(box.height) - 60 };
    assert.ok(distinctColours(png, mapArea) > 50, `the map area is drawn: ${distinctColours(png, mapArea)} colours`);
  });

  it('on a phone the panel waits behind the menu button', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    phone.setDefaultTimeout(90_000);
    try {
      const mobile = await phone.newPage();
      const mobileProblems = watchForProblems(mobile);
      await mobile.goto(`${server.url}/`);
      await waitForMapIdle(mobile);
      const menu = mobile.getByTestId('menu-button');
      assert.ok(await menu.isVisible());
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      assert.equal(await mobile.getByTestId('panel').isVisible(), false);
      assert.ok((await renderedFeatures(mobile, COMMUNES)).length > 0);
      await screenshot(mobile, 'map-phone-closed.png');
      await menu.click();
      assert.equal(await menu.getAttribute('aria-expanded'), 'true');
      await mobile.getByLabel(layer(GEOSITES).title_vi, { exact: true }).waitFor({ state: 'visible' });
      // The drawer slides in: photograph it once it is all there.
      await mobile.waitForFunction(() => getComputedStyle(document.getElementById('panel')!).transform === 'none');
      await screenshot(mobile, 'map-phone-open.png');
      await mobile.keyboard.press('Escape');
      await mobile.getByTestId('panel').waitFor({ state: 'hidden' });
      assert.deepEqual(mobileProblems, []);
    } finally {
      await phone.close();
    }
  });

  it('says nothing wrong in the console', () => {
    assert.deepEqual(problems, []);
  });
});
