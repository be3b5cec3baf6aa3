// GET /api/search?q=…: features by name across the layers the caller may read — communes, geosites, roads —
// with diacritics-insensitive matching, best first, each with a point to mark and a box to zoom to.
import type { FastifyInstance } from 'fastify';
import { listLayers } from '../catalog/catalog.ts';
import { baseUrl } from '../http-urls.ts';
import { parseSearchQuery, searchNames, searchableLayers } from '../search/search.ts';

export async function searchRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/search', async (request, reply) => {
    const query = parseSearchQuery(request.query as Record<string, string | string[] | undefined>);
    const base = baseUrl(request);
    const body = await app.db.withCaller(request.caller, async (client) => {
      const layers = searchableLayers(await listLayers(client), query.layers);
      const byId = new Map(layers.map((l) => [l.id, l]));
      const hits = await searchNames(client, layers, query);
      return {
        query: query.text,
        results: hits.map((h) => {
          const layer = byId.get(h.layer_id)!;
          return {
            layer: { id: layer.id, title_vi: layer.titleVi, title_en: layer.titleEn, geometry_family: layer.geometryFamily },
            fid: h.fid,
            name: h.name,
            features: h.features,
            match: h.match,
            point: [h.lon, h.lat],
            bbox: [h.west, h.south, h.east, h.north],
            links: { feature: `${base}/api/layers/${encodeURIComponent(layer.id)}/features/${h.fid}` },
          };
        }),
      };
    });
    // Answers differ by caller (restricted layers): never from a shared cache.
    reply.header('cache-control', request.caller.kind === 'anonymous' ? 'public, no-cache' : 'private, no-cache');
    return body;
  });
}
