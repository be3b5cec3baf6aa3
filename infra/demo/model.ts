// What the generator hands the loader: per layer, its catalog spec and its features, all plain data.
import { clipLine, ringWithin, type DemoGeometry, type Position, type Ring } from './geometry.ts';
import { PROVINCE_OUTLINE } from './geography.ts';
import type { DemoLayerSpec } from './layers.ts';

export type Value = string | number | boolean | null;

export interface DemoFeature {
  geometry: DemoGeometry;
  properties: Record<string, Value>;
}

export interface DemoLayer {
  spec: DemoLayerSpec;
  features: DemoFeature[];
  /**
   * Set for the commune layer: its features carry Point seeds, and the database makes each one's polygon (the
   * seed's Voronoi cell clipped to the province), writing the cell's area into this attribute.
   */
  voronoiCells?: { areaAttribute: string };
}

export interface DemoData {
  outline: Ring;
  layers: DemoLayer[];
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function pointFeature(p: Position, properties: Record<string, Value>): DemoFeature {
  return { geometry: { type: 'Point', coordinates: p }, properties };
}

/** The line cut to the province, or null when none of it is inside. */
export function lineFeature(path: readonly Position[], properties: Record<string, Value>): DemoFeature | null {
  const parts = clipLine(path, PROVINCE_OUTLINE);
  return parts.length > 0 ? { geometry: { type: 'MultiLineString', coordinates: parts }, properties } : null;
}

/** The polygon, or null when it is not wholly inside the province (callers then simply place another). */
export function polygonFeature(ring: Ring, properties: Record<string, Value>): DemoFeature | null {
  return ringWithin(ring, PROVINCE_OUTLINE) ? { geometry: { type: 'MultiPolygon', coordinates: [[ring]] }, properties } : null;
}
