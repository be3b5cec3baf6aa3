// Search by name across the layers the caller may read (GET /api/search). Matching and ranking happen in the
// database (search.find in sql/migrations/010_reports.sql): names are folded once when they are written — NFC,
// đ → d, accents off, lower case — so "ban gioc" finds "Bản Giốc", and a trigram index answers "contains" queries.
import type pg from 'pg';
import type { Layer } from '../catalog/catalog.ts';
import { badRequest, layerNotFound } from '../errors.ts';

export const QUERY_MAX_LENGTH = 100;
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;

export type MatchKind = 'exact' | 'prefix' | 'word' | 'contains' | 'words';

export interface SearchQuery {
  text: string;
  limit: number;
  /** Only these layers (ids the caller named), or null for every layer with a name attribute. */
  layers: string[] | null;
}

export interface SearchHit {
  layer_id: string;
  fid: number;
  name: string;
  /** Features of the layer with this name (a street in several segments is one result). */
  features: number;
  lon: number;
  lat: number;
  west: number;
  south: number;
  east: number;
  north: number;
  match: MatchKind;
}

type QueryValue = string | string[] | undefined;

function single(query: Record<string, QueryValue>, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw badRequest('invalid_query', `Give ${name} once.`);
  return v;
}

export function parseSearchQuery(query: Record<string, QueryValue>): SearchQuery {
  const raw = single(query, 'q');
  if (raw === undefined) throw badRequest('query_required', 'Say what to look for: ?q=…');
  const text = raw.normalize('NFC').replace(/\u0000/g, '').trim();
  if ([...text].length < 2) throw badRequest('query_too_short', 'Type at least 2 characters.');
  if ([...text].length > QUERY_MAX_LENGTH) throw badRequest('query_too_long', `A search may have at most ${QUERY_MAX_LENGTH} characters.`);
  const limitText = single(query, 'limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > MAX_LIMIT) {
      throw badRequest('invalid_limit', `limit is a whole number from 1 to ${MAX_LIMIT}.`);
    }
    limit = Number(limitText);
  }
  const layersText = single(query, 'layers');
  const layers = layersText === undefined ? null : layersText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (layers !== null && (layers.length === 0 || layers.length > 100)) {
    throw badRequest('invalid_layers', 'layers is a comma-separated list of layer ids.');
  }
  return { text, limit, layers };
}

/**
 * The layers to search: those the caller may see (the catalog, under row level security) that have a name
 * attribute; a named layer the caller may not see answers 404 like everywhere else.
 */
export function searchableLayers(visible: Layer[], wanted: string[] | null): Layer[] {
  const named = visible.filter((l) => l.nameAttribute !== null);
  if (wanted === null) return named;
  const byId = new Map(visible.map((l) => [l.id, l]));
  for (const id of wanted) if (!byId.has(id)) throw layerNotFound(id);
  const set = new Set(wanted);
  return named.filter((l) => set.has(l.id));
}

export async function searchNames(client: pg.ClientBase, layers: Layer[], q: SearchQuery): Promise<SearchHit[]> {
  if (layers.length === 0) return [];
  const { rows } = await client.query<SearchHit>('select * from search.find($1, $2, $3)', [q.text, layers.map((l) => l.id), q.limit]);
  return rows;
}
