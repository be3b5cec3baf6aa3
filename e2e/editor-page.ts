// What every editor journey does on the page: sign in as a demo account, and click the map at a place.
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../infra/demo/accounts.ts';

/** Opens the editor and signs in (Vietnamese labels, as a first visit shows them); waits until the map is ready. */
export async function signInOnPage(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/editor.html`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForFunction(() => window.cbReady === true);
}

/** Clicks the editor map where a longitude/latitude is drawn now. */
export async function clickMapAt(page: Page, lngLat: [number, number]): Promise<void> {
  const p = await page.evaluate((ll) => {
    const map = window.cbMap!;
    const pt = map.project(ll);
    const rect = map.getContainer().getBoundingClientRect();
    return { x: rect.left + pt.x, y: rect.top + pt.y };
  }, lngLat);
  await page.mouse.click(p.x, p.y);
}
