// The public layers and their data versions, as the database has them after the request arrived.
//
// A tile request must not be answered from data older than an edit whose commit returned before the request
// came in, whichever node made the edit: so the version has to come from the database, after arrival, every
// time. Asking once per request would put a database round trip in front of every cached tile; instead requests
// share reads. A read already running may have started before a request arrived, so that request waits for the
// next one, which starts as soon as the running read ends and serves everybody who arrived meanwhile. Under load
// that is one small query per round trip for any number of requests; alone, a request waits at most two.
//
// Most reads cost one trivial query: the database's current snapshot (`pg_current_snapshot()`: which
// transactions are finished). If it equals the snapshot taken just before the last full read, no transaction has
// committed since, so every version read then is still the current one. Otherwise the catalog is read again. (The
// catalog itself is expensive to read as the server's role: row level security calls a function per layer.)
//
// The catalog is read as the anonymous caller, so row level security returns exactly the layers everyone may
// read: for those this is the authorization, done before the cache is consulted. Restricted layers are authorized
// per request, with the caller set (tile-service.ts).
import type pg from 'pg';
import { findLayer, type Layer } from '../server/catalog/catalog.ts';
import { withTileClient } from './tile-pool.ts';

export interface PublicLayer {
  layer: Layer;
  /** The layer's data version at the read. */
  version: number;
}

export interface PublicCatalog {
  /** In catalog order (sector, then layer, as listLayers). */
  layers: Map<string, PublicLayer>;
  /** Every sector code (sectors are public), for telling an unknown sector from one with no public layer. */
  sectors: Set<string>;
}

export interface CatalogRead {
  /** pg_current_snapshot() just before the catalog was read. */
  snapshot: string;
  catalog: PublicCatalog;
  /** When a read last found this catalog current (performance.now()). */
  confirmedAt: number;
}

// Versions and row versions only: row level security calls a function per layer, so the read is kept small.
const catalogQuery = `
  select 'layer' as kind, l.id, l.data_version, l.xmin::text || ':' || a.xmin::text || ':' || s.xmin::text as row_version,
         row_number() over (order by s.sort, l.sort, l.id) as ord
  from catalog.layers l join catalog.sectors s on s.code = l.sector_code join catalog.agencies a on a.id = l.owner_agency_id
  where l.visibility = 'public'
  union all
  select 'sector', code, 0, null, 0 from catalog.sectors
  order by 1, 5`;

interface CatalogRow {
  kind: 'layer' | 'sector';
  id: string;
  data_version: number;
  row_version: string | null;
  ord: number;
}

export class PublicLayers {
  #running: Promise<PublicCatalog> | null = null;
  #queued: Promise<PublicCatalog> | null = null;
  #last: CatalogRead | null = null;
  readonly #rowVersions = new Map<string, string | null>();
  /** Reads made, and how many of them had to read the catalog itself (for tests and the benchmark). */
  readonly stats = { reads: 0, catalogReads: 0 };

  constructor(private readonly pool: pg.Pool) {}

  /** The last catalog read, if found current less than `maxAgeMs` ago: a guess that each tile then confirms. */
  latest(maxAgeMs: number): CatalogRead | null {
    return this.#last && performance.now() - this.#last.confirmedAt < maxAgeMs ? this.#last : null;
  }

  /** The public catalog as read by a query that started after this call. */
  current(): Promise<PublicCatalog> {
    if (!this.#running) return this.#start();
    if (!this.#queued) {
      this.#queued = this.#running.then(
        () => undefined,
        () => undefined,
      ).then(() => {
        this.#queued = null;
        return this.#start();
      });
    }
    return this.#queued;
  }

  #start(): Promise<PublicCatalog> {
    const read = this.#read().finally(() => {
      if (this.#running === read) this.#running = null;
    });
    this.#running = read;
    return read;
  }

  async #read(): Promise<PublicCatalog> {
    this.stats.reads++;
    const started = performance.now();
    return withTileClient(this.pool, async (client) => {
      const { rows: [now] } = await client.query<{ snapshot: string }>({
        name: 'tiles_snapshot', text: 'select pg_current_snapshot()::text as snapshot',
      });
      const snapshot = now!.snapshot;
      if (this.#last && this.#last.snapshot === snapshot) {
        this.#last.confirmedAt = started;
        return this.#last.catalog;
      }
      // Taken before the catalog is read: if a commit falls in between, the next read sees another snapshot
      // and reads again, so the snapshot never vouches for more than the catalog saw.
      this.stats.catalogReads++;
      const { rows } = await client.query<CatalogRow>({ name: 'tiles_public_catalog', text: catalogQuery });
      const layers = new Map<string, PublicLayer>();
      const sectors = new Set<string>();
      const known = new Map([...(this.#last?.catalog.layers.values() ?? [])].map((p) => [p.layer.id, p]));
      for (const row of rows) {
        if (row.kind === 'sector') {
          sectors.add(row.id);
          continue;
        }
        // A row's xmin changes with every update of it: only then is the full catalog entry read again (the layer's
        // row, or its owner agency's or sector's, whose names the entry carries).
        let layer = known.get(row.id)?.layer;
        if (!layer || this.#rowVersions.get(row.id) !== row.row_version) {
          const found = await findLayer(client, row.id);
          if (!found || found.visibility !== 'public') continue;
          layer = found;
          this.#rowVersions.set(row.id, row.row_version);
        }
        layers.set(row.id, { layer, version: row.data_version });
      }
      const catalog = { layers, sectors };
      this.#last = { snapshot, catalog, confirmedAt: started };
      return catalog;
    });
  }
}
