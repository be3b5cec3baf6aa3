// A ZIP archive written as a stream: each entry's data is deflated as it arrives and followed by a data descriptor
// (sizes and CRC are known only at its end), then the central directory. Memory holds one chunk, whatever the
// archive's size. Names are UTF-8 (flag bit 11). No ZIP64: an entry or archive past 4 GiB stops with an error.
import { once } from 'node:events';
import zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The entry's bytes, in chunks. */
  data: () => AsyncIterable<Buffer> | Iterable<Buffer>;
  /** Store instead of deflate (for data that is already compressed). */
  store?: boolean;
}

const LIMIT = 0xffff_ffff;

function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((Math.max(d.getFullYear(), 1980) - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

async function* deflated(source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  const z = zlib.createDeflateRaw({ level: 4 });
  const input = (Symbol.asyncIterator in source ? (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]() : (source as Iterable<Buffer>)[Symbol.iterator]()) as
    AsyncIterator<Buffer> | Iterator<Buffer>;
  let failed: Error | null = null;
  const pump = (async () => {
    try {
      for (;;) {
        const r = await input.next();
        if (r.done) break;
        if (!z.write(r.value)) await once(z, 'drain');
      }
      z.end();
    } catch (err) {
      failed = err as Error;
      z.destroy(err as Error);
    }
  })();
  try {
    for await (const out of z) yield out as Buffer;
    await pump;
    if (failed) throw failed;
  } finally {
    if (!z.destroyed) z.destroy();
    await input.return?.();
  }
}

/** The archive as chunks; pulling stops the sources (their `finally` runs) when the consumer stops. */
export async function* zipStream(entries: Iterable<ZipEntry> | AsyncIterable<ZipEntry>, now = new Date()): AsyncGenerator<Buffer> {
  const { time, date } = dosDateTime(now);
  const central: Buffer[] = [];
  let offset = 0;
  let count = 0;
  for await (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.store ? 0 : 8;
    const flags = 0x0008 | 0x0800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    // CRC and sizes follow the data (data descriptor).
    local.writeUInt16LE(name.length, 26);
    yield local;
    yield name;
    const headerOffset = offset;
    offset += 30 + name.length;

    let crc = 0;
    let size = 0;
    let compressed = 0;
    const raw = entry.data();
    const counted = (async function* () {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        crc = zlib.crc32(chunk, crc);
        size += chunk.length;
        yield chunk;
      }
    })();
    for await (const out of entry.store ? counted : deflated(counted)) {
      compressed += out.length;
      if (compressed > LIMIT || size > LIMIT) throw new Error(`${entry.name} is larger than a ZIP without ZIP64 can hold (4 GiB)`);
      yield out;
    }
    offset += compressed;
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    yield descriptor;
    offset += 16;
    if (offset > LIMIT) throw new Error('The archive is larger than a ZIP without ZIP64 can hold (4 GiB)');

    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(0x031e, 4); // made by: Unix, spec 3.0
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt16LE(time, 12);
    c.writeUInt16LE(date, 14);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(compressed, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    c.writeUInt32LE(headerOffset, 42);
    central.push(c, name);
    count++;
  }
  const centralBytes = Buffer.concat(central);
  yield centralBytes;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  yield end;
}
