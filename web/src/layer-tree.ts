// The side panel's list of layers, grouped by sector: a labelled checkbox per layer (so keyboard and screen
// reader users can toggle it), a legend swatch drawn from the layer's style, its feature count, an opacity slider
// (a native range input: arrow keys, Home and End work, and it is named after the layer) and a link to the
// layer's data page. A filter field above it narrows the list to the layers whose title, sector or owner match
// what is typed, without diacritics ("giao thong" finds "Giao thông vận tải").
import type { Catalog, CatalogLayer, CatalogSector } from './catalog.ts';
import { formatCount } from './format.ts';
import { localized, t } from './i18n.ts';

const INLINE_LEGEND_MAX = 4;

export interface LayerTreeOptions {
  container: HTMLElement;
  catalog: Catalog;
  isVisible(layerId: string): boolean;
  onToggle(layer: CatalogLayer, visible: boolean): void;
  onZoomTo(layer: CatalogLayer): void;
  /** Percent (0…100) of the layer's own opacity. */
  opacity(layerId: string): number;
  onOpacity(layer: CatalogLayer, percent: number): void;
  /** Where the filter field goes (above the scrolling list, so it stays in view). */
  filterContainer?: HTMLElement;
}

/** Text folded for matching: no diacritics, đ as d, lower case, runs of anything else one space. */
export function foldForMatch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Every word typed must start a word of the layer's titles, sector or owner, in either language. */
function matches(layer: CatalogLayer, words: string[]): boolean {
  if (words.length === 0) return true;
  const haystack = ` ${foldForMatch([
    layer.title_vi, layer.title_en, layer.sector.title_vi, layer.sector.title_en, layer.owner.name_vi, layer.owner.name_en,
  ].join(' '))}`;
  return words.every((w) => haystack.includes(` ${w}`));
}

/** Where a layer's metadata, attributes and downloads are shown (web/layer.html). */
export function dataPageHref(layerId: string): string {
  return `/layer.html?id=${encodeURIComponent(layerId)}`;
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

/** A small picture of how the layer is drawn: a dot, a stroke or a filled square, in the style's colours. */
export function legendSwatch(layer: CatalogLayer, color?: string): HTMLElement {
  const style = layer.style ?? {};
  const fill = color ?? style.color ?? '#3b6ea5';
  const swatch = el('span', { class: `swatch swatch-${layer.geometry_family}`, 'aria-hidden': 'true' });
  swatch.style.setProperty('--swatch-color', fill);
  swatch.style.setProperty('--swatch-outline', style.outlineColor ?? fill);
  swatch.style.setProperty('--swatch-opacity', String(Math.max(0.25, style.fillOpacity ?? 0.35)));
  const categories = Object.values(style.categories?.colors ?? {});
  if (!color && categories.length > 1) {
    // Several categories: the swatch shows their colours side by side, the list below names them.
    const stops = categories.slice(0, 6);
    const step = 100 / stops.length;
    const gradient = stops.map((c, i) => `${c} ${i * step}% ${(i + 1) * step}%`).join(', ');
    swatch.style.setProperty('--swatch-fill', `linear-gradient(90deg, ${gradient})`);
    swatch.classList.add('swatch-multi');
  }
  return swatch;
}

export class LayerTree {
  private zoom = 0;
  private readonly collapsed = new Set<string>();
  private readonly openLegends = new Set<string>();
  private readonly filter: HTMLInputElement | null = null;
  private readonly filterLabel: HTMLLabelElement | null = null;

  constructor(private readonly options: LayerTreeOptions) {
    if (options.filterContainer && options.catalog.layers.length > 0) {
      this.filter = el('input', { type: 'search', id: 'layer-filter', class: 'layer-filter-input', autocomplete: 'off', 'data-testid': 'layer-filter' });
      this.filterLabel = el('label', { for: 'layer-filter', class: 'visually-hidden' });
      this.filter.addEventListener('input', () => this.applyFilter());
      this.filter.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && this.filter!.value !== '') {
          e.stopPropagation();
          this.filter!.value = '';
          this.applyFilter();
        }
      });
      options.filterContainer.replaceChildren(this.filterLabel, this.filter);
    }
  }

  render(): void {
    const { container, catalog } = this.options;
    if (this.filter && this.filterLabel) {
      this.filterLabel.textContent = t('layerFilterLabel');
      this.filter.placeholder = t('layerFilterPlaceholder');
    }
    container.replaceChildren();
    if (catalog.layers.length === 0) {
      container.append(el('p', { class: 'panel-message' }, t('noLayers')));
      return;
    }
    const bySector = new Map<string, CatalogLayer[]>();
    for (const layer of catalog.layers) {
      const list = bySector.get(layer.sector.code) ?? [];
      list.push(layer);
      bySector.set(layer.sector.code, list);
    }
    const sectors: CatalogSector[] = catalog.sectors.length > 0 ? catalog.sectors : catalog.layers.map((l) => l.sector);
    const seen = new Set<string>();
    for (const sector of sectors) {
      const layers = bySector.get(sector.code);
      if (!layers || seen.has(sector.code)) continue;
      seen.add(sector.code);
      container.append(this.renderSector(sector, layers));
    }
    container.append(el('p', { class: 'panel-message', 'data-testid': 'layer-filter-empty', role: 'status', hidden: '' }, t('layerFilterNone')));
    this.setZoom(this.zoom);
    this.applyFilter();
  }

  /** Hides the layers that do not match the filter, and the sectors left empty; a matching sector opens. */
  private applyFilter(): void {
    const words = foldForMatch(this.filter?.value ?? '').split(' ').filter(Boolean);
    const { container, catalog } = this.options;
    let shown = 0;
    for (const sector of container.querySelectorAll<HTMLDetailsElement>('details.sector')) {
      let inSector = 0;
      for (const item of sector.querySelectorAll<HTMLElement>('li.layer-item')) {
        const layer = catalog.layers.find((l) => l.id === item.dataset.layerId);
        const match = layer ? matches(layer, words) : true;
        item.hidden = !match;
        if (match) inSector++;
      }
      sector.hidden = inSector === 0;
      // While filtering, every sector with a match is open (what was typed must be seen); closed ones stay closed after.
      if (words.length > 0 && inSector > 0) sector.open = true;
      else if (words.length === 0) sector.open = !this.collapsed.has(sector.dataset.sector ?? '');
      shown += inSector;
    }
    const none = container.querySelector<HTMLElement>('[data-testid="layer-filter-empty"]');
    if (none) none.hidden = shown > 0;
  }

  private renderSector(sector: CatalogSector, layers: CatalogLayer[]): HTMLElement {
    const details = el('details', { class: 'sector', 'data-sector': sector.code, 'data-testid': `sector-${sector.code}` });
    details.open = !this.collapsed.has(sector.code);
    details.addEventListener('toggle', () => {
      // Sectors opened by the filter are not the reader's choice: only record what they open or close themselves.
      if (this.filter?.value.trim()) return;
      if (details.open) this.collapsed.delete(sector.code);
      else this.collapsed.add(sector.code);
    });
    const summary = el(
      'summary',
      { class: 'sector-title' },
      el('span', { class: 'sector-name' }, localized(sector, 'title')),
      el('span', { class: 'sector-count', 'aria-hidden': 'true' }, String(layers.length)),
    );
    const list = el('ul', { class: 'layer-list' });
    for (const layer of layers) list.append(this.renderLayer(layer));
    details.append(summary, list);
    return details;
  }

  private renderLayer(layer: CatalogLayer): HTMLElement {
    const title = localized(layer, 'title');
    const inputId = `layer-${layer.id.replace(/[^a-z0-9_]/gi, '-')}`;
    // Named by the title alone (the count is its description), so "Quốc lộ" finds the checkbox for Quốc lộ.
    const checkbox = el('input', {
      type: 'checkbox',
      id: inputId,
      'aria-labelledby': `${inputId}-title`,
      'aria-describedby': `${inputId}-meta`,
      'data-testid': `layer-toggle-${layer.id}`,
    });
    checkbox.checked = this.options.isVisible(layer.id);
    checkbox.addEventListener('change', () => this.options.onToggle(layer, checkbox.checked));

    const meta = el('span', { class: 'layer-meta', id: `${inputId}-meta` }, t(layer.feature_count === 1 ? 'featureCountOne' : 'featureCount', { n: formatCount(layer.feature_count) }));
    if (layer.visibility === 'restricted') {
      meta.append(' · ', el('span', { class: 'badge', title: t('restrictedHint') }, t('restricted')));
    }
    const hint = el('span', { class: 'layer-zoom-hint' }, t('zoomInToSee', { z: layer.min_zoom }));
    const label = el(
      'label',
      { for: inputId, class: 'layer-label' },
      legendSwatch(layer),
      el('span', { class: 'layer-text' }, el('span', { class: 'layer-title', id: `${inputId}-title` }, title), meta, hint),
    );
    const item = el('li', { class: 'layer-item', 'data-layer-id': layer.id }, checkbox, label);
    if (layer.extent) {
      const zoomTo = el('button', { type: 'button', class: 'icon-button zoom-to', 'aria-label': t('zoomToLayer', { title }), title: t('zoomToLayer', { title }) });
      zoomTo.innerHTML =
        '<svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true"><path d="M3 8V3h5M12 3h5v5M17 12v5h-5M8 17H3v-5" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>';
      zoomTo.addEventListener('click', () => this.options.onZoomTo(layer));
      item.append(zoomTo);
    }
    item.append(this.renderTools(layer, inputId, title));
    const categories = Object.entries(layer.style?.categories?.colors ?? {});
    if (categories.length > 1) {
      const legend = el('ul', { class: 'legend-categories' });
      for (const [value, color] of categories) {
        legend.append(el('li', {}, legendSwatch(layer, color), el('span', {}, value)));
      }
      if (categories.length <= INLINE_LEGEND_MAX) {
        item.append(legend);
      } else {
        // A dozen land-use classes would push the other layers out of sight: fold them until asked for.
        const details = el('details', { class: 'legend' }, el('summary', {}, t('legendClasses', { n: categories.length })), legend);
        details.open = this.openLegends.has(layer.id);
        details.addEventListener('toggle', () => {
          if (details.open) this.openLegends.add(layer.id);
          else this.openLegends.delete(layer.id);
        });
        item.append(details);
      }
    }
    return item;
  }

  /** The opacity slider and the data page link, on a line of their own under the layer's name. */
  private renderTools(layer: CatalogLayer, inputId: string, title: string): HTMLElement {
    const percent = this.options.opacity(layer.id);
    const slider = el('input', {
      type: 'range',
      min: '0',
      max: '100',
      step: '5',
      id: `${inputId}-opacity`,
      class: 'opacity-slider',
      'aria-label': t('layerOpacityLabel', { title }),
      'data-testid': `layer-opacity-${layer.id}`,
    });
    slider.value = String(percent);
    const output = el('output', { for: slider.id, class: 'opacity-value', 'aria-hidden': 'true' }, `${percent}%`);
    const valueText = (n: number) => slider.setAttribute('aria-valuetext', `${n}%`);
    valueText(percent);
    slider.addEventListener('input', () => {
      const n = Number(slider.value);
      output.textContent = `${n}%`;
      valueText(n);
      this.options.onOpacity(layer, n);
    });
    const opacity = el('span', { class: 'layer-opacity' }, el('span', { class: 'opacity-label', 'aria-hidden': 'true' }, t('layerOpacity')), slider, output);
    const dataPage = el('a', {
      class: 'layer-data-link',
      href: dataPageHref(layer.id),
      'aria-label': t('layerDataPageLabel', { title }),
      'data-testid': `layer-data-page-${layer.id}`,
    }, t('layerDataPage'));
    return el('div', { class: 'layer-tools' }, opacity, dataPage);
  }

  /** Layers that only draw from a closer zoom say so, instead of seeming broken. */
  setZoom(zoom: number): void {
    this.zoom = zoom;
    for (const layer of this.options.catalog.layers) {
      const item = this.options.container.querySelector<HTMLElement>(`li[data-layer-id="${CSS.escape(layer.id)}"]`);
      item?.classList.toggle('out-of-range', zoom < layer.min_zoom);
    }
  }

  setChecked(layerId: string, visible: boolean): void {
    const input = this.options.container.querySelector<HTMLInputElement>(`input[data-testid="layer-toggle-${CSS.escape(layerId)}"]`);
    if (input) input.checked = visible;
  }
}
