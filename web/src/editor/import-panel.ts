// The import journey on the editor page: file + target layer + mode → upload (XHR progress) → the worker's
// stages (SSE) → the preview report with its sample on the map → fix encoding / CRS and preview again → commit.
import type { CatalogLayer } from '../catalog.ts';
import { ApiError, call, uploadWithProgress } from './http.ts';
import { currentLang, errorText, hasText, t, type EditorKey } from './strings.ts';

interface ImportBody {
  id: string;
  status: string;
  layer: string;
  file: { name: string; size_bytes: number };
  progress: { stage?: string; done?: number; total?: number };
  report: {
    featureCount: number;
    encoding: { detected: unknown; used: string | null } | null;
    crs: { detected: unknown; used: { srid: number | null } };
    problems: { featuresWithProblems: number; counts: Record<string, number> };
    merge: { insert: number; update: number; delete: number };
    bbox: [number, number, number, number] | null;
    blockers: { code: string; message: string }[];
    warnings: { code: string; message: string }[];
  } | null;
  error: { code: string; message: string } | null;
  result: { inserted?: number; updated?: number } | null;
  sample?: unknown;
}

interface Hooks {
  layers(): CatalogLayer[];
  onCommitted(layerId: string, bbox: [number, number, number, number] | null): void;
  showSample(data: unknown): void;
}

const SAMPLE_ROWS = 5;
const SAMPLE_TEXT_COLUMNS = 3;

// The encodings the importer reads (importers/pipeline/choices.ts), by their proper names.
const ENCODINGS: Array<[string, string]> = [
  ['utf8', 'UTF-8'], ['windows1258', 'Windows-1258'], ['tcvn3', 'TCVN3 (ABC)'], ['vni', 'VNI-Windows'], ['viscii', 'VISCII'], ['latin1', 'Latin-1'],
];
// The coordinate systems Cao Bằng's files come in: VN-2000 TM-3 105°45′ first (the province's own zone).
const SRIDS = [9210, 4326, 4756, 9209, 9211, 3405, 32648];

/** A blocker or warning of the preview in the reader's language; the server's English for an unknown code. */
function issueText(issue: { code: string; message: string }): string {
  const key = `issue_${issue.code}`;
  // What follows the message's first colon is data (field names, EPSG codes), the same in every language.
  return hasText(key) ? t(key, { detail: issue.message.split(': ').slice(1).join(': ') }) : issue.message;
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export class ImportPanel {
  private readonly form: HTMLFormElement;
  private readonly bar: HTMLProgressElement;
  private readonly stage: HTMLElement;
  private readonly report: HTMLElement;
  private current: ImportBody | null = null;
  /** The layer being edited: the target the dropdown starts on. */
  private preferred: string | null = null;
  /** The stage line's text, as a function so the language switch can say it again. */
  private stageText: () => string = () => '';

  constructor(private readonly root: HTMLElement, private readonly hooks: Hooks) {
    root.innerHTML = `
      <h2 data-t="importHeading"></h2>
      <form id="import-form" class="import-form">
        <label for="import-file" data-t="importFile"></label>
        <div class="file-picker">
          <input id="import-file" class="file-input" type="file" name="file" required aria-describedby="import-file-name">
          <span class="file-button" aria-hidden="true" data-t="chooseFile"></span>
          <span class="file-name" id="import-file-name"></span>
        </div>
        <label for="import-layer" data-t="importLayer"></label><select id="import-layer" name="layer"></select>
        <label for="import-mode" data-t="importMode"></label>
        <select id="import-mode" name="mode"><option value="append"></option><option value="replace"></option><option value="upsert"></option></select>
        <div id="import-key-row" class="import-key-row" hidden>
          <label for="import-key" data-t="importKey"></label><select id="import-key" name="key"></select>
        </div>
        <button type="submit" class="primary" data-t="upload"></button>
      </form>
      <progress id="import-progress" max="1" value="0" hidden></progress>
      <p id="import-stage" role="status" aria-live="polite"></p>
      <div id="import-report"></div>`;
    this.form = root.querySelector('form')!;
    this.bar = root.querySelector('progress')!;
    this.bar.setAttribute('aria-label', t('progressLabel'));
    this.stage = root.querySelector('#import-stage')!;
    this.report = root.querySelector('#import-report')!;
    // The browser's own file button speaks the browser's language: ours, in the page's, lies under the real input
    // (transparent, on top: it keeps the clicks, the focus, the keyboard and the label), and says which file is chosen.
    root.querySelector('#import-file')!.addEventListener('change', () => this.showFileName());
    // An update by key asks which of the target layer's attributes identifies a feature: only then, and from a list.
    for (const id of ['#import-mode', '#import-layer']) root.querySelector(id)!.addEventListener('change', () => this.showKeyChoice());
    this.translate();
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.upload();
    });
  }

  /** The key row, shown for an update by key, offering the target layer's attributes by their labels. */
  private showKeyChoice(): void {
    const mode = this.root.querySelector<HTMLSelectElement>('#import-mode')!.value;
    const layerId = this.root.querySelector<HTMLSelectElement>('#import-layer')!.value;
    const key = this.root.querySelector<HTMLSelectElement>('#import-key')!;
    const layer = this.hooks.layers().find((l) => l.id === layerId);
    const chosen = key.value;
    key.replaceChildren(...(layer?.attributes ?? []).map((a) => new Option(`${currentLang() === 'en' ? a.label_en : a.label_vi} (${a.name})`, a.name)));
    if ([...key.options].some((o) => o.value === chosen)) key.value = chosen;
    this.root.querySelector<HTMLElement>('#import-key-row')!.hidden = mode !== 'upsert';
  }

  private showFileName(): void {
    const file = this.root.querySelector<HTMLInputElement>('#import-file')!.files?.[0];
    this.root.querySelector('#import-file-name')!.textContent = file ? file.name : t('noFileChosen');
  }

  /** Writes the panel again in the current language (the language switch), the report included. */
  translate(): void {
    for (const node of this.root.querySelectorAll<HTMLElement>('[data-t]')) node.textContent = t(node.dataset.t as EditorKey);
    this.showFileName();
    this.showKeyChoice();
    const modes = this.root.querySelectorAll<HTMLOptionElement>('#import-mode option');
    for (const o of modes) o.textContent = t(`mode_${o.value}` as EditorKey);
    this.bar.setAttribute('aria-label', t('progressLabel'));
    this.stage.textContent = this.stageText();
    const select = this.root.querySelector<HTMLSelectElement>('#import-layer')!;
    for (const o of select.options) {
      const layer = this.hooks.layers().find((l) => l.id === o.value);
      if (layer) o.textContent = currentLang() === 'en' ? layer.title_en : layer.title_vi;
    }
    if (this.current?.status === 'preview' && this.current.report && this.report.querySelector('#report-title')) this.renderReport(this.current);
    else if (this.current?.status === 'committed') this.renderDone(this.current);
    else if (this.current?.status === 'expired') this.renderExpired(this.current);
  }

  refreshLayers(): void {
    const select = this.root.querySelector<HTMLSelectElement>('#import-layer')!;
    const chosen = select.value || this.preferred;
    select.replaceChildren(...this.hooks.layers().map((l) => new Option(currentLang() === 'en' ? l.title_en : l.title_vi, l.id)));
    if (chosen && [...select.options].some((o) => o.value === chosen)) select.value = chosen;
    this.translate();
  }

  /** The editor chose a layer to edit: imports go there unless they pick another. */
  selectLayer(id: string): void {
    this.preferred = id;
    const select = this.root.querySelector<HTMLSelectElement>('#import-layer')!;
    if ([...select.options].some((o) => o.value === id)) select.value = id;
    this.showKeyChoice();
  }

  private say(text: () => string, error = false): void {
    this.stageText = text;
    this.stage.textContent = text();
    this.stage.classList.toggle('error', error);
  }

  private setStage(stage: string, done = 0, total = 0): void {
    const key = `stage_${stage}` as EditorKey;
    this.say(() => (hasText(key) ? t(key) : t('stage_other', { stage })) + (total > 0 ? ` (${done}/${total})` : ''));
    this.stage.dataset.stage = stage;
    this.bar.hidden = false;
    if (total > 0) this.bar.value = done / total;
  }

  private async upload(): Promise<void> {
    const data = new FormData(this.form);
    if ((data.get('mode') as string) !== 'upsert') data.delete('key');
    this.report.replaceChildren();
    this.bar.hidden = false;
    this.bar.value = 0;
    this.current = null;
    this.say(() => t('uploading'));
    try {
      const r = await uploadWithProgress<{ id: string }>('/api/imports', data, (f) => {
        this.bar.value = f;
      });
      await this.follow(r.body.id);
    } catch (e) {
      this.fail(e as ApiError);
    }
  }

  private fail(err: ApiError): void {
    this.say(() => errorText(err.code, err.message), true);
  }

  /** Follows the import's events until it settles, then shows the report (or the result). */
  private follow(id: string): Promise<void> {
    this.stage.classList.remove('error');
    return new Promise((resolve) => {
      const source = new EventSource(`/api/imports/${id}/events`);
      source.addEventListener('progress', (e) => {
        const d = JSON.parse((e as MessageEvent<string>).data) as { stage: string; done: number; total: number };
        this.setStage(d.stage, d.done, d.total);
      });
      source.addEventListener('end', () => {
        source.close();
        void this.settled(id).then(resolve);
      });
      source.onerror = () => {
        // The stream ended (or the connection dropped): the import's row says where it is.
        source.close();
        void this.settled(id).then(resolve);
      };
    });
  }

  private async settled(id: string): Promise<void> {
    const r = await call<ImportBody>('GET', `/api/imports/${id}`).catch((e: ApiError) => {
      this.fail(e);
      return null;
    });
    if (!r) return;
    const imp = r.body;
    this.current = imp;
    this.setStage(imp.status);
    this.bar.value = 1;
    if (imp.status === 'committed') {
      this.renderDone(imp);
      this.hooks.showSample({ type: 'FeatureCollection', features: [] });
      // The report's bbox is the imported features' extent (in WGS 84): the map goes there, not to the whole layer.
      this.hooks.onCommitted(imp.layer, imp.report?.bbox ?? null);
      return;
    }
    if (imp.status === 'expired') {
      this.renderExpired(imp);
      return;
    }
    if (imp.error) this.fail(new ApiError(400, imp.error.code, imp.error.message));
    if (imp.report) this.renderReport(imp);
  }

  private renderDone(imp: ImportBody): void {
    const n = (imp.result?.inserted ?? 0) + (imp.result?.updated ?? 0) || imp.report?.featureCount || 0;
    const layer = this.hooks.layers().find((l) => l.id === imp.layer);
    this.report.replaceChildren(Object.assign(document.createElement('p'), {
      className: 'success', textContent: t('importDone', { n, layer: layer ? (currentLang() === 'en' ? layer.title_en : layer.title_vi) : imp.layer }),
    }));
  }

  /**
   * The clean-up job (importers/pipeline/cleanup.ts) removed the preview and the uploaded file: nothing is left to
   * commit, so instead of the report the panel says so and offers the one thing that still works, a new upload.
   */
  private renderExpired(imp: ImportBody): void {
    this.hooks.showSample({ type: 'FeatureCollection', features: [] });
    const text = Object.assign(document.createElement('p'), { className: 'import-expired', textContent: t('importExpired', { file: imp.file.name }) });
    text.setAttribute('role', 'alert');
    const again = Object.assign(document.createElement('button'), { type: 'button', className: 'primary', id: 'upload-again', textContent: t('uploadAgain') });
    again.addEventListener('click', () => {
      // The form still holds the file when it is the same one (same name and size): send it again as it was chosen.
      const input = this.form.querySelector<HTMLInputElement>('#import-file')!;
      const chosen = input.files?.[0];
      if (chosen && chosen.name === imp.file.name && chosen.size === imp.file.size_bytes) void this.upload();
      else input.focus();
    });
    this.report.replaceChildren(text, again);
  }

  /**
   * A preview or commit answered that the import expired while the report was on screen: read the import again,
   * so the panel shows what the server holds (settled() renders the expired state) and not a stale Commit button.
   */
  private failOrReload(imp: ImportBody, err: ApiError): void {
    if (err.code === 'import_expired') void this.settled(imp.id);
    else this.fail(err);
  }

  /**
   * A few sample features as the preview read them: the name and the texts (to check the encoding) and where each
   * lands in WGS 84 (to check the coordinate system).
   */
  private sampleTable(imp: ImportBody): HTMLTableElement | null {
    const features = ((imp.sample as GeoJSON.FeatureCollection | undefined)?.features ?? []).slice(0, SAMPLE_ROWS);
    if (features.length === 0) return null;
    const layer = this.hooks.layers().find((l) => l.id === imp.layer);
    const texts = (layer?.attributes ?? []).filter((a) => a.type === 'text' && (a.name === layer?.name_attribute || features.some((f) => f.properties?.[a.name])));
    texts.sort((a, b) => Number(b.name === layer?.name_attribute) - Number(a.name === layer?.name_attribute));
    const columns = texts.slice(0, SAMPLE_TEXT_COLUMNS);
    const table = document.createElement('table');
    table.className = 'import-sample';
    table.createCaption().textContent = t('sampleHeading');
    const head = table.createTHead().insertRow();
    for (const text of [...columns.map((a) => (currentLang() === 'en' ? a.label_en : a.label_vi)), t('sampleLonLat')]) {
      head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: text }));
    }
    const body = table.createTBody();
    for (const f of features) {
      const row = body.insertRow();
      for (const a of columns) row.insertCell().textContent = show(f.properties?.[a.name]);
      const first = JSON.stringify(f.geometry && 'coordinates' in f.geometry ? f.geometry.coordinates : []).match(/-?\d+(\.\d+)?(e-?\d+)?/g)?.map(Number) ?? [];
      const where = row.insertCell();
      where.className = 'lonlat';
      where.textContent = first.length >= 2 ? `${first[0]!.toFixed(6)}, ${first[1]!.toFixed(6)}` : '—';
    }
    return table;
  }

  private renderReport(imp: ImportBody): void {
    const rep = imp.report!;
    if (imp.sample) this.hooks.showSample(imp.sample);
    const lines: string[] = [
      t('features', { n: rep.featureCount }),
      t('encoding', { used: show(rep.encoding?.used), detected: show(rep.encoding?.detected) }),
      t('crs', { srid: show(rep.crs.used.srid), detected: show(rep.crs.detected) }),
      t('merge', { insert: rep.merge.insert, update: rep.merge.update, delete: rep.merge.delete }),
      t('problems', { n: rep.problems.featuresWithProblems }),
    ];
    const section = document.createElement('section');
    section.setAttribute('aria-labelledby', 'report-title');
    section.innerHTML = `<h3 id="report-title"></h3><ul class="report-lines"></ul><div class="blockers"></div>
      <form class="fix-form">
        <label for="fix-encoding"></label><select id="fix-encoding"><option value=""></option>${ENCODINGS.map(([v, l]) => `<option value="${v}">${l}</option>`).join('')}</select>
        <label for="fix-srid"></label><input id="fix-srid" inputmode="numeric" list="srid-choices" placeholder="9210">
        <datalist id="srid-choices">${SRIDS.map((c) => `<option value="${c}"></option>`).join('')}</datalist>
        <button type="submit" id="preview-again"></button>
      </form>
      <label class="check"><input type="checkbox" id="skip-invalid"> <span></span></label>
      <button type="button" class="primary" id="commit"></button>`;
    section.querySelector('h3')!.textContent = t('report');
    section.querySelector('.report-lines')!.append(...lines.map((l) => Object.assign(document.createElement('li'), { textContent: l })));
    const issues = [...rep.blockers.map((b) => `⚠ ${issueText(b)}`), ...rep.warnings.map((w) => `ℹ ${issueText(w)}`)];
    if (issues.length) section.querySelector('.blockers')!.append(...issues.map((m) => Object.assign(document.createElement('p'), { textContent: m })));
    section.querySelector('label[for=fix-encoding]')!.textContent = t('fixEncoding');
    section.querySelector('#fix-encoding option')!.textContent = '—';
    section.querySelector('label[for=fix-srid]')!.textContent = t('fixSrid');
    section.querySelector('#preview-again')!.textContent = t('previewAgain');
    section.querySelector('.check span')!.textContent = t('skipInvalid');
    section.querySelector('#commit')!.textContent = t('commit');
    const sample = this.sampleTable(imp);
    if (sample) section.querySelector('.blockers')!.after(sample);
    section.querySelector('form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      const encoding = section.querySelector<HTMLSelectElement>('#fix-encoding')!.value;
      const srid = section.querySelector<HTMLInputElement>('#fix-srid')!.value.trim();
      const body: Record<string, unknown> = {};
      if (encoding) body.encoding = encoding;
      if (srid) body.srid = Number(srid);
      call('POST', `/api/imports/${imp.id}/preview`, body).then(() => this.follow(imp.id)).catch((err: ApiError) => this.failOrReload(imp, err));
    });
    section.querySelector('#commit')!.addEventListener('click', () => {
      const skip = section.querySelector<HTMLInputElement>('#skip-invalid')!.checked;
      call('POST', `/api/imports/${imp.id}/commit`, skip ? { skip_invalid: true } : {}).then(() => this.follow(imp.id)).catch((err: ApiError) => this.failOrReload(imp, err));
    });
    this.report.replaceChildren(section);
  }
}
