// The data page of one layer (layer.html?id=…): what it is, who owns it and on what basis (Điều 4.4, 8.1c), how
// many features and where, the downloads, the API addresses other systems use, and a chart of its changes over
// time. Everything comes from the API as the visitor may see it: a restricted layer is "not found or not permitted".
import 'maplibre-gl/dist/maplibre-gl.css';
import { ApiError, getJson } from '../api.ts';
import type { CatalogLayer } from '../catalog.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { language, localized } from '../i18n.ts';
import { figuresTable, htmlEl, stackedColumns } from './bar-chart.ts';
import { pageRoot, showMessage, startPage } from './page-shell.ts';
import { continuousPeriods, periodLabel, type Interval, type PeriodCounts } from './periods.ts';
import { hasPageText, tp } from './strings.ts';

interface Link { href: string; rel: string; type?: string; title?: string }
interface ChangesJson {
  interval: Interval;
  totals: { inserted: number; updated: number; deleted: number };
  periods: PeriodCounts[];
}

/** Bars the chart shows at most: a quarter of days, or three years of months. */
const CHART_PERIODS: Record<Interval, number> = { day: 92, month: 36 };

const layerId = new URLSearchParams(window.location.search).get('id')?.trim() ?? '';
let layer: CatalogLayer | null = null;
let downloads: Link[] | null = null;
let interval: Interval = 'day';
const changes: Partial<Record<Interval, ChangesJson | 'error'>> = {};
let previewNode: HTMLElement | null = null;
let state: 'loading' | 'missing' | 'not_found' | 'error' | 'ready' = 'loading';

const layerApi = (suffix = '') => `/api/layers/${encodeURIComponent(layerId)}${suffix}`;

function fact(label: string, value: string | Node, testId?: string): Node[] {
  return [htmlEl('dt', {}, label), htmlEl('dd', testId ? { 'data-testid': testId } : {}, value)];
}

function degrees(n: number): string {
  return n.toLocaleString(language() === 'vi' ? 'vi-VN' : 'en-GB', { minimumFractionDigits: 4, maximumFractionDigits: 4 });
}

function extentText(l: CatalogLayer): string {
  if (!l.extent) return tp('noExtent');
  const [w, s, e, n] = l.extent;
  return tp('extentValue', { w: degrees(w), s: degrees(s), e: degrees(e), n: degrees(n) });
}

/** The public map showing this layer alone (url-state.ts reads `layers=`). */
function mapLink(l: CatalogLayer): string {
  return `/#layers=${encodeURIComponent(l.id)}`;
}

/** A small still map of the layer from its own style; none where WebGL is missing or the layer is empty. */
function preview(l: CatalogLayer): HTMLElement | null {
  if (!l.extent) return null;
  if (previewNode) return previewNode;
  const canvas = document.createElement('canvas');
  if (!(canvas.getContext('webgl2') ?? canvas.getContext('webgl'))) return null;
  previewNode = htmlEl('div', { class: 'preview-map', 'data-testid': 'layer-preview', role: 'img', 'aria-label': tp('previewLabel', { title: localized(l, 'title') }) });
  const node = previewNode;
  const bounds = l.extent;
  // MapLibre is large: loaded only for the preview, after the page's text is on screen.
  void Promise.all([import('maplibre-gl'), import('maplibre-gl/dist/maplibre-gl-worker.mjs?url')]).then(([maplibre, worker]) => {
    maplibre.setWorkerUrl(worker.default);
    const map = new maplibre.Map({
      container: node,
      style: `/styles/${encodeURIComponent(l.id)}.json`,
      bounds,
      fitBoundsOptions: { padding: 20, maxZoom: 14 },
      interactive: false,
      // The source, owner and update time are stated beside the map already (Điều 4.4); the control would cover it.
      attributionControl: false,
    });
    map.once('idle', () => {
      node.dataset.loaded = 'true';
    });
  }).catch(() => node.remove());
  return node;
}

function downloadLabel(link: Link): string {
  const format = new URL(link.href, window.location.href).searchParams.get('format') ?? '';
  const key = `download_${format}`;
  return hasPageText(key) ? tp(key) : (link.title ?? format);
}

function downloadsCard(): HTMLElement {
  const card = htmlEl('section', { class: 'card', 'aria-labelledby': 'downloads-heading' },
    htmlEl('h2', { id: 'downloads-heading' }, tp('downloadsHeading')),
    htmlEl('p', { class: 'card-hint' }, tp('downloadsHint')));
  if (!downloads) {
    card.append(htmlEl('p', { class: 'card-hint' }, tp('downloadsUnavailable')));
    return card;
  }
  card.append(htmlEl('ul', { class: 'download-list', 'data-testid': 'downloads' }, ...downloads.map((d) => {
    const url = new URL(d.href, window.location.href);
    // Same-origin path: the browser sends the visitor's session with it, so a restricted layer downloads for those allowed.
    return htmlEl('li', {}, htmlEl('a', { class: 'button', href: `${url.pathname}${url.search}`, download: '', 'data-format': url.searchParams.get('format') ?? '' }, downloadLabel(d)));
  })));
  return card;
}

function apiCard(l: CatalogLayer): HTMLElement {
  const origin = window.location.origin;
  const id = encodeURIComponent(l.id);
  const links: Array<[string, string]> = [
    ['api_features', l.links.features],
    ['api_ogc_collection', `${origin}/ogc/collections/${id}`],
    ['api_ogc_items', `${origin}/ogc/collections/${id}/items`],
    ['api_wfs', `${origin}/wfs?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities`],
    ['api_tilejson', l.links.tilejson],
    ['api_style', `${origin}/styles/${id}.json`],
  ];
  return htmlEl('section', { class: 'card', 'aria-labelledby': 'api-heading' },
    htmlEl('h2', { id: 'api-heading' }, tp('apiHeading')),
    htmlEl('p', { class: 'card-hint' }, tp('apiHint')),
    htmlEl('ul', { class: 'link-list', 'data-testid': 'api-links' }, ...links.map(([key, href]) =>
      htmlEl('li', {}, htmlEl('a', { href, 'data-api': key.replace('api_', '') }, tp(key as Parameters<typeof tp>[0])), htmlEl('span', { class: 'link-url' }, href)))));
}

function changesCard(): HTMLElement {
  const card = htmlEl('section', { class: 'card', 'aria-labelledby': 'changes-heading', 'data-testid': 'changes' });
  const heading = htmlEl('h2', { id: 'changes-heading' }, tp('changesHeading'));
  const toggle = htmlEl('div', { class: 'segmented', role: 'group', 'aria-label': tp('intervalLabel') },
    ...(['day', 'month'] as const).map((i) => {
      const b = htmlEl('button', { type: 'button', 'aria-pressed': String(interval === i), 'data-interval': i }, tp(`interval_${i}`));
      b.addEventListener('click', () => {
        if (interval === i) return;
        interval = i;
        void loadChanges().then(() => {
          render();
          document.querySelector<HTMLButtonElement>(`[data-interval="${i}"]`)?.focus();
        });
      });
      return b;
    }));
  card.append(heading, htmlEl('div', { class: 'changes-toolbar' }, htmlEl('p', { class: 'card-hint' }, tp('changesHint')), toggle));
  const data = changes[interval];
  if (data === undefined) {
    card.append(htmlEl('p', { class: 'card-hint', role: 'status' }, tp('loading')));
    return card;
  }
  if (data === 'error') {
    card.append(htmlEl('p', { class: 'card-hint', role: 'alert' }, tp('loadError')));
    return card;
  }
  if (data.periods.length === 0) {
    card.append(htmlEl('p', { class: 'card-hint', 'data-testid': 'no-changes' }, tp('noChanges')));
    return card;
  }
  const shown = continuousPeriods(data.periods, interval, CHART_PERIODS[interval]);
  const first = data.periods[0]!.period;
  const last = data.periods[data.periods.length - 1]!.period;
  const summary = tp('chartSummary', {
    n: data.periods.length, from: periodLabel(first), to: periodLabel(last),
    inserted: formatCount(data.totals.inserted), updated: formatCount(data.totals.updated), deleted: formatCount(data.totals.deleted),
  });
  const series = (['inserted', 'updated', 'deleted'] as const).map((key) => ({ key, label: tp(key), value: (p: PeriodCounts) => p[key] }));
  card.append(
    stackedColumns(shown, series, {
      title: summary, testId: 'changes-chart', label: (p) => periodLabel(p.period),
      first: periodLabel(shown[0]!.period), last: periodLabel(shown[shown.length - 1]!.period),
    }),
    ...(shown.length < data.periods.length || shown[0]!.period !== first ? [htmlEl('p', { class: 'card-hint' }, tp('chartShowing', { n: shown.length }))] : []),
    figuresTable([tp('period'), tp('inserted'), tp('updated'), tp('deleted')],
      data.periods.map((p) => [periodLabel(p.period), formatCount(p.inserted), formatCount(p.updated), formatCount(p.deleted)])),
  );
  return card;
}

function renderLayer(l: CatalogLayer): void {
  const title = localized(l, 'title');
  const description = localized(l, 'description');
  const root = pageRoot();
  document.title = tp('layerDocumentTitle', { title });
  const heading = htmlEl('h1', { class: 'page-title', 'data-testid': 'layer-title' }, title);
  if (l.visibility === 'restricted') heading.append(' ', htmlEl('span', { class: 'badge', title: tp('restrictedHint') }, tp('restricted')));
  const facts = htmlEl('dl', { class: 'facts' },
    ...fact(tp('owner'), localized(l.owner, 'name'), 'layer-owner'),
    ...fact(tp('sector'), localized(l.sector, 'title'), 'layer-sector'),
    ...fact(tp('source'), l.source, 'layer-source'),
    ...fact(tp('legalBasis'), l.legal_basis || tp('never'), 'layer-legal-basis'),
    ...fact(tp('licence'), l.licence, 'layer-licence'),
    ...fact(tp('lastUpdate'), formatDateTime(l.data_updated_at), 'layer-updated'),
    ...fact(tp('featureCount'), formatCount(l.feature_count), 'layer-count'),
    ...fact(tp('geometry'), tp(`geometry_${l.geometry_family}`)),
    ...fact(tp('layerId'), htmlEl('code', {}, l.id)),
  );
  const map = preview(l);
  if (map) map.setAttribute('aria-label', tp('previewLabel', { title }));
  const where = htmlEl('section', { class: 'card', 'aria-labelledby': 'extent-heading' },
    htmlEl('h2', { id: 'extent-heading' }, tp('extent')),
    ...(map ? [map] : []),
    htmlEl('p', { class: 'card-hint', 'data-testid': 'layer-extent' }, extentText(l)),
    htmlEl('a', { class: 'button', href: mapLink(l) }, tp('viewOnMap')));
  root.replaceChildren(
    heading,
    htmlEl('p', { class: 'page-lead', 'data-testid': 'layer-description' }, description),
    htmlEl('div', { class: 'page-grid' },
      htmlEl('div', {},
        htmlEl('section', { class: 'card', 'aria-labelledby': 'facts-heading' }, htmlEl('h2', { id: 'facts-heading' }, tp('metadataHeading')), facts),
        changesCard()),
      htmlEl('div', {}, where, downloadsCard(), apiCard(l))),
  );
}

function renderNotFound(): void {
  const root = pageRoot();
  root.replaceChildren(htmlEl('section', { class: 'not-found', role: 'alert', 'data-testid': 'layer-not-found' },
    htmlEl('h1', { class: 'page-title' }, tp('notFoundTitle')),
    htmlEl('p', {}, state === 'missing' ? tp('missingId') : tp('notFoundText', { id: layerId.slice(0, 80) })),
    htmlEl('p', {}, htmlEl('a', { class: 'button primary', href: '/' }, tp('backToMap')), ' ',
      htmlEl('a', { class: 'button', href: '/editor.html' }, tp('navStaff')))));
}

function render(): void {
  switch (state) {
    case 'loading':
      showMessage(tp('loading'));
      return;
    case 'error':
      showMessage(tp('loadError'), { retry: () => void load(), alert: true });
      return;
    case 'missing':
    case 'not_found':
      renderNotFound();
      return;
    case 'ready':
      renderLayer(layer!);
  }
}

async function loadChanges(): Promise<void> {
  if (changes[interval] !== undefined && changes[interval] !== 'error') return;
  try {
    changes[interval] = await getJson<ChangesJson>(layerApi(`/changes?interval=${interval}`));
  } catch {
    changes[interval] = 'error';
  }
}

async function load(): Promise<void> {
  if (!layerId) {
    state = 'missing';
    render();
    window.cbPageReady = true;
    return;
  }
  state = 'loading';
  render();
  try {
    layer = await getJson<CatalogLayer>(layerApi());
  } catch (err) {
    state = err instanceof ApiError && err.status === 404 ? 'not_found' : 'error';
    render();
    window.cbPageReady = true;
    return;
  }
  // The download formats are the OGC collection's enclosure links: one list, kept by the server.
  const collection = getJson<{ links: Link[] }>(`/ogc/collections/${encodeURIComponent(layerId)}?f=json`)
    .then((c) => c.links.filter((link) => link.rel === 'enclosure'))
    .catch(() => null);
  const [links] = await Promise.all([collection, loadChanges()]);
  downloads = links;
  state = 'ready';
  render();
  window.cbPageReady = true;
}

startPage({
  documentTitle: () => (layer ? tp('layerDocumentTitle', { title: localized(layer, 'title') }) : tp('layerDocumentTitle', { title: tp('layerPageTitle') })),
  render,
});
void load();
