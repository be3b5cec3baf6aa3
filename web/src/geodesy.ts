// Lengths and areas on the Earth for the measuring tool: great-circle distances (haversine) and spherical polygon
// areas on the mean Earth radius — turf's formulas, without bundling turf — within half a percent of the ellipsoid
// at Cao Bằng's latitude: plenty for measuring on a public map.

export type LngLatPair = [number, number];

const MEAN_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

export function distanceMetres(a: LngLatPair, b: LngLatPair): number {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * MEAN_RADIUS_M * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
}

export function pathLengthMetres(points: readonly LngLatPair[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distanceMetres(points[i - 1]!, points[i]!);
  return total;
}

/** Area of the polygon the points outline (closed implicitly), in m²; 0 for fewer than three points. */
export function polygonAreaSquareMetres(points: readonly LngLatPair[]): number {
  const n = points.length;
  if (n < 3) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const lower = points[i]!;
    const middle = points[(i + 1) % n]!;
    const upper = points[(i + 2) % n]!;
    sum += (rad(upper[0]) - rad(lower[0])) * Math.sin(rad(middle[1]));
  }
  return Math.abs((sum * MEAN_RADIUS_M * MEAN_RADIUS_M) / 2);
}

export function perimeterMetres(points: readonly LngLatPair[]): number {
  if (points.length < 2) return 0;
  return pathLengthMetres([...points, points[0]!]);
}
