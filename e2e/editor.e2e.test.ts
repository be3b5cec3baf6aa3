// The agency editor and admin pages against a real server with the demo data and the import worker in-process,
// in Debian's Chromium: sign in, draw, save, conflict, history, permissions, a disabled account, an import.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { api, login } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { clickMapAt, signInOnPage } from './editor-page.ts';
import { ensureWebBuilt, launchBrowser, resultsDir, screenshot, watchForProblems } from './browser.ts';

const LIGHTS = 'do_thi.den_chieu_sang';
const SPOT: [number, number] = [106.2575, 22.6655];

describe('the agency editor', () => {
  let server: TestServer;
  let url: string;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let fid: number;

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ demo: true, worker: true });
    url = server.url;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'vi-VN' });
    problems = watchForProblems(page);
    fs.mkdirSync(resultsDir, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in with a Vietnamese error first, then lists only the agency’s layers', async () => {
    await page.goto(`${url}/editor.html`);
    await page.getByLabel('Tên đăng nhập').fill('bientap.dothi');
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByText('Sai tên đăng nhập hoặc mật khẩu.').waitFor();
    problems.length = 0; // the refused sign-in's 401 was the point
    await signInOnPage(page, url, 'bientap.dothi');
    const layers = await page.locator('.layer-choice').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.layer));
    assert.ok(layers.includes(LIGHTS), `editable: ${layers.join(', ')}`);
    assert.ok(layers.every((id) => id!.startsWith('do_thi.')), `only UBND TP layers: ${layers.join(', ')}`);
    await screenshot(page, 'editor-signed-in.png');
  });

  it('draws a point, fills its attributes (validated in Vietnamese), saves and shows it on the map', async () => {
    await page.getByRole('button', { name: 'Đèn chiếu sáng công cộng' }).click();
    // Choosing a layer asks the server about the session and then fits the map to the layer: only once its draw
    // button is named for points has that fit happened, and the camera may be moved without being moved back.
    await page.getByRole('button', { name: 'Vẽ điểm mới' }).waitFor();
    await page.evaluate((c) => window.cbMap!.jumpTo({ center: c, zoom: 17 }), SPOT);
    // A light stands a few metres away: without snapping (e2e/editor-map tests it) the point is where it is clicked.
    await page.getByLabel('Bắt dính vào đối tượng có sẵn').uncheck();
    await page.getByRole('button', { name: 'Vẽ điểm mới' }).click();
    await clickMapAt(page, SPOT);
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Bắt buộc nhập «Mã đèn».').waitFor();
    await page.getByLabel('Mã đèn *').fill('E2E-001');
    const lamp = await page.getByLabel('Loại đèn *').locator('option').nth(1).getAttribute('value');
    await page.getByLabel('Loại đèn *').selectOption(lamp!);
    await page.getByLabel('Công suất (W)').fill('120');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã lưu.').waitFor();
    const heading = await page.locator('#feature-heading').textContent();
    const m = heading!.match(/#(\d+) \(phiên bản 1\)/);
    assert.ok(m, heading!);
    fid = Number(m[1]);
    const r = await api(url, 'GET', `/api/layers/${LIGHTS}/features/${fid}`);
    assert.equal(r.body.properties.ma_den, 'E2E-001');
    assert.equal(r.body.properties.cong_suat_w, 120);
    // Where it was clicked, to within a few screen pixels at z17 (~1.2 m each).
    const [lon, lat] = r.body.geometry.coordinates as number[];
    assert.ok(Math.abs(lon! - SPOT[0]!) < 3e-5 && Math.abs(lat! - SPOT[1]!) < 3e-5, `${lon}, ${lat} vs ${SPOT}`);
    await page.waitForFunction((id) => window.cbMap!.queryRenderedFeatures().some((f) => f.source === 'editing' && f.id === id), fid);
    await screenshot(page, 'editor-saved.png');
  });

  it('on a conflict from a second session shows what changed, and re-applies on top', async () => {
    const other = await login(url, 'bientap.dothi', DEMO_PASSWORD);
    const current = await api(url, 'GET', `/api/layers/${LIGHTS}/features/${fid}`);
    const changed = await api(url, 'PATCH', `/api/layers/${LIGHTS}/features/${fid}`, {
      session: other, headers: { 'if-match': current.headers.get('etag')! }, body: { type: 'Feature', properties: { tuyen_duong: 'Phố Kim Đồng' } },
    });
    assert.equal(changed.status, 200);
    await page.getByLabel('Công suất (W)').fill('150');
    await page.getByRole('button', { name: 'Lưu' }).click();
    const dialog = page.getByRole('dialog', { name: 'Đối tượng đã bị người khác thay đổi' });
    await dialog.waitFor();
    const text = await dialog.textContent();
    assert.match(text!, /Phố Kim Đồng/);
    assert.match(text!, /150/);
    await screenshot(page, 'editor-conflict.png');
    const texts = async (d: typeof dialog) => ({
      intro: await d.locator('p').textContent(),
      headers: await d.locator('thead th').allTextContents(),
      rows: await d.locator('tbody th').allTextContents(),
      buttons: await d.locator('.actions button').allTextContents(),
    });
    assert.deepEqual(await texts(dialog), {
      intro: 'Trong lúc bạn sửa, đối tượng đã được lưu phiên bản 2. Các khác biệt:',
      headers: ['Trường', 'Hiện tại', 'Của bạn'],
      rows: ['Công suất (W)', 'Tuyến đường'],
      buttons: ['Tải lại', 'Áp dụng lại thay đổi của tôi'],
    });
    // The dialog is modal (the page's own VI/EN cannot be reached): its own switch, and every text in it follows.
    await dialog.getByRole('button', { name: 'EN', exact: true }).click();
    const english = page.getByRole('dialog', { name: 'Someone else changed this feature' });
    await english.waitFor();
    assert.deepEqual(await texts(english), {
      intro: 'While you were editing, version 2 was saved. The differences:',
      headers: ['Field', 'Current', 'Yours'],
      rows: ['Power (W)', 'Street'],
      buttons: ['Reload', 'Re-apply my changes'],
    });
    assert.equal(await english.getByRole('group', { name: 'Language' }).getByRole('button', { name: 'EN', exact: true }).getAttribute('aria-pressed'), 'true');
    await screenshot(page, 'editor-conflict-en.png');
    await english.getByRole('button', { name: 'VI', exact: true }).click();
    await dialog.waitFor();
    assert.deepEqual((await texts(dialog)).buttons, ['Tải lại', 'Áp dụng lại thay đổi của tôi']);
    assert.deepEqual((await texts(dialog)).headers, ['Trường', 'Hiện tại', 'Của bạn']);
    assert.deepEqual((await texts(dialog)).rows, ['Công suất (W)', 'Tuyến đường']);
    await dialog.getByRole('button', { name: 'Áp dụng lại thay đổi của tôi' }).click();
    await page.getByRole('heading', { name: `Đối tượng #${fid} (phiên bản 3)` }).waitFor();
    const after = await api(url, 'GET', `/api/layers/${LIGHTS}/features/${fid}`);
    assert.equal(after.body.properties.tuyen_duong, 'Phố Kim Đồng', 'their change kept');
    assert.equal(after.body.properties.cong_suat_w, 150, 'my change applied');
    assert.equal(after.headers.get('etag'), `W/"${LIGHTS}:${fid}:3"`);

    // And "Tải lại" takes the other session's version into the form.
    const again = await api(url, 'PATCH', `/api/layers/${LIGHTS}/features/${fid}`, {
      session: other, headers: { 'if-match': after.headers.get('etag')! }, body: { type: 'Feature', properties: { phuong: 'Phường Hợp Giang' } },
    });
    assert.equal(again.status, 200);
    await page.getByLabel('Công suất (W)').fill('200');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Tải lại' }).click();
    await page.getByRole('heading', { name: `Đối tượng #${fid} (phiên bản 4)` }).waitFor();
    assert.equal(await page.getByLabel('Phường, xã').inputValue(), 'Phường Hợp Giang');
    assert.equal(await page.getByLabel('Công suất (W)').inputValue(), '150');
  });

  it('restores an old version from the history', async () => {
    await page.getByRole('button', { name: 'Lịch sử' }).click();
    const dialog = page.getByRole('dialog', { name: `Lịch sử đối tượng #${fid}` });
    await dialog.waitFor();
    assert.equal(await dialog.locator('.version').count(), 4);
    assert.match((await dialog.locator('.version[data-version="3"]').textContent())!, /Công suất \(W\): 120 → 150/);
    await screenshot(page, 'editor-history.png');
    await dialog.locator('.version[data-version="1"]').getByRole('button', { name: 'Khôi phục phiên bản này' }).click();
    await page.getByText('Đã khôi phục phiên bản 1.').waitFor();
    const r = await api(url, 'GET', `/api/layers/${LIGHTS}/features/${fid}`);
    assert.equal(r.body.properties.cong_suat_w, 120);
    assert.equal(r.body.properties.tuyen_duong, null);
  });

  it('an editor of another agency does not get the layer, and the API refuses them', async () => {
    const other = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signInOnPage(other, url, 'bientap.gtvt');
    const layers = await other.locator('.layer-choice').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.layer));
    assert.ok(layers.length > 0 && !layers.includes(LIGHTS), layers.join(', '));
    assert.ok(layers.every((id) => id!.startsWith('giao_thong.')));
    await other.close();
    const session = await login(url, 'bientap.gtvt', DEMO_PASSWORD);
    const r = await api(url, 'POST', `/api/layers/${LIGHTS}/features`, { session, body: { type: 'Feature', geometry: { type: 'Point', coordinates: SPOT }, properties: { ma_den: 'X', loai_den: 'LED' } } });
    assert.equal(r.status, 403);
  });

  it('an import with a progress bar ends with the features on the map', async () => {
    const file = path.join(server.dataDir, 'den-moi.geojson');
    const lamp = (await api(url, 'GET', `/api/layers/${LIGHTS}/features/${fid}`)).body.properties.loai_den;
    fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [0, 1, 2].map((i) => ({
      type: 'Feature', geometry: { type: 'Point', coordinates: [106.259 + i * 0.0005, 22.667] }, properties: { ma_den: `NHAP-${i}`, loai_den: lamp },
    })) }));
    await page.getByLabel('Tệp dữ liệu (GeoJSON, Shapefile .zip, CSV…)').setInputFiles(file);
    await page.getByLabel('Lớp đích').selectOption(LIGHTS);
    await page.getByRole('button', { name: 'Tải lên và xem trước' }).click();
    await page.getByText('Báo cáo xem trước').waitFor({ timeout: 120_000 });
    assert.ok(await page.locator('#import-progress').isVisible());
    assert.match((await page.locator('#import-report').textContent())!, /Số đối tượng: 3/);
    await screenshot(page, 'editor-import-preview.png');
    await page.getByRole('button', { name: 'Nhập vào lớp dữ liệu' }).click();
    await page.getByText(/Đã nhập 3 đối tượng/).waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => window.cbMap!.queryRenderedFeatures().filter((f) => f.source === 'editing' && String(f.properties.ma_den).startsWith('NHAP-')).length === 3);
    await screenshot(page, 'editor-import-done.png');
  });

  it('an agency admin creates an editor and disables them; the disabled editor’s open page goes back to sign-in', async () => {
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await admin.goto(`${url}/admin.html`);
    await admin.getByLabel('Tên đăng nhập').fill('admin.dothi');
    await admin.getByLabel('Mật khẩu').fill(DEMO_PASSWORD);
    await admin.getByRole('button', { name: 'Đăng nhập' }).click();
    await admin.getByRole('heading', { name: 'Tài khoản' }).waitFor();
    await admin.locator('#new-username').fill('bientap.moi');
    await admin.locator('#new-display').fill('Biên tập viên mới');
    await admin.locator('#new-password').fill('Mat-khau-Moi-2026');
    await admin.locator('#new-layers').getByRole('checkbox', { name: `Đèn chiếu sáng công cộng ${LIGHTS}` }).check();
    await admin.getByRole('button', { name: 'Tạo biên tập viên' }).click();
    await admin.getByText('Đã tạo tài khoản bientap.moi.').waitFor();
    // The list says, in words, who the account belongs to and what it is limited to.
    const row = admin.locator('tr', { hasText: 'bientap.moi' });
    assert.match((await row.textContent())!, /Biên tập viên — UBND thành phố Cao Bằng — chỉ: Đèn chiếu sáng công cộng/);

    const editor = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await editor.goto(`${url}/editor.html`);
    await editor.getByLabel('Tên đăng nhập').fill('bientap.moi');
    await editor.getByLabel('Mật khẩu').fill('Mat-khau-Moi-2026');
    await editor.getByRole('button', { name: 'Đăng nhập' }).click();
    await editor.waitForFunction(() => window.cbReady === true);
    assert.deepEqual(await editor.locator('.layer-choice').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.layer)), [LIGHTS]);

    await admin.locator('[data-user="bientap.moi"]').getByRole('button', { name: 'Khoá' }).click();
    const reason = admin.getByRole('dialog', { name: 'Khoá tài khoản bientap.moi' });
    await reason.getByLabel('Lý do').fill('Nghỉ việc');
    await reason.getByRole('button', { name: 'Khoá' }).click();
    await admin.getByText('Đã cập nhật.').waitFor();
    // The list reloads after the message: wait for the row itself to say so.
    await admin.locator('tr', { hasText: 'bientap.moi' }).filter({ hasText: 'Đã khoá' }).waitFor();
    await screenshot(admin, 'admin-accounts.png');

    await editor.getByRole('button', { name: 'Đèn chiếu sáng công cộng' }).click();
    await editor.getByText('Phiên làm việc đã kết thúc hoặc tài khoản đã bị khoá. Vui lòng đăng nhập lại.').waitFor();
    assert.ok(await editor.getByRole('button', { name: 'Đăng nhập' }).isVisible());
    await screenshot(editor, 'editor-signed-out.png');
    await admin.close();
    await editor.close();
  });

  // Expected: the signed-out page's first /api/auth/me (401) and the provoked conflicts (412).
  it('had no unexpected problems on the main editor page', () => {
    assert.deepEqual(problems.filter((p) => !/412|\/api\/auth\/me/.test(p)), []);
  });
});
