// A file written in order with buffered appends (one write per MiB, not per record) and patched in place at the end:
// how the fixed headers of Shapefile and DBF get the counts and extents that are known only after the last record.
import fs from 'node:fs/promises';

export class SpoolFile {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #length = 0;

  private constructor(private readonly handle: fs.FileHandle, readonly path: string) {}

  static async create(path: string): Promise<SpoolFile> {
    return new SpoolFile(await fs.open(path, 'w'), path);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.#length;
  }

  async append(buf: Buffer): Promise<void> {
    this.#chunks.push(buf);
    this.#buffered += buf.length;
    this.#length += buf.length;
    if (this.#buffered >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#buffered === 0) return;
    const data = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [];
    this.#buffered = 0;
    await this.handle.write(data, 0, data.length, this.#length - data.length);
  }

  async patch(position: number, buf: Buffer): Promise<void> {
    await this.flush();
    await this.handle.write(buf, 0, buf.length, position);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}
