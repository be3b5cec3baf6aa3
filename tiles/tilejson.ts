// A layer as a TileJSON 3.0.0 tile set: what MapLibre and QGIS need to draw it, and the citation the
// regulation asks for on every output (owner, source, last update).
import type { AttributeType } from '../server/catalog/attributes.ts';
import type { Layer } from '../server/catalog/catalog.ts';
import type { Bbox } from '../server/catalog/extent.ts';
import { COUNT_ATTRIBUTE, pointAggregation, type PointAggregation } from './tile-sql.ts';

/** Cao Bằng, padded (DESIGN.md): the bounds of a layer that has no features yet. */
export const PROVINCE_BOUNDS: Bbox = [105.25, 22.3, 106.85, 23.15];

// A single point has an empty extent; a little padding keeps the tile range clients derive from it sane.
const EXTENT_PADDING_DEGREES = 0.01;

const fieldTypes: Record<AttributeType, 'String' | 'Number' | 'Boolean'> = {
  text: 'String',
  integer: 'Number',
  number: 'Number',
  boolean: 'Boolean',
  // Encoded as ISO 8601 text in the tiles (tile-sql.ts).
  date: 'String',
  datetime: 'String',
};

// Clients render attribution as HTML: a source text with '<' or '&' must show as written.
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** dd/mm/yyyy in Vietnam time (UTC+7 all year), as people in the province write a date. */
export function vietnamDate(date: Date): string {
  const local = new Date(date.getTime() + 7 * 3600_000);
  const dd = String(local.getUTCDate()).padStart(2, '0');
  const mm = String(local.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}/${mm}/${local.getUTCFullYear()}`;
}

export function attributionText(layer: Pick<Layer, 'owner' | 'source' | 'dataUpdatedAt'>): string {
  return escapeHtml(`${layer.owner.nameVi} · ${layer.source} · cập nhật ${vietnamDate(layer.dataUpdatedAt)}`);
}

export function boundsOf(extent: Bbox | null): Bbox {
  if (!extent) return PROVINCE_BOUNDS;
  const [w, s, e, n] = extent;
  const p = EXTENT_PADDING_DEGREES;
  const round = (v: number) => Number(v.toFixed(6));
  return [Math.max(-180, round(w - p)), Math.max(-85.0511, round(s - p)), Math.min(180, round(e + p)), Math.min(85.0511, round(n + p))];
}

/** A zoom at which the bounds fill a 512-pixel view, within the layer's range. */
function centerZoom(bounds: Bbox, minZoom: number, maxZoom: number): number {
  const span = Math.max(bounds[2] - bounds[0], bounds[3] - bounds[1], 1e-6);
  const fit = Math.floor(Math.log2(360 / span));
  return Math.min(maxZoom, Math.max(minZoom, Math.min(fit, 16)));
}

function centerOf(bounds: Bbox, minZoom: number, maxZoom: number): [number, number, number] {
  return [
    Number(((bounds[0] + bounds[2]) / 2).toFixed(6)),
    Number(((bounds[1] + bounds[3]) / 2).toFixed(6)),
    centerZoom(bounds, minZoom, maxZoom),
  ];
}

export interface VectorLayer {
  id: string;
  fields: Record<string, 'String' | 'Number' | 'Boolean'>;
  minzoom: number;
  maxzoom: number;
  description: string;
  /** Point layers: how a dense tile is aggregated (tile-sql.ts), so a client knows what `_count` means. */
  aggregation?: PointAggregation & { note: string };
}

/** One layer as an MVT layer of a tile set: its fields, zoom range and, for points, what aggregation does. */
export function vectorLayer(layer: Layer): VectorLayer {
  const description = layer.descriptionVi || layer.titleVi;
  const fields: VectorLayer['fields'] = Object.fromEntries(layer.attributes.map((a) => [a.name, fieldTypes[a.type]]));
  const aggregation = pointAggregation(layer);
  if (!aggregation) return { id: layer.id, fields, minzoom: layer.minZoom, maxzoom: layer.maxZoom, description };
  fields[COUNT_ATTRIBUTE] = 'Number';
  const grouped = aggregation.groupedBy ? ` and ${aggregation.groupedBy} value` : '';
  return {
    id: layer.id,
    fields,
    minzoom: layer.minZoom,
    maxzoom: layer.maxZoom,
    description,
    aggregation: {
      ...aggregation,
      note: `A tile with more than ${aggregation.aboveFeaturesPerTile} points holds one point per 1/${aggregation.cellsPerTileSide}-tile cell${grouped}, `
        + `at the mean position of its points, with ${COUNT_ATTRIBUTE} = how many; a point alone in its cell keeps ${aggregation.lonePointsKeep.join(', ')}.`,
    },
  };
}

export function tileJson(layer: Layer, extent: Bbox | null, base: string) {
  const bounds = boundsOf(extent);
  const vl = vectorLayer(layer);
  return {
    tilejson: '3.0.0',
    name: layer.titleVi,
    description: vl.description,
    attribution: attributionText(layer),
    scheme: 'xyz',
    tiles: [`${base}/tiles/${encodeURIComponent(layer.id)}/{z}/{x}/{y}.mvt`],
    minzoom: layer.minZoom,
    maxzoom: layer.maxZoom,
    bounds,
    center: centerOf(bounds, layer.minZoom, layer.maxZoom),
    vector_layers: [vl],
  };
}

export interface CompositeSpec {
  name: string;
  description: string;
  tilesUrl: string;
  layers: Array<{ layer: Layer; extent: Bbox | null }>;
}

/**
 * Several layers in one tile set, each its own MVT layer. A layer is in the tiles from its own minimum zoom on;
 * above its maximum zoom it stays (rendered at the zoom asked for), which is what overzooming its own tiles
 * would show, so the composite's range is the union of the layers' ranges.
 */
export function compositeTileJson(spec: CompositeSpec) {
  const withData = spec.layers.filter((l) => l.extent !== null);
  const bounds: Bbox = withData.length === 0
    ? PROVINCE_BOUNDS
    : withData.map((l) => boundsOf(l.extent)).reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
  const minzoom = spec.layers.length ? Math.min(...spec.layers.map((l) => l.layer.minZoom)) : 0;
  const maxzoom = spec.layers.length ? Math.max(...spec.layers.map((l) => l.layer.maxZoom)) : 22;
  return {
    tilejson: '3.0.0',
    name: spec.name,
    description: spec.description,
    attribution: [...new Set(spec.layers.map((l) => attributionText(l.layer)))].join('; '),
    scheme: 'xyz',
    tiles: [spec.tilesUrl],
    minzoom,
    maxzoom,
    bounds,
    center: centerOf(bounds, minzoom, maxzoom),
    vector_layers: spec.layers.map((l) => vectorLayer(l.layer)),
  };
}
