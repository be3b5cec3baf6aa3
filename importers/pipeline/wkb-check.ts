// A last look at each WKB before it is copied into staging. PostGIS would take NaN coordinates (and then fail
// the whole statement when reprojecting them) and a malformed WKB would fail the whole COPY: both become a
// problem of that one feature instead.

export type WkbVerdict = { ok: true } | { ok: false; code: 'non_finite_coordinates' | 'malformed_geometry'; message: string };

const MAX_DEPTH = 8;

class Walker {
  constructor(private readonly buf: Buffer, public pos = 0) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('truncated');
  }

  geometry(depth: number): void {
    if (depth > MAX_DEPTH) throw new Error('nested too deeply');
    this.need(5);
    const little = this.buf[this.pos] === 1;
    if (!little && this.buf[this.pos] !== 0) throw new Error('bad byte order');
    const rawType = little ? this.buf.readUInt32LE(this.pos + 1) : this.buf.readUInt32BE(this.pos + 1);
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
    const u32 = () => {
      this.need(4);
      const v = little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    };
    const points = (n: number) => {
      this.need(n * dims * 8);
      for (let i = 0; i < n * dims; i++) {
        const v = little ? this.buf.readDoubleLE(this.pos) : this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        // GDAL reads a NaN point as an empty point; here it is what it is: a coordinate that is not a number.
        if (!Number.isFinite(v)) throw new NonFinite();
      }
    };
    switch (type) {
      case 1: points(1); break;
      case 2: points(u32()); break;
      case 3: for (let r = u32(); r > 0; r--) points(u32()); break;
      case 4: case 5: case 6: case 7:
        for (let n = u32(); n > 0; n--) this.geometry(depth + 1);
        break;
      default:
        throw new Error(`unknown geometry type ${type}`);
    }
  }
}

class NonFinite extends Error {}

export function checkWkb(wkb: Buffer): WkbVerdict {
  const w = new Walker(wkb);
  try {
    w.geometry(0);
    if (w.pos !== wkb.length) throw new Error('trailing bytes');
    return { ok: true };
  } catch (err) {
    if (err instanceof NonFinite) {
      return { ok: false, code: 'non_finite_coordinates', message: 'A coordinate is NaN or infinite.' };
    }
    return { ok: false, code: 'malformed_geometry', message: `The geometry could not be read (${(err as Error).message}).` };
  }
}
