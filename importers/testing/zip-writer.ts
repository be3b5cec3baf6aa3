// A small zip writer for tests: honest archives, and the dishonest ones an importer must refuse (paths that climb
// out, links, encryption flags, sizes that lie, bombs).
import zlib from 'node:zlib';

export interface ZipEntrySpec {
  /** As stored; a Buffer for names that are not UTF-8. */
  name: string | Buffer;
  data?: Buffer;
  method?: 'store' | 'deflate';
  /** Sets the "encrypted" flag (the data is not really encrypted: readers must refuse before decoding). */
  encrypted?: boolean;
  /** Unix mode in the high 16 bits, e.g. symlinkAttributes. */
  externalAttributes?: number;
  /** The uncompressed size written in the headers, when it should lie. */
  declaredSize?: number;
}

/** External attributes of a Unix symbolic link (mode 0120777). */
export const symlinkAttributes = (0o120777 << 16) >>> 0;

const DOS_TIME = 0x6000; // 12:00
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;

export function buildZip(entries: ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 'deflate';
    const body = method === 'deflate' ? zlib.deflateRawSync(data) : data;
    const crc = zlib.crc32(data);
    const size = e.declaredSize ?? data.length;
    const flags = (e.encrypted ? 0x1 : 0) | (typeof e.name === 'string' ? 0x800 : 0);
    const methodCode = method === 'deflate' ? 8 : 0;

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(methodCode, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.externalAttributes !== undefined ? 0x031e : 0x0014, 4); // made by Unix / DOS
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(methodCode, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(e.externalAttributes ?? 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
