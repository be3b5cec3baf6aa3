// The operator's "Vận hành" tab in Debian's Chromium against a real server with the demo data: the operator
// schedules a maintenance window two days ahead (it is announced on GET /api/maintenance), is refused one an hour
// ahead without the emergency box (the refusal is shown translated inside the dialog, which stays open), cancels the
// first (gone from the public list); the backups section says there is no backup yet and raises the alert, then,
// after a real backup and restore drill by the backup job (server/ops/backup-job.ts), shows its row as verified and
// no alert. An agency admin has neither the tab nor the routes behind it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TestServer } from '../server/testing/server.ts';
import { api, login } from '../server/testing/http.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { runBackupJob, type BackupOutcome } from '../server/ops/backup-job.ts';
import { screenshot, watchForProblems } from './browser.ts';
import { signInToAdmin, useAdminPage } from './admin-page.ts';

const TITLE_VI = 'Nâng cấp máy chủ cơ sở dữ liệu';
const TITLE_EN = 'Database server upgrade';

/** What a datetime-local input holds for an instant, in Vietnam time (UTC+7 all year). */
const vietnamLocal = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16);

async function publicWindows(server: TestServer): Promise<Array<{ id: string; title_vi: string; starts_at: string; read_only: boolean; emergency: boolean }>> {
  const r = await api(server.url, 'GET', '/api/maintenance');
  assert.equal(r.status, 200);
  return r.body.windows;
}

describe('the operations tab of the admin page', () => {
  const admin = useAdminPage();

  it('the operator schedules a window two days ahead and it is announced publicly', async () => {
    await signInToAdmin(admin.page, admin.server.url, 'vanhanh');
    await admin.page.getByRole('tab', { name: 'Vận hành', exact: true }).click();
    await admin.page.getByRole('heading', { name: 'Vận hành', exact: true }).waitFor();
    const section = admin.page.locator('#maintenance');
    await section.getByText('Không có dữ liệu.').waitFor();

    const start = Date.now() + 2 * 86_400_000;
    await section.getByRole('button', { name: 'Lên lịch bảo trì' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Lên lịch bảo trì' });
    await dialog.getByLabel('Bắt đầu').fill(vietnamLocal(start));
    await dialog.getByLabel('Kết thúc').fill(vietnamLocal(start + 2 * 3_600_000));
    await dialog.getByLabel('Tiêu đề (tiếng Việt)').fill(TITLE_VI);
    await dialog.getByLabel('Tiêu đề (tiếng Anh)').fill(TITLE_EN);
    await dialog.getByLabel('Nội dung (tiếng Việt)').fill('Hệ thống chỉ cho xem trong hai giờ.');
    await dialog.getByLabel('Chỉ xem: không ai sửa được dữ liệu trong thời gian này').check();
    await dialog.getByRole('button', { name: 'Lên lịch bảo trì' }).click();
    await dialog.waitFor({ state: 'detached' });
    await admin.page.locator('#status', { hasText: 'Đã lên lịch bảo trì.' }).waitFor();

    const row = section.locator('tr', { hasText: TITLE_VI });
    await row.waitFor();
    assert.match((await row.textContent())!, /Chỉ xem/);
    assert.match((await row.textContent())!, /Đã lên lịch/);

    const windows = await publicWindows(admin.server);
    assert.equal(windows.length, 1);
    assert.equal(windows[0]!.title_vi, TITLE_VI);
    assert.equal(windows[0]!.read_only, true);
    assert.equal(windows[0]!.emergency, false);
    // The Vietnam wall-clock time typed is the instant stored (to the minute the input holds).
    assert.equal(new Date(windows[0]!.starts_at).toISOString().slice(0, 16), new Date(start).toISOString().slice(0, 16));
    await screenshot(admin.page, 'admin-operations.png');
  });

  it('a window an hour ahead without the emergency box is refused, translated, inside the dialog', async () => {
    const start = Date.now() + 3_600_000;
    await admin.page.locator('#maintenance').getByRole('button', { name: 'Lên lịch bảo trì' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Lên lịch bảo trì' });
    await dialog.getByLabel('Bắt đầu').fill(vietnamLocal(start));
    await dialog.getByLabel('Kết thúc').fill(vietnamLocal(start + 3_600_000));
    await dialog.getByLabel('Tiêu đề (tiếng Việt)').fill('Bảo trì gấp');
    await dialog.getByLabel('Tiêu đề (tiếng Anh)').fill('Urgent maintenance');
    await dialog.getByRole('button', { name: 'Lên lịch bảo trì' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Bảo trì phải được báo trước ít nhất 24 giờ' }).waitFor();
    // Still open with everything typed; nothing was stored.
    assert.equal(await dialog.getByLabel('Tiêu đề (tiếng Việt)').inputValue(), 'Bảo trì gấp');
    assert.equal((await publicWindows(admin.server)).length, 1);
    await admin.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('the operator cancels the window after confirming, and it is gone from GET /api/maintenance', async () => {
    const row = admin.page.locator('#maintenance tr', { hasText: TITLE_VI });
    await row.getByRole('button', { name: 'Huỷ lịch' }).click();
    const confirm = admin.page.getByRole('dialog', { name: `Huỷ lịch bảo trì «${TITLE_VI}»` });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Huỷ lịch' }).click();
    await confirm.waitFor({ state: 'detached' });
    await admin.page.locator('#status', { hasText: `Đã huỷ lịch bảo trì «${TITLE_VI}».` }).waitFor();
    assert.match((await row.textContent())!, /Đã huỷ/);
    assert.equal(await row.getByRole('button', { name: 'Huỷ lịch' }).count(), 0);
    assert.deepEqual(await publicWindows(admin.server), []);
  });

  it('the backups section says there is no backup yet and raises the alert', async () => {
    const section = admin.page.locator('#backups');
    await section.getByText('Chưa có bản sao lưu nào.').waitFor();
    const alert = section.getByRole('alert');
    assert.equal((await alert.textContent())!.trim(), 'Cảnh báo: chưa có bản sao lưu nào được thử khôi phục thành công.');
    // Every word translated.
    await admin.page.getByRole('button', { name: 'EN' }).click();
    await admin.page.getByRole('heading', { name: 'Operations', exact: true }).waitFor();
    await section.getByText('No backup yet.').waitFor();
    assert.equal((await section.getByRole('alert').textContent())!.trim(), 'Warning: no backup has passed a restore drill yet.');
    await admin.page.locator('#maintenance').getByRole('columnheader', { name: 'Title' }).waitFor();
    await admin.page.getByRole('button', { name: 'VI' }).click();
    await admin.page.getByRole('heading', { name: 'Vận hành', exact: true }).waitFor();
  });

  it('after a backup made and drilled by the backup job, its row shows verified and the alert is gone', async () => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    // The backup lock is one for the whole PostgreSQL server: another test file's backup may hold it for a moment.
    let outcome: BackupOutcome | undefined;
    for (let i = 0; i < 20 && (!outcome || outcome.status === 'skipped'); i++) {
      if (outcome) await new Promise((r) => setTimeout(r, 1_000));
      outcome = await runBackupJob({ config: admin.server.app.config, ownerUrl: admin.server.database.ownerUrl, log: quiet });
    }
    assert.equal(outcome!.status, 'succeeded', outcome!.error ?? '');
    assert.equal(outcome!.drill, 'passed');
    await admin.page.getByRole('tab', { name: 'Nhật ký', exact: true }).click();
    await admin.page.getByRole('tab', { name: 'Vận hành', exact: true }).click();
    const row = admin.page.locator(`#backups tr[data-backup="${outcome!.name}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[0], outcome!.name);
    assert.equal(cells[3], 'Thành công');
    assert.equal(cells[4], 'Đã kiểm chứng');
    assert.equal(cells[5], '0 giờ');
    assert.match(cells[2]!, /^\d[\d.,]* (KB|MB)$/);
    assert.equal(await admin.page.locator('#backups').getByRole('alert').count(), 0);
    assert.equal((await admin.page.locator('#backup-alert').textContent())!.trim(), 'Bản sao lưu gần nhất đã được thử khôi phục thành công.');
  });

  it('an agency admin has no operations tab', async () => {
    const other = await admin.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const otherProblems = watchForProblems(other);
    try {
      await signInToAdmin(other, admin.server.url, 'admin.gtvt');
      await other.getByRole('tab', { name: 'Thông báo', exact: true }).waitFor();
      assert.equal(await other.getByRole('tab', { name: 'Vận hành', exact: true }).count(), 0);
      assert.equal(await other.getByRole('tab', { name: 'Cơ quan', exact: true }).count(), 0);
      assert.deepEqual(otherProblems.filter((p) => !/\/api\/auth\/me/.test(p)), []);
      // Nor may it use the routes behind the tab.
      const session = await login(admin.server.url, 'admin.gtvt', DEMO_PASSWORD);
      for (const path of ['/api/admin/maintenance', '/api/admin/backups']) {
        const r = await api(admin.server.url, 'GET', path, { session });
        assert.equal(r.status, 403, path);
        assert.equal(r.body.code, 'forbidden');
        assert.equal(r.body.message, 'Only the platform operator may do this.');
      }
    } finally {
      await other.close();
    }
  });

  // Expected: the signed-out page's first /api/auth/me (401) and the refusal provoked on purpose (400).
  it('had no unexpected problems', () => {
    assert.deepEqual(admin.problems.filter((p) => !/\/api\/auth\/me/.test(p) && !/HTTP 400: .*\/api\/admin\/maintenance$/.test(p) && !/400 \(Bad Request\)/.test(p)), []);
  });
});
