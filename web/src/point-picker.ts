// Choosing the place of a report on a point of the map: the next click on the map is the place. Keyboard users
// pan the map with the arrow keys and take its centre instead.
import type { LngLat, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { el } from './dialog.ts';
import { t } from './i18n.ts';
import type { MapMode } from './map-mode.ts';

export class PointPicker implements MapMode {
  readonly name = 'report-point';
  private readonly panel: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly centre: HTMLButtonElement;
  private readonly cancel: HTMLButtonElement;

  constructor(private readonly map: MapLibreMap, private readonly onPick: (lngLat: LngLat) => void, private readonly onCancel: () => void) {
    this.heading = el('h2', { class: 'tool-title' });
    this.hint = el('p', { class: 'tool-hint', 'data-testid': 'pick-hint' });
    this.centre = el('button', { type: 'button', class: 'button small', 'data-testid': 'pick-centre' });
    this.cancel = el('button', { type: 'button', class: 'button small', 'data-testid': 'pick-cancel' });
    this.centre.addEventListener('click', () => this.onPick(this.map.getCenter()));
    this.cancel.addEventListener('click', () => this.onCancel());
    this.panel = el('section', { class: 'tool-panel pick-panel', 'data-testid': 'pick-panel' },
      this.heading, this.hint, el('div', { class: 'tool-actions' }, this.cancel, this.centre));
    map.getContainer().append(this.panel);
    this.translate();
    this.centre.focus();
  }

  translate(): void {
    this.heading.textContent = t('pickTitle');
    this.panel.setAttribute('aria-label', this.heading.textContent);
    this.hint.textContent = t('pickHint');
    this.hint.classList.remove('warning');
    this.centre.textContent = t('pickCentre');
    this.cancel.textContent = t('cancel');
  }

  /** Says why the place was not taken (outside the province), and keeps waiting for one. */
  warn(text: string): void {
    this.hint.textContent = text;
    this.hint.classList.add('warning');
  }

  click(event: MapMouseEvent): void {
    this.onPick(event.lngLat);
  }

  key(event: KeyboardEvent): boolean {
    if (event.key !== 'Escape') return false;
    this.onCancel();
    return true;
  }

  stop(): void {
    this.panel.remove();
  }
}
