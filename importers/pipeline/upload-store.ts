// Uploaded files, stored by their sha256 under DATA_DIR/uploads: streamed to a temporary file while hashing
// (never whole in memory), then renamed to their content address once the import is accepted, so the same bytes
// are kept once.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredUpload {
  sha256: string;
  sizeBytes: number;
  /** Relative to the uploads folder: `ab/abcdef…`. */
  storagePath: string;
  /** Where the bytes wait until the import is accepted (placeUpload moves them to their address). */
  tmpPath: string;
}

export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, 'uploads');
}

export function storedPath(dataDir: string, storagePath: string): string {
  return path.join(uploadsDir(dataDir), storagePath);
}

/** Streams `source` to a temporary file while hashing it. */
export async function storeUpload(dataDir: string, source: Readable): Promise<StoredUpload> {
  const tmpDir = path.join(uploadsDir(dataDir), 'tmp');
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const tmpPath = path.join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, hashing, fs.createWriteStream(tmpPath, { flags: 'wx' }));
  } catch (err) {
    await fs.promises.rm(tmpPath, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  return { sha256, sizeBytes: size, storagePath: `${sha256.slice(0, 2)}/${sha256}`, tmpPath };
}

/**
 * Moves the bytes to their content address, just before the import that refers to them commits. A stored file
 * is never removed by a refused request (another import may refer to the same bytes); when the address is taken
 * the bytes there are the same.
 */
export async function placeUpload(dataDir: string, upload: StoredUpload): Promise<void> {
  const target = storedPath(dataDir, upload.storagePath);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  if (fs.existsSync(target)) await fs.promises.rm(upload.tmpPath, { force: true });
  else await fs.promises.rename(upload.tmpPath, target);
}

/** A refused upload: its temporary file goes (a placed one stays, see placeUpload). */
export async function discardTemporary(upload: StoredUpload): Promise<void> {
  await fs.promises.rm(upload.tmpPath, { force: true });
}
