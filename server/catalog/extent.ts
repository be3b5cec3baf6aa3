// A layer's extent, computed once per data version: ST_Extent over the whole table is cheap but not free,
// and the catalog is read on every page load.
import type pg from 'pg';
import { layerTable, type Layer } from './catalog.ts';

export type Bbox = [number, number, number, number];

const cache = new Map<string, { version: number; extent: Bbox | null }>();

export async function layerExtent(client: pg.ClientBase, layer: Layer): Promise<Bbox | null> {
  const hit = cache.get(layer.id);
  if (hit && hit.version === layer.dataVersion) return hit.extent;
  const { rows } = await client.query<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>(
    `select st_xmin(e) as xmin, st_ymin(e) as ymin, st_xmax(e) as xmax, st_ymax(e) as ymax
     from (select st_extent(geom) as e from ${layerTable(layer)}) x`,
  );
  const r = rows[0];
  const extent: Bbox | null = r && r.xmin !== null ? [r.xmin, r.ymin, r.xmax, r.ymax] : null;
  cache.set(layer.id, { version: layer.dataVersion, extent });
  return extent;
}
