// A feature's history beside the map: every version with who, when and the attributes it changed; choosing one
// draws that version's geometry on the map (dashed purple, over the current one) so the editor sees what a restore
// would bring back. A non-modal dialog, so the map stays usable while it is open; Escape or "Đóng" closes it.
import type { CatalogLayer } from '../catalog.ts';
import { formatDateTime } from '../format.ts';
import type { Values } from './attribute-form.ts';
import { currentLang, t, type EditorKey } from './strings.ts';

export interface Version {
  version: number;
  operation: string;
  changed_at: string;
  /**
   * Who: the person (display name, else username) or the API key, given only to the staff of the agency that made
   * the change and to the operator; the agency always (server/features/edits.ts).
   */
  changed_by: string | null;
  changed_by_name?: string | null;
  api_client?: string | null;
  changed_by_agency?: { code: string; name_vi: string; name_en: string } | null;
  note: string | null;
  geometry: GeoJSON.Geometry | null;
  properties: Values;
}

export interface HistoryHooks {
  /** Draws (or, with null, removes) a version's geometry on the map. */
  show(version: Version | null): void;
  restore(version: Version): void;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** "name · agency", or the agency alone when the person is not ours to know. */
function whoChanged(v: Version): string {
  const agency = v.changed_by_agency ? (currentLang() === 'en' ? v.changed_by_agency.name_en : v.changed_by_agency.name_vi) : null;
  return [v.changed_by_name || v.changed_by || v.api_client, agency].filter(Boolean).join(' · ');
}

export class HistoryPanel {
  private selected: number | null = null;

  constructor(private readonly dialog: HTMLDialogElement, private readonly layer: CatalogLayer, private readonly fid: number,
    private readonly versions: Version[], private readonly hooks: HistoryHooks) {
    this.versions = [...versions].sort((a, b) => a.version - b.version);
    dialog.onkeydown = (e) => {
      if (e.key === 'Escape') this.close();
    };
  }

  get open(): boolean {
    return this.dialog.open;
  }

  show(): void {
    this.render();
    if (!this.dialog.open) this.dialog.show();
    this.dialog.querySelector<HTMLButtonElement>('.version-select')?.focus();
  }

  close(): void {
    this.hooks.show(null);
    this.dialog.close();
  }

  /** Draws the panel again in the current language, keeping the chosen version. */
  render(): void {
    const label = (a: CatalogLayer['attributes'][number]) => (currentLang() === 'en' ? a.label_en : a.label_vi);
    const list = document.createElement('ol');
    list.className = 'versions';
    this.versions.forEach((v, i) => {
      const before = this.versions[i - 1]?.properties ?? {};
      const item = document.createElement('li');
      item.className = 'version';
      item.dataset.version = String(v.version);
      const who = whoChanged(v);
      const choose = document.createElement('button');
      choose.type = 'button';
      choose.className = 'version-select';
      choose.setAttribute('aria-pressed', String(this.selected === v.version));
      choose.textContent = `${t('version', { v: v.version })} — ${t(`op_${v.operation}` as EditorKey)} — ${formatDateTime(v.changed_at)}${who ? ` ${t('by', { who })}` : ''}`;
      choose.addEventListener('click', () => this.select(v.version));
      const heading = document.createElement('h3');
      heading.append(choose);
      item.append(heading);
      if (v.note) item.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: t('note', { note: v.note }) }));
      const diffs = this.layer.attributes.filter((a) => !sameValue(before[a.name], v.properties?.[a.name]))
        .map((a) => Object.assign(document.createElement('li'), { textContent: `${label(a)}: ${String(before[a.name] ?? '—')} → ${String(v.properties?.[a.name] ?? '—')}` }));
      if (diffs.length) {
        const ul = document.createElement('ul');
        ul.append(...diffs);
        item.append(ul);
      } else item.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: t('noChanges') }));
      if (this.selected === v.version) {
        item.classList.add('selected');
        item.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: t(v.geometry ? 'versionOnMap' : 'versionNoGeometry') }));
      }
      if (i < this.versions.length - 1) {
        const restore = document.createElement('button');
        restore.type = 'button';
        restore.textContent = t('restore');
        restore.addEventListener('click', () => {
          this.close();
          this.hooks.restore(v);
        });
        item.append(restore);
      }
      list.append(item);
    });
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = t('close');
    close.addEventListener('click', () => this.close());
    const title = Object.assign(document.createElement('h2'), { id: 'history-title', textContent: t('historyTitle', { fid: this.fid }) });
    const hint = Object.assign(document.createElement('p'), { className: 'hint', textContent: t('historyHint') });
    const actions = Object.assign(document.createElement('div'), { className: 'actions' });
    actions.append(close);
    this.dialog.replaceChildren(title, hint, list, actions);
    this.dialog.setAttribute('aria-labelledby', 'history-title');
  }

  private select(version: number): void {
    this.selected = version;
    this.hooks.show(this.versions.find((v) => v.version === version) ?? null);
    this.render();
    this.dialog.querySelector<HTMLButtonElement>(`.version[data-version="${version}"] .version-select`)?.focus();
  }
}
