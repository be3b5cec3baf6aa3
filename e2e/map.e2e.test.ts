// The public web map against a real server with the demo data, in Debian's Chromium: what a visitor sees,
// clicks and shares. The map is drawn from the server's style (/styles/default.json).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { login } from '../server/testing/http.ts';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { ensureWebBuilt, jumpAndSettle, launchBrowser, resultsDir, screenshot, waitForMapIdle, watchForProblems } from './browser.ts';
import { decodePng, distinctColours } from './png.ts';

const COMMUNES = 'tai_nguyen.ranh_gioi_xa';
const ROADS = 'giao_thong.quoc_lo';
const GEOSITES = 'van_hoa.diem_di_san_dia_chat';
const PLANNING = 'xay_dung.quy_hoach_su_dung_dat';
const LIGHTS = 'do_thi.den_chieu_sang';
/** Restricted: the Department of Construction's viewer (xem.xaydung) may read it, a visitor may not. */
const BTS = 'thong_tin.tram_bts';
/** In the densest z13 tile of the street lights (tiles/tile-size.test.ts), so they are aggregated there. */
const CITY_LIGHTS: [number, number] = [106.2366, 22.66];
/** The colour of every tile the local "online" tile server answers with. */
const ONLINE_TILE_RGB: [number, number, number] = [200, 30, 120];
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

/** The features of a catalog layer drawn on screen now (the MVT layer of the composite source is named after it). */
async function renderedFeatures(page: Page, layerId: string): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(
    (id) =>
      window
        .cbMap!.queryRenderedFeatures()
        .filter((f) => f.sourceLayer === id)
        .map((f) => ({ ...f.properties })),
    layerId,
  );
}

/** A 256-pixel PNG of one colour: what the local stand-in for an online tile service answers. */
function solidPng([r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const size = 256;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => [r, g, b]).flat())]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: size }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** The page's pixel at a point of the map, from a screenshot. */
async function mapPixel(page: Page, at: { x: number; y: number }): Promise<[number, number, number]> {
  const png = decodePng(await page.screenshot());
  const i = (Math.round(at.y) * png.width + Math.round(at.x)) * png.channels;
  return [png.pixels[i]!, png.pixels[i + 1]!, png.pixels[i + 2]!];
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
  /** Every address the page asked for: all of them must be the platform's own. */
  let requested: string[];
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
    requested = [];
    page.on('request', (request) => requested.push(request.url()));
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

  it('draws from the server\'s style: one composite source, each style layer naming its catalog layer', async () => {
    const served = (await (await fetch(`${server.url}/styles/default.json`)).json()) as { layers: Array<{ id: string }> };
    const drawn = await page.evaluate(() => {
      const style = window.cbMap!.getStyle();
      const features = window.cbMap!.queryRenderedFeatures();
      return {
        layers: style.layers.map((l) => ({ id: l.id, catalog: (l.metadata as Record<string, unknown> | undefined)?.['cb:layer'] ?? null })),
        sources: Object.entries(style.sources).map(([id, src]) => `${id}:${src.type}`),
        featureSources: [...new Set(features.map((f) => f.source))],
        featureLayers: [...new Set(features.map((f) => `${f.sourceLayer}=${(f.layer.metadata as Record<string, unknown> | undefined)?.['cb:layer']}`))],
      };
    });
    assert.deepEqual(drawn.layers.map((l) => l.id), served.layers.map((l) => l.id));
    assert.deepEqual(drawn.sources, ['cb:vector']);
    assert.deepEqual(drawn.featureSources, ['cb']);
    assert.ok(drawn.featureLayers.length >= 3 && drawn.featureLayers.every((pair) => pair.split('=')[0] === pair.split('=')[1]), drawn.featureLayers.join());
    assert.ok(drawn.layers.slice(1).every((l) => typeof l.catalog === 'string'), 'every layer but the background draws a catalog layer');
    assert.ok(!drawn.layers.some((l) => l.catalog === BTS), 'a visitor\'s style has no restricted layer');
    assert.equal(await page.getByTestId('basemap-switch').count(), 0, 'no online basemap is configured: no switch');
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
    assert.equal(await page.getByTestId(`layer-data-page-${GEOSITES}`).textContent(), 'Data page');
    assert.equal(await page.getByLabel(`Opacity of the layer “${geosites.title_en}”`).getAttribute('data-testid'), `layer-opacity-${GEOSITES}`);
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
    // The map credits the owners of the layers on it, and only those (each card gives source and last update).
    const credits = async () => (await page.locator('.maplibregl-ctrl-attrib-inner').textContent()) ?? '';
    const othersOfOwner = [...layers.values()].filter((l) => l.id !== GEOSITES && l.owner.name_vi === geosites.owner.name_vi);
    assert.equal(othersOfOwner.length, 0, 'the geosites are the only layer of their owner in the demo');
    assert.ok(!(await credits()).includes(geosites.owner.name_vi), await credits());
    assert.ok((await credits()).includes(layer(COMMUNES).owner.name_vi), await credits());

    await toggle.focus();
    await page.keyboard.press('Space');
    await waitForMapIdle(page);
    assert.equal(await toggle.isChecked(), true);
    assert.ok((await renderedFeatures(page, GEOSITES)).length > 0);
    assert.ok((hashParams(page.url()).get('layers') ?? '').split(',').includes(GEOSITES));
    assert.match(await credits(), new RegExp(`^Dữ liệu: .*${geosites.owner.name_vi}`));
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

  it('each layer links to its data page', async () => {
    for (const id of [GEOSITES, ROADS, PLANNING]) {
      const link = page.getByRole('link', { name: `Trang dữ liệu của lớp «${layer(id).title_vi}»`, exact: true });
      assert.equal(await link.textContent(), 'Trang dữ liệu');
      assert.equal(await link.getAttribute('href'), `/layer.html?id=${id}`);
    }
  });

  it('the layer filter narrows the tree by title, sector or agency, without diacritics, and Escape brings all back', async () => {
    const filter = page.getByRole('searchbox', { name: 'Tìm lớp dữ liệu' });
    assert.equal(await filter.getAttribute('placeholder'), 'Lọc lớp: tên, lĩnh vực, cơ quan…');
    const shownLayers = () => page.locator('li.layer-item:visible').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset.layerId!).sort());
    const all = await shownLayers();
    assert.equal(all.length, layers.size);
    // A title typed without its marks.
    await filter.fill('di san dia chat');
    assert.deepEqual(await shownLayers(), [GEOSITES]);
    assert.equal(await page.getByTestId('sector-van_hoa').isVisible(), true);
    assert.equal(await page.getByTestId('sector-giao_thong').isVisible(), false);
    // A sector's name: every layer of it, and only those.
    await filter.fill('giao thong');
    const roadsSector = [...layers.values()].filter((l) => l.sector.code === 'giao_thong' || /giao thông/i.test(`${l.title_vi} ${l.owner.name_vi}`)).map((l) => l.id).sort();
    assert.deepEqual(await shownLayers(), roadsSector);
    // An agency's name, in English too.
    await filter.fill('Department of Construction');
    const construction = [...layers.values()].filter((l) => /construction/i.test(`${l.owner.name_en} ${l.sector.title_en} ${l.title_en}`)).map((l) => l.id).sort();
    assert.ok(construction.length > 0);
    assert.deepEqual(await shownLayers(), construction);
    // Nothing matches: it says so.
    await filter.fill('khong co lop nay');
    assert.deepEqual(await shownLayers(), []);
    assert.equal((await page.getByTestId('layer-filter-empty').textContent())?.trim(), 'Không có lớp dữ liệu nào khớp.');
    await filter.press('Escape');
    assert.equal(await filter.inputValue(), '');
    assert.deepEqual(await shownLayers(), all);
    assert.equal(await page.getByTestId('layer-filter-empty').isVisible(), false);
  });

  it('the opacity slider fades a layer\'s drawing, from the keyboard, and the address keeps it', async () => {
    const roads = layer(ROADS);
    const slider = page.getByLabel(`Độ mờ đục của lớp «${roads.title_vi}»`, { exact: true });
    const paint = (id: string, property: string) => page.evaluate(([i, p]) => window.cbMap!.getPaintProperty(i!, p as 'line-opacity') ?? null, [id, property]);
    assert.equal(await slider.inputValue(), '100');
    assert.equal(await paint(`${ROADS}:line`, 'line-opacity'), null, 'the served style leaves it at MapLibre\'s 1');
    await slider.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await slider.inputValue(), '40');
    assert.equal(await slider.getAttribute('aria-valuetext'), '40%');
    assert.equal(await page.locator(`li[data-layer-id="${ROADS}"] .opacity-value`).textContent(), '40%');
    assert.equal(await paint(`${ROADS}:line`, 'line-opacity'), 0.4);
    await page.waitForFunction((id) => new URLSearchParams(window.location.hash.slice(1)).get('opacity') === `${id}:40`, ROADS);
    assert.ok((await renderedFeatures(page, ROADS)).length > 0, 'faded, not hidden');

    // A polygon: its fill keeps the selected-feature emphasis, scaled; its outline fades too.
    const planning = page.getByLabel(`Độ mờ đục của lớp «${layer(PLANNING).title_vi}»`, { exact: true });
    const servedFill = await paint(`${PLANNING}:fill`, 'fill-opacity');
    await planning.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.deepEqual(await paint(`${PLANNING}:fill`, 'fill-opacity'), ['*', servedFill, 0.9]);
    assert.equal(await paint(`${PLANNING}:outline`, 'line-opacity'), 0.9);

    await page.waitForFunction(() => (new URLSearchParams(window.location.hash.slice(1)).get('opacity') ?? '').split(',').length === 2);
    await page.reload();
    await waitForMapIdle(page);
    assert.equal(await slider.inputValue(), '40');
    assert.equal(await paint(`${ROADS}:line`, 'line-opacity'), 0.4);
    assert.deepEqual(await paint(`${PLANNING}:fill`, 'fill-opacity'), ['*', servedFill, 0.9]);

    await slider.focus();
    await page.keyboard.press('End');
    await planning.focus();
    await page.keyboard.press('End');
    assert.equal(await paint(`${ROADS}:line`, 'line-opacity'), null, 'back to the served look');
    assert.deepEqual(await paint(`${PLANNING}:fill`, 'fill-opacity'), servedFill);
    await page.waitForFunction(() => !new URLSearchParams(window.location.hash.slice(1)).has('opacity'));
  });

  it('a crowd of street lights drawn as one says how many it is and zooms in, instead of a bogus feature', async () => {
    await jumpAndSettle(page, { center: CITY_LIGHTS, zoom: 13.4 });
    // A place where every point a click picks up is an aggregate of street lights (points are drawn over the streets).
    const crowd = await page.evaluate((id) => {
      const map = window.cbMap!;
      const rect = map.getContainer().getBoundingClientRect();
      const aggregates = map.queryRenderedFeatures({ layers: [`${id}:circle`] }).filter((f) => Number(f.properties._count) > 1);
      aggregates.sort((a, b) => Number(b.properties._count) - Number(a.properties._count));
      for (const candidate of aggregates) {
        if (candidate.geometry.type !== 'Point') continue;
        const p = map.project(candidate.geometry.coordinates as [number, number]);
        // Clear of the edges, where the controls sit over the map.
        if (Math.abs(p.x - rect.width / 2) > rect.width / 3 || Math.abs(p.y - rect.height / 2) > rect.height / 3) continue;
        const picked = map.queryRenderedFeatures([[p.x - 5, p.y - 5], [p.x + 5, p.y + 5]])
          .filter((f) => (f.layer.metadata as Record<string, unknown> | undefined)?.['cb:base'] === false);
        const points = picked.filter((f) => f.layer.type === 'circle');
        if (picked[0]?.layer.type === 'circle' && points.every((f) => f.sourceLayer === id && Number(f.properties._count) > 1)) {
          return { x: rect.left + p.x, y: rect.top + p.y, counts: points.map((f) => Number(f.properties._count)), zoom: map.getZoom() };
        }
      }
      return null;
    }, LIGHTS);
    assert.ok(crowd, 'aggregated street lights are drawn in the city');
    await page.mouse.click(crowd.x, crowd.y);
    await page.getByTestId('popup-aggregate').waitFor();
    assert.equal(await page.getByTestId('popup-layer').textContent(), layer(LIGHTS).title_vi);
    const title = (await page.getByTestId('popup-title').textContent()) ?? '';
    const counts = crowd.counts.map((n) => `${new Intl.NumberFormat('vi-VN').format(n)} điểm`);
    assert.ok(counts.includes(title), `${title} is one of ${counts.join(', ')}`);
    // Not a feature: no feature id, no error report, no API link, no attributes.
    for (const hook of ['popup-report', 'popup-api-link', 'popup-attributes']) assert.equal(await page.getByTestId(hook).count(), 0, hook);
    assert.equal(await page.locator('[data-attribute="fid"]').count(), 0);
    assert.equal(await page.getByTestId('popup-owner').textContent(), layer(LIGHTS).owner.name_vi);
    await page.getByTestId('popup-zoom-in').click();
    await waitForMapIdle(page);
    assert.equal(await page.getByTestId('popup').count(), 0);
    const zoom = await page.evaluate(() => window.cbMap!.getZoom());
    assert.ok(Math.abs(zoom - (crowd.zoom + 2)) < 0.01, `zoomed in two levels: ${crowd.zoom} → ${zoom}`);
    await page.getByTestId('home-button').click();
    await waitForMapIdle(page);
  });

  it('a signed-in reader of the restricted layer finds it in the tree and on the map; a visitor does not', async () => {
    assert.ok(!layers.has(BTS) && (await page.locator(`li[data-layer-id="${BTS}"]`).count()) === 0);
    const reader = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    reader.setDefaultTimeout(90_000);
    try {
      const session = await login(server.url, 'xem.xaydung', DEMO_PASSWORD);
      const readable = (await (await fetch(`${server.url}/api/layers`, { headers: { cookie: session.cookie } })).json()) as { layers: CatalogLayer[] };
      const bts = readable.layers.find((l) => l.id === BTS);
      assert.ok(bts, 'the reader may read the base stations');
      const [name, ...value] = session.cookie.split('=');
      await reader.addCookies([{ name: name!, value: value.join('='), url: server.url }]);
      const signedIn = await reader.newPage();
      const readerProblems = watchForProblems(signedIn);
      await signedIn.goto(`${server.url}/#map=11.00/22.66000/106.25000&layers=${BTS},${COMMUNES}`);
      await waitForMapIdle(signedIn);
      const toggle = signedIn.getByLabel(bts.title_vi, { exact: true });
      assert.ok(await toggle.isChecked());
      assert.equal(await signedIn.locator(`li[data-layer-id="${BTS}"] .badge`).textContent(), 'Hạn chế');
      const drawn = await renderedFeatures(signedIn, BTS);
      assert.ok(drawn.length > 0, 'the stations are drawn for the reader');
      assert.deepEqual(readerProblems, []);
    } finally {
      await reader.close();
    }
    // The visitor's page, asked for the same layer, still has none of it.
    await page.goto(`${server.url}/#map=11.00/22.66000/106.25000&layers=${BTS},${COMMUNES}`);
    await waitForMapIdle(page);
    assert.equal(await page.locator(`li[data-layer-id="${BTS}"]`).count(), 0);
    assert.equal((await renderedFeatures(page, BTS)).length, 0);
    assert.ok((await renderedFeatures(page, COMMUNES)).length > 0);
    await page.goto(`${server.url}/`);
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
      // The header fits a phone: the eye gets the short name (drawn by CSS from data-short), the heading's text
      // stays the full name, and the staff link shows as an icon that keeps its name.
      const header = await mobile.evaluate(() => {
        const title = document.querySelector<HTMLElement>('[data-testid="app-title"]')!;
        const bar = document.querySelector<HTMLElement>('.app-header')!;
        return { short: title.dataset.short, width: title.getBoundingClientRect().width, overflows: bar.scrollWidth > bar.clientWidth };
      });
      assert.equal(header.short, 'GIS Cao Bằng');
      assert.ok(header.width >= 80, `the short name has room (${header.width} px)`);
      assert.equal(header.overflows, false);
      assert.equal(await mobile.getByTestId('app-title').textContent(), 'Cổng dữ liệu GIS chuyên ngành tỉnh Cao Bằng');
      assert.ok(await mobile.getByRole('link', { name: 'Đăng nhập cán bộ' }).isVisible());
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

  it('says nothing wrong in the console, and asked nothing of any other server', () => {
    assert.deepEqual(problems, []);
    const elsewhere = requested.filter((url) => !url.startsWith(`${server.url}/`) && !/^(data|blob):/.test(url));
    assert.deepEqual(elsewhere, []);
    assert.ok(requested.some((url) => url.startsWith(`${server.url}/styles/default.json`)), 'the style came from the server');
  });
});

const BASEMAP_CREDIT_HTML = '<a href="https://nen.example.vn/ban-quyen">© Nền thử nghiệm</a> &amp; cộng tác viên';
const BASEMAP_CREDIT_TEXT = '© Nền thử nghiệm & cộng tác viên';

/** Exports the view (kept in test-results as `file`) and returns the credit lines the picture was drawn with. */
async function exportedCredit(page: Page, file: string): Promise<string[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('tool-export').click()]);
  await download.saveAs(path.join(resultsDir, file));
  return ((await page.getByTestId('map').getAttribute('data-export-credit')) ?? '').split('\n');
}

describe('the online basemap, when the server is configured with one', () => {
  let server: TestServer;
  let tiles: http.Server;
  let tileRequests: string[];
  let browser: Browser;

  before(async () => {
    ensureWebBuilt();
    // Stands in for an online tile service, on loopback: nothing leaves the machine.
    const png = solidPng(ONLINE_TILE_RGB);
    tileRequests = [];
    tiles = http.createServer((req, res) => {
      tileRequests.push(req.url ?? '');
      const ok = /^\/nen\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '');
      res.writeHead(ok ? 200 : 404, { 'content-type': ok ? 'image/png' : 'text/plain', 'access-control-allow-origin': '*' });
      res.end(ok ? png : 'not a tile');
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const port = (tiles.address() as AddressInfo).port;
    server = await startTestServer({
      demo: true,
      // A credit as tile services write it: a link, and an entity (MapLibre shows it as HTML).
      env: { ONLINE_BASEMAP_URL: `http://127.0.0.1:${port}/nen/{z}/{x}/{y}.png`, ONLINE_BASEMAP_ATTRIBUTION: BASEMAP_CREDIT_HTML },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => tiles?.close(resolve));
  });

  it('starts offline and fetches no online tile; the switch shows the online tiles and puts it in the address', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN', acceptDownloads: true });
    context.setDefaultTimeout(90_000);
    try {
      const page = await context.newPage();
      const problems = watchForProblems(page);
      // Far east of the province, where the offline basemap is only the plain background.
      await page.goto(`${server.url}/#map=9.00/24.80000/108.80000`);
      await waitForMapIdle(page);
      const offline = page.getByTestId('basemap-offline');
      const online = page.getByTestId('basemap-online');
      assert.equal(await page.getByRole('group', { name: 'Bản đồ nền' }).count(), 1);
      assert.equal(await offline.textContent(), 'Nền offline');
      assert.equal(await online.textContent(), 'Nền trực tuyến');
      assert.equal(await offline.getAttribute('aria-pressed'), 'true');
      assert.equal(await online.getAttribute('aria-pressed'), 'false');
      const box = (await page.getByTestId('map').boundingBox())!;
      const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const before = await mapPixel(page, centre);
      assert.notDeepEqual(before, ONLINE_TILE_RGB);
      assert.deepEqual(tileRequests, [], 'a hidden online basemap costs no request');

      await online.focus();
      await page.keyboard.press('Enter');
      await waitForMapIdle(page);
      assert.equal(await online.getAttribute('aria-pressed'), 'true');
      // 256-pixel tiles: at map zoom 9 they are z10.
      assert.ok(tileRequests.length > 0 && tileRequests.every((url) => /^\/nen\/10\/\d+\/\d+\.png$/.test(url)), tileRequests.join());
      const after = await mapPixel(page, centre);
      assert.ok(after.every((c, i) => Math.abs(c - ONLINE_TILE_RGB[i]!) <= 3), `the online tiles are on screen: ${after.join(',')}`);
      const shown = (await page.locator('.maplibregl-ctrl-attrib-inner').textContent()) ?? '';
      assert.ok(shown.includes(BASEMAP_CREDIT_TEXT), shown);
      await page.waitForFunction(() => new URLSearchParams(window.location.hash.slice(1)).get('basemap') === 'online');

      // The picture credits the basemap as the map does, in words (no markup), beside the owners of the layers shown.
      const owners = shown.match(/Dữ liệu: ([^|]+)/)![1]!.trim().split(', ');
      assert.ok(owners.length > 0 && owners.every(Boolean), shown);
      const credit = await exportedCredit(page, 'map-export-online-basemap.png');
      assert.equal(credit.at(-1), `Nền bản đồ: ${BASEMAP_CREDIT_TEXT}`);
      assert.ok(credit[0]!.startsWith('Nguồn dữ liệu: '), credit.join(' / '));
      const sources = credit.slice(0, -1).join(' ');
      for (const owner of owners) assert.ok(sources.includes(owner), `${owner} in ${sources}`);

      await page.getByTestId('lang-en').click();
      assert.equal(await page.getByRole('group', { name: 'Basemap' }).count(), 1);
      assert.equal(await online.textContent(), 'Online basemap');
      assert.equal((await exportedCredit(page, 'map-export-online-basemap-en.png')).at(-1), `Basemap: ${BASEMAP_CREDIT_TEXT}`);
      await offline.click();
      await waitForMapIdle(page);
      assert.deepEqual(await mapPixel(page, centre), before);
      await page.waitForFunction(() => !new URLSearchParams(window.location.hash.slice(1)).has('basemap'));
      // Offline, nothing of the online basemap is shown, so nothing of it is credited.
      const offlineCredit = await exportedCredit(page, 'map-export-offline-basemap.png');
      assert.ok(offlineCredit.every((line) => !line.includes('Basemap') && !line.includes('Nền thử nghiệm')), offlineCredit.join(' / '));
      assert.ok(offlineCredit[0]!.startsWith('Data sources: '), offlineCredit.join(' / '));
      const heightOf = (file: string) => decodePng(fs.readFileSync(path.join(resultsDir, file))).height;
      assert.ok(heightOf('map-export-online-basemap-en.png') > heightOf('map-export-offline-basemap.png'), 'the basemap credit is a line of the picture');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
