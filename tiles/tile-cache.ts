// Compressed tiles in this server's memory, least recently used out first, within a byte budget.
// Keys carry the layer's data version: an edit bumps the version, so a tile cached before it is never found
// again and simply ages out. That is what keeps this cache correct without any invalidation.
//
// The bytes are shared by every caller allowed to read the layer: reading rights are per layer (row level
// security allows or denies a whole table), so authorization happens before the cache and the tile itself
// does not depend on who asks. A per-row rule would have to become part of the key.
import type { TileAddress } from './tile-address.ts';

/** Map entry, key and bookkeeping: counted so that a flood of empty tiles is bounded too. */
const ENTRY_OVERHEAD_BYTES = 96;

export class TileCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  constructor(readonly capacityBytes: number) {}

  static key(layerId: string, dataVersion: number, tile: TileAddress): string {
    return `${layerId}@${dataVersion}/${tile.z}/${tile.x}/${tile.y}`;
  }

  get(key: string): Buffer | undefined {
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return undefined;
    // A Map iterates in insertion order: re-inserting makes this the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, bytes);
    return bytes;
  }

  set(key: string, bytes: Buffer): void {
    const cost = TileCache.#cost(key, bytes);
    if (cost > this.capacityBytes) return;
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= TileCache.#cost(key, previous);
    }
    this.#entries.set(key, bytes);
    this.#bytes += cost;
    for (const [oldest, oldBytes] of this.#entries) {
      if (this.#bytes <= this.capacityBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= TileCache.#cost(oldest, oldBytes);
    }
  }

  /** Bytes held, overhead included; never above capacityBytes. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  static #cost(key: string, bytes: Buffer): number {
    return bytes.length + key.length * 2 + ENTRY_OVERHEAD_BYTES;
  }
}
