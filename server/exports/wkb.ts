// Well-known binary (as PostGIS writes it) → parts of positions, for the Shapefile writer. 2D only; either byte order.
export interface ParsedGeometry {
  /** 1 point, 2 line, 3 polygon, 4–6 their multi forms. */
  type: number;
  /** Points: one part of one position; lines: one part per line; polygons: one part per ring, all polygons in order. */
  parts: Float64Array[];
}

export function parseWkb(buf: Buffer): ParsedGeometry {
  let pos = 0;
  let little = true;
  const u32 = () => {
    const v = little ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
    pos += 4;
    return v;
  };
  const coords = (n: number): Float64Array => {
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n * 2; i++) {
      out[i] = little ? buf.readDoubleLE(pos) : buf.readDoubleBE(pos);
      pos += 8;
    }
    return out;
  };
  const header = (): number => {
    little = buf[pos] === 1;
    pos += 1;
    const type = u32();
    // EWKB flags or ISO Z/M codes would mean more than two ordinates per position: not written by our tables.
    if (type > 7) throw new Error(`WKB geometry type ${type} is not 2D`);
    return type;
  };
  const parts: Float64Array[] = [];
  const read = (type: number) => {
    switch (type) {
      case 1:
        parts.push(coords(1));
        return;
      case 2:
        parts.push(coords(u32()));
        return;
      case 3: {
        const rings = u32();
        for (let r = 0; r < rings; r++) parts.push(coords(u32()));
        return;
      }
      case 4:
      case 5:
      case 6: {
        const n = u32();
        for (let i = 0; i < n; i++) read(header());
        return;
      }
      default:
        throw new Error(`WKB geometry type ${type} is not supported here`);
    }
  };
  const type = header();
  read(type);
  return { type, parts };
}
