// ISO WKB, 2D, little-endian: what the readers hand to the pipeline (COPY takes it as hex, PostGIS parses it in C).
// The Shapefile reader writes WKB straight from .shp bytes (shp-geometry.ts); this module encodes GeoJSON geometry
// and decodes WKB back to GeoJSON for previews and tests.
import type { Geometry, Position } from 'geojson';

export const WkbType = {
  Point: 1,
  LineString: 2,
  Polygon: 3,
  MultiPoint: 4,
  MultiLineString: 5,
  MultiPolygon: 6,
  GeometryCollection: 7,
} as const;

/** A growable little-endian buffer; callers that know the exact size up front skip it. */
export class WkbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  header(type: number): void {
    this.ensure(5);
    this.buf[this.pos] = 1;
    this.buf.writeUInt32LE(type, this.pos + 1);
    this.pos += 5;
  }

  count(n: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4;
  }

  xy(x: number, y: number): void {
    this.ensure(16);
    this.buf.writeDoubleLE(x, this.pos);
    this.buf.writeDoubleLE(y, this.pos + 8);
    this.pos += 16;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

export function pointWkb(x: number, y: number): Buffer {
  const b = Buffer.allocUnsafe(21);
  b[0] = 1;
  b.writeUInt32LE(WkbType.Point, 1);
  b.writeDoubleLE(x, 5);
  b.writeDoubleLE(y, 13);
  return b;
}

/**
 * GeoJSON geometry → 2D WKB (a third coordinate and beyond are dropped). The geometry must already be checked
 * (geojson-reader.ts does): positions of at least two finite numbers.
 */
export function geometryToWkb(geometry: Geometry, swapXY = false): Buffer {
  const w = new WkbWriter();
  writeGeometry(w, geometry, swapXY);
  return w.finish();
}

function writePositions(w: WkbWriter, positions: Position[], swap: boolean): void {
  w.count(positions.length);
  for (const p of positions) {
    if (swap) w.xy(p[1] as number, p[0] as number);
    else w.xy(p[0] as number, p[1] as number);
  }
}

function writeGeometry(w: WkbWriter, g: Geometry, swap: boolean): void {
  switch (g.type) {
    case 'Point':
      w.header(WkbType.Point);
      if (swap) w.xy(g.coordinates[1] as number, g.coordinates[0] as number);
      else w.xy(g.coordinates[0] as number, g.coordinates[1] as number);
      return;
    case 'LineString':
      w.header(WkbType.LineString);
      writePositions(w, g.coordinates, swap);
      return;
    case 'Polygon':
      w.header(WkbType.Polygon);
      w.count(g.coordinates.length);
      for (const ring of g.coordinates) writePositions(w, ring, swap);
      return;
    case 'MultiPoint':
      w.header(WkbType.MultiPoint);
      w.count(g.coordinates.length);
      for (const p of g.coordinates) writeGeometry(w, { type: 'Point', coordinates: p }, swap);
      return;
    case 'MultiLineString':
      w.header(WkbType.MultiLineString);
      w.count(g.coordinates.length);
      for (const l of g.coordinates) writeGeometry(w, { type: 'LineString', coordinates: l }, swap);
      return;
    case 'MultiPolygon':
      w.header(WkbType.MultiPolygon);
      w.count(g.coordinates.length);
      for (const p of g.coordinates) writeGeometry(w, { type: 'Polygon', coordinates: p }, swap);
      return;
    case 'GeometryCollection':
      w.header(WkbType.GeometryCollection);
      w.count(g.geometries.length);
      for (const m of g.geometries) writeGeometry(w, m, swap);
      return;
  }
}

export class WkbDecodeError extends Error {}

/** WKB (ISO or EWKB, either byte order, Z/M dropped) → GeoJSON geometry. */
export function wkbToGeometry(wkb: Buffer): Geometry {
  const r = { pos: 0 };
  const g = readGeometry(wkb, r, 0);
  if (r.pos !== wkb.length) throw new WkbDecodeError(`${wkb.length - r.pos} bytes left after the geometry`);
  return g;
}

function readGeometry(b: Buffer, r: { pos: number }, depth: number): Geometry {
  if (depth > 32) throw new WkbDecodeError('geometry nested too deeply');
  if (r.pos + 5 > b.length) throw new WkbDecodeError('truncated WKB');
  const le = b[r.pos] === 1;
  if (!le && b[r.pos] !== 0) throw new WkbDecodeError(`bad byte order mark ${b[r.pos]}`);
  const u32 = () => {
    if (r.pos + 4 > b.length) throw new WkbDecodeError('truncated WKB');
    const v = le ? b.readUInt32LE(r.pos) : b.readUInt32BE(r.pos);
    r.pos += 4;
    return v;
  };
  const f64 = () => {
    if (r.pos + 8 > b.length) throw new WkbDecodeError('truncated WKB');
    const v = le ? b.readDoubleLE(r.pos) : b.readDoubleBE(r.pos);
    r.pos += 8;
    return v;
  };
  r.pos += 1;
  let type = u32();
  let dims = 2;
  // EWKB flags (Z 0x80000000, M 0x40000000, SRID 0x20000000), then ISO's 1000/2000/3000 offsets.
  if (type & 0x20000000) u32();
  if (type & 0x80000000) dims++;
  if (type & 0x40000000) dims++;
  type &= 0x0fffffff;
  if (type >= 1000) {
    const iso = Math.floor(type / 1000);
    dims += iso === 3 ? 2 : 1;
    type %= 1000;
  }
  const position = (): Position => {
    const x = f64();
    const y = f64();
    for (let i = 2; i < dims; i++) f64();
    return [x, y];
  };
  const positions = (): Position[] => {
    const n = u32();
    if (n * dims * 8 > b.length - r.pos) throw new WkbDecodeError('truncated WKB');
    const out: Position[] = [];
    for (let i = 0; i < n; i++) out.push(position());
    return out;
  };
  const members = <T extends Geometry>(expected: number): T[] => {
    const n = u32();
    if (n * 5 > b.length - r.pos) throw new WkbDecodeError('truncated WKB');
    const out: T[] = [];
    for (let i = 0; i < n; i++) {
      const g = readGeometry(b, r, depth + 1);
      if (expected && typeNumber(g) !== expected) throw new WkbDecodeError(`unexpected ${g.type} in a multi-geometry`);
      out.push(g as T);
    }
    return out;
  };
  switch (type) {
    case WkbType.Point: {
      const p = position();
      // WKB has no empty point; NaN coordinates are how PostGIS writes POINT EMPTY.
      return Number.isNaN(p[0]) && Number.isNaN(p[1]) ? { type: 'MultiPoint', coordinates: [] } : { type: 'Point', coordinates: p };
    }
    case WkbType.LineString:
      return { type: 'LineString', coordinates: positions() };
    case WkbType.Polygon: {
      const n = u32();
      const rings: Position[][] = [];
      for (let i = 0; i < n; i++) rings.push(positions());
      return { type: 'Polygon', coordinates: rings };
    }
    case WkbType.MultiPoint:
      return { type: 'MultiPoint', coordinates: members<GeoJSON.Point>(WkbType.Point).map((p) => p.coordinates) };
    case WkbType.MultiLineString:
      return { type: 'MultiLineString', coordinates: members<GeoJSON.LineString>(WkbType.LineString).map((l) => l.coordinates) };
    case WkbType.MultiPolygon:
      return { type: 'MultiPolygon', coordinates: members<GeoJSON.Polygon>(WkbType.Polygon).map((p) => p.coordinates) };
    case WkbType.GeometryCollection:
      return { type: 'GeometryCollection', geometries: members<Geometry>(0) };
    default:
      throw new WkbDecodeError(`unsupported WKB geometry type ${type}`);
  }
}

function typeNumber(g: Geometry): number {
  return WkbType[g.type];
}
