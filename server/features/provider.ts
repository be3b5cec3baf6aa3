// The feature provider: the one way the platform API, OGC API Features, WFS and exports read features.
// Protocol code parses its own parameters into a FeatureQuery (query.ts) and calls these; it never builds SQL.
// Pages are read through a database cursor in batches, so a layer of any size never sits in memory.
import Cursor from 'pg-cursor';
import type pg from 'pg';
import type { Layer } from '../catalog/catalog.ts';
import { countFeaturesSql, neighboursSql, selectFeatureSql, selectFeaturesSql } from './feature-sql.ts';
import type { FeatureCursor, FeatureQuery } from './query.ts';

/** Rows per cursor read: large enough that round trips do not dominate, small enough to stay a few hundred KB. */
export const BATCH_ROWS = 500;

/** Where a page sits in the whole result, known once its features have been read. */
export interface PageSummary {
  numberReturned: number;
  /** Cursors of the neighbouring pages, null when there is none. */
  next: FeatureCursor | null;
  prev: FeatureCursor | null;
}

/**
 * A page of features being read. Call nextBatch until it returns null, then finish; or close at any point
 * (the client went away). The connection it reads on must stay checked out until finish or close settles.
 */
export interface FeaturePage {
  /** The next features as GeoJSON text each, in fid order; null when the page is complete. */
  nextBatch(): Promise<string[] | null>;
  /** After the last batch: the page's count and neighbour cursors (one more small query). */
  finish(): Promise<PageSummary>;
  /** Stops reading and frees the cursor; safe to call at any time and more than once. */
  close(): Promise<void>;
}

interface FeatureRow {
  fid: number;
  feature: string;
}

class CursorFeaturePage implements FeaturePage {
  #cursor: Cursor<FeatureRow> | null = null;
  #state: 'new' | 'open' | 'drained' | 'failed' | 'closed' = 'new';
  #reading: Promise<unknown> | null = null;
  #count = 0;
  #first: number | null = null;
  #last: number | null = null;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly layer: Layer,
    private readonly query: FeatureQuery,
  ) {}

  async nextBatch(): Promise<string[] | null> {
    if (this.#state === 'new') {
      const { text, values } = selectFeaturesSql(this.layer, this.query);
      this.#cursor = this.client.query(new Cursor<FeatureRow>(text, values));
      this.#state = 'open';
    }
    if (this.#state !== 'open') return null;
    const read = this.#cursor!.read(BATCH_ROWS);
    this.#reading = read;
    let rows: FeatureRow[];
    try {
      rows = await read;
    } catch (err) {
      // After an error the cursor has already synced with the server; closing it again would wait forever.
      this.#state = 'failed';
      throw err;
    } finally {
      this.#reading = null;
    }
    // A short read means the query completed and pg-cursor has closed the portal itself.
    if (rows.length < BATCH_ROWS) this.#state = 'drained';
    if (rows.length === 0) return null;
    this.#count += rows.length;
    this.#first ??= rows[0]!.fid;
    this.#last = rows[rows.length - 1]!.fid;
    return rows.map((r) => r.feature);
  }

  async finish(): Promise<PageSummary> {
    await this.close();
    const { query } = this;
    const full = query.limit !== null && this.#count >= query.limit;
    let below: number | null = null;
    let above: number | null = null;
    if (query.cursor && 'before' in query.cursor) {
      if (full) below = this.#first;
      above = this.#last ?? query.cursor.before - 1;
    } else {
      if (query.cursor) below = this.#first ?? query.cursor.after + 1;
      if (full) above = this.#last;
    }
    let hasPrev = false;
    let hasNext = false;
    if (below !== null || above !== null) {
      const { text, values } = neighboursSql(this.layer, query, { below, above });
      const { rows } = await this.client.query<{ has_prev: boolean; has_next: boolean }>(text, values);
      hasPrev = rows[0]?.has_prev ?? false;
      hasNext = rows[0]?.has_next ?? false;
    }
    return {
      numberReturned: this.#count,
      prev: hasPrev && below !== null ? { before: below } : null,
      next: hasNext && above !== null ? { after: above } : null,
    };
  }

  async close(): Promise<void> {
    // A read in flight finishes first: closing the portal under it would interleave protocol messages.
    if (this.#reading) await this.#reading.catch(() => {});
    const cursor = this.#cursor;
    const state = this.#state;
    this.#state = state === 'failed' ? 'failed' : 'closed';
    if (cursor && (state === 'open' || state === 'drained')) await cursor.close();
  }
}

/** Opens a page of `layer`'s features for `query`, read on `client` (which must be the caller's, see withCaller). */
export function openFeaturePage(client: pg.ClientBase, layer: Layer, query: FeatureQuery): FeaturePage {
  return new CursorFeaturePage(client, layer, query);
}

/**
 * The number of features matching the query's filters. A full count (it reads every match): protocols ask for
 * it only when the client wants it; for an unfiltered layer the catalog's feature_count is the same number.
 */
export async function countFeatures(client: pg.ClientBase, layer: Layer, query: FeatureQuery): Promise<number> {
  const { text, values } = countFeaturesSql(layer, query);
  const { rows } = await client.query<{ n: number }>(text, values);
  return rows[0]?.n ?? 0;
}

export interface StoredFeature {
  /** GeoJSON Feature text. */
  text: string;
  /** The row's version (bumped by every change): what ETag and If-Match key on. */
  version: number;
  updatedAt: Date;
}

/** One feature, or null when there is no such fid (or the caller may not read it). */
export async function readFeature(
  client: pg.ClientBase,
  layer: Layer,
  fid: number,
  properties: string[] | null = null,
  asOf: Date | null = null,
): Promise<StoredFeature | null> {
  const { text, values } = selectFeatureSql(layer, fid, properties, asOf);
  const { rows } = await client.query<{ version: number; updated_at: Date; feature: string }>(text, values);
  const row = rows[0];
  return row ? { text: row.feature, version: row.version, updatedAt: row.updated_at } : null;
}
