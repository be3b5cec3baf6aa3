// The agency's open citizen error reports (Điều 8.1c) inside the editor: a list beside the map and a marker for
// each on the map (the selected one ringed), a form to move a report on (new → in progress → fixed / rejected)
// with a reply the reporter reads on their ticket, and "Sửa đối tượng này" to open the reported feature for editing.
// The server (server/routes/reports.ts) decides who sees which report and which status may follow which: this
// panel lists what GET /api/admin/reports returns and offers the next_statuses of GET /api/admin/reports/:ticket.
import type { GeoJSONSource, Map as MapLibreMap, PointLike } from 'maplibre-gl';
import { formatDateTime } from '../format.ts';
import { ApiError, call } from './http.ts';
import { currentLang, errorText, hasText, t, type EditorKey } from './strings.ts';

export interface InboxReport {
  ticket: string;
  status: string;
  category: string;
  description: string;
  contact: string | null;
  reply: string | null;
  created_at: string;
  layer: { id: string; title_vi: string; title_en: string } | null;
  fid: number | null;
  location: { lon: number; lat: number };
}

interface ReportDetail {
  report: InboxReport;
  next_statuses: string[];
}

export interface ReportInboxHooks {
  map(): MapLibreMap;
  /** Whether this person may edit the layer (their agency's, within their layer scope). */
  canEdit(layerId: string): boolean;
  /** Opens the feature for editing, the map at the report's place. */
  editFeature(layerId: string, fid: number, at: { lon: number; lat: number }): void;
}

/** The statuses still waiting for the agency: what the panel lists. */
const OPEN = 'new,in_progress';
export const REPORT_SOURCE = 'reports';
export const REPORT_LAYER = 'reports-point';
const SELECTED_LAYER = 'reports-selected';

const label = (prefix: 'rstatus_' | 'cat_', value: string) => (hasText(`${prefix}${value}`) ? t(`${prefix}${value}` as EditorKey) : value);

function age(iso: string): string {
  const minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return t('ageNow');
  if (minutes < 60) return t('ageMinutes', { n: minutes });
  if (minutes < 48 * 60) return t('ageHours', { n: Math.floor(minutes / 60) });
  return t('ageDays', { n: Math.floor(minutes / 1440) });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export class ReportInbox {
  private reports: InboxReport[] = [];
  private detail: ReportDetail | null = null;
  /** The list's own message (loading failed): a function so the language switch says it again. */
  private listMessage: (() => string) | null = null;
  /** The form's outcome (saved, or the API's error), said again in the other language. */
  private formMessage: { text: () => string; error: boolean } | null = null;
  private loadRequest = 0;

  constructor(private readonly container: HTMLElement, private readonly hooks: ReportInboxHooks) {}

  /** The report markers, over every other layer of the editor map. */
  addMapLayers(map: MapLibreMap): void {
    map.addSource(REPORT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: REPORT_LAYER, type: 'circle', source: REPORT_SOURCE,
      paint: { 'circle-color': ['match', ['get', 'status'], 'new', '#e4572e', '#f2a900'], 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
    });
    map.addLayer({
      id: SELECTED_LAYER, type: 'circle', source: REPORT_SOURCE, filter: ['==', ['get', 'ticket'], ''],
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 12, 'circle-stroke-color': '#1d2430', 'circle-stroke-width': 3 },
    });
  }

  /** Loads the agency's open reports again, keeping the selected one. */
  async refresh(): Promise<void> {
    const request = ++this.loadRequest;
    try {
      const r = await call<{ total: number; reports: InboxReport[] }>('GET', `/api/admin/reports?status=${OPEN}&limit=200`);
      if (request !== this.loadRequest) return;
      this.reports = r.body.reports;
      this.listMessage = null;
    } catch (e) {
      if (request !== this.loadRequest) return;
      const err = e as ApiError;
      this.reports = [];
      this.listMessage = () => t('reportsLoadFailed', { message: errorText(err.code, err.message) });
    }
    this.drawMarkers();
    this.render();
  }

  /** Forgets everything (signed out): the next person sees only their own agency's reports. */
  clear(): void {
    this.loadRequest++;
    this.reports = [];
    this.detail = null;
    this.formMessage = null;
    this.drawMarkers();
    this.container.replaceChildren();
  }

  translate(): void {
    this.render();
  }

  /** A click on the map: selects the report marker under it, if any (then the click is the panel's). */
  clickAt(point: { x: number; y: number }): boolean {
    const box: [PointLike, PointLike] = [[point.x - 6, point.y - 6], [point.x + 6, point.y + 6]];
    const hit = this.hooks.map().queryRenderedFeatures(box, { layers: [REPORT_LAYER] })[0];
    const ticket = hit?.properties?.ticket;
    if (typeof ticket !== 'string') return false;
    void this.select(ticket, { move: false });
    return true;
  }

  async select(ticket: string, opts: { move: boolean }): Promise<void> {
    this.formMessage = null;
    let detail: ReportDetail;
    try {
      detail = (await call<ReportDetail>('GET', `/api/admin/reports/${encodeURIComponent(ticket)}`)).body;
    } catch (e) {
      const err = e as ApiError;
      this.formMessage = { text: () => errorText(err.code, err.message), error: true };
      this.render();
      return;
    }
    this.detail = detail;
    this.highlight();
    if (opts.move) {
      const map = this.hooks.map();
      const { lon, lat } = detail.report.location;
      if (!map.getBounds().contains([lon, lat])) map.jumpTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 14) });
    }
    this.render();
    this.container.querySelector<HTMLElement>('#report-detail-heading')?.focus();
  }

  private drawMarkers(): void {
    const map = this.hooks.map();
    const source = map.getSource(REPORT_SOURCE) as GeoJSONSource | undefined;
    source?.setData({
      type: 'FeatureCollection',
      features: this.reports.map((r) => ({
        type: 'Feature', geometry: { type: 'Point', coordinates: [r.location.lon, r.location.lat] }, properties: { ticket: r.ticket, status: r.status },
      })),
    });
    this.highlight();
  }

  private highlight(): void {
    const map = this.hooks.map();
    if (map.getLayer(SELECTED_LAYER)) map.setFilter(SELECTED_LAYER, ['==', ['get', 'ticket'], this.detail?.report.ticket ?? '']);
  }

  private layerTitle(r: InboxReport): string {
    if (!r.layer) return t('reportPoint');
    return t('reportLayer', { layer: currentLang() === 'en' ? r.layer.title_en : r.layer.title_vi });
  }

  private render(): void {
    const heading = el('h2', { id: 'reports-heading', textContent: t('reportsHeading') });
    const refresh = el('button', { type: 'button', textContent: t('reportsRefresh') });
    refresh.addEventListener('click', () => void this.refresh());
    const count = el('p', { className: 'hint', textContent: this.listMessage ? '' : this.reports.length ? t('reportsCount', { n: this.reports.length }) : t('reportsNone') });
    const list = el('ul', { className: 'report-items' });
    list.setAttribute('aria-label', t('reportsList'));
    for (const r of this.reports) {
      const button = el('button', { type: 'button', className: 'report-item' },
        el('span', {}, el('strong', { textContent: t('reportTicket', { ticket: r.ticket }) }), ` — ${label('cat_', r.category)}`),
        el('span', { className: 'report-description', textContent: r.description }),
        el('span', { className: 'hint', textContent: this.layerTitle(r) }),
        el('span', { className: 'hint', textContent: t('reportStatusLine', { status: label('rstatus_', r.status), age: age(r.created_at) }) }));
      button.dataset.ticket = r.ticket;
      button.setAttribute('aria-pressed', String(this.detail?.report.ticket === r.ticket));
      button.addEventListener('click', () => void this.select(r.ticket, { move: true }));
      list.append(el('li', {}, button));
    }
    const children: Node[] = [heading, el('div', { className: 'actions' }, refresh), count];
    if (this.listMessage) children.push(el('p', { className: 'error', textContent: this.listMessage() }));
    children.push(list);
    if (this.detail) children.push(this.renderDetail(this.detail));
    else if (this.formMessage) children.push(el('p', { className: 'error', textContent: this.formMessage.text() }));
    this.container.replaceChildren(...children);
    this.container.setAttribute('aria-labelledby', 'reports-heading');
  }

  private renderDetail({ report: r, next_statuses: next }: ReportDetail): HTMLElement {
    const heading = el('h3', { id: 'report-detail-heading', tabIndex: -1, textContent: t('reportSelected', { ticket: r.ticket }) });
    const facts = el('div', { className: 'report-facts' },
      el('p', { textContent: `${label('cat_', r.category)} — ${formatDateTime(r.created_at)}` }),
      el('p', { className: 'report-description', textContent: r.description }),
      el('p', { textContent: this.layerTitle(r) + (r.fid !== null ? ` #${r.fid}` : '') }),
      el('p', { textContent: t('reportStatusLine', { status: label('rstatus_', r.status), age: age(r.created_at) }) }));
    if (r.contact) facts.append(el('p', { textContent: t('reportContact', { contact: r.contact }) }));
    if (r.reply) facts.append(el('p', { textContent: t('reportCurrentReply', { reply: r.reply }) }));

    const section = el('section', { className: 'report-detail' }, heading, facts);
    section.setAttribute('aria-labelledby', 'report-detail-heading');
    section.dataset.ticket = r.ticket;

    const form = el('form', { className: 'report-form' });
    form.setAttribute('aria-labelledby', 'report-detail-heading');
    // Built by hand: el()'s Partial<HTMLSelectElement> is too large a type for the compiler.
    const select: HTMLSelectElement = document.createElement('select');
    select.id = 'report-status';
    select.name = 'status';
    for (const s of [r.status, ...next]) select.append(new Option(label('rstatus_', s), s));
    const reply: HTMLTextAreaElement = document.createElement('textarea');
    Object.assign(reply, { id: 'report-reply', name: 'reply', rows: 3, maxLength: 2000, value: r.reply ?? '' });
    reply.setAttribute('aria-describedby', 'report-reply-hint');
    const message = el('p', { id: 'report-message', className: this.formMessage?.error ? 'error' : 'success', textContent: this.formMessage?.text() ?? '' });
    message.setAttribute('role', 'status');
    message.setAttribute('aria-live', 'polite');
    const save = el('button', { type: 'submit', className: 'primary', textContent: t('reportSave') });
    form.append(
      el('label', { htmlFor: 'report-status', textContent: t('reportNewStatus') }), select,
      el('label', { htmlFor: 'report-reply', textContent: t('reportReply') }), reply,
      el('p', { id: 'report-reply-hint', className: 'hint', textContent: t('reportReplyHint') }),
      el('div', { className: 'actions' }, save), message);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.update(r.ticket, select.value, reply.value);
    });
    section.append(form);

    if (r.layer && r.fid !== null) {
      const layerId = r.layer.id;
      const fid = r.fid;
      if (this.hooks.canEdit(layerId)) {
        const edit = el('button', { type: 'button', textContent: t('reportEditFeature') });
        edit.addEventListener('click', () => this.hooks.editFeature(layerId, fid, r.location));
        section.append(el('div', { className: 'actions' }, edit));
      } else section.append(el('p', { className: 'hint', textContent: t('reportNotEditable') }));
    }
    return section;
  }

  private async update(ticket: string, status: string, replyText: string): Promise<void> {
    try {
      const r = await call<InboxReport>('PATCH', `/api/admin/reports/${encodeURIComponent(ticket)}`, { status, reply: replyText.trim() || null });
      const saved = r.body;
      this.formMessage = { text: () => t('reportSaved', { ticket: saved.ticket, status: label('rstatus_', saved.status) }), error: false };
      // The detail's choices follow the new status; a report just closed leaves the open list but stays in view.
      const detail = await call<ReportDetail>('GET', `/api/admin/reports/${encodeURIComponent(ticket)}`).then((d) => d.body, () => null);
      this.detail = detail ?? { report: saved, next_statuses: [] };
      await this.refresh();
    } catch (e) {
      const err = e as ApiError;
      this.formMessage = { text: () => errorText(err.code, err.message), error: true };
      this.render();
      this.container.querySelector<HTMLTextAreaElement>('#report-reply')!.value = replyText;
      this.container.querySelector<HTMLSelectElement>('#report-status')!.value = status;
    }
  }
}
