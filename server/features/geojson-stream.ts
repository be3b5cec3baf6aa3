// GeoJSON documents assembled from the feature text the database builds. Nothing here parses a feature:
// a bigint attribute or a 7-decimal coordinate reaches the client exactly as PostgreSQL wrote it.
import { Readable } from 'node:stream';
import type { FeaturePage, PageSummary } from './provider.ts';

/** `{"a":1}` + {b: 2} → `{"a":1,"b":2}`, for a JSON object text we trust (the database built it). */
export function withMembers(objectText: string, members: Record<string, unknown>): string {
  if (!objectText.endsWith('}')) throw new Error('not a JSON object text');
  const extra = JSON.stringify(members).slice(1, -1);
  if (extra === '') return objectText;
  return `${objectText.slice(0, -1)}${objectText.endsWith('{}') ? '' : ','}${extra}}`;
}

export interface FeatureCollectionParts {
  /** Members written before `features` (after `"type":"FeatureCollection"`). */
  head: Record<string, unknown>;
  page: FeaturePage;
  /** Members written after `features`, from what reading the page found out (counts, links). */
  tail: (summary: PageSummary) => Record<string, unknown>;
}

function collectionHead(parts: FeatureCollectionParts): string {
  return `${JSON.stringify({ type: 'FeatureCollection', ...parts.head }).slice(0, -1)},"features":[`;
}

function collectionTail(parts: FeatureCollectionParts, summary: PageSummary): string {
  const tail = JSON.stringify(parts.tail(summary)).slice(1, -1);
  return `]${tail === '' ? '' : `,${tail}`}}`;
}

/**
 * A FeatureCollection as one text, for a page that is read whole anyway (a small page: provider.ts): encoded
 * once, where the stream would make a Buffer of each chunk and then copy them into one. The page is closed
 * whatever happens.
 */
export async function featureCollectionText(parts: FeatureCollectionParts): Promise<string> {
  const { page } = parts;
  try {
    const batches: string[] = [];
    for (let batch = await page.nextBatch(); batch !== null; batch = await page.nextBatch()) batches.push(batch.join(','));
    return collectionHead(parts) + batches.join(',') + collectionTail(parts, await page.finish());
  } finally {
    await page.close();
  }
}

/**
 * A FeatureCollection as a byte stream: reads the page batch by batch as the client takes the bytes
 * (back-pressure), so memory stays at one batch whatever the page size. Destroying the stream (the client
 * went away) closes the page's cursor before 'close' is emitted; a caller that waits for 'close' may then
 * release the connection.
 */
export class FeatureCollectionStream extends Readable {
  readonly #parts: FeatureCollectionParts;
  #started = false;
  #ended = false;
  #wanted = false;
  #pumping: Promise<void> | null = null;

  constructor(parts: FeatureCollectionParts) {
    super({ highWaterMark: 64 * 1024 });
    this.#parts = parts;
  }

  override _read(): void {
    this.#wanted = true;
    this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = null;
    });
  }

  async #pump(): Promise<void> {
    try {
      while (this.#wanted && !this.#ended && !this.destroyed) {
        this.#wanted = false;
        const chunk = await this.#nextChunk();
        if (this.destroyed) return;
        this.push(chunk);
        if (this.#ended) {
          this.push(null);
          return;
        }
        // push() may have asked for more already (#wanted); if the buffer has room, keep going anyway.
        if (this.readableLength < this.readableHighWaterMark) this.#wanted = true;
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  async #nextChunk(): Promise<string> {
    const { page } = this.#parts;
    const batch = await page.nextBatch();
    // The head goes out with the first batch: if that first read fails, nothing has been sent yet and the
    // client still gets a proper error response instead of a cut-off document.
    let chunk = this.#started ? '' : collectionHead(this.#parts);
    if (batch !== null) {
      chunk += (this.#started ? ',' : '') + batch.join(',');
      this.#started = true;
      return chunk;
    }
    this.#started = true;
    this.#ended = true;
    return chunk + collectionTail(this.#parts, await page.finish());
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const pumping = this.#pumping ?? Promise.resolve();
    pumping
      .catch(() => {})
      .then(() => this.#parts.page.close())
      .then(
        () => callback(err),
        (closeErr: Error) => callback(err ?? closeErr),
      );
  }
}
