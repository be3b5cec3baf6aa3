// The agency editor page: sign in, the layers one may edit, a map to select, draw, move and reshape features,
// the attribute form, saving with If-Match (and the conflict dialog), history with restore, and imports.
import { Map as MapLibreMap, NavigationControl, setWorkerUrl, type GeoJSONSource, type MapMouseEvent, type PointLike } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { fetchCatalog, type Catalog, type CatalogLayer } from '../catalog.ts';
import { StyleIndex, fetchMapStyle } from '../map-style.ts';
import { mountMaintenanceBanner } from '../maintenance-banner.ts';
import { AttributeForm, type Values } from './attribute-form.ts';
import { GeometryDraft, IS_POINT, IS_POLYGON, NOT_POINT, type EditableGeometry } from './draft.ts';
import { HistoryPanel, type Version } from './history-panel.ts';
import { ApiError, call, currentUser, setCsrf, signIn, signOut, whenSignedOut, type Me } from './http.ts';
import { ImportPanel } from './import-panel.ts';
import { ReportInbox } from './report-inbox.ts';
import { snapBox, snapTo, type Position } from './snap.ts';
import { currentLang, errorText, onLangChange, setLang, t, type EditorKey } from './strings.ts';
import './editor.css';

interface Feature {
  type: 'Feature';
  id: number;
  geometry: EditableGeometry | null;
  properties: Values;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/**
 * A text that follows the language switch: `data-t` names the string, `data-t-args` its parameters (JSON), and
 * `data-t-label` the string of the aria-label. translateStatic() rewrites them all.
 */
function tx<T extends HTMLElement>(node: T, key: EditorKey, params?: Record<string, string | number>): T {
  node.dataset.t = key;
  if (params) node.dataset.tArgs = JSON.stringify(params);
  else delete node.dataset.tArgs;
  node.textContent = t(key, params);
  return node;
}

// MapLibre's own control titles are English; these are the page's words for them.
const MAP_CONTROLS: Array<[string, EditorKey]> = [['.maplibregl-ctrl-zoom-in', 'zoomIn'], ['.maplibregl-ctrl-zoom-out', 'zoomOut'], ['.maplibregl-ctrl-compass', 'resetNorth']];

function translateStatic(): void {
  document.title = t('title');
  document.documentElement.lang = currentLang();
  const args = (node: HTMLElement) => (node.dataset.tArgs ? JSON.parse(node.dataset.tArgs) as Record<string, string | number> : {});
  for (const node of document.querySelectorAll<HTMLElement>('[data-t]')) node.textContent = t(node.dataset.t as EditorKey, args(node));
  for (const node of document.querySelectorAll<HTMLElement>('[data-t-label]')) node.setAttribute('aria-label', t(node.dataset.tLabel as EditorKey, args(node)));
  for (const [selector, key] of MAP_CONTROLS) {
    for (const b of document.querySelectorAll<HTMLElement>(selector)) {
      b.title = t(key);
      b.setAttribute('aria-label', t(key));
    }
  }
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === currentLang()));
}

/** Which layers this person may edit: their agency's, as editor, within their layer scope if they have one. */
export function editableLayers(me: Me, catalog: Catalog): CatalogLayer[] {
  return catalog.layers.filter((layer) =>
    me.memberships.some((m) => m.role === 'editor' && m.agency_code === layer.owner.code && (m.layer_scope === null || m.layer_scope.includes(layer.id))));
}

/** Who answers citizen reports (server/routes/reports.ts, requireStaff): the operator, agency admins and editors. */
function handlesReports(me: Me): boolean {
  return me.is_operator || me.memberships.some((m) => m.role === 'editor' || m.role === 'agency_admin');
}

function layerTitle(layer: CatalogLayer): string {
  return currentLang() === 'en' ? layer.title_en : layer.title_vi;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

class EditorPage {
  private me: Me | null = null;
  private catalog: Catalog | null = null;
  private map: MapLibreMap | null = null;
  private draft: GeometryDraft | null = null;
  private layer: CatalogLayer | null = null;
  /** The feature as last read from the server (null for a new one) and its ETag. */
  private base: Feature | null = null;
  private etag: string | null = null;
  private form: AttributeForm | null = null;
  private imports: ImportPanel | null = null;
  private history: HistoryPanel | null = null;
  private reports: ReportInbox | null = null;
  /** The status line's text, as a function so the language switch can say it again in the other language. */
  private status: () => string = () => '';
  /** The loaded features' own geometries by fid: what vertices snap to (tiles' coordinates are rounded). */
  private loaded = new Map<number, GeoJSON.Geometry>();
  private loadRequest = 0;
  /** The open conflict dialog's attribute labels, written again on a language change (its other texts carry data-t). */
  private conflictLabels: (() => void) | null = null;

  async start(): Promise<void> {
    translateStatic();
    onLangChange(() => {
      translateStatic();
      if (this.me) this.renderLayers();
      this.form?.relabel();
      if (this.history?.open) this.history.render();
      this.imports?.translate();
      this.reports?.translate();
      this.conflictLabels?.();
      this.showStatus();
    });
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.addEventListener('click', () => setLang(b.dataset.lang as 'vi' | 'en'));
    whenSignedOut(() => this.showSignIn(t('signedOutMessage')));
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submitSignIn();
    });
    $('signout').addEventListener('click', () => void signOut().then(() => this.showSignIn('')));
    const me = await currentUser();
    if (me) await this.enter(me);
    else this.showSignIn('');
  }

  private showSignIn(message: string): void {
    this.me = null;
    setCsrf(null);
    this.reports?.clear();
    $('workspace').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message;
    $<HTMLInputElement>('password').value = '';
    $<HTMLInputElement>('username').focus();
  }

  private async submitSignIn(): Promise<void> {
    const error = $('signin-error');
    error.textContent = '';
    try {
      const me = await signIn($<HTMLInputElement>('username').value.trim(), $<HTMLInputElement>('password').value);
      await this.enter(me);
    } catch (e) {
      const err = e as ApiError;
      error.textContent = errorText(err.code, err.message);
    }
  }

  private async enter(me: Me): Promise<void> {
    this.me = me;
    $('signin').hidden = true;
    $('workspace').hidden = false;
    this.catalog ??= await fetchCatalog();
    this.renderLayers();
    if (!this.map) await this.createMap();
    this.imports ??= new ImportPanel($('import'), {
      layers: () => editableLayers(this.me!, this.catalog!),
      onCommitted: (layerId, bbox) => void this.chooseLayer(layerId, bbox),
      showSample: (data) => (this.map!.getSource('import-sample') as GeoJSONSource).setData(data as GeoJSON.FeatureCollection),
    });
    this.imports.refreshLayers();
    if (!this.reports) {
      this.reports = new ReportInbox($('reports'), {
        map: () => this.map!,
        canEdit: (layerId) => editableLayers(this.me!, this.catalog!).some((l) => l.id === layerId),
        // The map goes to the report's place (not the whole layer), then the feature opens in the attribute form.
        editFeature: (layerId, fid, at) => void this.chooseLayer(layerId, [at.lon - 0.003, at.lat - 0.003, at.lon + 0.003, at.lat + 0.003])
          .then(() => (this.layer?.id === layerId ? this.openFeature(fid) : undefined)),
      });
      this.reports.addMapLayers(this.map!);
    }
    $('reports').hidden = !handlesReports(me);
    if (handlesReports(me)) void this.reports.refresh();
    window.cbReady = true;
  }

  private renderLayers(): void {
    const me = this.me!;
    const m = me.memberships[0];
    // The catalog knows agencies' English names; the session only the Vietnamese one.
    const owner = this.catalog!.layers.find((l) => l.owner.code === m?.agency_code)?.owner;
    const agency = currentLang() === 'en' && owner ? owner.name_en : m?.agency_name_vi ?? '';
    $('who').textContent = t('signedInAs', { name: me.display_name || me.username, agency });
    const list = $('layer-list');
    list.replaceChildren();
    const layers = editableLayers(me, this.catalog!);
    if (layers.length === 0) list.append(el('p', { className: 'hint', textContent: t('noEditableLayers') }));
    for (const layer of layers) {
      const button = el('button', { type: 'button', className: 'layer-choice', textContent: layerTitle(layer) });
      button.dataset.layer = layer.id;
      button.setAttribute('aria-pressed', String(this.layer?.id === layer.id));
      button.addEventListener('click', () => void this.chooseLayer(layer.id));
      list.append(el('li', {}, button));
    }
    this.imports?.refreshLayers();
  }

  private async createMap(): Promise<void> {
    // The server's style (as the map page's), with only its basemap — boundaries and water — under the edited layer.
    const styles = new StyleIndex(await fetchMapStyle());
    const map = new MapLibreMap({
      container: 'map',
      style: styles.initial({ isVisible: (id) => styles.isBase(id), opacity: () => 1, online: false }),
      bounds: [105.25, 22.3, 106.85, 23.15],
      attributionControl: false,
    });
    map.addControl(new NavigationControl(), 'top-right');
    translateStatic();
    window.cbMap = map;
    this.map = map;
    await new Promise<void>((resolve) => map.once('load', () => resolve()));
    map.addSource('editing', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'fid' });
    map.addLayer({ id: 'editing-fill', type: 'fill', source: 'editing', filter: IS_POLYGON, paint: { 'fill-color': '#0f4c81', 'fill-opacity': 0.3 } });
    map.addLayer({ id: 'editing-line', type: 'line', source: 'editing', filter: NOT_POINT, paint: { 'line-color': '#0f4c81', 'line-width': 3 } });
    map.addLayer({ id: 'editing-point', type: 'circle', source: 'editing', filter: IS_POINT, paint: { 'circle-color': '#0f4c81', 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } });
    map.addSource('import-sample', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'import-sample-point', type: 'circle', source: 'import-sample', paint: { 'circle-color': '#2a9d8f', 'circle-radius': 6 } });
    // An old version chosen in the history: dashed purple over the current blue, so both can be told apart.
    map.addSource('history', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'history-fill', type: 'fill', source: 'history', filter: IS_POLYGON, paint: { 'fill-color': '#7b2cbf', 'fill-opacity': 0.2 } });
    map.addLayer({ id: 'history-line', type: 'line', source: 'history', filter: NOT_POINT, paint: { 'line-color': '#7b2cbf', 'line-width': 3, 'line-dasharray': [2, 1.5] } });
    map.addLayer({ id: 'history-point', type: 'circle', source: 'history', filter: IS_POINT, paint: { 'circle-color': '#fff', 'circle-radius': 7, 'circle-stroke-color': '#7b2cbf', 'circle-stroke-width': 3 } });
    this.draft = new GeometryDraft(map);
    this.draft.snap = (p, screen) => this.snap(p, screen);
    map.on('click', (e) => this.mapClick(e));
    map.on('moveend', () => void this.loadFeatures());
  }

  private async chooseLayer(id: string, bbox?: [number, number, number, number] | null): Promise<void> {
    const layer = this.catalog!.layers.find((l) => l.id === id);
    if (!layer) return;
    // Reading public features works signed out too: ask about the session, so a disabled account stops here.
    if (!(await call('GET', '/api/auth/me').then(() => true, () => false))) return;
    this.layer = layer;
    this.closeFeature();
    this.renderLayers();
    $('tools').hidden = false;
    tx($<HTMLButtonElement>('draw'), layer.geometry_family === 'point' ? 'drawPoint' : layer.geometry_family === 'line' ? 'drawLine' : 'drawPolygon');
    this.imports?.selectLayer(layer.id);
    // After an import, the imported features' extent; else the layer's.
    const extent = bbox ?? layer.extent;
    if (extent) this.map!.fitBounds(extent, { padding: 40, maxZoom: 16, duration: 0 });
    await this.loadFeatures();
  }

  /** The features of the layer in view, straight from the features API (always the latest saved versions). */
  async loadFeatures(): Promise<void> {
    if (!this.layer || !this.map) return;
    const b = this.map.getBounds();
    const url = `${this.layer.links.features}?bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((n) => n.toFixed(6)).join(',')}&limit=2000`;
    // Moving the map fast sends several requests: only the latest one's answer is drawn.
    const request = ++this.loadRequest;
    const r = await call<GeoJSON.FeatureCollection>('GET', url).catch(() => null);
    if (!r || request !== this.loadRequest) return;
    this.loaded.clear();
    for (const f of r.body.features) {
      f.properties = { ...f.properties, fid: f.id ?? null };
      if (f.geometry) this.loaded.set(Number(f.id), f.geometry);
    }
    (this.map.getSource('editing') as GeoJSONSource).setData(r.body);
  }

  /**
   * A vertex being placed or dragged at `screen`: onto the nearest vertex (else segment) of a rendered feature of
   * the edited layer within SNAP_PIXELS, other than the feature being reshaped; unchanged when snapping is off.
   */
  private snap(p: Position, screen: { x: number; y: number }): Position {
    if (!$<HTMLInputElement>('snap').checked) return p;
    const own = this.base?.id;
    const ids = new Set(this.map!.queryRenderedFeatures(snapBox(screen), { layers: ['editing-point', 'editing-line', 'editing-fill'] })
      .map((f) => Number(f.id)).filter((id) => id !== own));
    const candidates = [...ids].map((id) => this.loaded.get(id)).filter((g): g is GeoJSON.Geometry => g !== undefined);
    return snapTo(this.map!, screen, candidates) ?? p;
  }

  private mapClick(e: MapMouseEvent): void {
    const draft = this.draft!;
    if (draft.drawing) {
      if (draft.addVertex([e.lngLat.lng, e.lngLat.lat], e.point)) this.draftDone();
      return;
    }
    if (this.reports?.clickAt(e.point)) return;
    if (!this.layer) return;
    const box: [PointLike, PointLike] = [[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]];
    const hit = this.map!.queryRenderedFeatures(box, { layers: ['editing-point', 'editing-line', 'editing-fill'] })[0];
    if (hit && hit.id !== undefined) void this.openFeature(Number(hit.id));
  }

  private featureUrl(fid: number): string {
    return `${this.layer!.links.features}/${fid}`;
  }

  private async openFeature(fid: number): Promise<void> {
    const r = await call<Feature>('GET', this.featureUrl(fid)).catch((e: ApiError) => {
      this.flash(() => errorText(e.code, e.message), true);
      return null;
    });
    if (!r) return;
    this.base = r.body;
    this.etag = r.etag;
    this.draft!.clear();
    this.renderFeaturePanel(r.body.properties);
  }

  private startDrawing(): void {
    if (!this.layer) return;
    this.base = null;
    this.etag = null;
    this.draft!.start(this.layer.geometry_family);
    const hint = this.layer.geometry_family === 'point' ? 'drawPointHint' : 'drawHint';
    this.flash(() => t(hint));
    $('finish').hidden = this.layer.geometry_family === 'point';
    this.renderFeaturePanel({});
  }

  private draftDone(): void {
    $('finish').hidden = true;
    this.flash('');
    $('feature-panel').querySelector<HTMLInputElement>('input, select')?.focus();
  }

  private renderFeaturePanel(values: Values): void {
    const layer = this.layer!;
    const panel = $('feature-panel');
    this.form = new AttributeForm(layer, values);
    const heading = this.base ? tx(el('h2', { id: 'feature-heading' }), 'featureN', { fid: this.base.id, v: this.version() ?? '?' }) : tx(el('h2', { id: 'feature-heading' }), 'newFeature');
    const formEl = el('form', { className: 'feature-form' });
    formEl.setAttribute('aria-labelledby', 'feature-heading');
    const geometryError = el('p', { className: 'field-error', id: 'geometry-error' });
    geometryError.setAttribute('role', 'alert');
    const actions = el('div', { className: 'actions' });
    const save = tx(el('button', { type: 'submit', className: 'primary' }), 'save');
    save.dataset.testid = 'save';
    actions.append(save);
    if (this.base) {
      const reshape = tx(el('button', { type: 'button' }), 'editGeometry');
      reshape.addEventListener('click', () => {
        this.draft!.edit(this.base!.geometry);
        this.flash(() => t('editGeometryHint'));
      });
      const history = tx(el('button', { type: 'button' }), 'history');
      history.addEventListener('click', () => void this.showHistory());
      const del = tx(el('button', { type: 'button', className: 'danger' }), 'delete');
      del.addEventListener('click', () => void this.deleteFeature());
      actions.append(reshape, history, del);
    }
    const cancel = tx(el('button', { type: 'button' }), 'cancel');
    cancel.addEventListener('click', () => this.closeFeature());
    actions.append(cancel);
    formEl.append(this.form.element, geometryError, actions);
    formEl.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.save();
    });
    panel.replaceChildren(heading, formEl);
  }

  private version(): number | null {
    const m = this.etag?.match(/(\d+)"?$/);
    return m ? Number(m[1]) : null;
  }

  private closeFeature(): void {
    this.base = null;
    this.etag = null;
    this.form = null;
    this.draft?.clear();
    this.history?.close();
    this.history = null;
    $('finish').hidden = true;
    $('feature-panel').replaceChildren(tx(el('p', { className: 'hint' }), 'selectHint'));
  }

  /** The geometry to send: the drawn or reshaped one, else the feature's own. */
  private currentGeometry(): EditableGeometry | null {
    return this.draft!.geometry() ?? this.base?.geometry ?? null;
  }

  private async save(): Promise<void> {
    const form = this.form!;
    this.flash('');
    if (!form.validate()) return;
    const geometry = this.currentGeometry();
    if (!geometry) {
      tx($('geometry-error'), 'noGeometry');
      return;
    }
    const body = { type: 'Feature', geometry, properties: form.values() };
    try {
      const r = this.base
        ? await call<Feature>('PUT', this.featureUrl(this.base.id), body, { 'if-match': this.etag! })
        : await call<Feature>('POST', this.layer!.links.features, body);
      this.afterSave(r.body, r.etag, () => t('saved'));
    } catch (e) {
      await this.saveFailed(e as ApiError, body);
    }
  }

  private afterSave(feature: Feature, etag: string | null, message: string | (() => string)): void {
    this.base = feature;
    this.etag = etag;
    this.draft!.clear();
    this.renderFeaturePanel(feature.properties);
    this.flash(message);
    void this.loadFeatures();
  }

  private async saveFailed(err: ApiError, mine: { geometry: EditableGeometry; properties: Values }): Promise<void> {
    if (err.status === 412 && this.base) {
      await this.showConflict(mine);
      return;
    }
    const attribute = typeof err.details.attribute === 'string' ? err.details.attribute : null;
    const message = currentLang() === 'vi' && attribute && typeof err.details.label_vi === 'string'
      ? `${errorText(err.code, err.message)} («${err.details.label_vi}»)` : errorText(err.code, err.message);
    if (!(attribute && this.form?.showError(attribute, currentLang() === 'vi' ? message : err.message))) this.flash(message, true);
  }

  /** 412: someone saved a newer version. Shows theirs against ours, then reload or re-apply on top of theirs. */
  private async showConflict(mine: { geometry: EditableGeometry; properties: Values }): Promise<void> {
    const base = this.base!;
    const r = await call<Feature>('GET', this.featureUrl(base.id));
    const current = r.body;
    const dialog = $<HTMLDialogElement>('conflict');
    const rows: HTMLTableRowElement[] = [];
    const labels: Array<[HTMLElement, CatalogLayer['attributes'][number]]> = [];
    for (const a of this.layer!.attributes) {
      const theirs = current.properties[a.name];
      const ours = mine.properties[a.name];
      if (sameValue(theirs, ours)) continue;
      const label = el('th', { scope: 'row' });
      labels.push([label, a]);
      rows.push(el('tr', {}, label, el('td', { textContent: String(theirs ?? '—') }), el('td', { textContent: String(ours ?? '—') })));
    }
    if (!sameValue(current.geometry, mine.geometry)) {
      rows.push(el('tr', {}, tx(el('th', { scope: 'row' }), 'geometryField'), tx(el('td'), 'changed'), tx(el('td'), 'changed')));
    }
    this.conflictLabels = () => {
      for (const [label, a] of labels) label.textContent = currentLang() === 'en' ? a.label_en : a.label_vi;
    };
    this.conflictLabels();
    const table = el('table', {}, el('thead', {}, el('tr', {}, tx(el('th'), 'field'), tx(el('th'), 'current'), tx(el('th'), 'yours'))), el('tbody', {}, ...rows));
    const reload = tx(el('button', { type: 'button' }), 'reload');
    const reapply = tx(el('button', { type: 'button', className: 'primary' }), 'reapply');
    // The dialog is modal, so the page's own VI/EN buttons cannot be reached while it is open: it has its own pair.
    const languages = el('div', { className: 'dialog-lang' });
    languages.setAttribute('role', 'group');
    languages.dataset.tLabel = 'languageLabel';
    languages.setAttribute('aria-label', t('languageLabel'));
    for (const lang of ['vi', 'en'] as const) {
      const b = el('button', { type: 'button', lang, textContent: lang.toUpperCase() });
      b.dataset.lang = lang;
      b.setAttribute('aria-pressed', String(lang === currentLang()));
      b.addEventListener('click', () => setLang(lang));
      languages.append(b);
    }
    dialog.replaceChildren(languages, tx(el('h2', { id: 'conflict-title' }), 'conflictTitle'),
      tx(el('p'), 'conflictText', { v: r.etag?.match(/(\d+)"?$/)?.[1] ?? '?' }), table, el('div', { className: 'actions' }, reload, reapply));
    dialog.addEventListener('close', () => {
      this.conflictLabels = null;
    }, { once: true });
    dialog.setAttribute('aria-labelledby', 'conflict-title');
    reload.addEventListener('click', () => {
      dialog.close();
      this.afterSave(current, r.etag, '');
    });
    reapply.addEventListener('click', () => {
      dialog.close();
      this.flash('');
      // Only what this editor changed from the version they started from goes on top of the current version.
      const properties: Values = { ...current.properties };
      for (const [k, v] of Object.entries(mine.properties)) if (!sameValue(base.properties[k], v)) properties[k] = v;
      const geometry = sameValue(base.geometry, mine.geometry) ? current.geometry : mine.geometry;
      this.base = current;
      this.etag = r.etag;
      call<Feature>('PUT', this.featureUrl(current.id), { type: 'Feature', geometry, properties }, { 'if-match': r.etag! })
        .then((s) => this.afterSave(s.body, s.etag, () => t('saved')))
        .catch((e: ApiError) => void this.saveFailed(e, { geometry: geometry!, properties }));
    });
    dialog.showModal();
    reapply.focus();
  }

  private async deleteFeature(): Promise<void> {
    if (!this.base || !window.confirm(t('confirmDelete'))) return;
    try {
      await call('DELETE', this.featureUrl(this.base.id), undefined, { 'if-match': this.etag! });
      this.closeFeature();
      this.flash(() => t('deleted'));
      void this.loadFeatures();
    } catch (e) {
      const err = e as ApiError;
      if (err.status === 412) await this.showConflict({ geometry: this.base!.geometry!, properties: this.base!.properties });
      else this.flash(() => errorText(err.code, err.message), true);
    }
  }

  private async showHistory(): Promise<void> {
    const base = this.base!;
    const r = await call<{ versions: Version[] }>('GET', `${this.featureUrl(base.id)}/history`).catch((e: ApiError) => {
      this.flash(() => errorText(e.code, e.message), true);
      return null;
    });
    if (!r) return;
    this.history?.close();
    this.history = new HistoryPanel($<HTMLDialogElement>('history'), this.layer!, base.id, r.body.versions, {
      show: (v) => this.showVersion(v),
      restore: (v) => {
        call<Feature>('POST', `${this.featureUrl(base.id)}/restore`, { version: v.version }, { 'if-match': this.etag! })
          .then((s) => this.afterSave(s.body, s.etag, () => t('restored', { v: v.version })))
          .catch((e: ApiError) => this.flash(() => errorText(e.code, e.message), true));
      },
    });
    this.history.show();
  }

  /** Draws an old version's geometry on the map and brings it into view. */
  private showVersion(v: Version | null): void {
    const map = this.map!;
    const features: GeoJSON.Feature[] = v?.geometry ? [{ type: 'Feature', geometry: v.geometry, properties: { version: v.version } }] : [];
    (map.getSource('history') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
    if (!v?.geometry) return;
    const coords = JSON.stringify(v.geometry.type === 'GeometryCollection' ? [] : v.geometry.coordinates).match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number) ?? [];
    const xs = coords.filter((_, i) => i % 2 === 0);
    const ys = coords.filter((_, i) => i % 2 === 1);
    if (xs.length === 0) return;
    const box: [number, number, number, number] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    const view = map.getBounds();
    // Only moves when the version is not already in view: the editor compares it with what they were looking at.
    if (!(view.contains([box[0], box[1]]) && view.contains([box[2], box[3]]))) map.fitBounds(box, { padding: 80, maxZoom: map.getZoom(), duration: 0 });
  }

  /** Says something on the status line; a function is said again when the language changes. */
  flash(message: string | (() => string), error = false): void {
    this.status = typeof message === 'function' ? message : () => message;
    const status = $('status');
    status.classList.toggle('error', error);
    this.showStatus();
  }

  private showStatus(): void {
    $('status').textContent = this.status();
  }

  wireTools(): void {
    $('draw').addEventListener('click', () => this.startDrawing());
    $('finish').addEventListener('click', () => {
      this.draft!.finish();
      this.draftDone();
    });
  }
}

setWorkerUrl(workerUrl);
// Announced maintenance (Điều 10.2), in the page's own language.
mountMaintenanceBanner({ language: currentLang, onLanguageChange: onLangChange });
const page = new EditorPage();
page.wireTools();
void page.start();
