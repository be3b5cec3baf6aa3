// Plane geometry for the generator. Coordinates are [lon, lat] in WGS84; distances are worked out in metres on a
// local equirectangular plane, which over one province (1.6° × 0.8°) is off by well under 1 %: plenty for
// placing demo features, while the database computes the areas and lengths that matter with geography.
import type { Random } from './random.ts';

export type Position = [number, number];
export type Ring = Position[];

export type DemoGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Ring[][] };

const LAT0 = 22.7;
const METRES_PER_DEG_LAT = 110_770;
const METRES_PER_DEG_LON = 111_320 * Math.cos((LAT0 * Math.PI) / 180);
/** Longitude stretch that makes degrees isotropic on the local plane (the database's Voronoi uses it too). */
export const LON_SCALE = METRES_PER_DEG_LON / METRES_PER_DEG_LAT;

export function toMetres([lon, lat]: Position): [number, number] {
  return [(lon - 106) * METRES_PER_DEG_LON, (lat - LAT0) * METRES_PER_DEG_LAT];
}

export function fromMetres(x: number, y: number): Position {
  return [106 + x / METRES_PER_DEG_LON, LAT0 + y / METRES_PER_DEG_LAT];
}

/** The position `dx` metres east and `dy` metres north of `p`. */
export function offset(p: Position, dx: number, dy: number): Position {
  return [p[0] + dx / METRES_PER_DEG_LON, p[1] + dy / METRES_PER_DEG_LAT];
}

export function distance(a: Position, b: Position): number {
  return Math.hypot((a[0] - b[0]) * METRES_PER_DEG_LON, (a[1] - b[1]) * METRES_PER_DEG_LAT);
}

export function lerp(a: Position, b: Position, t: number): Position {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
}

export function lineLength(line: readonly Position[]): number {
  let s = 0;
  for (let i = 1; i < line.length; i++) s += distance(line[i - 1]!, line[i]!);
  return s;
}

/** Area in m² of a closed ring (shoelace on the local plane). */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 1; i < ring.length; i++) {
    const [x1, y1] = toMetres(ring[i - 1]!);
    const [x2, y2] = toMetres(ring[i]!);
    s += x1 * y2 - x2 * y1;
  }
  return Math.abs(s) / 2;
}

export function pointInRing([x, y]: Position, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Where segment p1→p2 crosses q1→q2, as the fraction along p1→p2, or null. */
function crossing(p1: Position, p2: Position, q1: Position, q2: Position): number | null {
  const rx = p2[0] - p1[0];
  const ry = p2[1] - p1[1];
  const sx = q2[0] - q1[0];
  const sy = q2[1] - q1[1];
  const denom = rx * sy - ry * sx;
  if (denom === 0) return null;
  const qpx = q1[0] - p1[0];
  const qpy = q1[1] - p1[1];
  const t = (qpx * sy - qpy * sx) / denom;
  const u = (qpx * ry - qpy * rx) / denom;
  return t >= 0 && t <= 1 && u >= 0 && u <= 1 ? t : null;
}

/** The parts of a line inside a ring: a river or road that leaves the province is cut at the border. */
export function clipLine(line: readonly Position[], ring: Ring): Position[][] {
  const parts: Position[][] = [];
  let current: Position[] = [];
  const flush = () => {
    if (current.length >= 2) parts.push(current);
    current = [];
  };
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    // Exact ends (not lerp at 0 and 1), so consecutive inside segments join into one part.
    const at = (t: number): Position => (t === 0 ? a : t === 1 ? b : lerp(a, b, t));
    const cuts = [0, 1];
    for (let k = 1; k < ring.length; k++) {
      const t = crossing(a, b, ring[k - 1]!, ring[k]!);
      if (t !== null) cuts.push(t);
    }
    cuts.sort((x, y) => x - y);
    for (let c = 1; c < cuts.length; c++) {
      const t0 = cuts[c - 1]!;
      const t1 = cuts[c]!;
      if (t1 - t0 < 1e-12) continue;
      if (pointInRing(lerp(a, b, (t0 + t1) / 2), ring)) {
        const start = at(t0);
        const last = current[current.length - 1];
        if (!last || last[0] !== start[0] || last[1] !== start[1]) {
          if (current.length > 0) flush();
          current.push(start);
        }
        current.push(at(t1));
      } else {
        flush();
      }
    }
  }
  flush();
  return parts;
}

/** Whether a closed ring lies wholly inside another (every vertex inside, no edges crossing). */
export function ringWithin(inner: Ring, outer: Ring): boolean {
  for (const p of inner) if (!pointInRing(p, outer)) return false;
  for (let i = 1; i < inner.length; i++) {
    for (let k = 1; k < outer.length; k++) {
      if (crossing(inner[i - 1]!, inner[i]!, outer[k - 1]!, outer[k]!) !== null) return false;
    }
  }
  return true;
}

/** A centripetal-enough Catmull–Rom curve through the waypoints, sampled about every `step` metres. */
export function spline(waypoints: readonly Position[], step: number): Position[] {
  if (waypoints.length < 2) return [...waypoints];
  const out: Position[] = [waypoints[0]!];
  for (let i = 0; i < waypoints.length - 1; i++) {
    const p0 = waypoints[Math.max(0, i - 1)]!;
    const p1 = waypoints[i]!;
    const p2 = waypoints[i + 1]!;
    const p3 = waypoints[Math.min(waypoints.length - 1, i + 2)]!;
    const n = Math.max(1, Math.ceil(distance(p1, p2) / step));
    for (let k = 1; k <= n; k++) {
      const t = k / n;
      const t2 = t * t;
      const t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) =>
        0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      out.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  return out;
}

/**
 * Bends a path sideways by a smooth sum of sines along its length: rivers meander, mountain roads wind. The ends
 * stay where they were (the offset fades in and out), so a stream still ends on its river.
 */
export function meander(
  path: readonly Position[],
  rng: Random,
  amplitude: number,
  wavelength: number,
  damping: (p: Position) => number = () => 1,
): Position[] {
  if (path.length < 3 || amplitude <= 0) return [...path];
  const waves = [1, 0.35, 0.12].map((share, i) => ({
    a: amplitude * share,
    k: ((2 * Math.PI) / (wavelength / (1 + i * 1.3))) * rng.range(0.8, 1.25),
    phase: rng.range(0, 2 * Math.PI),
  }));
  const s: number[] = [0];
  for (let i = 1; i < path.length; i++) s.push(s[i - 1]! + distance(path[i - 1]!, path[i]!));
  const total = s[s.length - 1]!;
  const fade = Math.min(wavelength / 2, total / 3);
  return path.map((p, i) => {
    if (i === 0 || i === path.length - 1) return p;
    const [ax, ay] = toMetres(path[i - 1]!);
    const [bx, by] = toMetres(path[i + 1]!);
    const len = Math.hypot(bx - ax, by - ay) || 1;
    const nx = -(by - ay) / len;
    const ny = (bx - ax) / len;
    const si = s[i]!;
    const taper = Math.min(1, si / fade, (total - si) / fade) * damping(p);
    const off = taper * waves.reduce((sum, w) => sum + w.a * Math.sin(w.k * si + w.phase), 0);
    return offset(p, nx * off, ny * off);
  });
}

/**
 * A blob: vertices at strictly increasing angles around the centre, so the ring never crosses itself whatever
 * the radii. `aspect` stretches it along `angle` (an affine map keeps a star-shaped ring simple).
 */
export function blob(
  center: Position,
  radius: number,
  rng: Random,
  opts: { vertices?: number; roughness?: number; aspect?: number; angle?: number } = {},
): Ring {
  const n = opts.vertices ?? 16;
  const roughness = opts.roughness ?? 0.25;
  const aspect = opts.aspect ?? 1;
  const angle = opts.angle ?? 0;
  const phases = [rng.range(0, 6.283), rng.range(0, 6.283), rng.range(0, 6.283)];
  const ring: Ring = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    const wobble =
      1 +
      roughness *
        (0.55 * Math.sin(2 * t + phases[0]!) + 0.3 * Math.sin(3 * t + phases[1]!) + 0.15 * Math.sin(5 * t + phases[2]!));
    const r = radius * Math.max(0.35, wobble * rng.range(1 - roughness / 3, 1 + roughness / 3));
    const ux = r * Math.cos(t) * aspect;
    const uy = r * Math.sin(t);
    ring.push(offset(center, ux * Math.cos(angle) - uy * Math.sin(angle), ux * Math.sin(angle) + uy * Math.cos(angle)));
  }
  ring.push(ring[0]!);
  return ring;
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function roundPath(path: readonly Position[]): Position[] {
  const out: Position[] = [];
  for (const p of path) {
    const q: Position = [round6(p[0]), round6(p[1])];
    const last = out[out.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) out.push(q);
  }
  return out;
}

/**
 * Coordinates to 6 decimals (≈ 0.1 m, and the exact form of the published check points), dropping the repeated
 * vertices that rounding can create. Returns null when nothing valid is left.
 */
export function roundGeometry(g: DemoGeometry): DemoGeometry | null {
  switch (g.type) {
    case 'Point':
      return { type: 'Point', coordinates: [round6(g.coordinates[0]), round6(g.coordinates[1])] };
    case 'MultiLineString': {
      const parts = g.coordinates.map(roundPath).filter((p) => p.length >= 2);
      return parts.length > 0 ? { type: 'MultiLineString', coordinates: parts } : null;
    }
    case 'MultiPolygon': {
      const polys = g.coordinates.map((rings) => rings.map(roundPath)).filter((rings) => rings.every((r) => r.length >= 4));
      return polys.length > 0 ? { type: 'MultiPolygon', coordinates: polys } : null;
    }
  }
}

/** Extended WKT with the SRID, which the geometry column's input function accepts as is (also inside COPY). */
export function toEwkt(g: DemoGeometry): string {
  const pos = (p: Position) => `${p[0]} ${p[1]}`;
  const path = (ps: readonly Position[]) => `(${ps.map(pos).join(',')})`;
  switch (g.type) {
    case 'Point':
      return `SRID=4326;POINT(${pos(g.coordinates)})`;
    case 'MultiLineString':
      return `SRID=4326;MULTILINESTRING(${g.coordinates.map(path).join(',')})`;
    case 'MultiPolygon':
      return `SRID=4326;MULTIPOLYGON(${g.coordinates.map((rings) => `(${rings.map(path).join(',')})`).join(',')})`;
  }
}

/** The path with extra vertices so that none is more than `step` metres from the next. */
export function densify(path: readonly Position[], step: number): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (i > 0) {
      const q = path[i - 1]!;
      const n = Math.ceil(distance(q, p) / step);
      for (let k = 1; k < n; k++) out.push(lerp(q, p, k / n));
    }
    out.push(p);
  }
  return out;
}

/** A smooth random field in [-1, 1] (a few plane waves), for patterns that vary over hundreds of metres. */
export function smoothNoise(rng: Random, minWavelength: number, maxWavelength: number): (p: Position) => number {
  const waves = Array.from({ length: 4 }, () => {
    const dir = rng.range(0, Math.PI);
    const k = (2 * Math.PI) / rng.range(minWavelength, maxWavelength);
    return { kx: k * Math.cos(dir), ky: k * Math.sin(dir), phase: rng.range(0, 2 * Math.PI) };
  });
  return (p) => {
    const [x, y] = toMetres(p);
    return waves.reduce((s, w) => s + Math.sin(w.kx * x + w.ky * y + w.phase), 0) / waves.length;
  };
}
