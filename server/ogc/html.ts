// The HTML encoding of OGC API resources: plain server-rendered pages (no script), every value escaped, with links
// to the JSON of the same resource. Enough for a person to browse what a machine reads.
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A safe href: only http(s) and relative links are written (a link built from data must not run script). */
export function safeHref(href: string): string {
  return /^(?:https?:\/\/|\/)/i.test(href) ? escapeHtml(href) : '#';
}

export interface Crumb {
  title: string;
  href?: string;
}

export interface HtmlPage {
  title: string;
  lang: 'vi' | 'en';
  crumbs: Crumb[];
  /** Already-escaped HTML. */
  body: string;
  jsonHref?: string;
  notices?: string[];
}

const style = `body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b}header{background:#0b5394;color:#fff;padding:.6rem 1rem}
header a{color:#fff}main{padding:1rem;max-width:72rem}table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f8}.notice{background:#fff4ce;border:1px solid #e0c060;padding:.5rem;margin:.5rem 0}nav{font-size:.9rem}code{background:#f1f1f1;padding:0 .2rem}`;

export function renderPage(p: HtmlPage): string {
  const crumbs = p.crumbs
    .map((c) => (c.href ? `<a href="${safeHref(c.href)}">${escapeHtml(c.title)}</a>` : escapeHtml(c.title)))
    .join(' › ');
  const notices = (p.notices ?? []).map((n) => `<div class="notice">${escapeHtml(n)}</div>`).join('');
  const json = p.jsonHref ? ` · <a href="${safeHref(p.jsonHref)}">JSON</a>` : '';
  return `<!DOCTYPE html>
<html lang="${p.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(p.title)}</title><style>${style}</style></head>
<body><header><nav>${crumbs}${json}</nav></header><main>${notices}<h1>${escapeHtml(p.title)}</h1>
${p.body}</main></body></html>`;
}

/** A two-column table of label → value (values escaped here). */
export function definitionTable(rows: [string, unknown][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

export function linkList(links: { href: string; title: string }[]): string {
  return `<ul>${links.map((l) => `<li><a href="${safeHref(l.href)}">${escapeHtml(l.title)}</a></li>`).join('')}</ul>`;
}
