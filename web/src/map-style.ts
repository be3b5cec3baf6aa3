// The map's look comes from the server: GET /styles/default.json, which tiles/map-style.ts builds from the catalog
// as the caller may see it (one composite vector source; every style layer names its catalog layer in
// `metadata['cb:layer']`). Nothing here builds a style: this module fetches the served one and answers what the
// app asks of it — which style layers draw a catalog layer, which of them are basemap, which source to select
// features in — and shows, hides and fades a catalog layer as a whole.
import type { LayerSpecification, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';

export const STYLE_URL = '/styles/default.json';
/** The online raster basemap's layer (tiles/map-style.ts): in the style only when the server is configured with one. */
export const ONLINE_BASEMAP_LAYER_ID = 'online-basemap';
/** An aggregated point of a dense tile carries how many features it stands for under this name (tiles/tile-sql.ts). */
export const COUNT_ATTRIBUTE = '_count';

export class StyleError extends Error {}

export async function fetchMapStyle(signal?: AbortSignal): Promise<StyleSpecification> {
  // With the session cookie: a signed-in user's style also draws the restricted layers they may read.
  const response = await fetch(STYLE_URL, { credentials: 'same-origin', headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw new StyleError(`GET ${STYLE_URL} answered ${response.status}`);
  const style = (await response.json()) as StyleSpecification;
  if (style?.version !== 8 || !Array.isArray(style.layers) || typeof style.sources !== 'object') throw new StyleError(`GET ${STYLE_URL}: not a style`);
  return style;
}

type Metadata = Record<string, unknown> | undefined;

/** The catalog layer a style layer draws, or null (background, online basemap). */
export function catalogIdOf(layer: { metadata?: unknown }): string | null {
  const id = (layer.metadata as Metadata)?.['cb:layer'];
  return typeof id === 'string' ? id : null;
}

/** The paint properties that make a style layer more or less opaque, by layer type. */
const OPACITY_PROPERTIES: Partial<Record<LayerSpecification['type'], string[]>> = {
  fill: ['fill-opacity'],
  line: ['line-opacity'],
  circle: ['circle-opacity', 'circle-stroke-opacity'],
  symbol: ['icon-opacity', 'text-opacity'],
  raster: ['raster-opacity'],
  'fill-extrusion': ['fill-extrusion-opacity'],
  heatmap: ['heatmap-opacity'],
};

const isZoomCurve = (v: unknown[]) =>
  (v[0] === 'interpolate' && Array.isArray(v[2]) && v[2][0] === 'zoom') || (v[0] === 'step' && Array.isArray(v[1]) && v[1][0] === 'zoom');

/**
 * A style's opacity value times `factor` (0…1). A number is multiplied out; a zoom curve has its outputs scaled
 * (MapLibre wants `zoom` at the top of an expression, so it cannot go under a `*`); any other expression (the
 * selected-feature `case`) is wrapped in `['*', …, factor]`. Absent means 1, the MapLibre default. Factor 1 gives
 * back the style's own value, so the slider's far end is exactly the served look.
 */
export function scaleOpacity(value: unknown, factor: number): unknown {
  if (factor === 1) return value;
  if (value === undefined || value === null) return factor;
  if (typeof value === 'number') return value * factor;
  if (Array.isArray(value) && isZoomCurve(value)) {
    const firstOutput = value[0] === 'interpolate' ? 4 : 2;
    return value.map((v, i) => (i >= firstOutput && (i - firstOutput) % 2 === 0 ? scaleOpacity(v, factor) : v));
  }
  return ['*', value, factor];
}

/** The opacity paint of one style layer at `factor` of its served opacity: [property, value] pairs. */
export function opacityPaint(layer: LayerSpecification, factor: number): Array<[string, unknown]> {
  const paint = ('paint' in layer ? layer.paint : undefined) as Record<string, unknown> | undefined;
  return (OPACITY_PROPERTIES[layer.type] ?? []).map((property) => [property, scaleOpacity(paint?.[property], factor)]);
}

export interface StyleState {
  isVisible(catalogId: string): boolean;
  /** 0…1 of the layer's served opacity. */
  opacity(catalogId: string): number;
  online: boolean;
}

/** What the app needs to know of the served style, by catalog layer. */
export class StyleIndex {
  private readonly parts = new Map<string, LayerSpecification[]>();
  private readonly base = new Set<string>();
  private readonly byStyleLayer = new Map<string, string>();

  constructor(readonly style: StyleSpecification) {
    for (const layer of style.layers) {
      const id = catalogIdOf(layer);
      if (!id) continue;
      this.parts.set(id, [...(this.parts.get(id) ?? []), layer]);
      this.byStyleLayer.set(layer.id, id);
      if ((layer.metadata as Metadata)?.['cb:base'] === true) this.base.add(id);
    }
  }

  /** The server offers an online basemap (ONLINE_BASEMAP_URL is set): only then may the map switch to it. */
  get hasOnlineBasemap(): boolean {
    return this.style.layers.some((l) => l.id === ONLINE_BASEMAP_LAYER_ID);
  }

  has(catalogId: string): boolean {
    return this.parts.has(catalogId);
  }

  /** The MapLibre layers a catalog layer is drawn with (a polygon: its fill and outline, and so on). */
  styleLayerIds(catalogId: string): string[] {
    return (this.parts.get(catalogId) ?? []).map((l) => l.id);
  }

  /** The catalog layer a rendered feature's style layer draws. */
  catalogIdFor(styleLayerId: string): string | null {
    return this.byStyleLayer.get(styleLayerId) ?? null;
  }

  /** Boundaries and water are the basemap: not "features of interest" for the pointer cursor and picking. */
  isBase(catalogId: string): boolean {
    return this.base.has(catalogId);
  }

  /** The source a catalog layer's features are in, for feature state (the composite source of the served style). */
  sourceOf(catalogId: string): string | null {
    const layer = this.parts.get(catalogId)?.[0];
    return layer && 'source' in layer && typeof layer.source === 'string' ? layer.source : null;
  }

  /** The served style as the map should start: hidden layers hidden, faded layers faded, the basemap chosen. */
  initial(state: StyleState): StyleSpecification {
    const layers = this.style.layers.map((layer): LayerSpecification => {
      if (layer.id === ONLINE_BASEMAP_LAYER_ID) return withVisibility(layer, state.online);
      const id = catalogIdOf(layer);
      if (!id) return layer;
      // Unset stays unset (MapLibre's default); setOpacity resets a property by setting it to undefined.
      const faded = opacityPaint(layer, state.opacity(id)).filter(([, value]) => value !== undefined);
      const paint = { ...('paint' in layer ? layer.paint : {}), ...Object.fromEntries(faded) };
      return { ...withVisibility(layer, state.isVisible(id)), paint } as LayerSpecification;
    });
    // The composite source's attribution names owner, source and date of every layer in the style, shown or not:
    // a box that covers the map's corner and the cards opened near it. The map credits the owners of the layers
    // it shows itself (main.ts); each card and data page gives the source and date. The online basemap keeps its own.
    const sources = Object.fromEntries(Object.entries(this.style.sources).map(([id, source]) =>
      [id, source.type === 'vector' ? { ...source, attribution: undefined } : source]));
    return { ...this.style, sources, layers };
  }

  setVisible(map: MapLibreMap, catalogId: string, visible: boolean): void {
    for (const id of this.styleLayerIds(catalogId)) {
      if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
    }
  }

  /** Always from the served values, so moving the slider back and forth never compounds. */
  setOpacity(map: MapLibreMap, catalogId: string, factor: number): void {
    for (const layer of this.parts.get(catalogId) ?? []) {
      if (!map.getLayer(layer.id)) continue;
      for (const [property, value] of opacityPaint(layer, factor)) {
        type Paint = Parameters<MapLibreMap['setPaintProperty']>;
        map.setPaintProperty(layer.id, property as Paint[1], value as Paint[2]);
      }
    }
  }

  setOnlineBasemap(map: MapLibreMap, online: boolean): void {
    if (map.getLayer(ONLINE_BASEMAP_LAYER_ID)) map.setLayoutProperty(ONLINE_BASEMAP_LAYER_ID, 'visibility', online ? 'visible' : 'none');
  }
}

function withVisibility(layer: LayerSpecification, visible: boolean): LayerSpecification {
  return { ...layer, layout: { ...('layout' in layer ? layer.layout : {}), visibility: visible ? 'visible' : 'none' } } as LayerSpecification;
}
