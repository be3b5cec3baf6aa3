// GET /api/layers/:layerId/changes?interval=day|month&limit=N — how many features were inserted, updated and
// deleted per day or month (Vietnam time), from the history (sql/013): the chart of the layer data page. The
// caller's rights apply as everywhere: a layer it may not see is a 404, and the SQL function checks again.
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { badRequest, layerNotFound } from '../errors.ts';
import { baseUrl } from '../http-urls.ts';

export const CHANGE_INTERVALS = ['day', 'month'] as const;
export type ChangeInterval = (typeof CHANGE_INTERVALS)[number];

/** Periods returned when no limit is asked for: a quarter of days, or ten years of months. */
const DEFAULT_LIMIT: Record<ChangeInterval, number> = { day: 92, month: 120 };
const MAX_LIMIT = 1000;
const PARAMETERS = ['interval', 'limit'];

interface ChangeRow {
  period: string;
  inserted: number;
  updated: number;
  deleted: number;
  first_at: Date;
  last_at: Date;
}

interface ChangeQuery {
  interval: ChangeInterval;
  limit: number;
}

function parseChangeQuery(url: string): ChangeQuery {
  const i = url.indexOf('?');
  const params = i < 0 ? [] : [...new URLSearchParams(url.slice(i + 1))];
  const seen = new Map<string, string>();
  for (const [name, value] of params) {
    if (!PARAMETERS.includes(name)) {
      throw badRequest('unknown_parameter', `Unknown parameter '${name.slice(0, 40)}'. Allowed: ${PARAMETERS.join(', ')}.`);
    }
    if (seen.has(name)) throw badRequest('invalid_parameter', `${name} may be given only once.`);
    seen.set(name, value);
  }
  const intervalText = seen.get('interval') ?? 'day';
  if (!(CHANGE_INTERVALS as readonly string[]).includes(intervalText)) {
    throw badRequest('invalid_interval', `interval is day or month; got '${intervalText.slice(0, 30)}'.`);
  }
  const interval = intervalText as ChangeInterval;
  const limitText = seen.get('limit');
  if (limitText !== undefined && !(/^\d{1,4}$/.test(limitText) && Number(limitText) >= 1 && Number(limitText) <= MAX_LIMIT)) {
    throw badRequest('invalid_limit', `limit is a whole number of periods from 1 to ${MAX_LIMIT}; got '${limitText.slice(0, 30)}'.`);
  }
  return { interval, limit: limitText === undefined ? DEFAULT_LIMIT[interval] : Number(limitText) };
}

// Counting a layer's history reads every version of it (~150 ms for 48 000): kept per data version, which every
// committed change of the layer bumps, like the extent (catalog/extent.ts). The caller's right to the layer is
// checked before the cache is consulted, so it holds only what anyone allowed would be answered.
const CACHE_ENTRIES = 500;
const cache = new Map<string, ChangeRow[]>();

async function countChanges(client: pg.ClientBase, layer: Layer, query: ChangeQuery): Promise<ChangeRow[]> {
  const key = `${layer.id}|${layer.dataVersion}|${query.interval}|${query.limit}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { rows } = await client.query<ChangeRow>(
    'select period, inserted, updated, deleted, first_at, last_at from history.layer_changes($1, $2, $3)',
    [layer.id, query.interval, query.limit],
  );
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, rows);
  return rows;
}

export async function layerChangeRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { layerId: string } }>('/api/layers/:layerId/changes', async (request, reply) => {
    const { layerId } = request.params;
    const body = await app.db.withCaller(request.caller, async (client) => {
      // The layer first: an unknown or invisible layer is a 404 before its parameters are judged, as for features.
      const layer = await findLayer(client, layerId);
      if (!layer) throw layerNotFound(layerId);
      const query = parseChangeQuery(request.url);
      const rows = await countChanges(client, layer, query);
      const totals = { inserted: 0, updated: 0, deleted: 0 };
      for (const r of rows) {
        totals.inserted += r.inserted;
        totals.updated += r.updated;
        totals.deleted += r.deleted;
      }
      reply.header('cache-control', layer.visibility === 'public' ? 'no-cache' : 'private, no-store');
      return {
        layer: layer.id,
        interval: query.interval,
        time_zone: 'Asia/Ho_Chi_Minh',
        limit: query.limit,
        feature_count: layer.featureCount,
        data_updated_at: layer.dataUpdatedAt.toISOString(),
        totals,
        periods: rows.map((r) => ({
          period: r.period,
          inserted: r.inserted,
          updated: r.updated,
          deleted: r.deleted,
          first_at: r.first_at.toISOString(),
          last_at: r.last_at.toISOString(),
        })),
        links: {
          self: `${baseUrl(request)}/api/layers/${encodeURIComponent(layer.id)}/changes?interval=${query.interval}&limit=${query.limit}`,
          layer: `${baseUrl(request)}/api/layers/${encodeURIComponent(layer.id)}`,
        },
      };
    });
    return body;
  });
}
