// Catalog styles → one MapLibre style. No external tiles, glyphs or sprites: the basemap is a plain background
// with the platform's own boundary and water layers drawn under the thematic layers, so the map works on a
// government network with no internet and never shows somebody else's boundaries.
import type {
  CircleLayerSpecification,
  ExpressionSpecification,
  FillLayerSpecification,
  LayerSpecification,
  LineLayerSpecification,
  Map as MapLibreMap,
  StyleSpecification,
  VectorSourceSpecification,
} from 'maplibre-gl';
import type { Catalog, CatalogLayer, LayerStyle } from './catalog.ts';

export const PROVINCE_LAYER_ID = 'tai_nguyen.ranh_gioi_tinh';
export const COMMUNE_LAYER_ID = 'tai_nguyen.ranh_gioi_xa';
const BACKGROUND_COLOR = '#dfe4e8';
const LAND_COLOR = '#f7f6f1';
const DEFAULT_COLOR = '#3b6ea5';
// Water in the catalog goes by these slugs (sông, suối, hồ, mặt nước, thuỷ văn): drawn with the basemap.
const WATER_SLUG = /(^|_)(song|suoi|ho|ho_chua|mat_nuoc|nuoc_mat|thuy_van|thuy_he)(_|$)/;

type BaseRole = 'province' | 'commune' | 'water' | null;

function baseRole(layer: CatalogLayer): BaseRole {
  if (layer.id === PROVINCE_LAYER_ID) return 'province';
  if (layer.id === COMMUNE_LAYER_ID) return 'commune';
  const slug = layer.id.split('.')[1] ?? '';
  if (layer.sector.code === 'tai_nguyen' && WATER_SLUG.test(slug)) return 'water';
  return null;
}

/** Boundaries and water are the basemap: not "features of interest" for the pointer cursor. */
export function isBaseLayer(layer: CatalogLayer): boolean {
  return baseRole(layer) !== null;
}

/**
 * Draw order: land and boundaries at the bottom, water over the land, boundary lines over water, then thematic
 * polygons, their outlines, lines and points, so a small point is never hidden under an area.
 */
function rank(layer: CatalogLayer, part: 'land' | 'fill' | 'outline' | 'line' | 'circle'): number {
  const role = baseRole(layer);
  if (role === 'province') return part === 'land' ? 0 : part === 'fill' ? 1 : 7;
  if (role === 'commune') return part === 'fill' ? 2 : 4;
  if (role === 'water') return part === 'fill' ? 3 : part === 'outline' ? 5 : 6;
  return { land: 10, fill: 10, outline: 11, line: 12, circle: 13 }[part];
}

export function sourceId(layer: CatalogLayer): string {
  return layer.id;
}

/** The MapLibre layer ids a catalog layer is drawn with: `<catalog id>:<part>`. */
export function styleLayerIds(layer: CatalogLayer): string[] {
  switch (layer.geometry_family) {
    case 'point':
      return [`${layer.id}:circle`];
    case 'line':
      return [`${layer.id}:line`];
    default:
      return [...(baseRole(layer) === 'province' ? [`${layer.id}:land`] : []), `${layer.id}:fill`, `${layer.id}:outline`];
  }
}

/** The catalog layer a MapLibre layer id belongs to. */
export function catalogIdOf(styleLayerId: string): string {
  const colon = styleLayerId.lastIndexOf(':');
  return colon < 0 ? styleLayerId : styleLayerId.slice(0, colon);
}

export function colorExpression(style: LayerStyle): string | ExpressionSpecification {
  const color = style.color ?? DEFAULT_COLOR;
  const entries = Object.entries(style.categories?.colors ?? {});
  if (!style.categories || entries.length === 0) return color;
  // Category values arrive as numbers or strings depending on the column type; the catalog keys are strings.
  const pairs = entries.flatMap(([value, c]) => [value, c]);
  return ['match', ['to-string', ['get', style.categories.attribute]], ...pairs, color] as unknown as ExpressionSpecification;
}

const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];

function byZoom(stops: Array<[number, number | ExpressionSpecification]>): ExpressionSpecification {
  return ['interpolate', ['linear'], ['zoom'], ...stops.flat()] as unknown as ExpressionSpecification;
}

function visibility(visible: boolean): 'visible' | 'none' {
  return visible ? 'visible' : 'none';
}

function layersFor(layer: CatalogLayer, visible: boolean): Array<{ spec: LayerSpecification; rank: number }> {
  const style = layer.style ?? {};
  const color = colorExpression(style);
  const common = { source: sourceId(layer), 'source-layer': layer.id, minzoom: layer.min_zoom };
  const layout = { visibility: visibility(visible) };
  if (layer.geometry_family === 'point') {
    const r = style.radius ?? 5;
    const circle: CircleLayerSpecification = {
      id: `${layer.id}:circle`,
      type: 'circle',
      ...common,
      layout,
      paint: {
        'circle-color': color,
        'circle-radius': byZoom([[7, Math.max(2, r * 0.6)], [12, r], [17, r * 1.6]]),
        'circle-stroke-color': ['case', selected, '#111827', '#ffffff'],
        'circle-stroke-width': ['case', selected, 3, 1],
        'circle-opacity': 0.95,
      },
    };
    return [{ spec: circle, rank: rank(layer, 'circle') }];
  }
  if (layer.geometry_family === 'line') {
    const w = style.width ?? 2;
    const line: LineLayerSpecification = {
      id: `${layer.id}:line`,
      type: 'line',
      ...common,
      layout: { ...layout, 'line-join': 'round', 'line-cap': 'round' },
      paint: {
        'line-color': ['case', selected, '#111827', color] as ExpressionSpecification,
        'line-width': byZoom([
          [7, ['case', selected, w + 2, Math.max(0.5, w * 0.5)]],
          [12, ['case', selected, w + 3, w]],
          [17, ['case', selected, w * 2 + 3, w * 2]],
        ]),
      },
    };
    return [{ spec: line, rank: rank(layer, 'line') }];
  }
  const outlineColor = style.outlineColor ?? (typeof color === 'string' ? color : style.color ?? DEFAULT_COLOR);
  const fill: FillLayerSpecification = {
    id: `${layer.id}:fill`,
    type: 'fill',
    ...common,
    layout,
    paint: {
      'fill-color': color,
      'fill-opacity': ['case', selected, Math.min(1, (style.fillOpacity ?? 0.35) + 0.25), style.fillOpacity ?? 0.35],
    },
  };
  const w = style.width ?? 1;
  const outline: LineLayerSpecification = {
    id: `${layer.id}:outline`,
    type: 'line',
    ...common,
    layout: { ...layout, 'line-join': 'round' },
    paint: {
      'line-color': ['case', selected, '#111827', outlineColor] as ExpressionSpecification,
      'line-width': ['case', selected, w + 2, w],
    },
  };
  const drawn = [
    { spec: fill as LayerSpecification, rank: rank(layer, 'fill') },
    { spec: outline as LayerSpecification, rank: rank(layer, 'outline') },
  ];
  if (baseRole(layer) === 'province') {
    // Inside the province the land is lighter than the world around it, whatever the outline's own fill is.
    const land: FillLayerSpecification = { id: `${layer.id}:land`, type: 'fill', ...common, layout, paint: { 'fill-color': LAND_COLOR } };
    drawn.push({ spec: land, rank: rank(layer, 'land') });
  }
  return drawn;
}

function sourceFor(layer: CatalogLayer): VectorSourceSpecification {
  const source: VectorSourceSpecification = {
    type: 'vector',
    tiles: [layer.links.tiles],
    minzoom: layer.min_zoom,
    maxzoom: layer.max_zoom,
  };
  if (layer.extent) {
    // A single point has an empty extent; a little padding keeps MapLibre's tile range sane.
    const [w, s, e, n] = layer.extent;
    const pad = 0.01;
    source.bounds = [Math.max(-180, w - pad), Math.max(-85, s - pad), Math.min(180, e + pad), Math.min(85, n + pad)];
  }
  return source;
}

export function buildStyle(catalog: Catalog, visibleIds: ReadonlySet<string>): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  const drawn: Array<{ spec: LayerSpecification; rank: number; order: number }> = [];
  catalog.layers.forEach((layer, order) => {
    sources[sourceId(layer)] = sourceFor(layer);
    for (const part of layersFor(layer, visibleIds.has(layer.id))) drawn.push({ ...part, order });
  });
  drawn.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return {
    version: 8,
    sources,
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND_COLOR } },
      ...drawn.map((d) => d.spec),
    ],
  };
}

export function setLayerVisible(map: MapLibreMap, layer: CatalogLayer, visible: boolean): void {
  for (const id of styleLayerIds(layer)) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visibility(visible));
  }
}
