// What the layer page and the dashboard share: the public map's look (styles.css) and language switch, the static
// texts of the header, and the maintenance banner.
import '../styles.css';
import './pages.css';
import { language, onLanguageChange, setLanguage, type Lang } from '../i18n.ts';
import { mountMaintenanceBanner } from '../maintenance-banner.ts';
import { hasPageText, tp } from './strings.ts';

declare global {
  interface Window {
    /** Set once the page has drawn what it loaded (the browser tests wait for it). */
    cbPageReady?: boolean;
  }
}

export function pageRoot(): HTMLElement {
  const main = document.getElementById('page');
  if (!main) throw new Error('the page lacks <main id="page">');
  return main;
}

function applyStaticTexts(documentTitle: () => string): void {
  document.documentElement.lang = language();
  document.title = documentTitle();
  for (const node of document.querySelectorAll<HTMLElement>('[data-p]')) {
    const key = node.dataset.p ?? '';
    if (hasPageText(key)) node.textContent = tp(key);
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-p-aria-label]')) {
    const key = node.dataset.pAriaLabel ?? '';
    if (hasPageText(key)) node.setAttribute('aria-label', tp(key));
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('.lang-switch button')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === language()));
  }
}

/** Wires the header; `render` runs again whenever the language changes. */
export function startPage(opts: { documentTitle: () => string; render: () => void }): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('.lang-switch button')) {
    button.addEventListener('click', () => setLanguage(button.dataset.lang as Lang));
  }
  onLanguageChange(() => {
    applyStaticTexts(opts.documentTitle);
    opts.render();
  });
  applyStaticTexts(opts.documentTitle);
  mountMaintenanceBanner();
}

/** A message in place of the page's content (loading, an error), with a retry button when one helps. */
export function showMessage(text: string, opts: { retry?: () => void; testId?: string; alert?: boolean } = {}): void {
  const root = pageRoot();
  const p = document.createElement('p');
  p.className = 'page-message';
  p.setAttribute('role', opts.alert ? 'alert' : 'status');
  if (opts.testId) p.dataset.testid = opts.testId;
  p.textContent = text;
  root.replaceChildren(p);
  if (opts.retry) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button';
    button.textContent = tp('retry');
    button.addEventListener('click', opts.retry);
    root.append(button);
  }
}
