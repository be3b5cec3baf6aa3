// Compressed tiles in this server's memory, least recently used out first, within a byte budget, kept across
// edits except where an edit touched them.
//
// Every entry carries the layer's data version it was rendered at (a lower bound: its query may have seen
// later commits). A request brings the layer's current version, read from the database after the request
// arrived (tile-service.ts), and an entry older than that is served only if every change in between is known to
// have missed it: the listener (change-listener.ts) applies each committed change, in commit order, by dropping
// the tiles its bounding box touches, and counts the versions it has applied without a gap. An entry is served
//   - when it is at least as new as the current version, or
//   - when the changes up to the current version have all been applied here (none of them touched it, or it
//     would be gone).
// Anything else is a miss and is rendered again. A notification that is late, lost, or never comes (listener
// disconnected) therefore costs cache hits, never correctness: a tile is not served stale after the edit's commit
// returned, on this node or any other.
//
// The bytes are shared by every caller allowed to read the layer: reading rights are per layer (row level
// security allows or denies a whole table), so authorization happens before the cache and the tile itself
// does not depend on who asks. A per-row rule would have to become part of the key.
import type { Bbox } from '../server/catalog/extent.ts';
import type { TileAddress } from './tile-address.ts';
import type { TilePart } from './tile-bytes.ts';
import { TILE_BUFFER, TILE_EXTENT } from './tile-sql.ts';

/** Map entry, key and bookkeeping: counted so that a flood of empty tiles is bounded too. */
const ENTRY_OVERHEAD_BYTES = 160;
/** Changes remembered per layer, to check a tile that finished rendering after later changes were applied. */
const CHANGE_LOG_LENGTH = 64;

/** One committed change of a layer, as `history.record_changes` announces it on `cb_layer_changed`. */
export interface LayerChange {
  layer: string;
  version: number;
  /** WGS84 [west, south, east, north] of every row the change touched (old and new places); null: anywhere. */
  bbox: Bbox | null;
}

interface Entry {
  layerId: string;
  tile: TileAddress;
  version: number;
  part: TilePart;
  cost: number;
}

interface LayerState {
  /** Every change up to this version has been applied; null: unknown (no notification since the listener connected). */
  applied: number | null;
  /** The last changes applied, oldest first, with consecutive versions ending at `applied`. */
  log: LayerChange[];
  keys: Set<string>;
}

export interface TileCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because a change touched them (or could have). */
  invalidated: number;
  evicted: number;
}

export class TileCache {
  readonly #entries = new Map<string, Entry>();
  readonly #layers = new Map<string, LayerState>();
  #bytes = 0;
  readonly stats: TileCacheStats = { hits: 0, misses: 0, invalidated: 0, evicted: 0 };

  constructor(readonly capacityBytes: number) {}

  /** `statement` is the layer's tile statement name: a catalog change that alters the SQL never meets old bytes. */
  static key(layerId: string, statement: string, tile: TileAddress): string {
    return `${layerId}|${statement}|${tile.z}/${tile.x}/${tile.y}`;
  }

  /** The tile if it may be served to a request that read `currentVersion` for its layer. */
  get(key: string, currentVersion: number): TilePart | undefined {
    const entry = this.#entries.get(key);
    if (!entry || !this.#fresh(entry, currentVersion)) {
      this.stats.misses++;
      return undefined;
    }
    // A Map iterates in insertion order: re-inserting makes this the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    this.stats.hits++;
    return entry.part;
  }

  /** Whether there is an entry at all, fresh or not. */
  holds(key: string): boolean {
    return this.#entries.has(key);
  }

  /** As get, without counting or touching. */
  has(key: string, currentVersion: number): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && this.#fresh(entry, currentVersion);
  }

  #fresh(entry: Entry, currentVersion: number): boolean {
    return entry.version >= currentVersion || (this.#layers.get(entry.layerId)?.applied ?? -1) >= currentVersion;
  }

  /** Stores a tile rendered after reading `version` for its layer; returns false when it is not kept. */
  set(key: string, layerId: string, tile: TileAddress, version: number, part: TilePart): boolean {
    const cost = part.gzip.length + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (cost > this.capacityBytes) return false;
    const state = this.#state(layerId);
    if (state.applied !== null && version < state.applied && !this.#untouchedSince(state, version, tile)) return false;
    this.#remove(key);
    this.#entries.set(key, { layerId, tile, version, part, cost });
    state.keys.add(key);
    this.#bytes += cost;
    for (const oldest of this.#entries.keys()) {
      if (this.#bytes <= this.capacityBytes) break;
      this.#remove(oldest);
      this.stats.evicted++;
    }
    return true;
  }

  /**
   * Applies one committed change: drops the tiles rendered before it that its bounding box touches, at every
   * zoom. After a change that does not follow the last one applied (the first since the listener connected, or
   * one after a gap), a tile rendered before the version just ahead of it may lack a change nobody announced:
   * those go whatever the box. Returns the tiles dropped.
   */
  applyChange(change: LayerChange): TileAddress[] {
    const state = this.#state(change.layer);
    const inSequence = state.applied !== null && change.version === state.applied + 1;
    const repeat = state.applied !== null && change.version <= state.applied;
    const dropped: TileAddress[] = [];
    for (const key of [...state.keys]) {
      const entry = this.#entries.get(key)!;
      if (entry.version >= change.version) continue;
      const lacksOnlyThis = inSequence || repeat || entry.version === change.version - 1;
      if (lacksOnlyThis && change.bbox && !touches(change.bbox, entry.tile)) continue;
      this.#remove(key);
      this.stats.invalidated++;
      dropped.push(entry.tile);
    }
    if (inSequence) {
      state.applied = change.version;
      state.log.push(change);
      if (state.log.length > CHANGE_LOG_LENGTH) state.log.shift();
    } else if (!repeat) {
      state.applied = change.version;
      state.log = [change];
    }
    return dropped;
  }

  /** The listener lost its connection: notifications may be missed from now on, so none is counted on. */
  forgetChanges(): void {
    for (const state of this.#layers.values()) {
      state.applied = null;
      state.log = [];
    }
  }

  /** The last data version of the layer up to which every change has been applied here; null: none known. */
  appliedVersion(layerId: string): number | null {
    return this.#layers.get(layerId)?.applied ?? null;
  }

  /** Bytes held, overhead included; never above capacityBytes. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether every change after `version` up to the last applied one is known, and none touched the tile. */
  #untouchedSince(state: LayerState, version: number, tile: TileAddress): boolean {
    const first = state.log[0];
    if (!first || first.version > version + 1) return false;
    return state.log.every((c) => c.version <= version || (c.bbox !== null && !touches(c.bbox, tile)));
  }

  #state(layerId: string): LayerState {
    let state = this.#layers.get(layerId);
    if (!state) {
      state = { applied: null, log: [], keys: new Set() };
      this.#layers.set(layerId, state);
    }
    return state;
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.cost;
    this.#layers.get(entry.layerId)?.keys.delete(key);
  }
}

const MAX_MERCATOR_LAT = 85.0511287798066;

/** Tile x, y (fractional) of a WGS84 position at zoom z. */
function tileCoordinates(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const phi = (Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat)) * Math.PI) / 180;
  return [((lon + 180) / 360) * n, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n];
}

/**
 * Whether a change inside `bbox` can alter the tile: the tile selects features by its envelope grown by the
 * buffer, so that is what must meet the box. One more tile unit of margin absorbs the difference between this
 * arithmetic and PostGIS's own transformation of the coordinates.
 */
export function touches(bbox: Bbox, tile: TileAddress): boolean {
  const [west, south, east, north] = bbox;
  const [x0, y0] = tileCoordinates(west, north, tile.z);
  const [x1, y1] = tileCoordinates(east, south, tile.z);
  const margin = (TILE_BUFFER + 1) / TILE_EXTENT;
  return x1 >= tile.x - margin && x0 <= tile.x + 1 + margin && y1 >= tile.y - margin && y0 <= tile.y + 1 + margin;
}

/** The tiles of zoom z that `bbox` (with the tile buffer) touches, at most `limit` of them. */
export function tilesCovering(bbox: Bbox, z: number, limit: number): TileAddress[] {
  const [west, south, east, north] = bbox;
  const margin = (TILE_BUFFER + 1) / TILE_EXTENT;
  const n = 2 ** z;
  const [x0, y0] = tileCoordinates(west, north, z);
  const [x1, y1] = tileCoordinates(east, south, z);
  const clamp = (v: number) => Math.min(n - 1, Math.max(0, Math.floor(v)));
  const tiles: TileAddress[] = [];
  for (let x = clamp(x0 - margin); x <= clamp(x1 + margin); x++) {
    for (let y = clamp(y0 - margin); y <= clamp(y1 + margin); y++) {
      if (tiles.length >= limit) return tiles;
      tiles.push({ z, x, y });
    }
  }
  return tiles;
}
