// The admin pages in Debian's Chromium against a real server with the demo data: an agency admin issues an API key,
// sees it once and revokes it (the key stops working at once), reads the audit log, creates a layer with its
// attribute schema and style and changes its access; handles held reports; the operator creates, renames and merges
// agencies and hands a layer over. Every question is an accessible dialog, never window.prompt/confirm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { api, login, type Session } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { screenshot } from './browser.ts';
import { signInToAdmin, useAdminPage } from './admin-page.ts';

const NEW_LAYER = 'giao_thong.tram_dung_xe';

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
}

async function status(page: Page, text: string): Promise<void> {
  await page.locator('#status', { hasText: text }).waitFor();
}

// One server and one page for the whole file (the hooks of useAdminPage at the file's top level).
const admin = useAdminPage();

async function layerIds(session?: Session): Promise<Array<{ id: string; owner: { code: string }; style: unknown; attributes: unknown; visibility: string }>> {
  return (await api(admin.server.url, 'GET', '/api/layers', { session })).body.layers;
}

describe('the admin pages', () => {

  it('an agency admin creates an API key, sees it once, and revoking it stops it on /api/layers at once', async () => {
    await signInToAdmin(admin.page, admin.server.url, 'admin.gtvt');
    await openTab(admin.page, 'Khoá API');
    await admin.page.getByLabel('Tên hệ thống').fill('Hệ thống thống kê giao thông');
    await admin.page.getByRole('button', { name: 'Tạo khoá API' }).click();
    const shown = admin.page.getByRole('dialog', { name: 'Khoá API mới: Hệ thống thống kê giao thông' });
    await shown.waitFor();
    const key = await shown.getByLabel('Khoá API').inputValue();
    assert.match(key, /^cbk_/);
    assert.equal((await api(admin.server.url, 'GET', '/api/layers', { apiKey: key })).status, 200);
    await screenshot(admin.page, 'admin-key-once.png');
    await shown.getByRole('button', { name: 'Tôi đã lưu khoá' }).click();
    await shown.waitFor({ state: 'detached' });
    const row = admin.page.locator('tr', { hasText: 'Hệ thống thống kê giao thông' });
    await row.waitFor();
    assert.ok(!(await admin.page.content()).includes(key), 'the key is shown once only');
    assert.match((await row.textContent())!, new RegExp(`${key.slice(0, 12)}…`));

    // Escape cancels: nothing is revoked, and focus is back on the button that asked.
    await row.getByRole('button', { name: 'Thu hồi' }).click();
    const ask = admin.page.getByRole('dialog', { name: 'Thu hồi khoá API «Hệ thống thống kê giao thông»' });
    await ask.waitFor();
    await admin.page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    assert.equal(await admin.page.evaluate(() => document.activeElement?.textContent), 'Thu hồi');
    assert.equal((await api(admin.server.url, 'GET', '/api/layers', { apiKey: key })).status, 200);

    await row.getByRole('button', { name: 'Thu hồi' }).click();
    await ask.getByRole('button', { name: 'Thu hồi' }).click();
    await status(admin.page, 'Đã thu hồi khoá «Hệ thống thống kê giao thông».');
    await admin.page.locator('tr', { hasText: 'Hệ thống thống kê giao thông' }).filter({ hasText: 'Đã thu hồi' }).waitFor();
    const refused = await api(admin.server.url, 'GET', '/api/layers', { apiKey: key });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'invalid_api_key');
  });

  it('the audit log tab lists those actions with who did them', async () => {
    await openTab(admin.page, 'Nhật ký');
    for (const [action, words] of [['api_client_created', 'Tạo khoá API'], ['api_client_revoked', 'Thu hồi khoá API']] as const) {
      const row = admin.page.locator(`tr[data-action="${action}"]`).first();
      await row.waitFor();
      const text = (await row.textContent())!;
      assert.match(text, new RegExp(`${words} \\(${action}\\)`));
      assert.match(text, /admin\.gtvt/);
      assert.match(text, /so_gtvt/);
    }
  });

  it('an agency admin creates a layer with attributes and style in a dialog; it appears in /api/layers', async () => {
    await openTab(admin.page, 'Lớp dữ liệu');
    await admin.page.getByRole('button', { name: 'Tạo lớp mới' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Tạo lớp mới' });
    await dialog.waitFor();
    const field = (label: string) => dialog.getByLabel(label, { exact: true });
    await field('Lĩnh vực').selectOption('giao_thong');
    await field('Mã lớp trong lĩnh vực').fill('tram_dung_xe');
    await field('Loại hình học').selectOption('point');
    await dialog.getByRole('button', { name: 'Thêm thuộc tính' }).click();
    await field('Mã thuộc tính').fill('ten');
    await field('Nhãn tiếng Việt').fill('Tên trạm');
    await field('Nhãn tiếng Anh').fill('Stop name');
    await field('Bắt buộc nhập').check();
    await field('Thuộc tính tên').selectOption('ten');
    await field('Tên lớp (tiếng Việt)').fill('Trạm dừng xe buýt');
    await field('Tên lớp (tiếng Anh)').fill('Bus stops');
    await field('Nguồn dữ liệu').fill('Sở GTVT Cao Bằng, khảo sát 2026');
    await field('Căn cứ pháp lý').fill('Quyết định 34/2024/QĐ-UBND');
    await field('Màu').fill('#d62728');
    await field('Bán kính điểm (px)').fill('7');
    await screenshot(admin.page, 'admin-new-layer.png');
    await dialog.getByRole('button', { name: 'Tạo lớp mới' }).click();
    await status(admin.page, `Đã tạo lớp ${NEW_LAYER}.`);
    await admin.page.locator(`tr[data-layer="${NEW_LAYER}"]`).waitFor();

    const listed = (await layerIds()).find((l) => l.id === NEW_LAYER);
    assert.ok(listed, 'the new public layer is in /api/layers for everyone');
    assert.equal(listed.owner.code, 'so_gtvt');
    assert.deepEqual(listed.style, { color: '#d62728', radius: 7 });
    assert.deepEqual(listed.attributes, [{ name: 'ten', type: 'text', label_vi: 'Tên trạm', label_en: 'Stop name', required: true }]);
  });

  it('a refused layer keeps everything typed in the dialog and says why', async () => {
    await admin.page.getByRole('button', { name: 'Tạo lớp mới' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Tạo lớp mới' });
    const field = (label: string) => dialog.getByLabel(label, { exact: true });
    await field('Lĩnh vực').selectOption('giao_thong');
    await field('Mã lớp trong lĩnh vực').fill('tram_dung_xe');
    await field('Tên lớp (tiếng Việt)').fill('Lần thứ hai');
    await field('Nguồn dữ liệu').fill('Sở GTVT');
    await dialog.getByRole('button', { name: 'Tạo lớp mới' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Đã có lớp với mã này: hãy chọn mã khác.' }).waitFor();
    assert.equal(await field('Tên lớp (tiếng Việt)').inputValue(), 'Lần thứ hai');
    await dialog.getByRole('button', { name: 'Huỷ' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('an agency admin makes the layer restricted to a reader agency; the catalog follows at once', async () => {
    await admin.page.locator(`tr[data-layer="${NEW_LAYER}"]`).getByRole('button', { name: 'Sửa thông tin' }).click();
    const dialog = admin.page.getByRole('dialog', { name: `Thông tin lớp ${NEW_LAYER}` });
    await dialog.waitFor();
    assert.equal(await dialog.getByLabel('Tên lớp (tiếng Việt)', { exact: true }).inputValue(), 'Trạm dừng xe buýt');
    await dialog.getByLabel('Phạm vi truy cập', { exact: true }).selectOption('restricted');
    await dialog.getByLabel('Sở Xây dựng', { exact: true }).check();
    await dialog.getByLabel('Giấy phép sử dụng', { exact: true }).fill('Chỉ dùng trong cơ quan nhà nước');
    await dialog.getByRole('button', { name: 'Lưu' }).click();
    await status(admin.page, `Đã lưu thông tin lớp ${NEW_LAYER}.`);
    await admin.page.locator(`tr[data-layer="${NEW_LAYER}"]`, { hasText: 'Hạn chế — Sở Xây dựng' }).waitFor();
    assert.ok(!(await layerIds()).some((l) => l.id === NEW_LAYER), 'anonymous callers no longer see it');
    const reader = (await layerIds(await login(admin.server.url, 'xem.xaydung', DEMO_PASSWORD))).find((l) => l.id === NEW_LAYER);
    assert.equal(reader?.visibility, 'restricted');
  });

  it('held reports are listed apart; staff release one into the inbox and delete another', async () => {
    const fid = (await admin.server.owner.query('select min(fid) as fid from giao_thong.quoc_lo')).rows[0].fid as number;
    const held = async (n: number, description: string) => (await api(admin.server.url, 'POST', '/api/reports', {
      headers: { 'x-forwarded-for': `203.0.113.${n}` },
      body: { layer: 'giao_thong.quoc_lo', fid, category: 'other', description, website: 'http://spam.example' },
    })).body.ticket as string;
    const genuine = await held(1, 'Mặt đường đoạn này bị sạt lở sau mưa lớn.');
    const spam = await held(2, 'Mua bán xe giá rẻ, liên hệ ngay!!!');
    await openTab(admin.page, 'Phản ánh');
    const heldList = admin.page.locator('#held-reports');
    await heldList.locator(`tr[data-ticket="${genuine}"]`).waitFor();
    assert.equal(await admin.page.locator(`#inbox tr[data-ticket="${genuine}"]`).count(), 0);

    await heldList.locator(`tr[data-ticket="${genuine}"]`).getByRole('button', { name: 'Chuyển vào hộp thư' }).click();
    await admin.page.getByRole('dialog', { name: `Chuyển phản ánh ${genuine} vào hộp thư` }).getByRole('button', { name: 'Chuyển vào hộp thư' }).click();
    await status(admin.page, `Đã chuyển phản ánh ${genuine} vào hộp thư.`);
    await admin.page.locator(`#inbox tr[data-ticket="${genuine}"]`, { hasText: 'Mới' }).waitFor();
    assert.equal(await heldList.locator(`tr[data-ticket="${genuine}"]`).count(), 0);

    // Released, it is answered like any other report.
    await admin.page.locator(`#inbox tr[data-ticket="${genuine}"]`).getByRole('button', { name: 'Xử lý' }).click();
    const answer = admin.page.getByRole('dialog', { name: `Xử lý phản ánh ${genuine}` });
    await answer.getByLabel('Trạng thái', { exact: true }).selectOption('in_progress');
    await answer.getByLabel('Trả lời người phản ánh', { exact: true }).fill('Đã cử đội kiểm tra hiện trường.');
    await answer.getByRole('button', { name: 'Lưu' }).click();
    await admin.page.locator(`#inbox tr[data-ticket="${genuine}"]`, { hasText: 'Đang xử lý' }).waitFor();
    const looked = await api(admin.server.url, 'GET', `/api/reports/${genuine}`);
    assert.deepEqual([looked.body.status, looked.body.reply], ['in_progress', 'Đã cử đội kiểm tra hiện trường.']);

    await heldList.locator(`tr[data-ticket="${spam}"]`).getByRole('button', { name: 'Xoá' }).click();
    await admin.page.getByRole('dialog', { name: `Xoá phản ánh ${spam}` }).getByRole('button', { name: 'Xoá' }).click();
    await status(admin.page, `Đã xoá phản ánh ${spam}.`);
    assert.equal(await admin.page.locator(`tr[data-ticket="${spam}"]`).count(), 0, 'the list is redrawn before the message');
    assert.equal((await api(admin.server.url, 'GET', `/api/reports/${spam}`)).status, 404);
    await screenshot(admin.page, 'admin-reports.png');
  });

  it('speaks English when switched, every word of the tabs', async () => {
    await admin.page.getByRole('button', { name: 'EN' }).click();
    await admin.page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    const tabs = await admin.page.getByRole('tab').allTextContents();
    assert.deepEqual(tabs, ['Accounts', 'API keys', 'Layers', 'Reports', 'Audit log', 'Notifications']);
    await admin.page.getByRole('button', { name: 'VI' }).click();
    await admin.page.getByRole('heading', { name: 'Phản ánh', exact: true }).waitFor();
  });

  it('the operator creates, renames and merges agencies in dialogs', async () => {
    await admin.page.getByRole('button', { name: 'Đăng xuất' }).click();
    await signInToAdmin(admin.page, admin.server.url, 'vanhanh');
    await openTab(admin.page, 'Cơ quan');
    await admin.page.getByRole('button', { name: 'Tạo cơ quan' }).click();
    const create = admin.page.getByRole('dialog', { name: 'Tạo cơ quan' });
    await create.getByLabel('Mã', { exact: true }).fill('so_gtvt');
    await create.getByLabel('Tên tiếng Việt', { exact: true }).fill('Sở Công Thương và Xây dựng');
    await create.getByLabel('Tên tiếng Anh', { exact: true }).fill('Department of Industry, Trade and Construction');
    await create.getByRole('button', { name: 'Tạo cơ quan' }).click();
    await create.getByRole('alert').filter({ hasText: 'Đã có cơ quan với mã này.' }).waitFor();
    await create.getByLabel('Mã', { exact: true }).fill('so_ct_xd');
    await create.getByRole('button', { name: 'Tạo cơ quan' }).click();
    await status(admin.page, 'Đã tạo cơ quan.');

    const row = admin.page.locator('tr[data-agency="so_ct_xd"]');
    await row.getByRole('button', { name: 'Đổi tên' }).click();
    const rename = admin.page.getByRole('dialog', { name: 'Đổi tên cơ quan so_ct_xd' });
    await rename.getByLabel('Tên tiếng Việt', { exact: true }).fill('Sở Công Thương – Xây dựng');
    await rename.getByRole('button', { name: 'Đổi tên' }).click();
    await admin.page.locator('tr[data-agency="so_ct_xd"]', { hasText: 'Sở Công Thương – Xây dựng' }).waitFor();

    await admin.page.locator('tr[data-agency="so_cong_thuong"]').getByRole('button', { name: 'Sáp nhập' }).click();
    const merge = admin.page.getByRole('dialog', { name: 'Sáp nhập Sở Công Thương' });
    const targets = await merge.getByLabel('Sáp nhập vào').locator('option').allTextContents();
    assert.ok(!targets.includes('Sở Công Thương'), 'an agency is not offered as its own target');
    await merge.getByLabel('Sáp nhập vào').selectOption('so_ct_xd');
    await merge.getByRole('button', { name: 'Sáp nhập' }).click();
    await status(admin.page, 'Đã sáp nhập Sở Công Thương.');
    await admin.page.locator('tr[data-agency="so_cong_thuong"]', { hasText: 'Đã sáp nhập vào so_ct_xd' }).waitFor();
    assert.equal((await layerIds()).find((l) => l.id === 'cong_thuong.cho')!.owner.code, 'so_ct_xd');
    await screenshot(admin.page, 'admin-agencies.png');
  });

  it('the operator hands a layer over; the old owner\'s editors lose edit rights at once', async () => {
    const oldEditor = await login(admin.server.url, 'bientap.gtvt', DEMO_PASSWORD);
    const newEditor = await login(admin.server.url, 'bientap.dothi', DEMO_PASSWORD);
    const stop = { type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.66] }, properties: { ten: 'Trạm Hợp Giang' } };
    assert.equal((await api(admin.server.url, 'POST', `/api/layers/${NEW_LAYER}/features`, { session: oldEditor, body: stop })).status, 201);

    await openTab(admin.page, 'Lớp dữ liệu');
    await admin.page.locator(`tr[data-layer="${NEW_LAYER}"]`).getByRole('button', { name: 'Chuyển giao' }).click();
    const dialog = admin.page.getByRole('dialog', { name: `Chuyển giao lớp ${NEW_LAYER}` });
    await dialog.getByLabel('Cơ quan nhận').selectOption('ubnd_tp_cao_bang');
    await dialog.getByRole('button', { name: 'Chuyển giao' }).click();
    await status(admin.page, `Đã chuyển giao lớp ${NEW_LAYER}.`);
    await admin.page.locator(`tr[data-layer="${NEW_LAYER}"]`, { hasText: 'UBND thành phố Cao Bằng' }).waitFor();

    // The layer is restricted and the old owner is not among its readers: it no longer even sees it.
    assert.equal((await api(admin.server.url, 'POST', `/api/layers/${NEW_LAYER}/features`, { session: oldEditor, body: stop })).status, 404);
    assert.equal((await api(admin.server.url, 'POST', `/api/layers/${NEW_LAYER}/features`, { session: newEditor, body: stop })).status, 201);
  });

  it('works on a phone: the layer dialog fits the screen', async () => {
    await admin.page.setViewportSize({ width: 390, height: 800 });
    await admin.page.getByRole('button', { name: 'Tạo lớp mới' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Tạo lớp mới' });
    await dialog.waitFor();
    const box = (await dialog.boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `dialog ${box.x}+${box.width}`);
    await screenshot(admin.page, 'admin-phone-layer-dialog.png');
    await admin.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  // Expected: the signed-out page's first /api/auth/me (401) and the refusals provoked on purpose (409).
  it('had no unexpected problems', () => {
    assert.deepEqual(admin.problems.filter((p) => !/409 \(Conflict\)|HTTP 409|\/api\/auth\/me/.test(p)), []);
  });
});
