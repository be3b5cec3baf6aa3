// Measuring on the map: click points to measure a distance along them, or the area they enclose. A double click,
// Enter or "Xong" finishes; Backspace takes the last point back; Escape closes the tool. The figures are geodesic
// (geodesy.ts), so they mean the same at every zoom.
import type { GeoJSONSource, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { el } from './dialog.ts';
import { pathLengthMetres, perimeterMetres, polygonAreaSquareMetres, type LngLatPair } from './geodesy.ts';
import { language, t } from './i18n.ts';
import type { MapMode } from './map-mode.ts';

export type MeasureKind = 'distance' | 'area';

const SOURCE = 'cb-measure';
const LAYERS = ['cb-measure-fill', 'cb-measure-casing', 'cb-measure-line', 'cb-measure-preview', 'cb-measure-points'] as const;
const COLOR = '#d9480f';
/** Two clicks closer than this (a double click) are one point. */
const SAME_POINT_PX = 4;

function numberFormat(digits: number): Intl.NumberFormat {
  return new Intl.NumberFormat(language() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatLength(metres: number): string {
  if (metres < 1000) return `${numberFormat(0).format(metres)} m`;
  return `${numberFormat(metres < 10_000 ? 2 : 1).format(metres / 1000)} km`;
}

export function formatArea(squareMetres: number): string {
  if (squareMetres < 10_000) return `${numberFormat(0).format(squareMetres)} m²`;
  if (squareMetres < 1_000_000) return `${numberFormat(2).format(squareMetres / 10_000)} ha`;
  return `${numberFormat(2).format(squareMetres / 1_000_000)} km²`;
}

export class MeasureTool implements MapMode {
  readonly name: string;
  private points: LngLatPair[] = [];
  private cursor: LngLatPair | null = null;
  private finished = false;
  private readonly panel: HTMLElement;
  private readonly heading: HTMLElement;
  private readonly result: HTMLElement;
  private readonly hint: HTMLElement;
  private readonly undo: HTMLButtonElement;
  private readonly restart: HTMLButtonElement;
  private readonly done: HTMLButtonElement;
  private readonly close: HTMLButtonElement;

  constructor(private readonly map: MapLibreMap, readonly kind: MeasureKind, private readonly onClose: () => void) {
    this.name = `measure-${kind}`;
    this.heading = el('h2', { class: 'tool-title' });
    this.result = el('p', { class: 'measure-result', 'aria-live': 'polite', 'data-testid': 'measure-result' });
    this.hint = el('p', { class: 'tool-hint' });
    this.undo = el('button', { type: 'button', class: 'button small', 'data-testid': 'measure-undo' });
    this.restart = el('button', { type: 'button', class: 'button small', 'data-testid': 'measure-restart' });
    this.done = el('button', { type: 'button', class: 'button small primary', 'data-testid': 'measure-done' });
    this.close = el('button', { type: 'button', class: 'icon-button tool-close', 'data-testid': 'measure-close' }, '×');
    this.undo.addEventListener('click', () => this.removeLast());
    this.restart.addEventListener('click', () => this.reset());
    this.done.addEventListener('click', () => this.finish());
    this.close.addEventListener('click', () => this.onClose());
    this.panel = el('section', { class: 'tool-panel measure-panel', 'data-testid': 'measure-panel', 'data-kind': kind },
      this.close, this.heading, this.result, this.hint, el('div', { class: 'tool-actions' }, this.undo, this.restart, this.done));
    map.getContainer().append(this.panel);
    this.addLayers();
    this.translate();
    this.update();
  }

  translate(): void {
    this.heading.textContent = t(this.kind === 'distance' ? 'measureDistance' : 'measureArea');
    this.panel.setAttribute('aria-label', this.heading.textContent);
    this.undo.textContent = t('measureUndo');
    this.restart.textContent = t('measureRestart');
    this.done.textContent = t('measureDone');
    this.close.setAttribute('aria-label', t('measureClose'));
    this.close.title = t('measureClose');
    this.update();
  }

  click(event: MapMouseEvent): void {
    if (this.finished) this.reset();
    const p: LngLatPair = [event.lngLat.lng, event.lngLat.lat];
    const last = this.points[this.points.length - 1];
    if (last) {
      const a = this.map.project(last);
      if (Math.hypot(a.x - event.point.x, a.y - event.point.y) < SAME_POINT_PX) return;
    }
    this.points.push(p);
    this.update();
  }

  dblclick(event: MapMouseEvent): void {
    event.preventDefault();
    this.finish();
  }

  move(event: MapMouseEvent): void {
    if (this.finished || this.points.length === 0) return;
    this.cursor = [event.lngLat.lng, event.lngLat.lat];
    this.draw();
  }

  key(event: KeyboardEvent): boolean {
    if (event.key === 'Enter') {
      this.finish();
      return true;
    }
    if (event.key === 'Backspace' && !this.finished && this.points.length > 0) {
      this.removeLast();
      return true;
    }
    if (event.key === 'Escape') {
      this.onClose();
      return true;
    }
    return false;
  }

  stop(): void {
    for (const id of LAYERS) if (this.map.getLayer(id)) this.map.removeLayer(id);
    if (this.map.getSource(SOURCE)) this.map.removeSource(SOURCE);
    this.panel.remove();
  }

  /** What is measured now, in metres and square metres: the browser tests read it. */
  get figures(): { metres: number; squareMetres: number; points: number } {
    return this.kind === 'distance'
      ? { metres: pathLengthMetres(this.points), squareMetres: 0, points: this.points.length }
      : { metres: perimeterMetres(this.points), squareMetres: polygonAreaSquareMetres(this.points), points: this.points.length };
  }

  private finish(): void {
    const enough = this.kind === 'distance' ? 2 : 3;
    if (this.points.length < enough) return;
    this.finished = true;
    this.cursor = null;
    this.update();
  }

  private removeLast(): void {
    this.points.pop();
    this.finished = false;
    this.update();
  }

  private reset(): void {
    this.points = [];
    this.cursor = null;
    this.finished = false;
    this.update();
  }

  private update(): void {
    const { metres, squareMetres, points } = this.figures;
    this.result.dataset.metres = String(metres);
    this.result.dataset.squareMetres = String(squareMetres);
    this.result.dataset.points = String(points);
    this.result.dataset.finished = String(this.finished);
    if (this.kind === 'distance') {
      this.result.textContent = points < 2 ? '' : t('measureLength', { value: formatLength(metres) });
    } else {
      this.result.textContent = points < 3 ? '' : t('measureAreaValue', { area: formatArea(squareMetres), perimeter: formatLength(metres) });
    }
    this.hint.textContent = this.finished
      ? t('measureHintFinished')
      : t(points === 0 ? 'measureHintStart' : this.kind === 'distance' ? 'measureHintDistance' : 'measureHintArea');
    this.undo.disabled = points === 0;
    this.restart.disabled = points === 0;
    this.done.disabled = this.finished || points < (this.kind === 'distance' ? 2 : 3);
    this.draw();
  }

  private addLayers(): void {
    this.map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    this.map.addLayer({ id: 'cb-measure-fill', type: 'fill', source: SOURCE, filter: ['==', ['get', 'part'], 'area'], paint: { 'fill-color': COLOR, 'fill-opacity': 0.15 } });
    // A white casing keeps the line readable over the busiest layers (street lights, land-use plots).
    this.map.addLayer({
      id: 'cb-measure-casing', type: 'line', source: SOURCE, filter: ['==', ['get', 'part'], 'line'],
      layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 7, 'line-opacity': 0.9 },
    });
    this.map.addLayer({
      id: 'cb-measure-line', type: 'line', source: SOURCE, filter: ['==', ['get', 'part'], 'line'],
      layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': COLOR, 'line-width': 3 },
    });
    this.map.addLayer({
      id: 'cb-measure-preview', type: 'line', source: SOURCE, filter: ['==', ['get', 'part'], 'preview'],
      paint: { 'line-color': COLOR, 'line-width': 2, 'line-dasharray': [2, 2] },
    });
    this.map.addLayer({
      id: 'cb-measure-points', type: 'circle', source: SOURCE, filter: ['==', ['get', 'part'], 'vertex'],
      paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': COLOR, 'circle-stroke-width': 2.5 },
    });
  }

  private draw(): void {
    const source = this.map.getSource<GeoJSONSource>(SOURCE);
    if (!source) return;
    const features: GeoJSON.Feature[] = this.points.map((p) => ({ type: 'Feature', properties: { part: 'vertex' }, geometry: { type: 'Point', coordinates: p } }));
    const closed = this.kind === 'area' && this.points.length >= 3;
    if (this.points.length >= 2) {
      const line = closed ? [...this.points, this.points[0]!] : this.points;
      features.push({ type: 'Feature', properties: { part: 'line' }, geometry: { type: 'LineString', coordinates: line } });
    }
    if (closed) {
      features.push({ type: 'Feature', properties: { part: 'area' }, geometry: { type: 'Polygon', coordinates: [[...this.points, this.points[0]!]] } });
    }
    const last = this.points[this.points.length - 1];
    if (last && this.cursor && !this.finished) {
      const preview = this.kind === 'area' && this.points.length >= 2 ? [last, this.cursor, this.points[0]!] : [last, this.cursor];
      features.push({ type: 'Feature', properties: { part: 'preview' }, geometry: { type: 'LineString', coordinates: preview } });
    }
    void source.setData({ type: 'FeatureCollection', features });
  }
}
