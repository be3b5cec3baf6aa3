// A .shp/.shx writer for tests and the benchmark, every shape type including Z and M variants (which carry made-up
// z and m values the reader must drop). Bad files are made by editing the buffers it returns.
export type XY = [number, number];
export type ShpShape =
  | null
  | { point: XY }
  | { points: XY[] }
  | { parts: XY[][] };

const HAS_Z = new Set([11, 13, 15, 18]);
const HAS_M = new Set([11, 13, 15, 18, 21, 23, 25, 28]);
const BASE: Record<number, 'point' | 'multipoint' | 'parts'> = {
  1: 'point', 11: 'point', 21: 'point', 8: 'multipoint', 18: 'multipoint', 28: 'multipoint',
  3: 'parts', 13: 'parts', 23: 'parts', 5: 'parts', 15: 'parts', 25: 'parts',
};

function recordContent(type: number, shape: ShpShape): Buffer {
  if (shape === null) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(0, 0);
    return b;
  }
  const z = HAS_Z.has(type);
  const m = HAS_M.has(type);
  const kind = BASE[type];
  if (kind === 'point') {
    const p = (shape as { point: XY }).point;
    const b = Buffer.alloc(20 + (z ? 8 : 0) + (m ? 8 : 0));
    b.writeInt32LE(type, 0);
    b.writeDoubleLE(p[0], 4);
    b.writeDoubleLE(p[1], 12);
    if (z) b.writeDoubleLE(123.5, 20);
    if (m) b.writeDoubleLE(7, z ? 28 : 20);
    return b;
  }
  const parts = kind === 'multipoint' ? [(shape as { points: XY[] }).points] : (shape as { parts: XY[][] }).parts;
  const points = parts.flat();
  const n = points.length;
  const head = kind === 'multipoint' ? 40 : 44 + parts.length * 4;
  const size = head + n * 16 + (z ? 16 + n * 8 : 0) + (m ? 16 + n * 8 : 0);
  const b = Buffer.alloc(size);
  b.writeInt32LE(type, 0);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const finite = (a: number[]) => a.filter(Number.isFinite);
  b.writeDoubleLE(Math.min(...finite(xs), Infinity) || 0, 4);
  b.writeDoubleLE(Math.min(...finite(ys), Infinity) || 0, 12);
  b.writeDoubleLE(Math.max(...finite(xs), -Infinity) || 0, 20);
  b.writeDoubleLE(Math.max(...finite(ys), -Infinity) || 0, 28);
  let at = 36;
  if (kind === 'multipoint') {
    b.writeInt32LE(n, at);
    at += 4;
  } else {
    b.writeInt32LE(parts.length, at);
    b.writeInt32LE(n, at + 4);
    at += 8;
    let start = 0;
    for (const part of parts) {
      b.writeInt32LE(start, at);
      at += 4;
      start += part.length;
    }
  }
  for (const p of points) {
    b.writeDoubleLE(p[0], at);
    b.writeDoubleLE(p[1], at + 8);
    at += 16;
  }
  for (const has of [z, m]) {
    if (!has) continue;
    b.writeDoubleLE(0, at);
    b.writeDoubleLE(n, at + 8);
    at += 16;
    for (let i = 0; i < n; i++, at += 8) b.writeDoubleLE(i, at);
  }
  return b;
}

function header(type: number, fileLength: number, bbox: [number, number, number, number]): Buffer {
  const h = Buffer.alloc(100);
  h.writeInt32BE(9994, 0);
  h.writeInt32BE(fileLength / 2, 24);
  h.writeInt32LE(1000, 28);
  h.writeInt32LE(type, 32);
  bbox.forEach((v, i) => h.writeDoubleLE(v, 36 + i * 8));
  return h;
}

export function buildShapefile(type: number, shapes: ShpShape[]): { shp: Buffer; shx: Buffer } {
  const contents = shapes.map((s) => recordContent(type, s));
  const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const s of shapes) {
    if (!s) continue;
    const pts = 'point' in s ? [s.point] : 'points' in s ? s.points : s.parts.flat();
    for (const [x, y] of pts) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      bbox[0] = Math.min(bbox[0], x);
      bbox[1] = Math.min(bbox[1], y);
      bbox[2] = Math.max(bbox[2], x);
      bbox[3] = Math.max(bbox[3], y);
    }
  }
  if (bbox[0] > bbox[2]) bbox.fill(0);
  const shpLength = 100 + contents.reduce((n, c) => n + 8 + c.length, 0);
  const shp = Buffer.alloc(shpLength);
  const shx = Buffer.alloc(100 + contents.length * 8);
  header(type, shpLength, bbox).copy(shp, 0);
  header(type, shx.length, bbox).copy(shx, 0);
  let at = 100;
  contents.forEach((c, i) => {
    shx.writeInt32BE(at / 2, 100 + i * 8);
    shx.writeInt32BE(c.length / 2, 104 + i * 8);
    shp.writeInt32BE(i + 1, at);
    shp.writeInt32BE(c.length / 2, at + 4);
    c.copy(shp, at + 8);
    at += 8 + c.length;
  });
  return { shp, shx };
}
