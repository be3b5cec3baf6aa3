// dBASE III+ tables as Shapefiles carry them: a header with field descriptors, then fixed-width records of text.
// Field types C (text), N and F (numbers), L (logical) and D (date) are read; M (memo, whose text lives in a .dbt
// the Shapefile does not ship) and other types are text with a dataset problem.
import type { FileHandle } from 'node:fs/promises';
import type { FieldInfo, FileProblem, SourceFeature } from './source.ts';
import { ImportFileError } from './source.ts';
import type { TextDecoder } from './encoding.ts';
import { proposeAttributeNames } from './field-names.ts';
import { SequentialReader } from './sequential-reader.ts';

export interface DbfField {
  /** Raw name bytes (up to the first NUL): decoded once the encoding is known. */
  nameBytes: Buffer;
  type: string;
  length: number;
  decimals: number;
  /** Offset in the record (after the deletion flag). */
  offset: number;
}

export interface DbfHeader {
  version: number;
  recordCount: number;
  headerLength: number;
  recordLength: number;
  fields: DbfField[];
  fileSize: number;
}

/** Most integer columns are N with no decimals; beyond 15 digits a double no longer holds every value exactly. */
const MAX_SAFE_INTEGER_DIGITS = 15;

export async function readDbfHeader(fh: FileHandle, fileSize: number, fileName: string): Promise<DbfHeader> {
  const corrupt = (why: string) => new ImportFileError('dbf_corrupt', `${fileName} is not a readable dBASE table: ${why}.`);
  if (fileSize < 33) throw corrupt(`it has only ${fileSize} bytes`);
  const head = Buffer.alloc(32);
  await fh.read(head, 0, 32, 0);
  const version = head[0] as number;
  if ((version & 0x07) === 0x04) throw corrupt('it is a dBASE 7 table, which Shapefiles do not use');
  const recordCount = head.readUInt32LE(4);
  const headerLength = head.readUInt16LE(8);
  const recordLength = head.readUInt16LE(10);
  if (headerLength < 33 || headerLength > fileSize) throw corrupt(`its header length ${headerLength} is impossible`);
  const desc = Buffer.alloc(headerLength - 32);
  await fh.read(desc, 0, desc.length, 32);
  const fields: DbfField[] = [];
  let offset = 1;
  let at = 0;
  for (; at + 32 <= desc.length && desc[at] !== 0x0d; at += 32) {
    let nameEnd = at;
    while (nameEnd < at + 11 && desc[nameEnd] !== 0) nameEnd++;
    const type = String.fromCharCode(desc[at + 11] as number).toUpperCase();
    let length = desc[at + 16] as number;
    const decimals = desc[at + 17] as number;
    // Clipper and FoxPro store character lengths above 255 with the decimals byte as the high byte.
    if (type === 'C' && decimals > 0) length += decimals * 256;
    fields.push({ nameBytes: Buffer.from(desc.subarray(at, nameEnd)), type, length, decimals: type === 'C' ? 0 : decimals, offset });
    offset += length;
  }
  if (desc[at] !== 0x0d && at < desc.length) throw corrupt('its field list has no terminator');
  if (offset > recordLength) throw corrupt(`its fields need ${offset} bytes per record but records are ${recordLength} bytes`);
  const needed = headerLength + recordCount * recordLength;
  if (fileSize < needed) {
    const whole = Math.max(0, Math.floor((fileSize - headerLength) / Math.max(1, recordLength)));
    throw new ImportFileError('dbf_truncated',
      `${fileName} is cut short: its header announces ${recordCount} records but the file holds only ${whole}.`,
      { declared: recordCount, found: whole });
  }
  return { version, recordCount, headerLength, recordLength, fields, fileSize };
}

export type PropertyValue = string | number | boolean | null;

const enum Kind {
  Text,
  Number,
  Logical,
  Date,
  Memo,
}

/** How each field's bytes become a property value; one switch instead of a closure per field keeps calls monomorphic. */
export interface FieldReader {
  info: FieldInfo;
  kind: Kind;
  from: number;
  to: number;
}

function trimBytes(b: Buffer, start: number, end: number): [number, number] {
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  while (start < end && b[start] === 0x20) start++;
  return [start, end];
}

const ISO_DATE = (y: number, m: number, d: number) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A DBF number straight from its bytes. Up to 15 significant digits and 22 decimals, digits / 10^decimals is one
 * IEEE division of two exact values, so it is the correctly rounded result Number(text) gives (Clinger's fast path);
 * anything else (exponents, more digits, commas) goes through Number(text). NaN when it is not a number.
 */
function parseNumber(b: Buffer, s: number, e: number): number {
  let i = s;
  let negative = false;
  if (b[i] === 0x2d) {
    negative = true;
    i++;
  } else if (b[i] === 0x2b) i++;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < e; i++) {
    const c = b[i] as number;
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      if (mantissa !== 0) digits++;
      if (decimals >= 0) decimals++;
    } else if (c === 0x2e && decimals < 0) decimals = 0;
    else break;
  }
  if (i === e && digits <= 15 && decimals <= 22 && i > s + (negative ? 1 : 0) + (decimals === 0 ? 1 : 0)) {
    const v = decimals > 0 ? mantissa / (POWERS_OF_TEN[decimals] as number) : mantissa;
    return negative ? -v : v;
  }
  const text = b.toString('latin1', s, e);
  const v = Number(text);
  return Number.isNaN(v) ? Number(text.replace(',', '.')) : v;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** yyyymmdd → 'yyyy-mm-dd'; DBF dates repeat a lot, so the strings are kept. */
const dateStrings = new Map<number, string>();

function readDate(rec: Buffer, s: number, e: number): string | null | undefined {
  if (e - s !== 8) return undefined;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = (rec[i] as number) - 0x30;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  if (n === 0) return null;
  const cached = dateStrings.get(n);
  if (cached) return cached;
  const y = Math.floor(n / 10_000);
  const m = Math.floor(n / 100) % 100;
  const d = n % 100;
  if (m < 1 || m > 12 || d < 1 || d > (DAYS_IN_MONTH[m - 1] as number) || (m === 2 && d === 29 && !ISO_DATE(y, m, d))) return undefined;
  const text = rec.toString('latin1', s, e);
  const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}`;
  if (dateStrings.size < 100_000) dateStrings.set(n, iso);
  return iso;
}

function readValue(r: FieldReader, rec: Buffer, start: number, problems: FileProblem[], decode: TextDecoder): PropertyValue {
  if (r.kind === Kind.Logical) {
    const c = rec[start + r.from];
    if (c === 0x59 || c === 0x79 || c === 0x54 || c === 0x74) return true; // Y y T t
    if (c === 0x4e || c === 0x6e || c === 0x46 || c === 0x66) return false; // N n F f
    if (c === 0x3f || c === 0x20 || c === 0 || c === undefined) return null; // ? or blank: unknown
    problems.push({ code: 'bad_logical', message: `${r.info.sourceName}: "${String.fromCharCode(c)}" is not a logical value; left empty.` });
    return null;
  }
  if (r.kind === Kind.Memo) return null;
  let s = start + r.from;
  let e = start + r.to;
  while (e > s && (rec[e - 1] === 0x20 || rec[e - 1] === 0)) e--;
  while (s < e && rec[s] === 0x20) s++;
  if (s === e) return null;
  switch (r.kind) {
    case Kind.Number: {
      // Shapelib (and so GDAL and QGIS) writes a null number as a run of '*'.
      if (rec[s] === 0x2a /* '*' */) return null;
      const v = parseNumber(rec, s, e);
      if (!Number.isFinite(v)) {
        problems.push({ code: 'bad_number', message: `${r.info.sourceName}: "${rec.toString('latin1', s, e).slice(0, 40)}" is not a number; left empty.` });
        return null;
      }
      return v;
    }
    case Kind.Date: {
      const v = readDate(rec, s, e);
      if (v === undefined) {
        problems.push({ code: 'bad_date', message: `${r.info.sourceName}: "${rec.toString('latin1', s, e).slice(0, 20)}" is not a date (YYYYMMDD); left empty.` });
        return null;
      }
      return v;
    }
    default:
      return decode(rec, s, e);
  }
}

export interface DbfSchema {
  fields: FieldInfo[];
  problems: FileProblem[];
  readers: FieldReader[];
}

/** Field infos (names proposed from the decoded DBF names) and value readers. */
export function dbfSchema(header: DbfHeader, decodeNames: TextDecoder, fileName: string): DbfSchema {
  const sourceNames = header.fields.map((f) => decodeNames(f.nameBytes, 0, f.nameBytes.length).trim());
  const names = proposeAttributeNames(sourceNames);
  const problems: FileProblem[] = [];
  const fields: FieldInfo[] = header.fields.map((f, i) => {
    const base = { name: names[i] as string, sourceName: sourceNames[i] as string };
    switch (f.type) {
      case 'C':
        return { ...base, type: 'text', length: f.length };
      case 'N':
        return f.decimals === 0 && f.length <= MAX_SAFE_INTEGER_DIGITS ? { ...base, type: 'integer' } : { ...base, type: 'number' };
      case 'F':
        return { ...base, type: 'number' };
      case 'L':
        return { ...base, type: 'boolean' };
      case 'D':
        return { ...base, type: 'date' };
      case 'M':
        problems.push({ code: 'memo_field', message: `Field ${base.sourceName} in ${fileName} is a memo field (type M): its text lives in a separate .dbt file that Shapefiles do not carry, so it is left empty.` });
        return { ...base, type: 'text' };
      default:
        problems.push({ code: 'unusual_field_type', message: `Field ${base.sourceName} in ${fileName} has DBF type '${f.type}', which is not a standard dBASE type; it is read as text.` });
        return { ...base, type: 'text', length: f.length };
    }
  });
  return {
    fields,
    problems,
    readers: header.fields.map((f, i) => fieldReader(f, fields[i] as FieldInfo)),
  };
}

function fieldReader(f: DbfField, info: FieldInfo): FieldReader {
  const kind = f.type === 'N' || f.type === 'F' ? Kind.Number : f.type === 'L' ? Kind.Logical : f.type === 'D' ? Kind.Date
    : f.type === 'M' ? Kind.Memo : Kind.Text;
  return { info, kind, from: f.offset, to: f.offset + f.length };
}

/** A record marked deleted (first byte '*') is still read; the pipeline decides, the problem says so. */
export const DELETED_PROBLEM: FileProblem = {
  code: 'dbf_deleted',
  message: 'The record is marked as deleted in the .dbf (a program deleted it without packing the table).',
};

export function readProperties(readers: FieldReader[], rec: Buffer, start: number, problems: FileProblem[], decode: TextDecoder): SourceFeature['properties'] {
  const props: SourceFeature['properties'] = {};
  for (let i = 0; i < readers.length; i++) {
    const r = readers[i] as FieldReader;
    props[r.info.name] = readValue(r, rec, start, problems, decode);
  }
  return props;
}

export interface TextSample {
  /** Distinct values (and field names) that are not plain ASCII, as raw bytes. */
  samples: Buffer[];
}

// Each sample is decoded and scored in every candidate encoding (encoding.ts): 20 000 of them took 1.8 s of CPU
// before a 500 000-row import could start (measured), while a few thousand distinct values already decide.
const MAX_SAMPLES = 4_000;
const MAX_SAMPLE_BYTES = 8 << 20;

/**
 * The raw bytes of text values for encoding detection: the table is scanned from the start (sequentially, so this
 * costs what reading it costs) until MAX_SAMPLES distinct non-ASCII values are found, or to its end.
 */
export async function sampleDbfText(fh: FileHandle, header: DbfHeader): Promise<TextSample> {
  const textFields = header.fields.filter((f) => f.type !== 'N' && f.type !== 'F' && f.type !== 'L' && f.type !== 'D' && f.type !== 'M');
  const seen = new Map<string, Buffer>();
  let bytes = 0;
  const consider = (b: Buffer, s: number, e: number) => {
    let plain = true;
    for (let i = s; i < e; i++) {
      const c = b[i] as number;
      if (c >= 0x80 || c < 0x20) {
        plain = false;
        break;
      }
    }
    if (plain || seen.size >= MAX_SAMPLES || bytes >= MAX_SAMPLE_BYTES) return;
    const key = b.toString('latin1', s, e);
    if (!seen.has(key)) {
      seen.set(key, Buffer.from(b.subarray(s, e)));
      bytes += e - s;
    }
  };
  for (const f of header.fields) consider(f.nameBytes, 0, f.nameBytes.length);
  if (textFields.length > 0 && header.recordCount > 0) {
    const reader = new SequentialReader(fh, header.headerLength, header.headerLength + header.recordCount * header.recordLength);
    for (let i = 0; i < header.recordCount; i++) {
      if (reader.buffered() < header.recordLength && !(await reader.fill(header.recordLength))) break;
      const start = reader.pos;
      for (const f of textFields) {
        const [s, e] = trimBytes(reader.buf, start + f.offset, start + f.offset + f.length);
        if (s < e) consider(reader.buf, s, e);
      }
      reader.skip(header.recordLength);
      if (seen.size >= MAX_SAMPLES || bytes >= MAX_SAMPLE_BYTES) break;
    }
  }
  return { samples: [...seen.values()] };
}
