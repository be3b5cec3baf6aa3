// Extracting an uploaded zip without trusting it: entry names that climb out of the target folder (.., absolute
// paths, drive letters), symbolic links and encrypted entries are refused, and the number of entries, the total size
// and each entry's compression ratio are capped. The sizes a zip declares are not trusted either: bytes are counted
// as they are inflated and extraction stops the moment a cap is passed.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ImportFileError } from './source.ts';

export interface UnzipLimits {
  /** All extracted bytes together. */
  maxTotalBytes: number;
  maxEntries: number;
  /** Uncompressed / compressed, for entries bigger than ratioMinBytes (small files legitimately compress well). */
  maxRatio: number;
  ratioMinBytes: number;
}

export const DEFAULT_UNZIP_LIMITS: UnzipLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxEntries: 10_000,
  maxRatio: 200,
  ratioMinBytes: 10 * 1024 ** 2,
};

export interface ExtractedFile {
  /** Relative path inside the archive, '/'-separated. */
  name: string;
  /** Where it was written. */
  path: string;
  size: number;
}

export interface UnzipResult {
  /** Files written (those `include` accepted). */
  files: ExtractedFile[];
  /** Every file entry's name (not directories, not macOS resource forks), extracted or not. */
  names: string[];
}

export interface UnzipOptions {
  limits?: Partial<UnzipLimits>;
  /** Which entries to write; the others are still checked, then skipped. Default: all. */
  include?: (name: string) => boolean;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

const mb = (n: number) => `${Math.round(n / 1024 ** 2).toLocaleString('en-US')} MB`;

/** The entry's path, or an error saying why it is unsafe. */
function safeName(raw: string): string {
  if (raw.includes('\0')) throw new ImportFileError('unsafe_archive', `The zip has an entry whose name contains a NUL character; it was refused.`);
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw new ImportFileError('unsafe_archive', `The zip has an entry with an absolute path ("${raw.slice(0, 200)}"), which could write outside the import folder; it was refused.`);
  }
  if (name.split('/').includes('..')) {
    throw new ImportFileError('unsafe_archive', `The zip has an entry whose path climbs out of its folder ("${raw.slice(0, 200)}"); it was refused.`);
  }
  return name.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

function openZip(zipPath: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true }, (err, zip) => {
      if (err) {
        reject(/central directory|signature/i.test(err.message)
          ? new ImportFileError('not_a_zip', 'The file is not a zip archive (or it is damaged beyond reading).')
          : new ImportFileError('corrupt_archive', `The zip cannot be read: ${err.message}.`));
      } else resolve(zip);
    });
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => {
      cleanup();
      resolve(e);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new ImportFileError('corrupt_archive', `The zip is damaged: ${err.message}.`));
    };
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

export async function safeUnzip(zipPath: string, destDir: string, opts: UnzipOptions = {}): Promise<UnzipResult> {
  const limits = { ...DEFAULT_UNZIP_LIMITS, ...opts.limits };
  const root = path.resolve(destDir);
  await fs.promises.mkdir(root, { recursive: true });
  const zip = await openZip(zipPath);
  const result: UnzipResult = { files: [], names: [] };
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw new ImportFileError('too_many_entries', `The zip lists ${zip.entryCount.toLocaleString('en-US')} entries; at most ${limits.maxEntries.toLocaleString('en-US')} are accepted.`);
    }
    let total = 0;
    const seen = new Set<string>();
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const name = safeName(raw);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) {
        throw new ImportFileError('unsafe_archive', `The zip contains a symbolic link ("${raw.slice(0, 200)}"); links are refused because they can point outside the import.`);
      }
      if (entry.generalPurposeBitFlag & 0x1) {
        throw new ImportFileError('encrypted_archive', `The zip entry "${raw.slice(0, 200)}" is encrypted (password-protected); upload an unencrypted zip.`);
      }
      if (raw.endsWith('/') || raw.endsWith('\\') || name === '') continue; // a directory
      // macOS adds resource forks (__MACOSX/…, ._name) that look like the real files.
      if (name.split('/').includes('__MACOSX') || path.posix.basename(name).startsWith('._')) continue;
      if (seen.has(name)) throw new ImportFileError('unsafe_archive', `The zip lists "${name.slice(0, 200)}" twice.`);
      seen.add(name);
      result.names.push(name);

      if (entry.uncompressedSize > limits.ratioMinBytes && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)) {
        throw new ImportFileError('zip_bomb', `The zip entry "${name.slice(0, 200)}" would expand ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times (to ${mb(entry.uncompressedSize)}); this looks like a zip bomb and was refused.`);
      }
      if (total + entry.uncompressedSize > limits.maxTotalBytes) {
        throw new ImportFileError('archive_too_large', `The zip expands to more than ${mb(limits.maxTotalBytes)}, the most an import accepts.`);
      }
      if (opts.include && !opts.include(name)) continue;

      const target = path.resolve(root, name);
      if (!target.startsWith(root + path.sep)) {
        throw new ImportFileError('unsafe_archive', `The zip entry "${name.slice(0, 200)}" would be written outside the import folder; it was refused.`);
      }
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      let written = 0;
      const compressed = Math.max(1, entry.compressedSize);
      const current = entry;
      const stream = await new Promise<import('node:stream').Readable>((resolve, reject) => {
        zip.openReadStream(current, (err, s) => (err ? reject(new ImportFileError('corrupt_archive', `The zip entry "${name.slice(0, 200)}" cannot be read: ${err.message}.`)) : resolve(s)));
      });
      try {
        await pipeline(
          stream,
          async function* (source: AsyncIterable<Buffer | string>) {
            for await (const piece of source) {
              const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
              written += chunk.length;
              total += chunk.length;
              if (total > limits.maxTotalBytes) {
                throw new ImportFileError('archive_too_large', `The zip expands to more than ${mb(limits.maxTotalBytes)}, the most an import accepts.`);
              }
              if (written > limits.ratioMinBytes && written > limits.maxRatio * compressed) {
                throw new ImportFileError('zip_bomb', `The zip entry "${name.slice(0, 200)}" expands more than ${limits.maxRatio} times; this looks like a zip bomb and was refused.`);
              }
              yield chunk;
            }
          },
          fs.createWriteStream(target, { flags: 'wx' }),
        );
      } catch (err) {
        // Nothing half-written stays behind.
        await fs.promises.rm(target, { force: true });
        if (err instanceof ImportFileError) throw err;
        // yauzl counts inflated bytes against the declared size and stops at the first byte too many.
        if (/too many bytes/.test((err as Error).message)) {
          throw new ImportFileError('zip_bomb', `The zip entry "${name.slice(0, 200)}" inflates to more than the ${entry.uncompressedSize.toLocaleString('en-US')} bytes it declares; it was refused.`);
        }
        throw new ImportFileError('corrupt_archive', `The zip entry "${name.slice(0, 200)}" is damaged: ${(err as Error).message}.`);
      }
      result.files.push({ name, path: target, size: written });
    }
  } finally {
    zip.close();
  }
  return result;
}
