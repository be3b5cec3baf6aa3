// Writes small (and large) Shapefiles and zips for the import tests and the benchmark: exact bytes, so a test can
// also break them on purpose (truncate the .shp, drop a .dbf record, lie in the .shx).
import { crc32, deflateRawSync } from 'node:zlib';

export type Ring = [number, number][];
export type ShapeGeometry =
  | { type: 'point'; coordinates: [number, number] }
  | { type: 'polygon'; rings: Ring[] }
  | { type: 'null' };

export interface DbfField {
  name: string;
  type: 'C' | 'N' | 'L' | 'D';
  length: number;
  decimals?: number;
}

export interface ShapefileRecord {
  geometry: ShapeGeometry;
  /** Values by field name: strings are encoded with `encode`, numbers formatted, booleans as T/F. */
  values: Record<string, string | number | boolean | null>;
}

export interface ShapefileParts {
  shp: Buffer;
  shx: Buffer;
  dbf: Buffer;
}

const SHAPE_CODE = { point: 1, polygon: 5 } as const;

function recordContent(g: ShapeGeometry): Buffer {
  if (g.type === 'null') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(0, 0);
    return b;
  }
  if (g.type === 'point') {
    const b = Buffer.alloc(20);
    b.writeInt32LE(1, 0);
    b.writeDoubleLE(g.coordinates[0], 4);
    b.writeDoubleLE(g.coordinates[1], 12);
    return b;
  }
  const points = g.rings.reduce((n, r) => n + r.length, 0);
  const b = Buffer.alloc(44 + 4 * g.rings.length + 16 * points);
  const xs = g.rings.flat().map((p) => p[0]);
  const ys = g.rings.flat().map((p) => p[1]);
  b.writeInt32LE(5, 0);
  b.writeDoubleLE(Math.min(...xs), 4);
  b.writeDoubleLE(Math.min(...ys), 12);
  b.writeDoubleLE(Math.max(...xs), 20);
  b.writeDoubleLE(Math.max(...ys), 28);
  b.writeInt32LE(g.rings.length, 36);
  b.writeInt32LE(points, 40);
  let off = 44;
  let start = 0;
  for (const r of g.rings) {
    b.writeInt32LE(start, off);
    off += 4;
    start += r.length;
  }
  for (const [x, y] of g.rings.flat()) {
    b.writeDoubleLE(x, off);
    b.writeDoubleLE(y, off + 8);
    off += 16;
  }
  return b;
}

function header(fileCode: number, lengthBytes: number, shapeType: number, bbox: number[]): Buffer {
  const h = Buffer.alloc(100);
  h.writeInt32BE(fileCode, 0);
  h.writeInt32BE(lengthBytes / 2, 24);
  h.writeInt32LE(1000, 28);
  h.writeInt32LE(shapeType, 32);
  for (let i = 0; i < 4; i++) h.writeDoubleLE(bbox[i] ?? 0, 36 + i * 8);
  return h;
}

export function dbfBytes(fields: DbfField[], records: ShapefileRecord['values'][], encode: (s: string) => Buffer): Buffer {
  const recordLength = 1 + fields.reduce((n, f) => n + f.length, 0);
  const headerLength = 32 + 32 * fields.length + 1;
  const b = Buffer.alloc(headerLength + recordLength * records.length + 1, 0x20);
  b.fill(0, 0, headerLength);
  b.writeUInt8(3, 0);
  b.writeUInt8(124, 1);
  b.writeUInt8(1, 2);
  b.writeUInt8(1, 3);
  b.writeUInt32LE(records.length, 4);
  b.writeUInt16LE(headerLength, 8);
  b.writeUInt16LE(recordLength, 10);
  fields.forEach((f, i) => {
    const o = 32 + 32 * i;
    b.write(f.name.slice(0, 10), o, 'ascii');
    b.write(f.type, o + 11, 'ascii');
    b.writeUInt8(f.length, o + 16);
    b.writeUInt8(f.decimals ?? 0, o + 17);
  });
  b.writeUInt8(0x0d, headerLength - 1);
  let off = headerLength;
  for (const values of records) {
    b.writeUInt8(0x20, off);
    let p = off + 1;
    for (const f of fields) {
      const v = values[f.name];
      let bytes: Buffer;
      if (v === null || v === undefined) bytes = Buffer.alloc(0);
      else if (f.type === 'C') bytes = encode(String(v));
      else if (f.type === 'L') bytes = Buffer.from(v ? 'T' : 'F');
      else if (f.type === 'N') bytes = Buffer.from(typeof v === 'number' ? v.toFixed(f.decimals ?? 0).padStart(f.length) : String(v).padStart(f.length));
      else bytes = Buffer.from(String(v));
      bytes.copy(b, p, 0, Math.min(bytes.length, f.length));
      p += f.length;
    }
    off += recordLength;
  }
  b.writeUInt8(0x1a, off);
  return b;
}

export function shapefileBytes(
  shapeType: 'point' | 'polygon', fields: DbfField[], records: ShapefileRecord[], encode: (s: string) => Buffer = (s) => Buffer.from(s, 'utf8'),
): ShapefileParts {
  const contents = records.map((r) => recordContent(r.geometry));
  const shpLength = 100 + contents.reduce((n, c) => n + 8 + c.length, 0);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const r of records) {
    if (r.geometry.type === 'point') { xs.push(r.geometry.coordinates[0]); ys.push(r.geometry.coordinates[1]); }
    if (r.geometry.type === 'polygon') for (const [x, y] of r.geometry.rings.flat()) { xs.push(x); ys.push(y); }
  }
  let minX = Infinity; let minY = Infinity; let maxX = -Infinity; let maxY = -Infinity;
  for (const x of xs) { if (x < minX) minX = x; if (x > maxX) maxX = x; }
  for (const y of ys) { if (y < minY) minY = y; if (y > maxY) maxY = y; }
  const bbox = xs.length ? [minX, minY, maxX, maxY] : [0, 0, 0, 0];
  const shp = Buffer.alloc(shpLength);
  header(9994, shpLength, SHAPE_CODE[shapeType], bbox).copy(shp, 0);
  const shx = Buffer.alloc(100 + 8 * records.length);
  header(9994, shx.length, SHAPE_CODE[shapeType], bbox).copy(shx, 0);
  let off = 100;
  contents.forEach((c, i) => {
    shx.writeInt32BE(off / 2, 100 + 8 * i);
    shx.writeInt32BE(c.length / 2, 104 + 8 * i);
    shp.writeInt32BE(i + 1, off);
    shp.writeInt32BE(c.length / 2, off + 4);
    c.copy(shp, off + 8);
    off += 8 + c.length;
  });
  return { shp, shx, dbf: dbfBytes(fields, records.map((r) => r.values), encode) };
}

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** A zip (deflated entries) of the given files. */
export function zipBytes(entries: ZipEntry[], opts: { store?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = opts.store ? e.data : deflateRawSync(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(opts.store ? 0 : 8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(opts.store ? 0 : 8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The files of one Shapefile named `base`, zipped, with an optional .prj and .cpg. */
export function shapefileZip(base: string, parts: Partial<ShapefileParts>, extra: { prj?: string; cpg?: string; more?: ZipEntry[] } = {}): Buffer {
  const entries: ZipEntry[] = [];
  if (parts.shp) entries.push({ name: `${base}.shp`, data: parts.shp });
  if (parts.shx) entries.push({ name: `${base}.shx`, data: parts.shx });
  if (parts.dbf) entries.push({ name: `${base}.dbf`, data: parts.dbf });
  if (extra.prj) entries.push({ name: `${base}.prj`, data: Buffer.from(extra.prj) });
  if (extra.cpg) entries.push({ name: `${base}.cpg`, data: Buffer.from(extra.cpg) });
  entries.push(...(extra.more ?? []));
  return zipBytes(entries);
}

/** VN-2000 / TM-3 105°45′ as ESRI writes it: no EPSG code, no TOWGS84 (what agencies' files really carry). */
export const ESRI_PRJ_9210 = 'PROJCS["VN_2000_TM3_105_45",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';
