// Streams a GeoJSON file without holding it in memory: a byte-level scanner follows the JSON structure of the root
// object and cuts out each element of its "features" array (and each other root member) as its own JSON text, which
// JSON.parse then reads. Memory is bounded by the largest single feature, not the file. The structure between
// those pieces (braces, colons, commas) is checked here; the pieces themselves by JSON.parse.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { ImportFileError } from './source.ts';

export type ScanItem =
  | { kind: 'member'; key: string; json: string }
  | { kind: 'feature'; index: number; json: string };

export interface ScanOptions {
  /** Largest single feature (or root member) in bytes. */
  maxPieceBytes?: number;
  /** Deepest JSON nesting allowed anywhere. */
  maxDepth?: number;
  fileName: string;
}

const Q = 0x22, BS = 0x5c, LB = 0x7b, RB = 0x7d, LS = 0x5b, RS = 0x5d, COMMA = 0x2c, COLON = 0x3a;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

type Mode =
  | 'root' | 'key-first' | 'key' | 'key-string' | 'colon' | 'value' | 'obj-after'
  | 'elem-first' | 'elem' | 'elem-after' | 'nested' | 'string-value' | 'primitive' | 'end';

export async function* scanGeoJson(filePath: string, opts: ScanOptions): AsyncGenerator<ScanItem> {
  const maxPiece = opts.maxPieceBytes ?? 256 << 20;
  const maxDepth = opts.maxDepth ?? 64;
  const notJson = (why: string) => new ImportFileError('not_json', `${opts.fileName} is not valid JSON: ${why}.`);
  let mode: Mode = 'root';
  let depth = 0;
  let inString = false;
  let escape = false;
  let key = '';
  let keyParts: Buffer[] = [];
  let keyStart = -1;
  let parts: Buffer[] = [];
  let partStart = -1;
  let pieceBytes = 0;
  let capturing: 'member' | 'feature' | null = null;
  let featureIndex = 0;
  /** Depth the current captured container returns to when it closes. */
  let baseDepth = 0;
  let offset = 0;
  let first = true;
  const items: ScanItem[] = [];

  const finish = (chunk: Buffer, end: number) => {
    parts.push(chunk.subarray(partStart, end));
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    parts = [];
    partStart = -1;
    pieceBytes = 0;
    if (!isUtf8(bytes)) {
      throw new ImportFileError('not_utf8', `${opts.fileName} is not UTF-8 (GeoJSON must be, RFC 8259)${capturing === 'feature' ? `: feature ${featureIndex + 1} has bytes that are not valid UTF-8` : ''}. Save it again as UTF-8.`);
    }
    const json = bytes.toString('utf8');
    if (capturing === 'feature') items.push({ kind: 'feature', index: featureIndex++, json });
    else items.push({ kind: 'member', key, json });
    capturing = null;
  };
  const afterValue = (): Mode => (depth === 1 ? 'obj-after' : 'elem-after');

  const stream = fs.createReadStream(filePath, { highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let i = 0;
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    if (capturing) partStart = 0;
    if (mode === 'key-string') keyStart = 0;
    for (; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (inString) {
        if (escape) escape = false;
        else if (c === BS) escape = true;
        else if (c === Q) {
          inString = false;
          if (mode === 'key-string') {
            keyParts.push(chunk.subarray(keyStart, i));
            const raw = Buffer.concat(keyParts).toString('utf8');
            keyParts = [];
            try {
              key = JSON.parse(`"${raw}"`) as string;
            } catch {
              throw notJson(`a member name near byte ${offset + i} is not a valid string`);
            }
            mode = 'colon';
          } else if (mode === 'string-value') {
            finish(chunk, i + 1);
            mode = afterValue();
          }
        }
        continue;
      }
      if (mode === 'primitive' && (isWs(c) || c === COMMA || c === RB || c === RS)) {
        finish(chunk, i);
        mode = afterValue();
      }
      if (isWs(c)) continue;
      switch (mode) {
        case 'root':
          if (c === LB) {
            depth = 1;
            mode = 'key-first';
          } else if (c === LS) {
            throw new ImportFileError('not_geojson', `${opts.fileName} is a JSON array, not GeoJSON: a GeoJSON file is one object (a FeatureCollection, a Feature or a geometry).`);
          } else throw notJson('it does not start with { ');
          break;
        case 'key-first':
        case 'key':
          if (c === Q) {
            inString = true;
            mode = 'key-string';
            keyStart = i + 1;
          } else if (c === RB && mode === 'key-first') {
            depth = 0;
            mode = 'end';
          } else throw notJson(`expected a member name at byte ${offset + i}`);
          break;
        case 'colon':
          if (c !== COLON) throw notJson(`expected ':' at byte ${offset + i}`);
          mode = 'value';
          break;
        case 'value':
          if (key === 'features' && c === LS) {
            depth = 2;
            mode = 'elem-first';
            break;
          }
          capturing = 'member';
          partStart = i;
          if (c === LB || c === LS) {
            baseDepth = depth;
            depth++;
            mode = 'nested';
          } else if (c === Q) {
            inString = true;
            mode = 'string-value';
          } else mode = 'primitive';
          break;
        case 'obj-after':
          if (c === COMMA) mode = 'key';
          else if (c === RB) {
            depth = 0;
            mode = 'end';
          } else throw notJson(`expected ',' or '}' at byte ${offset + i}`);
          break;
        case 'elem-first':
        case 'elem':
          if (mode === 'elem-first' && c === RS) {
            depth = 1;
            mode = 'obj-after';
            break;
          }
          if (c !== LB) {
            throw new ImportFileError('not_geojson', `${opts.fileName}: element ${featureIndex + 1} of "features" is not an object; a FeatureCollection holds Feature objects.`);
          }
          capturing = 'feature';
          partStart = i;
          baseDepth = depth;
          depth++;
          mode = 'nested';
          break;
        case 'elem-after':
          if (c === COMMA) mode = 'elem';
          else if (c === RS) {
            depth = 1;
            mode = 'obj-after';
          } else throw notJson(`expected ',' or ']' in "features" at byte ${offset + i}`);
          break;
        case 'nested':
          if (c === Q) inString = true;
          else if (c === LB || c === LS) {
            if (++depth > maxDepth) {
              throw new ImportFileError('too_deeply_nested', `${opts.fileName} nests arrays or objects more than ${maxDepth} levels deep${capturing === 'feature' ? ` in feature ${featureIndex + 1}` : ''}; GeoJSON never needs that.`);
            }
          } else if (c === RB || c === RS) {
            if (--depth === baseDepth) {
              finish(chunk, i + 1);
              mode = afterValue();
            }
          }
          break;
        case 'primitive':
          break;
        case 'end':
          throw notJson(`there is more text after the end of the object (byte ${offset + i})`);
        default:
          throw notJson(`unexpected character at byte ${offset + i}`);
      }
    }
    if (capturing) {
      if (partStart < chunk.length) parts.push(chunk.subarray(partStart));
      pieceBytes += chunk.length - partStart;
      if (pieceBytes > maxPiece) {
        throw new ImportFileError('feature_too_large', `${opts.fileName}: ${capturing === 'feature' ? `feature ${featureIndex + 1}` : `member "${key}"`} is larger than ${Math.round(maxPiece / 2 ** 20)} MB.`);
      }
    }
    if (mode === 'key-string') keyParts.push(chunk.subarray(keyStart));
    offset += chunk.length;
    for (const item of items) yield item;
    items.length = 0;
  }
  if (mode === 'primitive' && capturing) throw notJson('the file ends inside a value');
  if (mode !== 'end') throw notJson(first ? 'the file is empty' : 'the file ends before the JSON is complete');
}
