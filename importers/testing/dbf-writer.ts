// A dBASE III writer for tests and the benchmark: typed fields, text already encoded in any encoding (pass Buffers)
// or encoded by a function, deleted flags, and a record count that can lie.
export interface DbfFieldSpec {
  /** Up to 10 bytes; a Buffer for a name in a legacy encoding. */
  name: string | Buffer;
  type: string;
  length: number;
  decimals?: number;
}

export type DbfValue = string | number | boolean | Buffer | null;

export interface DbfOptions {
  /** Encodes string values of C fields (default UTF-8). */
  encodeText?: (s: string) => Buffer;
  deleted?: Iterable<number>;
  /** Written in the header instead of the real count. */
  declaredRecordCount?: number;
}

export function dbfFieldBytes(f: DbfFieldSpec, v: DbfValue, encodeText: (s: string) => Buffer): Buffer {
  const out = Buffer.alloc(f.length, 0x20);
  if (v === null) return out;
  if (Buffer.isBuffer(v)) {
    v.copy(out, 0, 0, Math.min(v.length, f.length));
    return out;
  }
  if (f.type === 'N' || f.type === 'F') {
    const s = typeof v === 'number' ? v.toFixed(f.decimals ?? 0) : String(v);
    out.write(s.slice(0, f.length), Math.max(0, f.length - s.length), 'latin1');
    return out;
  }
  if (f.type === 'L') {
    out.write(typeof v === 'boolean' ? (v ? 'T' : 'F') : String(v), 0, 'latin1');
    return out;
  }
  const bytes = typeof v === 'string' && f.type === 'C' ? encodeText(v) : Buffer.from(String(v), 'latin1');
  bytes.copy(out, 0, 0, Math.min(bytes.length, f.length));
  return out;
}

export function buildDbf(fields: DbfFieldSpec[], records: DbfValue[][], opts: DbfOptions = {}): Buffer {
  const encodeText = opts.encodeText ?? ((s: string) => Buffer.from(s, 'utf8'));
  const deleted = new Set(opts.deleted ?? []);
  const headerLength = 32 + fields.length * 32 + 1;
  const recordLength = 1 + fields.reduce((n, f) => n + f.length, 0);
  const out = Buffer.alloc(headerLength + records.length * recordLength + 1, 0x20);
  out.fill(0, 0, headerLength);
  out[0] = 0x03;
  out[1] = 124;
  out[2] = 1;
  out[3] = 1;
  out.writeUInt32LE(opts.declaredRecordCount ?? records.length, 4);
  out.writeUInt16LE(headerLength, 8);
  out.writeUInt16LE(recordLength, 10);
  fields.forEach((f, i) => {
    const at = 32 + i * 32;
    const name = typeof f.name === 'string' ? Buffer.from(f.name, 'latin1') : f.name;
    name.copy(out, at, 0, Math.min(10, name.length));
    out[at + 11] = f.type.charCodeAt(0);
    out[at + 16] = f.length;
    out[at + 17] = f.decimals ?? 0;
  });
  out[headerLength - 1] = 0x0d;
  records.forEach((rec, r) => {
    let at = headerLength + r * recordLength;
    out[at++] = deleted.has(r) ? 0x2a : 0x20;
    fields.forEach((f, i) => {
      dbfFieldBytes(f, rec[i] ?? null, encodeText).copy(out, at);
      at += f.length;
    });
  });
  out[out.length - 1] = 0x1a;
  return out;
}
