// Catalog styles → MapLibre style documents, served by the platform (server/routes/styles.ts): one per layer,
// one per sector, and the default map the web app and the editor show (web/src/map-style.ts reads it; nothing
// builds a style anywhere else). No external tiles, glyphs or sprites unless the operator configures an online
// basemap: a plain background with the platform's own province outline, communes and water drawn under the
// thematic layers, categories as `match` expressions. Style layer ids are `<catalog id>:<part>` and every layer
// names its catalog layer in `metadata['cb:layer']` (and `'cb:base'` for the basemap's boundaries and water), so
// clients toggle, pick and select by catalog layer without knowing the parts. The sector and default styles take
// their layers from one composite source, one request per tile for the whole map instead of one per layer.
import type {
  BackgroundLayerSpecification,
  CircleLayerSpecification,
  ExpressionSpecification,
  FillLayerSpecification,
  LayerSpecification,
  LineLayerSpecification,
  StyleSpecification,
  VectorSourceSpecification,
} from '@maplibre/maplibre-gl-style-spec';
import type { Layer } from '../server/catalog/catalog.ts';
import type { Bbox } from '../server/catalog/extent.ts';
import { COUNT_ATTRIBUTE } from './tile-sql.ts';
import { PROVINCE_BOUNDS, attributionText, boundsOf } from './tilejson.ts';

export const PROVINCE_LAYER_ID = 'tai_nguyen.ranh_gioi_tinh';
export const COMMUNE_LAYER_ID = 'tai_nguyen.ranh_gioi_xa';
/** The composite source of the sector and default styles. */
export const COMPOSITE_SOURCE_ID = 'cb';
/** The basemap layers of a sector style that are not in the sector. */
export const BASEMAP_SOURCE_ID = 'cb-basemap';
/** The source and the layer of the optional online raster basemap (ONLINE_BASEMAP_URL), hidden until asked for. */
export const ONLINE_BASEMAP_ID = 'online-basemap';
const BACKGROUND_COLOR = '#dfe4e8';
const LAND_COLOR = '#f7f6f1';
const DEFAULT_COLOR = '#3b6ea5';
// Water in the catalog goes by these slugs (sông, suối, hồ, mặt nước, thuỷ văn): drawn with the basemap.
const WATER_SLUG = /(^|_)(song|suoi|ho|ho_chua|mat_nuoc|nuoc_mat|thuy_van|thuy_he)(_|$)/;

/** The keys of a catalog style the map understands (infra/demo/layers.ts documents them). */
interface LayerStyle {
  color?: string;
  width?: number;
  radius?: number;
  fillOpacity?: number;
  outlineColor?: string;
  categories?: { attribute: string; colors: Record<string, string> };
}

/** The catalog's style object, keeping only well-typed keys: a bad value must not make the document invalid. */
export function layerStyleOf(layer: Pick<Layer, 'style'>): LayerStyle {
  const s = layer.style ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const out: LayerStyle = {};
  const color = text(s.color);
  if (color) out.color = color;
  const outline = text(s.outlineColor);
  if (outline) out.outlineColor = outline;
  const width = num(s.width);
  if (width !== undefined) out.width = width;
  const radius = num(s.radius);
  if (radius !== undefined) out.radius = radius;
  const opacity = num(s.fillOpacity);
  if (opacity !== undefined) out.fillOpacity = Math.min(1, opacity);
  const categories = s.categories as { attribute?: unknown; colors?: unknown } | undefined;
  if (categories && typeof categories.attribute === 'string' && categories.colors && typeof categories.colors === 'object') {
    const colors = Object.fromEntries(Object.entries(categories.colors as Record<string, unknown>).filter(([, c]) => typeof c === 'string')) as Record<string, string>;
    out.categories = { attribute: categories.attribute, colors };
  }
  return out;
}

type BaseRole = 'province' | 'commune' | 'water' | null;

function baseRole(layer: Layer): BaseRole {
  if (layer.id === PROVINCE_LAYER_ID) return 'province';
  if (layer.id === COMMUNE_LAYER_ID) return 'commune';
  const slug = layer.id.split('.')[1] ?? '';
  if (layer.sector.code === 'tai_nguyen' && WATER_SLUG.test(slug)) return 'water';
  return null;
}

export function isBaseLayer(layer: Layer): boolean {
  return baseRole(layer) !== null;
}

/**
 * Draw order: land and boundaries at the bottom, water over the land, boundary lines over water, then thematic
 * polygons, their outlines, lines and points, so a small point is never hidden under an area.
 */
function rank(layer: Layer, part: 'land' | 'fill' | 'outline' | 'line' | 'circle'): number {
  const role = baseRole(layer);
  if (role === 'province') return part === 'land' ? 0 : part === 'fill' ? 1 : 7;
  if (role === 'commune') return part === 'fill' ? 2 : 4;
  if (role === 'water') return part === 'fill' ? 3 : part === 'outline' ? 5 : 6;
  return { land: 10, fill: 10, outline: 11, line: 12, circle: 13 }[part];
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

/**
 * A point of a dense tile stands for `_count` features (tile-sql.ts): drawn larger, by the order of magnitude
 * of its count (×1.5 for 10, ×2 for 100, ×3 for 10 000), so a crowd reads as one and its size says how big.
 */
function pointRadius(r: number): ExpressionSpecification {
  return ['case', ['has', COUNT_ATTRIBUTE], ['*', r, ['+', 1, ['/', ['log10', ['get', COUNT_ATTRIBUTE]], 2]]], r] as unknown as ExpressionSpecification;
}

function layersFor(layer: Layer, source: string): Array<{ spec: LayerSpecification; rank: number }> {
  const style = layerStyleOf(layer);
  const color = colorExpression(style);
  const common = { source, 'source-layer': layer.id, minzoom: layer.minZoom, metadata: { 'cb:layer': layer.id, 'cb:base': isBaseLayer(layer) } };
  const layout = { visibility: 'visible' as const };
  if (layer.geometryFamily === 'point') {
    const r = style.radius ?? 5;
    const circle: CircleLayerSpecification = {
      id: `${layer.id}:circle`,
      type: 'circle',
      ...common,
      layout,
      paint: {
        'circle-color': color,
        'circle-radius': byZoom([[7, pointRadius(Math.max(2, r * 0.6))], [12, pointRadius(r)], [17, pointRadius(r * 1.6)]]),
        'circle-stroke-color': ['case', selected, '#111827', '#ffffff'],
        'circle-stroke-width': ['case', selected, 3, 1],
        'circle-opacity': 0.95,
      },
    };
    return [{ spec: circle, rank: rank(layer, 'circle') }];
  }
  if (layer.geometryFamily === 'line') {
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

export interface StyledLayer {
  layer: Layer;
  extent: Bbox | null;
}

export interface StyleSourceSpec {
  id: string;
  /** The tile URL template. */
  tiles: string;
  layers: StyledLayer[];
}

function vectorSource(spec: StyleSourceSpec): VectorSourceSpecification {
  const layers = spec.layers;
  const withData = layers.filter((l) => l.extent !== null);
  const source: VectorSourceSpecification = {
    type: 'vector',
    tiles: [spec.tiles],
    minzoom: layers.length ? Math.min(...layers.map((l) => l.layer.minZoom)) : 0,
    maxzoom: layers.length ? Math.max(...layers.map((l) => l.layer.maxZoom)) : 22,
    attribution: [...new Set(layers.map((l) => attributionText(l.layer)))].join('; '),
  };
  if (withData.length > 0) {
    const b = withData.map((l) => boundsOf(l.extent)).reduce((a, c) => [Math.min(a[0], c[0]), Math.min(a[1], c[1]), Math.max(a[2], c[2]), Math.max(a[3], c[3])]);
    source.bounds = [Math.max(-180, b[0]), Math.max(-85, b[1]), Math.min(180, b[2]), Math.min(85, b[3])];
  }
  return source;
}

/** An XYZ raster tile service the operator chose to offer under the platform's layers (server/config.ts). */
export interface OnlineBasemap {
  /** URL template with {z}, {x} and {y}. */
  tiles: string;
  attribution: string;
}

export interface StyleSpecInput {
  name: string;
  /** Drawn in `rank` order; within a rank in the order given (catalog order). */
  sources: StyleSourceSpec[];
  onlineBasemap?: OnlineBasemap | null;
}

/**
 * The online basemap goes over the province's land (which would hide it) and under everything else. It starts
 * hidden: MapLibre asks no tile of a source whose layers are all hidden, so nothing leaves the network until a
 * user switches to it.
 */
function onlineBasemapLayer(basemap: OnlineBasemap, sources: StyleSpecification['sources']): LayerSpecification {
  sources[ONLINE_BASEMAP_ID] = { type: 'raster', tiles: [basemap.tiles], tileSize: 256, maxzoom: 19, attribution: basemap.attribution };
  return { id: ONLINE_BASEMAP_ID, type: 'raster', source: ONLINE_BASEMAP_ID, layout: { visibility: 'none' }, metadata: { 'cb:basemap': 'online' } };
}

export function buildStyle(input: StyleSpecInput): StyleSpecification {
  const sources: StyleSpecification['sources'] = {};
  const drawn: Array<{ spec: LayerSpecification; rank: number; order: number }> = [];
  let order = 0;
  for (const source of input.sources) {
    sources[source.id] = vectorSource(source);
    for (const { layer } of source.layers) {
      for (const part of layersFor(layer, source.id)) drawn.push({ ...part, order });
      order++;
    }
  }
  drawn.sort((a, b) => a.rank - b.rank || a.order - b.order);
  const background: BackgroundLayerSpecification = { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND_COLOR } };
  const layers: LayerSpecification[] = [background, ...drawn.map((d) => d.spec)];
  if (input.onlineBasemap) {
    const land = layers.findIndex((l) => l.id.endsWith(':land'));
    layers.splice(land < 0 ? 1 : land + 1, 0, onlineBasemapLayer(input.onlineBasemap, sources));
  }
  const [w, s, e, n] = PROVINCE_BOUNDS;
  return {
    version: 8,
    name: input.name,
    metadata: { 'cb:layers': input.sources.flatMap((src) => src.layers.map((l) => l.layer.id)) },
    // For clients that open the style alone; the web app sets its own view, which takes precedence.
    center: [Number(((w + e) / 2).toFixed(4)), Number(((s + n) / 2).toFixed(4))],
    zoom: 8,
    sources,
    layers,
  };
}
