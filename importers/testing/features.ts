// Reading a whole dataset in tests, with geometries decoded from WKB so they compare with GeoJSON.
import type { Geometry } from 'geojson';
import type { FeatureReadOptions, FileProblem, SourceDataset } from '../source.ts';
import { wkbToGeometry } from '../wkb.ts';

export interface ReadFeature {
  index: number;
  geometry: Geometry | null;
  properties: Record<string, string | number | boolean | null>;
  problems: FileProblem[];
  codes: string[];
}

export async function readAll(ds: SourceDataset, opts?: FeatureReadOptions): Promise<ReadFeature[]> {
  const out: ReadFeature[] = [];
  for await (const f of ds.features(opts)) {
    out.push({ index: f.index, geometry: f.wkb ? wkbToGeometry(f.wkb) : null, properties: f.properties, problems: f.problems, codes: f.problems.map((p) => p.code) });
  }
  return out;
}

/** Polygon → MultiPolygon and LineString → MultiLineString: the readers always write the Multi form. */
export function asMulti(g: Geometry | null): Geometry | null {
  if (!g) return null;
  if (g.type === 'Polygon') return { type: 'MultiPolygon', coordinates: [g.coordinates] };
  if (g.type === 'LineString') return { type: 'MultiLineString', coordinates: [g.coordinates] };
  return g;
}
