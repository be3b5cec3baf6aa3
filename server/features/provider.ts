// The feature provider: the one way the platform API, OGC API Features, WFS and exports read features.
// Protocol code parses its own parameters into a FeatureQuery (query.ts) and calls these; it never builds SQL.
// Pages are read through a database cursor in batches, so a layer of any size never sits in memory.
import Cursor from 'pg-cursor';
import type pg from 'pg';
import type { Layer } from '../catalog/catalog.ts';
import {
  countFeaturesSql, countFeaturesUpToSql, geometryToStorageSql, neighboursSql, pageCountSql, selectFeatureSql, selectFeaturesSql,
  selectJoinedPageSql, type FeatureOutput,
} from './feature-sql.ts';
import type { CrsDefinition } from './crs.ts';
import { crsWktSql, exportRowsSql, exportStatsSql, type ExportLayer, type ExportOptions } from './export-sql.ts';
import { AppError } from '../errors.ts';
import type { FeatureCursor, FeatureQuery } from './query.ts';

/** Rows per cursor read: large enough that round trips do not dominate, small enough to stay a few hundred KB. */
export const BATCH_ROWS = 500;

/**
 * Pages beyond this size (and whole-layer reads) are streamed in larger batches with one batch read ahead, so the
 * database writes the next batch while the server sends the last: a layer then streams about as fast as psql reads
 * it, holding two batches (a few MB) whatever its size.
 */
export const LARGE_PAGE = 10_000;
const LARGE_BATCH_ROWS = 2000;

/**
 * Forward pages up to this size are read with one plain query instead of a cursor, asking for one row more than
 * the page: that row says whether a next page exists, so neither the cursor's extra round trips nor the neighbour
 * probe are needed. At most this many features (about 1 MB of GeoJSON) are held at once.
 */
export const SMALL_PAGE = 1000;

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
  /**
   * The next features as GeoJSON text each, in fid order; null when the page is complete. A page opened with
   * `joined` gives a small page as one string of all its features joined with commas.
   */
  nextBatch(): Promise<string[] | null>;
  /** After the last batch: the page's count and neighbour cursors (one more small query). */
  finish(): Promise<PageSummary>;
  /** Stops reading and frees the cursor; safe to call at any time and more than once. */
  close(): Promise<void>;
  /**
   * A `joined` small page, once read: `pg_current_snapshot()` of its query (which commits it saw); null otherwise.
   */
  readonly snapshot: string | null;
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
  /** The read-ahead failed (its error is thrown by the next nextBatch; close must not touch the cursor then). */
  #aheadFailed: unknown = null;
  /** A small page read whole: whether a row beyond it exists (null: not read that way). */
  #more: boolean | null = null;
  snapshot: string | null = null;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly layer: Layer,
    private readonly query: FeatureQuery,
    private readonly output?: FeatureOutput,
    private readonly joined = false,
  ) {}

  get #large(): boolean {
    return this.query.limit === null || this.query.limit > LARGE_PAGE;
  }

  get #batchRows(): number {
    return this.#large ? LARGE_BATCH_ROWS : BATCH_ROWS;
  }

  #small(): boolean {
    const { limit, cursor } = this.query;
    return limit !== null && limit <= SMALL_PAGE && !(cursor && 'before' in cursor);
  }

  /** A small page's one plain query: while it runs, close waits for it; afterwards the page is drained. */
  async #readWhole<R extends pg.QueryResultRow>(sql: { text: string; values: unknown[] }): Promise<R[]> {
    this.#state = 'open';
    try {
      const read = this.client.query<R>(sql.text, sql.values);
      this.#reading = read;
      const { rows } = await read;
      this.#state = 'drained';
      return rows;
    } catch (err) {
      this.#state = 'failed';
      throw err;
    } finally {
      this.#reading = null;
    }
  }

  async #readJoined(): Promise<string[] | null> {
    const limit = this.query.limit!;
    const [row] = await this.#readWhole<{ n: number; first_fid: number | null; last_fid: number | null; features: string | null; snapshot: string }>(
      selectJoinedPageSql(this.layer, { ...this.query, limit }, this.output));
    this.snapshot = row!.snapshot;
    this.#more = row!.n > limit;
    if (row!.features === null) return null;
    this.#count = Math.min(row!.n, limit);
    this.#first = row!.first_fid;
    this.#last = row!.last_fid;
    return [row!.features];
  }

  async #readSmall(): Promise<string[] | null> {
    const limit = this.query.limit!;
    if (this.joined) return this.#readJoined();
    const rows = await this.#readWhole<FeatureRow>(selectFeaturesSql(this.layer, { ...this.query, limit: limit + 1 }, this.output));
    this.#more = rows.length > limit;
    if (this.#more) rows.length = limit;
    if (rows.length === 0) return null;
    this.#count = rows.length;
    this.#first = rows[0]!.fid;
    this.#last = rows[rows.length - 1]!.fid;
    return rows.map((r) => r.feature);
  }

  async nextBatch(): Promise<string[] | null> {
    if (this.#state === 'new' && this.#small()) return this.#readSmall();
    if (this.#state === 'new') {
      const { text, values } = selectFeaturesSql(this.layer, this.query, this.output);
      this.#cursor = this.client.query(new Cursor<FeatureRow>(text, values));
      this.#state = 'open';
    }
    if (this.#state !== 'open') return null;
    const read = this.#reading ?? this.#cursor!.read(this.#batchRows);
    this.#reading = read;
    let rows: FeatureRow[];
    try {
      rows = (await read) as FeatureRow[];
    } catch (err) {
      // After an error the cursor has already synced with the server; closing it again would wait forever.
      this.#state = 'failed';
      throw err;
    } finally {
      this.#reading = null;
    }
    // A short read means the query completed and pg-cursor has closed the portal itself.
    if (rows.length < this.#batchRows) this.#state = 'drained';
    else if (this.#large) {
      // Read ahead: the database writes the next batch while the caller sends this one (two batches at most).
      const ahead = this.#cursor!.read(this.#batchRows);
      ahead.catch((err: unknown) => {
        this.#aheadFailed = err ?? true;
      });
      this.#reading = ahead;
    }
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
    // A small page already knows whether more follows; only a page after a cursor still asks what lies before.
    const askAbove = this.#more === null ? above : null;
    if (below !== null || askAbove !== null) {
      const { text, values } = neighboursSql(this.layer, query, { below, above: askAbove });
      const { rows } = await this.client.query<{ has_prev: boolean; has_next: boolean }>(text, values);
      hasPrev = rows[0]?.has_prev ?? false;
      hasNext = rows[0]?.has_next ?? false;
    }
    if (this.#more !== null) hasNext = this.#more && above !== null;
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
    const state = this.#aheadFailed ? 'failed' : this.#state;
    this.#state = state === 'failed' ? 'failed' : 'closed';
    if (cursor && (state === 'open' || state === 'drained')) await cursor.close();
    // (A small page's plain query has no portal to close.)
  }
}

/**
 * Opens a page of `layer`'s features for `query`, read on `client` (which must be the caller's, see withCaller).
 * `joined`: the caller only concatenates the features (a GeoJSON body), so a small page may come as one string.
 */
export function openFeaturePage(
  client: pg.ClientBase, layer: Layer, query: FeatureQuery, output?: FeatureOutput, options: { joined?: boolean } = {},
): FeaturePage {
  return new CursorFeaturePage(client, layer, query, output, options.joined ?? false);
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

/**
 * The number of features matching the query's filters if it is at most `cap`, else null: an exact numberMatched
 * that never costs more than reading `cap` index entries.
 */
export async function countFeaturesUpTo(client: pg.ClientBase, layer: Layer, query: FeatureQuery, cap: number): Promise<number | null> {
  const { text, values } = countFeaturesUpToSql(layer, query, cap);
  const { rows } = await client.query<{ n: number }>(text, values);
  const n = rows[0]?.n ?? 0;
  return n > cap ? null : n;
}

/** How many features one page of the query holds (offset, cursor and limit applied). */
export async function countPage(client: pg.ClientBase, layer: Layer, query: FeatureQuery): Promise<number> {
  const { text, values } = pageCountSql(layer, query);
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
  output?: FeatureOutput,
): Promise<StoredFeature | null> {
  const { text, values } = selectFeatureSql(layer, fid, properties, asOf, output);
  const { rows } = await client.query<{ version: number; updated_at: Date; feature: string }>(text, values);
  const row = rows[0];
  return row ? { text: row.feature, version: row.version, updatedAt: row.updated_at } : null;
}

/** A client's geometry in `crs` as a GeoJSON geometry in storage coordinates; unreadable input is a 400. */
export async function geometryToStorage(client: pg.ClientBase, geometry: unknown, crs: CrsDefinition): Promise<unknown> {
  if (crs.srid === 4326 && !crs.latLon) return geometry;
  if (geometry === null || typeof geometry !== 'object') throw new AppError(400, 'invalid_geometry', 'A feature needs a GeoJSON geometry object.');
  const { text, values } = geometryToStorageSql(JSON.stringify(geometry), crs);
  // A savepoint: a geometry PostGIS cannot read must not abort the caller's transaction.
  await client.query('savepoint geometry_in');
  try {
    const { rows } = await client.query<{ geojson: string }>(text, values);
    await client.query('release savepoint geometry_in');
    return JSON.parse(rows[0]!.geojson) as unknown;
  } catch (err) {
    await client.query('rollback to savepoint geometry_in');
    throw new AppError(400, 'invalid_geometry', `The geometry could not be read in ${crs.uri}: ${(err as Error).message.slice(0, 200)}`);
  }
}

export interface ExportRow {
  fid: number;
  /** Attribute values as text (null for null), in the order asked for. */
  values: (string | null)[];
  /** WKB or GeoPackage blob, or WKT text; for lon/lat the two coordinates. */
  geometry: Buffer | string | null;
  x?: string;
  y?: string;
}

/**
 * Every feature matching the query (no limit), for downloads: batches from a database cursor, so a layer of any
 * size streams. Stop early by returning from the loop; the cursor is closed either way.
 */
export async function* exportRows(
  client: pg.ClientBase, layer: ExportLayer, query: FeatureQuery, properties: string[], opts: ExportOptions,
): AsyncGenerator<ExportRow[]> {
  const { text, values } = exportRowsSql(layer, { ...query, limit: null, cursor: null }, properties, opts);
  const cursor = client.query(new Cursor<Record<string, unknown>>(text, values));
  let done = false;
  try {
    for (;;) {
      let rows: Record<string, unknown>[];
      try {
        rows = await cursor.read(BATCH_ROWS);
      } catch (err) {
        // After an error the cursor has synced with the server already; closing it would wait forever.
        done = true;
        throw err;
      }
      if (rows.length < BATCH_ROWS) done = true;
      if (rows.length > 0) {
        yield rows.map((r) => ({
          fid: r.fid as number,
          values: properties.map((_, i) => (r[`v${i}`] as string | null) ?? null),
          geometry: (r.geometry as Buffer | string | undefined) ?? null,
          ...(r.x !== undefined ? { x: r.x as string, y: r.y as string } : {}),
        }));
      }
      if (done) return;
    }
  } finally {
    // A completed cursor has closed its portal itself; an abandoned one is closed here.
    if (!done) await cursor.close();
  }
}

export interface ExportStats {
  count: number;
  extent: [number, number, number, number] | null;
  /** Characters of the longest fid. */
  fidLength: number;
  /** Longest value of each attribute asked about, in UTF-8 bytes of its text. */
  valueBytes: number[];
}

export async function exportStats(client: pg.ClientBase, layer: ExportLayer, query: FeatureQuery, measured: string[], srid: number): Promise<ExportStats> {
  const { text, values } = exportStatsSql(layer, query, measured, srid);
  const { rows } = await client.query<Record<string, number | null>>(text, values);
  const r = rows[0]!;
  return {
    count: Number(r.n ?? 0),
    extent: r.xmin === null || r.xmin === undefined ? null : [r.xmin, r.ymin!, r.xmax!, r.ymax!],
    fidLength: Number(r.fid_len ?? 1),
    valueBytes: measured.map((_, i) => Number(r[`len${i}`] ?? 0)),
  };
}

/** The WKT of a CRS from spatial_ref_sys (null when PostGIS does not have it). */
export async function crsWkt(client: pg.ClientBase, srid: number): Promise<string | null> {
  const { text, values } = crsWktSql(srid);
  const { rows } = await client.query<{ srtext: string }>(text, values);
  return rows[0]?.srtext ?? null;
}
