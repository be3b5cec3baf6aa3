// dBASE III attribute tables for Shapefiles, UTF-8 (declared by the .cpg beside it). Fixed-width records: text is
// cut at a character boundary if a value grew past the width measured beforehand, numbers are right-aligned.
import type { AttributeType } from '../catalog/attributes.ts';
import type { SpoolFile } from './spool-file.ts';

export interface DbfField {
  name: string;
  type: 'C' | 'N' | 'L' | 'D';
  length: number;
  decimals: number;
}

/**
 * The DBF field for an attribute type. Text and whole-number widths come from the longest value (text: 1 to 254
 * bytes; numbers: as wide as needed, so readers such as GDAL see integers, not reals, when they fit).
 */
export function dbfField(name: string, type: AttributeType, longest: number): DbfField {
  switch (type) {
    case 'text':
      return { name, type: 'C', length: Math.min(254, Math.max(1, longest)), decimals: 0 };
    case 'integer':
      return { name, type: 'N', length: Math.min(20, Math.max(1, longest)), decimals: 0 };
    case 'number':
      return { name, type: 'N', length: 24, decimals: 15 };
    case 'boolean':
      return { name, type: 'L', length: 1, decimals: 0 };
    case 'date':
      return { name, type: 'D', length: 8, decimals: 0 };
    case 'datetime':
      return { name, type: 'C', length: 32, decimals: 0 };
  }
}

/** UTF-8 bytes of `text`, at most `max`, never splitting a character. */
function utf8Prefix(text: string, max: number): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return b;
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

function formatNumber(value: string, field: DbfField): string {
  if (field.decimals === 0) return value.length <= field.length ? value : '';
  const n = Number(value);
  if (!Number.isFinite(n)) return '';
  for (let d = field.decimals; d >= 0; d--) {
    const s = n.toFixed(d);
    if (s.length <= field.length) return s;
  }
  const e = n.toExponential(field.length - 8);
  return e.length <= field.length ? e : '';
}

export class DbfWriter {
  readonly #recordLength: number;
  #count = 0;
  /** Values that did not fit their field (changed since the widths were measured): cut text, blank numbers. */
  truncated = 0;

  constructor(private readonly file: SpoolFile, readonly fields: DbfField[]) {
    this.#recordLength = 1 + fields.reduce((s, f) => s + f.length, 0);
  }

  get headerLength(): number {
    return 32 + 32 * this.fields.length + 1;
  }

  async start(): Promise<void> {
    await this.file.append(this.#header());
  }

  #header(): Buffer {
    const h = Buffer.alloc(this.headerLength);
    const now = new Date();
    h[0] = 0x03;
    h[1] = now.getUTCFullYear() - 1900;
    h[2] = now.getUTCMonth() + 1;
    h[3] = now.getUTCDate();
    h.writeUInt32LE(this.#count, 4);
    h.writeUInt16LE(this.headerLength, 8);
    h.writeUInt16LE(this.#recordLength, 10);
    this.fields.forEach((f, i) => {
      const o = 32 + 32 * i;
      h.write(f.name.toUpperCase(), o, 10, 'ascii');
      h.write(f.type, o + 11, 1, 'ascii');
      h[o + 16] = f.length;
      h[o + 17] = f.decimals;
    });
    h[this.headerLength - 1] = 0x0d;
    return h;
  }

  async add(values: (string | null)[]): Promise<void> {
    const r = Buffer.alloc(this.#recordLength, 0x20);
    let o = 1;
    this.fields.forEach((f, i) => {
      const v = values[i] ?? null;
      if (v !== null) {
        if (f.type === 'C') {
          const bytes = utf8Prefix(v, f.length);
          if (bytes.length < Buffer.byteLength(v, 'utf8')) this.truncated++;
          bytes.copy(r, o);
        } else if (f.type === 'N') {
          const s = formatNumber(v, f);
          if (s === '') this.truncated++;
          r.write(s, o + f.length - s.length, 'ascii');
        } else if (f.type === 'L') {
          r.write(v === 'true' ? 'T' : 'F', o, 'ascii');
        } else if (f.type === 'D') {
          r.write(v.replace(/-/g, '').slice(0, 8), o, 'ascii');
        }
      } else if (f.type === 'L') {
        r.write('?', o, 'ascii');
      }
      o += f.length;
    });
    this.#count++;
    await this.file.append(r);
  }

  async finish(): Promise<void> {
    await this.file.append(Buffer.from([0x1a]));
    await this.file.patch(0, this.#header());
  }
}
