// Identify: the card shown for a clicked feature. Besides the attributes it always names the owning agency, the
// source and the last update of the layer — Điều 8.1c asks every use of the data to cite them. An aggregated point
// of a dense tile (`_count`) is no feature: its card says how many points it stands for and offers to zoom in.
import { LngLat, Popup, type LngLatLike, type Map as MapLibreMap } from 'maplibre-gl';
import { fetchFeatureProperties, type CatalogLayer } from './catalog.ts';
import { formatCount, formatDateTime, formatValue } from './format.ts';
import { localized, t } from './i18n.ts';
import { COUNT_ATTRIBUTE } from './map-style.ts';

/** What the card needs of a feature: a rendered one (queryRenderedFeatures) or one known only by its fid. */
export interface CardFeature {
  id?: string | number;
  properties: Record<string, unknown>;
}

export interface Hit {
  layer: CatalogLayer;
  feature: CardFeature;
}

export interface PopupOptions {
  /** "Báo lỗi dữ liệu" was pressed on the card of this feature, opened by a click at `at`. */
  onReport(hit: Hit, title: string, at: LngLat): void;
  /** The source a layer's features are drawn from, where their selection is kept as feature state. */
  sourceOf(layer: CatalogLayer): string | null;
}

/** How many features an aggregated point stands for; null for a feature of its own. */
export function aggregateCount(feature: CardFeature): number | null {
  const n = Number(feature.properties[COUNT_ATTRIBUTE]);
  return feature.properties[COUNT_ATTRIBUTE] !== undefined && Number.isFinite(n) && n > 1 ? n : null;
}

interface Shown {
  hits: Hit[];
  index: number;
  lngLat: LngLatLike;
  /** Full attributes from the features API, by `layer/fid`, once they have arrived. */
  details: Map<string, Record<string, unknown>>;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function row(label: string, value: Node | string, attrs: Record<string, string> = {}): HTMLElement {
  return el('div', { class: 'row' }, el('dt', {}, label), el('dd', attrs, value));
}

const key = (hit: Hit) => `${hit.layer.id}/${String(hit.feature.id)}`;

export class FeaturePopup {
  private readonly popup: Popup;
  private shown: Shown | null = null;
  private selected: Hit | null = null;

  constructor(private readonly map: MapLibreMap, private readonly options: PopupOptions) {
    this.popup = new Popup({ closeButton: false, closeOnClick: false, maxWidth: '360px', className: 'feature-popup', focusAfterOpen: false });
    this.popup.on('close', () => {
      this.shown = null;
      this.select(null);
    });
  }

  get isOpen(): boolean {
    return this.shown !== null;
  }

  /** The feature the card shows now, if any. */
  get current(): Hit | null {
    return this.shown?.hits[this.shown.index] ?? null;
  }

  /** Hits come top-most first, as queryRenderedFeatures returns them. */
  show(lngLat: LngLatLike, hits: Hit[]): void {
    if (hits.length === 0) {
      this.close();
      return;
    }
    const details = this.shown?.details ?? new Map<string, Record<string, unknown>>();
    this.shown = { hits, index: 0, lngLat, details };
    this.popup.setLngLat(lngLat);
    this.render();
    if (!this.popup.isOpen()) this.popup.addTo(this.map);
    this.keepInView();
  }

  /** A tall card near the map's edge would be cut off: pan just enough to show all of it. */
  private keepInView(): void {
    if (!this.popup.isOpen()) return;
    const card = this.popup.getElement().getBoundingClientRect();
    const map = this.map.getContainer().getBoundingClientRect();
    const margin = 10;
    // The scale bar and the attribution sit along the bottom edge: keep the card's buttons clear of them.
    const bottomMargin = 36;
    const dx = card.left < map.left + margin ? card.left - map.left - margin : Math.max(0, card.right - map.right + margin);
    const dy = card.top < map.top + margin ? card.top - map.top - margin : Math.max(0, card.bottom - map.bottom + bottomMargin);
    if (Math.abs(dx) >= 1 || Math.abs(dy) >= 1) this.map.panBy([dx, dy], { duration: 250 });
  }

  close(): void {
    if (this.popup.isOpen()) this.popup.remove();
    this.shown = null;
    this.select(null);
  }

  /** Called when the language changes: the same feature, every label in the new language. */
  rerender(): void {
    if (this.shown) this.render();
  }

  private render(): void {
    const shown = this.shown;
    const hit = shown?.hits[shown.index];
    if (!shown || !hit) return;
    this.select(hit);
    this.popup.setDOMContent(this.card(hit, shown));
    const fid = hit.feature.id;
    if (fid !== undefined && !shown.details.has(key(hit))) {
      void fetchFeatureProperties(hit.layer, fid).then((properties) => {
        if (!properties || this.shown !== shown) return;
        shown.details.set(key(hit), properties);
        if (shown.hits[shown.index] === hit) this.popup.setDOMContent(this.card(hit, shown));
      });
    }
  }

  private card(hit: Hit, shown: Shown): HTMLElement {
    const { layer, feature } = hit;
    const count = aggregateCount(feature);
    const properties = { ...feature.properties, ...(shown.details.get(key(hit)) ?? {}) };
    const nameValue = layer.name_attribute ? properties[layer.name_attribute] : undefined;
    const title = count !== null
      ? t('popupAggregate', { n: formatCount(count) })
      : nameValue !== undefined && nameValue !== null && nameValue !== ''
        ? String(nameValue)
        : t('popupUnnamed', { fid: String(feature.id ?? '?') });

    const header = el(
      'header',
      { class: 'card-header' },
      el('p', { class: 'card-layer', 'data-testid': 'popup-layer' }, localized(layer, 'title')),
      el('h2', { class: 'card-title', 'data-testid': 'popup-title' }, title),
    );
    const close = el('button', { type: 'button', class: 'icon-button card-close', 'aria-label': t('popupClose'), title: t('popupClose'), 'data-testid': 'popup-close' }, '×');
    close.addEventListener('click', () => this.close());

    const attributes = count !== null ? this.aggregate(shown) : el('dl', { class: 'card-attributes', 'data-testid': 'popup-attributes' });
    for (const attribute of count !== null ? [] : layer.attributes) {
      if (attribute.name === layer.name_attribute) continue;
      attributes.append(
        row(localized(attribute, 'label'), formatValue(properties[attribute.name], attribute.type), {
          'data-attribute': attribute.name,
        }),
      );
    }
    if (count === null && feature.id !== undefined) attributes.append(row(t('popupFeatureId'), String(feature.id), { 'data-attribute': 'fid' }));

    const updated = el('time', { datetime: layer.data_updated_at }, formatDateTime(layer.data_updated_at));
    const provenance = el(
      'dl',
      { class: 'card-provenance', 'data-testid': 'popup-provenance' },
      row(t('popupOwner'), localized(layer.owner, 'name'), { 'data-testid': 'popup-owner' }),
      row(t('popupSource'), layer.source, { 'data-testid': 'popup-source' }),
      row(t('popupUpdated'), updated, { 'data-testid': 'popup-updated' }),
    );
    if (layer.legal_basis) provenance.append(row(t('popupLegalBasis'), layer.legal_basis, { 'data-testid': 'popup-legal-basis' }));
    if (layer.licence) provenance.append(row(t('popupLicence'), layer.licence, { 'data-testid': 'popup-licence' }));

    const card = el('article', { class: 'feature-card', 'data-testid': 'popup', 'data-layer-id': layer.id, 'data-fid': String(feature.id ?? ''), lang: document.documentElement.lang }, close, header, attributes, provenance);
    if (count === null && feature.id !== undefined) card.append(this.actions(hit, title));
    if (shown.hits.length > 1) card.append(this.pager(shown));
    return card;
  }

  /** The points are too many to tell apart at this zoom: say so, and zoom in on them (two levels, or as far as the map goes). */
  private aggregate(shown: Shown): HTMLElement {
    const zoomIn = el('button', { type: 'button', class: 'button small primary', 'data-testid': 'popup-zoom-in' }, t('popupAggregateZoom'));
    zoomIn.addEventListener('click', () => {
      const center = LngLat.convert(shown.lngLat);
      this.close();
      this.map.easeTo({ center, zoom: Math.min(this.map.getMaxZoom(), this.map.getZoom() + 2) });
    });
    return el('div', { class: 'card-aggregate', 'data-testid': 'popup-aggregate' }, el('p', {}, t('popupAggregateHint')), zoomIn);
  }

  /** Report an error on this feature (Điều 8.1c), and where its data lives in the API. */
  private actions(hit: Hit, title: string): HTMLElement {
    const report = el('button', { type: 'button', class: 'button small primary card-report', 'data-testid': 'popup-report' }, t('reportButton'));
    report.addEventListener('click', () => {
      // Where the card was opened is where the reporter saw the feature: on a long road, the spot that is wrong.
      if (this.shown) this.options.onReport(hit, title, LngLat.convert(this.shown.lngLat));
    });
    const href = `${hit.layer.links.features}/${encodeURIComponent(String(hit.feature.id))}`;
    const apiLink = el('a', { class: 'card-api-link', href, target: '_blank', rel: 'noopener', 'data-testid': 'popup-api-link', title: t('popupApiLinkHint') }, t('popupApiLink'));
    return el('div', { class: 'card-actions' }, report, apiLink);
  }

  private pager(shown: Shown): HTMLElement {
    const go = (delta: number) => {
      shown.index = (shown.index + delta + shown.hits.length) % shown.hits.length;
      this.render();
    };
    const previous = el('button', { type: 'button', class: 'icon-button', 'aria-label': t('popupPrevious'), title: t('popupPrevious') }, '‹');
    const next = el('button', { type: 'button', class: 'icon-button', 'aria-label': t('popupNext'), title: t('popupNext') }, '›');
    previous.addEventListener('click', () => go(-1));
    next.addEventListener('click', () => go(1));
    const position = el('span', { 'data-testid': 'popup-pager' }, t('popupPager', { i: shown.index + 1, n: shown.hits.length }));
    return el('nav', { class: 'card-pager' }, previous, position, next);
  }

  /** The selected feature is drawn emphasised through feature state (the served style's `selected` case). */
  private select(hit: Hit | null): void {
    const state = (h: Hit | null, selected: boolean) => {
      const source = h && h.feature.id !== undefined ? this.options.sourceOf(h.layer) : null;
      if (!h || source === null || !this.map.getSource(source)) return;
      this.map.setFeatureState({ source, sourceLayer: h.layer.id, id: h.feature.id }, { selected });
    };
    state(this.selected, false);
    this.selected = hit;
    state(hit, true);
  }
}
