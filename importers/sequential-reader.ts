// Reads a file front to back in large chunks, so memory stays flat whatever the file size and a record is usually
// a slice of a buffer already in memory (no syscall, no promise per record).
import type { FileHandle } from 'node:fs/promises';

const DEFAULT_CHUNK = 1 << 20;

export class SequentialReader {
  buf: Buffer;
  /** Offset in `buf` of the next unread byte. */
  pos = 0;
  private len = 0;
  /** File position of buf[0]. */
  private base: number;

  constructor(
    private readonly fh: FileHandle,
    start: number,
    private readonly end: number,
    chunkSize = DEFAULT_CHUNK,
  ) {
    this.base = start;
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  /** File position of the next unread byte. */
  get position(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** Bytes already in memory from pos on: when >= n, `buf[pos .. pos+n)` can be read without awaiting. */
  buffered(): number {
    return this.len - this.pos;
  }

  /** Makes n bytes available at buf[pos]. Returns false when the file ends first. */
  async fill(n: number): Promise<boolean> {
    if (this.len - this.pos >= n) return true;
    if (this.position + n > this.end) return false;
    const keep = this.len - this.pos;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, this.pos, this.len);
      this.buf = bigger;
    } else if (keep > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len);
    }
    this.base += this.pos;
    this.pos = 0;
    this.len = keep;
    while (this.len < n) {
      const want = Math.min(this.buf.length - this.len, this.end - (this.base + this.len));
      const { bytesRead } = await this.fh.read(this.buf, this.len, want, this.base + this.len);
      if (bytesRead === 0) return false;
      this.len += bytesRead;
    }
    return true;
  }

  skip(n: number): void {
    this.pos += n;
  }
}
