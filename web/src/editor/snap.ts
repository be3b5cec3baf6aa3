// Snapping while drawing, moving and reshaping: a vertex (or a point) placed within a few screen pixels of a feature
// of the edited layer lands exactly on that feature's vertex, else on the nearest point of its segment. Distances
// are measured on screen, so the pull feels the same at every zoom; the coordinates are the feature's own (as the
// features API sent them), never the tiles' rounded ones, so a snapped vertex equals the existing one exactly.
import type { Map as MapLibreMap, PointLike } from 'maplibre-gl';

export type Position = [number, number];

/** How near, in screen pixels, a vertex must come to snap. */
export const SNAP_PIXELS = 10;

interface ScreenPoint {
  x: number;
  y: number;
}

/** Every line of a geometry as a list of positions (a point is a one-position "line"). */
function paths(geometry: GeoJSON.Geometry): Position[][] {
  switch (geometry.type) {
    case 'Point':
      return [[geometry.coordinates as Position]];
    case 'MultiPoint':
      return (geometry.coordinates as Position[]).map((p) => [p]);
    case 'LineString':
      return [geometry.coordinates as Position[]];
    case 'MultiLineString':
    case 'Polygon':
      return geometry.coordinates as Position[][];
    case 'MultiPolygon':
      return (geometry.coordinates as Position[][][]).flat();
    default:
      return [];
  }
}

const distance = (a: ScreenPoint, b: ScreenPoint) => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * Where a vertex at `screen` should go given the candidate geometries: the nearest vertex within `pixels`, else the
 * nearest point on a segment within `pixels`, else null (no snap).
 */
export function snapTo(map: MapLibreMap, screen: ScreenPoint, geometries: GeoJSON.Geometry[], pixels = SNAP_PIXELS): Position | null {
  let vertex: { at: Position; d: number } | null = null;
  let segment: { at: ScreenPoint; d: number } | null = null;
  for (const g of geometries) {
    for (const line of paths(g)) {
      const projected = line.map((p) => map.project(p));
      projected.forEach((p, i) => {
        const d = distance(p, screen);
        if (d <= pixels && (!vertex || d < vertex.d)) vertex = { at: line[i]!, d };
        const q = projected[i + 1];
        if (!q) return;
        const dx = q.x - p.x;
        const dy = q.y - p.y;
        const len2 = dx * dx + dy * dy;
        if (len2 === 0) return;
        const t = Math.max(0, Math.min(1, ((screen.x - p.x) * dx + (screen.y - p.y) * dy) / len2));
        const at = { x: p.x + t * dx, y: p.y + t * dy };
        const ds = distance(at, screen);
        if (ds <= pixels && (!segment || ds < segment.d)) segment = { at, d: ds };
      });
    }
  }
  if (vertex) return (vertex as { at: Position }).at;
  if (segment) {
    const ll = map.unproject([(segment as { at: ScreenPoint }).at.x, (segment as { at: ScreenPoint }).at.y]);
    return [ll.lng, ll.lat];
  }
  return null;
}

/** The screen box around a point in which rendered features are snap candidates. */
export function snapBox(screen: ScreenPoint, pixels = SNAP_PIXELS): [PointLike, PointLike] {
  return [[screen.x - pixels, screen.y - pixels], [screen.x + pixels, screen.y + pixels]];
}
