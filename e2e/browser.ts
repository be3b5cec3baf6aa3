// Browser tests drive Debian's Chromium (never a downloaded browser) headless, with SwiftShader for WebGL.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../server/config.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const resultsDir = path.join(projectRoot, 'test-results');

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM_PATH}: apt-get install chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--enable-unsafe-swiftshader',
    ],
  });
}

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((name) => newestMtime(path.join(p, name))));
}

/**
 * The server serves web/dist, and only if it exists when the app is built: build it first when it is missing or
 * older than its sources, so a test never judges yesterday's page.
 */
export function ensureWebBuilt(): void {
  const web = path.join(projectRoot, 'web');
  const built = path.join(web, 'dist', 'index.html');
  const sources = Math.max(
    ...['index.html', 'src', 'public', 'vite.config.ts'].filter((p) => fs.existsSync(path.join(web, p))).map((p) => newestMtime(path.join(web, p))),
  );
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return;
  try {
    execFileSync(path.join(projectRoot, 'node_modules', '.bin', 'vite'), ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`Building the web app failed (npx vite build --config web/vite.config.ts):\n${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

/** Everything the page complains about: console errors, uncaught exceptions and failed requests. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // MapLibre cancels the tile requests of a view it has left: that is housekeeping, not a failure.
    if (reason === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} ${reason}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return problems;
}

// Passed as source text: tsx would wrap named functions inside an evaluate callback in a `__name` helper that
// does not exist in the page.
const settleScript = `new Promise((resolve) => {
  const map = window.cbMap;
  const check = () => (map.loaded() && map.areTilesLoaded() && !map.isMoving() ? resolve() : map.once('idle', check));
  check();
})`;

/** The catalog is read, the style loaded, and every tile the view needs is drawn. */
export async function waitForMapIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => window.cbReady === true);
  await page.evaluate(settleScript);
}

/** Moves the map and waits until what the new view needs is drawn. */
export async function jumpAndSettle(page: Page, view: { center: [number, number]; zoom: number }): Promise<void> {
  await page.evaluate((v) => window.cbMap!.jumpTo(v), view);
  await waitForMapIdle(page);
}

export async function screenshot(page: Page, name: string): Promise<Buffer> {
  fs.mkdirSync(resultsDir, { recursive: true });
  return page.screenshot({ path: path.join(resultsDir, name) });
}
