// One .shp record's content → ISO WKB, as a byte transform: the .shp stores little-endian doubles and so does WKB, so
// point arrays are copied as they are (or swapped pairwise). Z and M arrays that follow the points are ignored.
// Polygons: the .shp gives rings with outer rings clockwise and holes counter-clockwise and does not say which hole
// belongs to which outer ring; each hole goes to the smallest outer ring that contains it. Every polygon record
// becomes a MultiPolygon, every polyline a MultiLineString.
import type { FileProblem } from './source.ts';
import { WkbType } from './wkb.ts';

export const ShapeType = {
  Null: 0,
  Point: 1,
  PolyLine: 3,
  Polygon: 5,
  MultiPoint: 8,
  PointZ: 11,
  PolyLineZ: 13,
  PolygonZ: 15,
  MultiPointZ: 18,
  PointM: 21,
  PolyLineM: 23,
  PolygonM: 25,
  MultiPointM: 28,
  MultiPatch: 31,
} as const;

export const SHAPE_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ShapeType).map(([k, v]) => [v, k]));

export type ShapeKind = 'null' | 'point' | 'multipoint' | 'polyline' | 'polygon';

export function shapeKind(type: number): ShapeKind | null {
  switch (type) {
    case 0: return 'null';
    case 1: case 11: case 21: return 'point';
    case 8: case 18: case 28: return 'multipoint';
    case 3: case 13: case 23: return 'polyline';
    case 5: case 15: case 25: return 'polygon';
    default: return null;
  }
}

const problem = (code: string, message: string): FileProblem => ({ code, message });

function tooShort(problems: FileProblem[]): null {
  problems.push(problem('record_too_short', 'The record is shorter than the shape it describes; its geometry is left empty.'));
  return null;
}

function nonFinite(problems: FileProblem[]): null {
  problems.push(problem('non_finite_coordinates', 'The shape has coordinates that are not numbers (NaN) or infinite; its geometry is left empty.'));
  return null;
}

/** Whether all `count` coordinate pairs from `at` are finite. NaN and ±Infinity fail x - x === 0. */
function allFinite(b: Buffer, at: number, count: number): boolean {
  for (let i = 0, p = at; i < count; i++, p += 16) {
    const x = b.readDoubleLE(p);
    const y = b.readDoubleLE(p + 8);
    if (x - x !== 0 || y - y !== 0) return false;
  }
  return true;
}

function copyPoints(src: Buffer, from: number, count: number, dst: Buffer, to: number, swap: boolean): number {
  if (!swap) {
    const n = count * 16;
    // Buffer.copy is a native call: for a point or two a byte loop is several times faster.
    if (n <= 64) for (let k = 0; k < n; k++) dst[to + k] = src[from + k] as number;
    else src.copy(dst, to, from, from + n);
    return to + n;
  }
  for (let i = 0; i < count; i++, from += 16, to += 16) {
    for (let k = 0; k < 8; k++) {
      dst[to + k] = src[from + 8 + k] as number;
      dst[to + 8 + k] = src[from + k] as number;
    }
  }
  return to;
}

/**
 * Content of one record (from its shape type field on) → WKB, or null for a null shape or an unreadable one (with a
 * problem saying why). `fileType` is the type the .shp header declares; records must match it or be null.
 */
export function shapeToWkb(b: Buffer, at: number, length: number, fileType: number, swap: boolean, problems: FileProblem[]): Buffer | null {
  if (length < 4) {
    problems.push(problem('record_too_short', 'The record is too short to hold a shape.'));
    return null;
  }
  const type = b.readInt32LE(at);
  if (type === 0) return null;
  if (type !== fileType) {
    problems.push(problem('shape_type_mismatch', `The record holds a ${SHAPE_TYPE_NAMES[type] ?? `type ${type}`} shape in a ${SHAPE_TYPE_NAMES[fileType]} file; its geometry is left empty.`));
    return null;
  }
  const kind = shapeKind(type);
  if (kind === 'point') {
    if (length < 20) return tooShort(problems);
    if (!allFinite(b, at + 4, 1)) return nonFinite(problems);
    const out = Buffer.allocUnsafe(21);
    out[0] = 1;
    out.writeUInt32LE(WkbType.Point, 1);
    copyPoints(b, at + 4, 1, out, 5, swap);
    return out;
  }
  if (kind === 'multipoint') {
    if (length < 40) return tooShort(problems);
    const n = b.readInt32LE(at + 36);
    if (n < 0 || 40 + n * 16 > length) return tooShort(problems);
    if (!allFinite(b, at + 40, n)) return nonFinite(problems);
    const out = Buffer.allocUnsafe(9 + n * 21);
    out[0] = 1;
    out.writeUInt32LE(WkbType.MultiPoint, 1);
    out.writeUInt32LE(n, 5);
    for (let i = 0, o = 9; i < n; i++, o += 21) {
      out[o] = 1;
      out.writeUInt32LE(WkbType.Point, o + 1);
      copyPoints(b, at + 40 + i * 16, 1, out, o + 5, swap);
    }
    return out;
  }
  if (kind !== 'polyline' && kind !== 'polygon') return null;

  if (length < 44) return tooShort(problems);
  const numParts = b.readInt32LE(at + 36);
  const numPoints = b.readInt32LE(at + 40);
  if (numParts < 0 || numPoints < 0 || 44 + numParts * 4 + numPoints * 16 > length) return tooShort(problems);
  const pointsAt = at + 44 + numParts * 4;
  // Part starts must begin at 0 and increase; anything else is a corrupt record, not a shape to guess at.
  const starts: number[] = [];
  for (let i = 0; i < numParts; i++) {
    const s = b.readInt32LE(at + 44 + i * 4);
    if ((i === 0 && s !== 0) || (i > 0 && s <= (starts[i - 1] as number)) || s >= numPoints) {
      problems.push(problem('bad_parts', 'The record\'s part index is corrupt (parts out of order or past the last point); its geometry is left empty.'));
      return null;
    }
    starts.push(s);
  }
  if (numParts === 0 || numPoints === 0) {
    problems.push(problem('empty_shape', 'The shape has no points; its geometry is left empty.'));
    return null;
  }
  if (!allFinite(b, pointsAt, numPoints)) return nonFinite(problems);
  const ends = starts.map((_, i) => (i + 1 < numParts ? (starts[i + 1] as number) : numPoints));
  return kind === 'polyline'
    ? polylineWkb(b, pointsAt, starts, ends, swap, problems)
    : polygonWkb(b, pointsAt, starts, ends, swap, problems);
}

function polylineWkb(b: Buffer, pointsAt: number, starts: number[], ends: number[], swap: boolean, problems: FileProblem[]): Buffer | null {
  const keep: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    if ((ends[i] as number) - (starts[i] as number) >= 2) keep.push(i);
  }
  if (keep.length < starts.length) {
    problems.push(problem('short_line_part', `${starts.length - keep.length} part(s) of the line have a single point and were left out.`));
  }
  if (keep.length === 0) return null;
  let size = 9;
  for (const i of keep) size += 9 + ((ends[i] as number) - (starts[i] as number)) * 16;
  const out = Buffer.allocUnsafe(size);
  out[0] = 1;
  out.writeUInt32LE(WkbType.MultiLineString, 1);
  out.writeUInt32LE(keep.length, 5);
  let o = 9;
  for (const i of keep) {
    const n = (ends[i] as number) - (starts[i] as number);
    out[o] = 1;
    out.writeUInt32LE(WkbType.LineString, o + 1);
    out.writeUInt32LE(n, o + 5);
    o = copyPoints(b, pointsAt + (starts[i] as number) * 16, n, out, o + 9, swap);
  }
  return out;
}

interface Ring {
  start: number;
  count: number;
  /** The ring repeats its first point at the end? If not, WKB gets it appended. */
  closed: boolean;
  /** Twice the signed area, y up: negative = clockwise. */
  area2: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  holes: Ring[];
}

function readRing(b: Buffer, pointsAt: number, start: number, count: number): Ring {
  const p0 = pointsAt + start * 16;
  const x0 = b.readDoubleLE(p0);
  const y0 = b.readDoubleLE(p0 + 8);
  let minX = x0, minY = y0, maxX = x0, maxY = y0;
  let area2 = 0;
  // Relative to the first point: projected coordinates are ~10^6, their products would lose the area's digits.
  let px = 0, py = 0;
  for (let i = 1, p = p0 + 16; i < count; i++, p += 16) {
    const xa = b.readDoubleLE(p);
    const ya = b.readDoubleLE(p + 8);
    if (xa < minX) minX = xa; else if (xa > maxX) maxX = xa;
    if (ya < minY) minY = ya; else if (ya > maxY) maxY = ya;
    const x = xa - x0;
    const y = ya - y0;
    area2 += px * y - x * py;
    px = x;
    py = y;
  }
  const last = p0 + (count - 1) * 16;
  const closed = count > 1 && b.readDoubleLE(last) === x0 && b.readDoubleLE(last + 8) === y0;
  return { start, count, closed, area2, minX, minY, maxX, maxY, holes: [] };
}

/** 1 inside, 0 on the boundary, -1 outside (even-odd ray casting; an unclosed ring is closed implicitly). */
function pointInRing(b: Buffer, pointsAt: number, ring: Ring, x: number, y: number): number {
  if (x < ring.minX || x > ring.maxX || y < ring.minY || y > ring.maxY) return -1;
  let inside = false;
  const first = pointsAt + ring.start * 16;
  let xj = b.readDoubleLE(first + (ring.count - 1) * 16);
  let yj = b.readDoubleLE(first + (ring.count - 1) * 16 + 8);
  for (let i = 0, p = first; i < ring.count; i++, p += 16) {
    const xi = b.readDoubleLE(p);
    const yi = b.readDoubleLE(p + 8);
    const cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi);
    if (cross === 0 && Math.min(xi, xj) <= x && x <= Math.max(xi, xj) && Math.min(yi, yj) <= y && y <= Math.max(yi, yj)) return 0;
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    xj = xi;
    yj = yi;
  }
  return inside ? 1 : -1;
}

/** Whether `inner` lies in `outer`: its first vertex not on outer's boundary decides (all on it: yes). */
function ringInRing(b: Buffer, pointsAt: number, inner: Ring, outer: Ring): boolean {
  if (inner.minX < outer.minX || inner.maxX > outer.maxX || inner.minY < outer.minY || inner.maxY > outer.maxY) return false;
  for (let i = 0; i < inner.count; i++) {
    const p = pointsAt + (inner.start + i) * 16;
    const r = pointInRing(b, pointsAt, outer, b.readDoubleLE(p), b.readDoubleLE(p + 8));
    if (r !== 0) return r > 0;
  }
  return true;
}

function polygonWkb(b: Buffer, pointsAt: number, starts: number[], ends: number[], swap: boolean, problems: FileProblem[]): Buffer | null {
  const rings: Ring[] = [];
  let unclosed = 0;
  let degenerate = 0;
  for (let i = 0; i < starts.length; i++) {
    const ring = readRing(b, pointsAt, starts[i] as number, (ends[i] as number) - (starts[i] as number));
    if (!ring.closed) unclosed++;
    // A ring needs four positions, the last repeating the first (PostGIS rejects less).
    if (ring.count + (ring.closed ? 0 : 1) < 4) {
      degenerate++;
      continue;
    }
    rings.push(ring);
  }
  if (unclosed > 0) problems.push(problem('ring_not_closed', `${unclosed} ring(s) did not end where they began and were closed.`));
  if (degenerate > 0) problems.push(problem('degenerate_ring', `${degenerate} ring(s) had fewer than three distinct points and were left out.`));
  if (rings.length === 0) return null;

  let outers = rings.filter((r) => r.area2 <= 0);
  const holes = rings.filter((r) => r.area2 > 0);
  const bySize = [...outers].sort((p, q) => Math.abs(p.area2) - Math.abs(q.area2));
  let consistent = outers.length > 0;
  for (const hole of holes) {
    if (!consistent) break;
    const owner = bySize.find((o) => Math.abs(o.area2) >= Math.abs(hole.area2) && ringInRing(b, pointsAt, hole, o));
    if (owner) owner.holes.push(hole);
    else consistent = false;
  }
  if (!consistent) {
    // Rings that break the clockwise-outer rule (all counter-clockwise, the opposite convention, or a "hole" outside
    // every outer ring): nesting decides instead. A ring inside an odd number of others is a hole of the smallest.
    problems.push(problem('ring_orientation', 'The rings do not follow the Shapefile rule (outer rings clockwise, holes counter-clockwise inside them); outer rings and holes were told apart by nesting instead.'));
    for (const r of rings) r.holes = [];
    const containers = rings.map((r) => rings.filter((o) => o !== r && Math.abs(o.area2) > Math.abs(r.area2) && ringInRing(b, pointsAt, r, o)));
    outers = rings.filter((_, i) => (containers[i] as Ring[]).length % 2 === 0);
    rings.forEach((r, i) => {
      const c = containers[i] as Ring[];
      if (c.length % 2 === 1) {
        const owner = c.filter((o) => outers.includes(o)).sort((p, q) => Math.abs(p.area2) - Math.abs(q.area2))[0];
        if (owner) owner.holes.push(r);
        else outers.push(r);
      }
    });
  }

  const ringSize = (r: Ring) => 4 + (r.closed ? r.count : r.count + 1) * 16;
  let size = 9;
  for (const o of outers) {
    size += 9 + ringSize(o);
    for (const h of o.holes) size += ringSize(h);
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = 1;
  out.writeUInt32LE(WkbType.MultiPolygon, 1);
  out.writeUInt32LE(outers.length, 5);
  let at = 9;
  const writeRing = (r: Ring) => {
    const n = r.closed ? r.count : r.count + 1;
    out.writeUInt32LE(n, at);
    at = copyPoints(b, pointsAt + r.start * 16, r.count, out, at + 4, swap);
    if (!r.closed) at = copyPoints(b, pointsAt + r.start * 16, 1, out, at, swap);
  };
  // Keep file order of outer rings (preview and tests compare with the source).
  const ordered = [...outers].sort((p, q) => p.start - q.start);
  for (const o of ordered) {
    out[at] = 1;
    out.writeUInt32LE(WkbType.Polygon, at + 1);
    out.writeUInt32LE(1 + o.holes.length, at + 5);
    at += 9;
    writeRing(o);
    for (const h of o.holes.sort((p, q) => p.start - q.start)) writeRing(h);
  }
  return out;
}
