// LISTEN cb_layer_changed on a connection of its own, reconnecting after any error. The database sends one
// notification per committed change of a layer's features (history.record_changes), in commit order, each with the
// layer's new data version and the bounding box of what changed; the tile cache drops what each one touched.
//
// The cache is correct without this (see tile-cache.ts): the listener only lets tiles an edit did not touch stay
// cached across it. So losing the connection is not an emergency: the cache is told to count on no notification
// until the next one arrives, and the listener comes back with a growing delay.
import pg from 'pg';
import type { Bbox } from '../server/catalog/extent.ts';
import type { LayerChange } from './tile-cache.ts';

export const LAYER_CHANGED_CHANNEL = 'cb_layer_changed';
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

export interface ChangeListenerOptions {
  connectionString: string;
  onChange: (change: LayerChange) => void;
  /** Called when notifications may have been missed: the connection dropped (or never came up). */
  onGap: () => void;
  log?: (message: string, extra?: Record<string, unknown>) => void;
}

export function parseLayerChange(payload: string | undefined): LayerChange | null {
  if (!payload) return null;
  try {
    const value = JSON.parse(payload) as { layer?: unknown; version?: unknown; bbox?: unknown };
    if (typeof value.layer !== 'string' || !Number.isSafeInteger(value.version)) return null;
    const bbox = Array.isArray(value.bbox) && value.bbox.length === 4 && value.bbox.every((n) => Number.isFinite(n))
      ? (value.bbox as Bbox)
      : null;
    return { layer: value.layer, version: value.version as number, bbox };
  } catch {
    return null;
  }
}

export class ChangeListener {
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = RETRY_MIN_MS;
  #timer: NodeJS.Timeout | null = null;
  #connected: Promise<void>;
  #resolveConnected!: () => void;
  /** Notifications received since start, for tests and metrics. */
  received = 0;

  constructor(readonly options: ChangeListenerOptions) {
    this.#connected = new Promise((resolve) => {
      this.#resolveConnected = resolve;
    });
  }

  start(): void {
    void this.#connect();
  }

  /** Resolves once the first LISTEN is in place (tests wait for it; serving never does). */
  get connected(): Promise<void> {
    return this.#connected;
  }

  /** The backend's pid while connected, else null. */
  get pid(): number | null {
    return (this.#client as unknown as { processID?: number } | null)?.processID ?? null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: 'caobang-tiles-listener',
      keepAlive: true,
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      this.options.onGap();
      if (!this.#closed) {
        this.options.log?.('tile change listener lost its connection; reconnecting', { err: err?.message, retryMs: this.#retryMs });
        this.#schedule();
      }
      client.end().catch(() => {});
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      // After a loss the cache has been told to count on nothing; a straggler must not make it count again.
      if (lost || message.channel !== LAYER_CHANGED_CHANNEL) return;
      const change = parseLayerChange(message.payload);
      this.received++;
      // An unreadable notification is a change we cannot place: as good as a missed one.
      if (change) this.options.onChange(change);
      else this.options.onGap();
    });
    try {
      await client.connect();
      await client.query(`listen ${LAYER_CHANGED_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (this.#closed || lost) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = RETRY_MIN_MS;
    this.#resolveConnected();
  }

  #schedule(): void {
    if (this.#timer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, delay);
    this.#timer.unref();
  }
}
