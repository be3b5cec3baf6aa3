// The agency editor page: sign in, the layers one may edit, a map to select, draw, move and reshape features,
// the attribute form, saving with If-Match (and the conflict dialog), history with restore, and imports.
import { Map as MapLibreMap, NavigationControl, setWorkerUrl, type GeoJSONSource, type MapMouseEvent, type PointLike } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { fetchCatalog, type Catalog, type CatalogLayer } from '../catalog.ts';
import { buildStyle, isBaseLayer } from '../map-style.ts';
import { formatDateTime } from '../format.ts';
import { AttributeForm, type Values } from './attribute-form.ts';
import { GeometryDraft, type EditableGeometry } from './draft.ts';
import { ApiError, call, currentUser, setCsrf, signIn, signOut, whenSignedOut, type Me } from './http.ts';
import { ImportPanel } from './import-panel.ts';
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

function translateStatic(): void {
  document.title = t('title');
  for (const node of document.querySelectorAll<HTMLElement>('[data-t]')) node.textContent = t(node.dataset.t as EditorKey);
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === currentLang()));
}

/** Which layers this person may edit: their agency's, as editor, within their layer scope if they have one. */
export function editableLayers(me: Me, catalog: Catalog): CatalogLayer[] {
  return catalog.layers.filter((layer) =>
    me.memberships.some((m) => m.role === 'editor' && m.agency_code === layer.owner.code && (m.layer_scope === null || m.layer_scope.includes(layer.id))));
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

  async start(): Promise<void> {
    translateStatic();
    onLangChange(() => {
      translateStatic();
      if (this.me) this.renderLayers();
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
    window.cbReady = true;
  }

  private renderLayers(): void {
    const me = this.me!;
    const m = me.memberships[0];
    $('who').textContent = t('signedInAs', { name: me.display_name || me.username, agency: m?.agency_name_vi ?? '' });
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
    const catalog = this.catalog!;
    const base = new Set(catalog.layers.filter(isBaseLayer).map((l) => l.id));
    const map = new MapLibreMap({
      container: 'map',
      style: buildStyle(catalog, base),
      bounds: [105.25, 22.3, 106.85, 23.15],
      attributionControl: false,
    });
    map.addControl(new NavigationControl(), 'top-right');
    window.cbMap = map;
    this.map = map;
    await new Promise<void>((resolve) => map.once('load', () => resolve()));
    map.addSource('editing', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'fid' });
    map.addLayer({ id: 'editing-fill', type: 'fill', source: 'editing', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#0f4c81', 'fill-opacity': 0.3 } });
    map.addLayer({ id: 'editing-line', type: 'line', source: 'editing', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#0f4c81', 'line-width': 3 } });
    map.addLayer({ id: 'editing-point', type: 'circle', source: 'editing', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#0f4c81', 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } });
    map.addSource('import-sample', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'import-sample-point', type: 'circle', source: 'import-sample', paint: { 'circle-color': '#2a9d8f', 'circle-radius': 6 } });
    this.draft = new GeometryDraft(map);
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
    $<HTMLButtonElement>('draw').textContent = t(layer.geometry_family === 'point' ? 'drawPoint' : layer.geometry_family === 'line' ? 'drawLine' : 'drawPolygon');
    $('feature-panel').replaceChildren(el('p', { className: 'hint', textContent: t('selectHint') }));
    const extent = bbox ?? layer.extent;
    if (extent) this.map!.fitBounds(extent, { padding: 40, maxZoom: 16, duration: 0 });
    await this.loadFeatures();
  }

  /** The features of the layer in view, straight from the features API (always the latest saved versions). */
  async loadFeatures(): Promise<void> {
    if (!this.layer || !this.map) return;
    const b = this.map.getBounds();
    const url = `${this.layer.links.features}?bbox=${[b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((n) => n.toFixed(6)).join(',')}&limit=2000`;
    const r = await call<GeoJSON.FeatureCollection>('GET', url).catch(() => null);
    if (!r) return;
    for (const f of r.body.features) f.properties = { ...f.properties, fid: f.id ?? null };
    (this.map.getSource('editing') as GeoJSONSource).setData(r.body);
  }

  private mapClick(e: MapMouseEvent): void {
    const draft = this.draft!;
    if (draft.drawing) {
      if (draft.addVertex([e.lngLat.lng, e.lngLat.lat])) this.draftDone();
      return;
    }
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
      this.flash(errorText(e.code, e.message), true);
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
    this.flash(t(this.layer.geometry_family === 'point' ? 'drawPointHint' : 'drawHint'));
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
    const heading = el('h2', { id: 'feature-heading', textContent: this.base ? t('featureN', { fid: this.base.id, v: this.version() ?? '?' }) : t('newFeature') });
    const formEl = el('form', { className: 'feature-form' });
    formEl.setAttribute('aria-labelledby', 'feature-heading');
    const geometryError = el('p', { className: 'field-error', id: 'geometry-error' });
    geometryError.setAttribute('role', 'alert');
    const actions = el('div', { className: 'actions' });
    const save = el('button', { type: 'submit', className: 'primary', textContent: t('save') });
    save.dataset.testid = 'save';
    actions.append(save);
    if (this.base) {
      const reshape = el('button', { type: 'button', textContent: t('editGeometry') });
      reshape.addEventListener('click', () => {
        this.draft!.edit(this.base!.geometry);
        this.flash(t('editGeometryHint'));
      });
      const history = el('button', { type: 'button', textContent: t('history') });
      history.addEventListener('click', () => void this.showHistory());
      const del = el('button', { type: 'button', className: 'danger', textContent: t('delete') });
      del.addEventListener('click', () => void this.deleteFeature());
      actions.append(reshape, history, del);
    }
    const cancel = el('button', { type: 'button', textContent: t('cancel') });
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
    $('finish').hidden = true;
    $('feature-panel').replaceChildren(el('p', { className: 'hint', textContent: t('selectHint') }));
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
      $('geometry-error').textContent = t('noGeometry');
      return;
    }
    const body = { type: 'Feature', geometry, properties: form.values() };
    try {
      const r = this.base
        ? await call<Feature>('PUT', this.featureUrl(this.base.id), body, { 'if-match': this.etag! })
        : await call<Feature>('POST', this.layer!.links.features, body);
      this.afterSave(r.body, r.etag, t('saved'));
    } catch (e) {
      await this.saveFailed(e as ApiError, body);
    }
  }

  private afterSave(feature: Feature, etag: string | null, message: string): void {
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
    for (const a of this.layer!.attributes) {
      const theirs = current.properties[a.name];
      const ours = mine.properties[a.name];
      if (sameValue(theirs, ours)) continue;
      rows.push(el('tr', {}, el('th', { scope: 'row', textContent: currentLang() === 'en' ? a.label_en : a.label_vi }),
        el('td', { textContent: String(theirs ?? '—') }), el('td', { textContent: String(ours ?? '—') })));
    }
    if (!sameValue(current.geometry, mine.geometry)) {
      rows.push(el('tr', {}, el('th', { scope: 'row', textContent: t('geometryField') }), el('td', { textContent: t('changed') }), el('td', { textContent: t('changed') })));
    }
    const table = el('table', {}, el('thead', {}, el('tr', {}, el('th', { textContent: t('field') }), el('th', { textContent: t('current') }), el('th', { textContent: t('yours') }))), el('tbody', {}, ...rows));
    const reload = el('button', { type: 'button', textContent: t('reload') });
    const reapply = el('button', { type: 'button', className: 'primary', textContent: t('reapply') });
    dialog.replaceChildren(el('h2', { id: 'conflict-title', textContent: t('conflictTitle') }),
      el('p', { textContent: t('conflictText', { v: r.etag?.match(/(\d+)"?$/)?.[1] ?? '?' }) }), table, el('div', { className: 'actions' }, reload, reapply));
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
        .then((s) => this.afterSave(s.body, s.etag, t('saved')))
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
      this.flash(t('deleted'));
      void this.loadFeatures();
    } catch (e) {
      const err = e as ApiError;
      if (err.status === 412) await this.showConflict({ geometry: this.base!.geometry!, properties: this.base!.properties });
      else this.flash(errorText(err.code, err.message), true);
    }
  }

  private async showHistory(): Promise<void> {
    const base = this.base!;
    const r = await call<{ versions: Array<{ version: number; operation: string; changed_at: string; changed_by: string | null; note: string | null; properties: Values }> }>(
      'GET', `${this.featureUrl(base.id)}/history`);
    const dialog = $<HTMLDialogElement>('history');
    const list = el('ol', { className: 'versions' });
    const versions = [...r.body.versions].sort((a, b) => a.version - b.version);
    versions.forEach((v, i) => {
      const before = versions[i - 1]?.properties ?? {};
      const diffs = this.layer!.attributes.filter((a) => !sameValue(before[a.name], v.properties?.[a.name]))
        .map((a) => el('li', { textContent: `${currentLang() === 'en' ? a.label_en : a.label_vi}: ${String(before[a.name] ?? '—')} → ${String(v.properties?.[a.name] ?? '—')}` }));
      const item = el('li', { className: 'version' });
      item.dataset.version = String(v.version);
      item.append(el('h3', { textContent: `${t('version', { v: v.version })} — ${t(`op_${v.operation}` as EditorKey)} — ${formatDateTime(v.changed_at)} ${v.changed_by ? t('by', { who: v.changed_by }) : ''}` }),
        diffs.length ? el('ul', {}, ...diffs) : el('p', { className: 'hint', textContent: t('noChanges') }));
      if (i < versions.length - 1) {
        const restore = el('button', { type: 'button', textContent: t('restore') });
        restore.addEventListener('click', () => {
          dialog.close();
          call<Feature>('POST', `${this.featureUrl(base.id)}/restore`, { version: v.version }, { 'if-match': this.etag! })
            .then((s) => this.afterSave(s.body, s.etag, t('restored', { v: v.version })))
            .catch((e: ApiError) => this.flash(errorText(e.code, e.message), true));
        });
        item.append(restore);
      }
      list.append(item);
    });
    const close = el('button', { type: 'button', textContent: t('close') });
    close.addEventListener('click', () => dialog.close());
    dialog.replaceChildren(el('h2', { id: 'history-title', textContent: t('historyTitle', { fid: base.id }) }), list, el('div', { className: 'actions' }, close));
    dialog.setAttribute('aria-labelledby', 'history-title');
    dialog.showModal();
  }

  flash(message: string, error = false): void {
    const status = $('status');
    status.textContent = message;
    status.classList.toggle('error', error);
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
const page = new EditorPage();
page.wireTools();
void page.start();
