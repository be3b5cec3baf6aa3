// The catalog entry of a collection for an anonymous request, without a catalog query of its own.
//
// Nearly all feed traffic is anonymous, and every items page needs the layer's catalog entry (its attributes for
// the SQL, its data version for the ETag) before the page query. Reading it per request costs a query under row
// level security, which calls a function per layer. Anonymous callers see exactly the public layers, and the tiles
// already keep those in one shared read (tiles/public-layers.ts): a read that starts after the request arrived,
// so a change committed before it (a layer made restricted or removed, an edit's new data version, a new
// attribute, a renamed agency) is always seen, while concurrent requests share one trivial snapshot query.
// Signed-in callers and API keys read the entry in their own transaction, where row level security decides.
//
// The entry of the last read (under a second old) is also offered as a guess, so the page query can run before
// any read of the catalog: nothing is sent until the guess is confirmed. A page whose query saw the very snapshot
// that read saw (nothing committed in between, and the query started after the request arrived) confirms it by
// itself, as a tile does (tiles/tile-service.ts); otherwise a shared read that starts after the request arrived
// decides, and is started only then.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tileServiceFor } from '../../tiles/tile-service.ts';
import type { Layer } from '../catalog/catalog.ts';

const GUESS_MAX_AGE_MS = 1000;

export interface SharedLookup {
  /** The entry from the last read, if recent (null: none, or the layer was not public then). Unconfirmed. */
  guess: Layer | null;
  /** pg_current_snapshot() just before the read the guess comes from (null with no guess). */
  guessSnapshot: string | null;
  /**
   * The entry as read after the request arrived; null when there is no public layer with that id (a 404). The
   * read starts at the first call; later calls share it.
   */
  confirmed(): Promise<Layer | null>;
}

/**
 * The lookup for an anonymous request, or null when the caller's own transaction must find the layer: a
 * signed-in or keyed caller, or a node whose anonymous reads may go to a streaming replica (the entry and the page
 * must then come from the same database, or an ETag could name a version the replica has not replayed yet).
 */
export function sharedLookup(app: FastifyInstance, request: FastifyRequest, id: string): SharedLookup | null {
  if (request.caller.kind !== 'anonymous' || app.db.replica !== null) return null;
  const layers = tileServiceFor(app).publicLayers;
  const latest = layers.latest(GUESS_MAX_AGE_MS);
  const guess = latest?.catalog.layers.get(id)?.layer ?? null;
  let confirmed: Promise<Layer | null> | null = null;
  return {
    guess,
    guessSnapshot: guess ? latest!.snapshot : null,
    confirmed: () => (confirmed ??= layers.current().then((catalog) => catalog.layers.get(id)?.layer ?? null)),
  };
}

/** Thrown when a guessed entry turned out not to be the current one: the work is done again with the confirmed one. */
export class StaleGuess extends Error {
  constructor() {
    super('the catalog entry changed since the last read');
    this.name = 'StaleGuess';
  }
}
