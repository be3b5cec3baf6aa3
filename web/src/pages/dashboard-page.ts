// The dashboard (dashboard.html): the platform in figures per sector and per owner agency, from GET /api/dashboard,
// which counts only what the visitor may see. Signed-in staff also get their agency's open reports and imports.
import { getJson } from '../api.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { localized } from '../i18n.ts';
import { figuresTable, horizontalBars, htmlEl } from './bar-chart.ts';
import { pageRoot, showMessage, startPage } from './page-shell.ts';
import { hasPageText, tp, type PageKey } from './strings.ts';

interface OpenCount { new: number; in_progress: number; open: number }
interface Figures { code: string; layers: number; features: number; last_update: string | null; open_reports: OpenCount | null }
interface DashboardJson {
  audience: 'public' | 'reader' | 'agency_staff' | 'operator';
  totals: { layers: number; features: number; last_update: string | null; open_reports: number | null };
  sectors: Array<Figures & { title_vi: string; title_en: string }>;
  agencies: Array<Figures & { name_vi: string; name_en: string }>;
  reports: { open: number; new: number; in_progress: number; on_points: number } | null;
  imports: {
    window_days: number;
    total: number;
    by_status: Record<string, number>;
    recent: Array<{
      id: string; file_name: string; status: string; created_at: string; creates_layer: boolean;
      layer: { id: string; title_vi: string | null; title_en: string | null; page: string | null };
      agency: { code: string; name_vi: string; name_en: string };
    }>;
  } | null;
}

let data: DashboardJson | null = null;
let failed = false;

const when = (iso: string | null) => (iso ? formatDateTime(iso) : tp('never'));
const statusText = (status: string) => (hasPageText(`import_${status}`) ? tp(`import_${status}` as PageKey) : status);

function totals(d: DashboardJson): HTMLElement {
  const items: Array<[string, string, string]> = [
    [formatCount(d.totals.layers), tp('totalLayers'), 'total-layers'],
    [formatCount(d.totals.features), tp('totalFeatures'), 'total-features'],
    [when(d.totals.last_update), tp('totalLastUpdate'), 'total-last-update'],
  ];
  if (d.totals.open_reports !== null) items.push([formatCount(d.totals.open_reports), tp('totalOpenReports'), 'total-open-reports']);
  return htmlEl('ul', { class: 'totals' }, ...items.map(([value, label, id]) =>
    htmlEl('li', {}, htmlEl('span', { class: 'total-value', 'data-testid': id }, value), htmlEl('span', { class: 'total-label' }, label))));
}

function figureRows(rows: Figures[], name: (r: Figures) => string, staff: boolean): Array<Array<string>> {
  return rows.map((r) => [
    name(r), formatCount(r.layers), formatCount(r.features), when(r.last_update),
    ...(staff ? [formatCount(r.open_reports?.open ?? 0)] : []),
  ]);
}

function sectorsCard(d: DashboardJson, staff: boolean): HTMLElement {
  const name = (r: Figures) => localized(r as DashboardJson['sectors'][number], 'title');
  return htmlEl('section', { class: 'card', 'aria-labelledby': 'sectors-heading', 'data-testid': 'sectors' },
    htmlEl('h2', { id: 'sectors-heading' }, tp('bySectorHeading')),
    horizontalBars(d.sectors.map((s) => ({ key: s.code, label: name(s), value: s.features, valueText: tp('featuresBar', { n: formatCount(s.features) }) })),
      { title: tp('chartFeaturesBySector'), testId: 'sector-chart' }),
    figuresTable([tp('colSector'), tp('colLayers'), tp('colFeatures'), tp('colLastUpdate'), ...(staff ? [tp('colOpenReports')] : [])],
      figureRows(d.sectors, name, staff)));
}

function agenciesCard(d: DashboardJson, staff: boolean): HTMLElement {
  const name = (r: Figures) => localized(r as DashboardJson['agencies'][number], 'name');
  const owners = d.agencies.filter((a) => a.layers > 0);
  return htmlEl('section', { class: 'card', 'aria-labelledby': 'agencies-heading', 'data-testid': 'agencies' },
    htmlEl('h2', { id: 'agencies-heading' }, tp('byAgencyHeading')),
    horizontalBars(owners.map((a) => ({ key: a.code, label: name(a), value: a.layers, valueText: tp('layersBar', { n: formatCount(a.layers) }) })),
      { title: tp('chartLayersByAgency'), testId: 'agency-chart' }),
    figuresTable([tp('colAgency'), tp('colLayers'), tp('colFeatures'), tp('colLastUpdate'), ...(staff ? [tp('colOpenReports')] : [])],
      figureRows(d.agencies, name, staff)));
}

function reportsCard(d: DashboardJson): HTMLElement | null {
  if (!d.reports) return null;
  const withReports = d.agencies.filter((a) => (a.open_reports?.open ?? 0) > 0);
  return htmlEl('section', { class: 'card', 'aria-labelledby': 'reports-heading', 'data-testid': 'reports' },
    htmlEl('h2', { id: 'reports-heading' }, tp('reportsHeading')),
    htmlEl('p', { class: 'card-hint' }, tp('reportsSummary', {
      open: formatCount(d.reports.open), new: formatCount(d.reports.new),
      in_progress: formatCount(d.reports.in_progress), on_points: formatCount(d.reports.on_points),
    })),
    ...(withReports.length > 0 ? [horizontalBars(withReports.map((a) => ({
      key: a.code, label: localized(a, 'name'), value: a.open_reports!.open, valueText: tp('reportsBar', { n: formatCount(a.open_reports!.open) }),
    })), { title: tp('chartOpenReportsByAgency'), testId: 'reports-chart', tone: 'tone-reports' })] : []));
}

function importsCard(d: DashboardJson): HTMLElement | null {
  if (!d.imports) return null;
  const i = d.imports;
  const card = htmlEl('section', { class: 'card', 'aria-labelledby': 'imports-heading', 'data-testid': 'imports' },
    htmlEl('h2', { id: 'imports-heading' }, tp('importsHeading')));
  if (i.total === 0 && i.recent.length === 0) {
    card.append(htmlEl('p', { class: 'card-hint' }, tp('noImports')));
    return card;
  }
  card.append(horizontalBars(Object.entries(i.by_status).map(([status, n]) => ({
    key: status, label: statusText(status), value: n, valueText: tp('importsBar', { n: formatCount(n) }),
  })), { title: tp('chartImportsByStatus', { days: i.window_days }), testId: 'imports-chart', tone: 'tone-imports' }));
  const rows = i.recent.map((r) => {
    const title = (r.layer.title_vi ? localized(r.layer, 'title') : r.layer.id) + (r.creates_layer && !r.layer.title_vi ? ` ${tp('newLayer')}` : '');
    return [
      r.file_name,
      r.layer.page ? htmlEl('a', { href: r.layer.page }, title) : title,
      statusText(r.status),
      formatDateTime(r.created_at),
    ];
  });
  card.append(htmlEl('h3', {}, tp('importsRecent')), htmlEl('div', { class: 'table-scroll' }, htmlEl('table', { class: 'figures', 'data-testid': 'recent-imports' },
    htmlEl('thead', {}, htmlEl('tr', {}, ...[tp('colFile'), tp('colLayer'), tp('colStatus'), tp('colCreated')].map((h) => htmlEl('th', { scope: 'col' }, h)))),
    htmlEl('tbody', {}, ...rows.map((r) => htmlEl('tr', {}, ...r.map((c) => htmlEl('td', {}, c))))))));
  return card;
}

function render(): void {
  if (failed) {
    showMessage(tp('loadError'), { retry: () => void load(), alert: true });
    return;
  }
  if (!data) {
    showMessage(tp('loading'));
    return;
  }
  const staff = data.reports !== null;
  const extra = [reportsCard(data), importsCard(data)].filter((n): n is HTMLElement => n !== null);
  pageRoot().replaceChildren(
    htmlEl('h1', { class: 'page-title' }, tp('dashboardTitle')),
    htmlEl('p', { class: 'page-lead', 'data-testid': 'audience' }, tp(`audience_${data.audience}` as PageKey)),
    totals(data),
    ...(extra.length > 0 ? [htmlEl('div', { class: 'page-grid' }, ...extra)] : []),
    htmlEl('div', { class: 'page-grid' }, sectorsCard(data, staff), agenciesCard(data, staff)),
  );
}

async function load(): Promise<void> {
  failed = false;
  data = null;
  render();
  try {
    data = await getJson<DashboardJson>('/api/dashboard');
  } catch {
    failed = true;
  }
  render();
  window.cbPageReady = true;
}

startPage({ documentTitle: () => tp('dashboardDocumentTitle'), render });
void load();
