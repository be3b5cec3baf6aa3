// Tiles of one layer or several, for one caller: authorize, then cache, then the database.
//
// Public layers are authorized and versioned by the shared read of the public catalog (public-layers.ts) and
// rendered on the tiles' own pool as the anonymous caller, which may read them like everybody; restricted layers
// are found, and rendered, inside the caller's own transaction, so row level security decides, as everywhere.
// A tile is cached per layer; a composite is assembled from the layers' cached parts (tile-bytes.ts).
//
// With a streaming replica (READ_DATABASE_URL), the public tiles of a request that may read there (anonymous, see
// server/db/read-replica.ts) are rendered on it, on a pool of its own, when it has replayed the layer's current
// data version (#fromReplica); otherwise, and whatever goes wrong there, on the primary.
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { findLayer, listLayers, type Layer } from '../server/catalog/catalog.ts';
import { isAnonymous, type Caller } from '../server/db/database.ts';
import type { ReadReplica } from '../server/db/read-replica.ts';
import { tileCacheHits, tileCacheMisses } from '../server/ops/metrics.ts';
import { ChangeListener } from './change-listener.ts';
import { connectionLost, createTilePool, TILE_QUERY_SETTINGS, withTileClient } from './tile-pool.ts';
import { PublicLayers, type CatalogRead, type PublicCatalog } from './public-layers.ts';
import type { TileAddress } from './tile-address.ts';
import { compressPart, digestOf, type TilePart } from './tile-bytes.ts';
import { TileCache, tilesCovering, type LayerChange } from './tile-cache.ts';
import { tileQuery, versionedTileQuery } from './tile-sql.ts';

export { TILE_QUERY_SETTINGS } from './tile-pool.ts';
/**
 * A tile with rows in it proves its layer public without the catalog, but not that the catalog entry it was made
 * from (attributes, zoom range) is still the administrator's latest: guesses older than this are read again.
 */
const GUESS_MAX_AGE_MS = 1000;

export interface VisibleLayer {
  layer: Layer;
  /** Its data version, read after the request arrived. */
  version: number;
}

export interface RenderedPart {
  layer: Layer;
  /** Digest and length of the layer's MVT bytes (0: nothing of the layer in this tile). */
  digest: string;
  size: number;
  /** Compressed, as the cache keeps it: absent when rendered just now with the cache disabled. */
  part?: TilePart;
  /** The MVT bytes, when rendered just now (saves inflating them again for a client that takes no gzip). */
  mvt?: Buffer;
}

export interface LayerScope {
  /**
   * The layers the caller may read, in the order asked for (unknown and invisible ones are left out). After
   * `parts`, a layer found no longer public is gone from it too.
   */
  visible: VisibleLayer[];
  /** Each layer's tile, in order, from the cache or the database; a layer found no longer visible is left out. */
  parts(layers: readonly VisibleLayer[], tile: TileAddress): Promise<RenderedPart[]>;
}

const services = new WeakMap<object, TileService>();

/** The tile service of an app (one per app, shared by its tile, OGC and style routes). */
export function tileServiceFor(app: FastifyInstance): TileService {
  let service = services.get(app.db);
  if (!service) {
    const created = new TileService(app);
    services.set(app.db, created);
    app.addHook('onClose', async () => created.close());
    service = created;
  }
  return service;
}

type Miss = { index: number; entry: VisibleLayer };

export class TileService {
  readonly pool: pg.Pool;
  /** The tiles' connections to the streaming replica, if there is one. */
  readonly replicaPool: pg.Pool | null;
  /** Tiles rendered on the replica; asked of it but left to the primary (behind the version; an error there). */
  readonly replicaStats = { reads: 0, behind: 0, failed: 0 };
  readonly cache: TileCache;
  readonly publicLayers: PublicLayers;
  readonly listener: ChangeListener;
  /** Low-zoom tiles a change touched, waiting to be rendered ahead of the next request (#seedLowZooms). */
  readonly #seeds = new Map<string, { layerId: string; tile: TileAddress }>();
  #seeding = false;
  #rereading = false;
  #closed = false;

  constructor(private readonly app: FastifyInstance) {
    this.pool = createTilePool(app.db.pool.options.connectionString!);
    const replica = app.db.replica;
    this.replicaPool = replica ? createTilePool(replica.pool.options.connectionString!, { replica: true }) : null;
    this.cache = new TileCache(app.config.TILE_CACHE_BYTES);
    this.publicLayers = new PublicLayers(this.pool);
    this.listener = new ChangeListener({
      connectionString: app.db.pool.options.connectionString!,
      onChange: (change) => this.#applyChange(change),
      onGap: () => this.cache.forgetChanges(),
      log: (message, extra) => app.log.warn(extra ?? {}, message),
    });
    this.listener.start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.listener.close();
    await Promise.all([this.pool.end(), this.replicaPool?.end()]);
  }

  /**
   * Runs `fn` with the layers among `ids` that the caller may read. Restricted layers are looked up (and later
   * rendered) in the caller's transaction, which stays open while `fn` runs. Public layers come from the last
   * catalog read when it names them all: `parts` then confirms it before anything is served (see there).
   */
  async withLayers<T>(caller: Caller, ids: readonly string[], fn: (scope: LayerScope) => Promise<T>): Promise<T> {
    const latest = this.publicLayers.latest(GUESS_MAX_AGE_MS);
    const guess = latest && ids.every((id) => latest.catalog.layers.has(id)) ? latest : null;
    const catalog = guess?.catalog ?? (await this.publicLayers.current());
    const others = ids.filter((id) => !catalog.layers.has(id));
    if (others.length === 0 || isAnonymous(caller)) {
      return fn(this.#scope(ids.flatMap((id) => catalog.layers.get(id) ?? []), null, guess, this.#replicaFor(caller)));
    }
    return this.app.db.withCaller(caller, async (client) => {
      const found = new Map<string, VisibleLayer>();
      for (const id of others) {
        const layer = await findLayer(client, id);
        if (layer) found.set(id, { layer, version: layer.dataVersion });
      }
      return fn(this.#scope(ids.flatMap((id) => catalog.layers.get(id) ?? found.get(id) ?? []), client, guess, null));
    });
  }

  /**
   * Every layer the caller may read (public from the shared read, the others from the caller's transaction).
   * `needsFresh` says when the last catalog read cannot be used as a guess (it lacks what is asked for).
   */
  async withAllLayers<T>(
    caller: Caller,
    fn: (scope: LayerScope, catalog: PublicCatalog) => Promise<T>,
    needsFresh: (catalog: PublicCatalog) => boolean = () => false,
  ): Promise<T> {
    const latest = this.publicLayers.latest(GUESS_MAX_AGE_MS);
    const guess = latest && !needsFresh(latest.catalog) ? latest : null;
    const catalog = guess?.catalog ?? (await this.publicLayers.current());
    if (isAnonymous(caller)) {
      return fn(this.#scope([...catalog.layers.values()], null, guess, this.#replicaFor(caller)), catalog);
    }
    // The caller's own read of the catalog has every version fresh, the public ones too: no guess needed.
    return this.app.db.withCaller(caller, async (client) => {
      const visible = (await listLayers(client)).map((layer) => ({ layer, version: layer.dataVersion }));
      return fn(this.#scope(visible, client, null, null), catalog);
    });
  }

  /**
   * `guess`: the public layers came from the last catalog read (under a second old), not from one made after
   * the request arrived. That is enough for a tile not in the cache: its query starts after arrival, so its data
   * is current, and the version it is labelled with, read before, is never newer than its data. Whether the layer
   * is still public, the query itself shows: rows come back only if the table's read policy lets the anonymous
   * caller read, and an empty tile whose snapshot equals the guess's saw nothing committed since. An empty tile
   * after a commit, or a cached tile to vouch for, waits for a fresh read first. So does a tile from the replica:
   * its query starting after arrival proves nothing there (the replica may not have replayed what was committed
   * before), so its data must be checked against a version read after arrival, and its rows do not show the layer
   * still public (a layer made restricted just before the request may still be public on the replica).
   */
  #scope(visible: VisibleLayer[], callerClient: pg.PoolClient | null, guess: CatalogRead | null, replica: ReadReplica | null): LayerScope {
    let restrictedReady = false;
    let fresh = guess === null;
    const scope: LayerScope = {
      visible,
      parts: async (layers, tile) => {
        const isPublic = (e: VisibleLayer) => e.layer.visibility === 'public';
        const keyOf = (e: VisibleLayer) => TileCache.key(e.layer.id, tileQuery(e.layer, tile).name, tile);
        /** Replaces the guessed public entries by fresh ones; a layer no longer public leaves the scope. */
        const refresh = async () => {
          const catalog = await this.publicLayers.current();
          const now = (e: VisibleLayer) => (isPublic(e) ? catalog.layers.get(e.layer.id) ?? null : e);
          scope.visible = scope.visible.flatMap((e) => now(e) ?? []);
          fresh = true;
          return now;
        };
        let wanted = [...layers];
        if (!fresh && wanted.some((e) => isPublic(e) && (replica !== null || this.cache.holds(keyOf(e))))) {
          const now = await refresh();
          wanted = wanted.flatMap((e) => now(e) ?? []);
        }
        const out: Array<RenderedPart | null> = [];
        const missing: Miss[] = [];
        for (const entry of wanted) {
          const part = this.cache.get(keyOf(entry), entry.version);
          if (part) tileCacheHits.inc();
          else {
            tileCacheMisses.inc();
            missing.push({ index: out.length, entry });
          }
          out.push(part ? { layer: entry.layer, digest: part.digest, size: part.size, part } : null);
        }
        let publicMisses = missing.filter((m) => isPublic(m.entry));
        if (replica && publicMisses.length > 0) publicMisses = await this.#fromReplica(replica, publicMisses, tile, out, keyOf);
        const restrictedMisses = missing.filter((m) => !isPublic(m.entry));
        if (publicMisses.length > 0) {
          await this.#withTileClient(async (client) => {
            for (const m of publicMisses) {
              const { mvt, snapshot } = await this.#query(client, m.entry, tile);
              // Trusted as it is: with a fresh read; with the guess's own snapshot (nothing committed since); or
              // with rows in it, which the table's read policy let the anonymous caller see: public at the query.
              if (fresh || snapshot === guess!.snapshot || mvt.length > 0) {
                // After a commit the guessed version may be behind the bytes (a safe label, but one that a later
                // change can drop needlessly): have the next requests guess from a newer read.
                if (!fresh && snapshot !== guess!.snapshot) this.#reread();
                out[m.index] = await this.#keep(m.entry, keyOf(m.entry), tile, mvt);
                continue;
              }
              // Empty, and something was committed since the guess: still public? Still the same statement?
              const now = (await refresh())(m.entry);
              if (!now || tile.z < now.layer.minZoom) continue;
              if (tileQuery(now.layer, tile).name === tileQuery(m.entry.layer, tile).name) {
                out[m.index] = await this.#keep({ layer: now.layer, version: m.entry.version }, keyOf(now), tile, mvt);
              } else {
                out[m.index] = await this.#keep(now, keyOf(now), tile, (await this.#query(client, now, tile)).mvt);
              }
            }
          });
        }
        if (restrictedMisses.length > 0) {
          // Only a caller who is not anonymous can have a restricted layer in scope, so the transaction exists.
          if (!callerClient) throw new Error('a restricted layer without the caller\'s transaction');
          if (!restrictedReady) {
            await callerClient.query(`select ${Object.entries(TILE_QUERY_SETTINGS).map(([k, v]) => `set_config('${k}', '${v}', true)`).join(', ')}`);
            restrictedReady = true;
          }
          for (const m of restrictedMisses) {
            out[m.index] = await this.#keep(m.entry, keyOf(m.entry), tile, (await this.#query(callerClient, m.entry, tile)).mvt);
          }
        }
        return out.filter((p): p is RenderedPart => p !== null);
      },
    };
    return scope;
  }

  /** The replica, if `caller`'s reads may go there now (read-replica.ts decides: who asks, how far behind it is). */
  #replicaFor(caller: Caller): ReadReplica | null {
    const replica = this.app.db.replica;
    return this.replicaPool && replica?.serves(caller) ? replica : null;
  }

  /**
   * Renders `misses` on the replica into `out`; returns those left for the primary. Each tile's statement also reads
   * the layer's data version, in the same snapshot as the tile (versionedTileStatement). It is used only if that is
   * at least the version the entry carries, read on the primary after the request arrived: then the tile holds every
   * change committed before the request, and is labelled and cached with that version exactly as the primary's
   * would be (a lower bound of its data). A replica behind it leaves the tile to the primary, so a lagging replica
   * is never cached under a version it has not replayed. Any error there does too (a connection error also sends
   * the next reads to the primary until the replica's probe finds it well).
   */
  async #fromReplica(replica: ReadReplica, misses: Miss[], tile: TileAddress, out: Array<RenderedPart | null>,
    keyOf: (e: VisibleLayer) => string): Promise<Miss[]> {
    try {
      await withTileClient(this.replicaPool!, async (client) => {
        for (const m of misses) {
          const { rows: [row] } = await client.query<{ mvt: Buffer | null; data_version: number | null }>(versionedTileQuery(m.entry.layer, tile));
          if (row?.data_version == null || row.data_version < m.entry.version) {
            this.replicaStats.behind++;
            continue;
          }
          this.replicaStats.reads++;
          out[m.index] = await this.#keep(m.entry, keyOf(m.entry), tile, row.mvt ?? Buffer.alloc(0));
        }
      });
    } catch (err) {
      this.replicaStats.failed++;
      // A statement the replica refused (a column it has not replayed yet) says nothing about the connection.
      if (connectionLost(err) || (err as { severity?: string }).severity === undefined) replica.markDown();
      this.app.log.warn({ err: (err as Error).message }, 'a tile read on the read replica failed; reading the primary');
    }
    return misses.filter((m) => out[m.index] === null);
  }

  /** One catalog read in the background, not waited for (a failure shows on the next request that needs one). */
  #reread(): void {
    if (this.#rereading) return;
    this.#rereading = true;
    this.publicLayers.current().catch(() => {}).finally(() => {
      this.#rereading = false;
    });
  }

  async #query(client: pg.ClientBase, entry: VisibleLayer, tile: TileAddress): Promise<{ mvt: Buffer; snapshot: string }> {
    const { rows } = await client.query<{ mvt: Buffer | null; snapshot: string }>(tileQuery(entry.layer, tile));
    return { mvt: rows[0]?.mvt ?? Buffer.alloc(0), snapshot: rows[0]?.snapshot ?? '' };
  }

  /** Caches a tile just rendered, labelled with `entry.version`: read before the query, so never newer than its data. */
  async #keep(entry: VisibleLayer, key: string, tile: TileAddress, mvt: Buffer): Promise<RenderedPart> {
    // With the cache disabled nothing is compressed unless the client asks for gzip (tile-response.ts).
    if (this.cache.capacityBytes === 0) return { layer: entry.layer, digest: digestOf(mvt), size: mvt.length, mvt };
    const part = await compressPart(mvt);
    this.cache.set(key, entry.layer.id, tile, entry.version, part);
    return { layer: entry.layer, digest: part.digest, size: part.size, part, mvt };
  }

  #withTileClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTileClient(this.pool, fn);
  }

  #applyChange(change: LayerChange): void {
    const dropped = this.cache.applyChange(change);
    const seeds = [...dropped.filter((t) => t.z <= SEED_MAX_ZOOM)];
    if (change.bbox) for (let z = 0; z <= SEED_MAX_ZOOM; z++) seeds.push(...tilesCovering(change.bbox, z, SEED_MAX_TILES));
    for (const tile of seeds) {
      if (this.#seeds.size >= SEED_MAX_TILES) break;
      this.#seeds.set(`${change.layer}/${tile.z}/${tile.x}/${tile.y}`, { layerId: change.layer, tile });
    }
    if (this.#seeds.size > 0 && !this.#seeding) void this.#seedLowZooms();
  }

  /**
   * After a change, the layer's z0–z8 tiles over what changed are rendered at once, one at a time, if the layer is
   * public: the tiles the change dropped and those it newly fills (an import into a new layer). They are few
   * (z0–z8 over the whole province is a dozen per layer), each covers a district or more, and the next map that
   * opens needs them first. Every node does this for itself on the notification, which is what pre-seeding after an
   * import needs with caches per node (a job on one node would warm one cache). Restricted layers wait for a reader:
   * there is no caller to render them as.
   */
  async #seedLowZooms(): Promise<void> {
    this.#seeding = true;
    try {
      while (this.#seeds.size > 0 && !this.#closed) {
        const [key, job] = this.#seeds.entries().next().value as [string, { layerId: string; tile: TileAddress }];
        this.#seeds.delete(key);
        const catalog = await this.publicLayers.current();
        const entry = catalog.layers.get(job.layerId);
        if (!entry || job.tile.z < entry.layer.minZoom) continue;
        const cacheKey = TileCache.key(entry.layer.id, tileQuery(entry.layer, job.tile).name, job.tile);
        if (this.cache.has(cacheKey, entry.version)) continue;
        await this.#withTileClient(async (client) => this.#keep(entry, cacheKey, job.tile, (await this.#query(client, entry, job.tile)).mvt));
      }
    } catch (err) {
      this.app.log.warn({ err: (err as Error).message }, 'seeding low-zoom tiles after a change failed');
      this.#seeds.clear();
    } finally {
      this.#seeding = false;
    }
  }
}

const SEED_MAX_ZOOM = 8;
const SEED_MAX_TILES = 256;
