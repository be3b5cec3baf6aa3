// A last look at each WKB before it is copied into staging. PostGIS would take NaN coordinates (and then fail
// the whole statement when reprojecting them) and a malformed WKB would fail the whole COPY: both become a
// problem of that one feature instead.

export type WkbVerdict = { ok: true } | { ok: false; code: 'non_finite_coordinates' | 'malformed_geometry'; message: string };

const MAX_DEPTH = 8;

/** Thrown to stop the walk (never escapes checkWkb). */
class Stop extends Error {
  constructor(readonly nonFinite: boolean, message: string) {
    super(message);
  }
}

const OK: WkbVerdict = Object.freeze({ ok: true });

// Plain methods on one walker per call, no closures: this runs for every feature of an import (a closure per
// geometry made it the largest cost of encoding a point for COPY).
class Walker {
  pos = 0;
  private little = true;
  private dims = 2;

  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Stop(false, 'truncated');
  }

  private u32(): number {
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  private points(n: number): void {
    const count = n * this.dims;
    this.need(count * 8);
    const buf = this.buf;
    for (let i = 0, pos = this.pos; i < count; i++, pos += 8) {
      const v = this.little ? buf.readDoubleLE(pos) : buf.readDoubleBE(pos);
      // GDAL reads a NaN point as an empty point; here it is what it is: a coordinate that is not a number.
      if (!Number.isFinite(v)) throw new Stop(true, 'non-finite coordinate');
    }
    this.pos += count * 8;
  }

  geometry(depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop(false, 'nested too deeply');
    this.need(5);
    const order = this.buf[this.pos];
    if (order !== 1 && order !== 0) throw new Stop(false, 'bad byte order');
    this.little = order === 1;
    const rawType = this.little ? this.buf.readUInt32LE(this.pos + 1) : this.buf.readUInt32BE(this.pos + 1);
    this.pos += 5;
    // ISO WKB: 1000s add Z, 2000s M, 3000s ZM; EWKB flags in the high bits.
    let type = rawType & 0x0fffffff;
    let dims = 2;
    if (rawType & 0x80000000) dims++;
    if (rawType & 0x40000000) dims++;
    if (rawType & 0x20000000) this.pos += 4;
    if (type > 1000) {
      const iso = Math.floor(type / 1000);
      dims = iso === 3 ? 4 : 3;
      type %= 1000;
    }
    this.dims = dims;
    switch (type) {
      case 1: this.points(1); break;
      case 2: this.points(this.u32()); break;
      case 3: for (let r = this.u32(); r > 0; r--) this.points(this.u32()); break;
      case 4: case 5: case 6: case 7:
        for (let n = this.u32(); n > 0; n--) this.geometry(depth + 1);
        break;
      default:
        throw new Stop(false, `unknown geometry type ${type}`);
    }
  }
}

export function checkWkb(wkb: Buffer): WkbVerdict {
  const w = new Walker(wkb);
  try {
    w.geometry(0);
    if (w.pos !== wkb.length) throw new Stop(false, 'trailing bytes');
    return OK;
  } catch (err) {
    if (err instanceof Stop && err.nonFinite) return { ok: false, code: 'non_finite_coordinates', message: 'A coordinate is NaN or infinite.' };
    return { ok: false, code: 'malformed_geometry', message: `The geometry could not be read (${(err as Error).message}).` };
  }
}
