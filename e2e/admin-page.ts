// What every admin journey does: a demo server, Chromium with one page in Vietnamese that fails loudly on any native
// prompt or confirm (every question must be an accessible dialog), and signing in as a demo account.
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/testing/server.ts';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';
import { ensureWebBuilt, launchBrowser, watchForProblems } from './browser.ts';

export interface AdminSession {
  server: TestServer;
  browser: Browser;
  page: Page;
  /** Console errors, failed requests and native dialogs seen so far (watchForProblems). */
  problems: string[];
}

/** Registers before/after hooks in the calling describe; its fields are set once `before` has run. */
export function useAdminPage(): AdminSession {
  const session = {} as AdminSession;
  before(async () => {
    ensureWebBuilt();
    session.server = await startTestServer({ demo: true });
    session.browser = await launchBrowser();
    session.page = await session.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    session.page.on('dialog', (d) => {
      session.problems.push(`native ${d.type()} dialog: ${d.message()}`);
      void d.dismiss();
    });
    session.problems = watchForProblems(session.page);
  });
  after(async () => {
    await session.browser?.close();
    await session.server?.close();
  });
  return session;
}

/** Opens the admin page and signs in; waits for its first tab. */
export async function signInToAdmin(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/admin.html`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('heading', { name: 'Tài khoản', exact: true }).waitFor();
}
