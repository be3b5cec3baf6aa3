// MapLibre style documents, built from the catalog as the caller may see it (tiles/map-style.ts):
//   GET /styles/default.json          the web app's map: basemap and every layer the caller may read, one composite
//                                     source, and the online basemap (hidden) when ONLINE_BASEMAP_URL is set
//   GET /styles/sector/:sector.json   the basemap and one sector's layers
//   GET /styles/:layerId.json         one layer alone, from its own tiles
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findLayer, listLayers, type Layer } from '../catalog/catalog.ts';
import { layerExtent } from '../catalog/extent.ts';
import { AppError, layerNotFound } from '../errors.ts';
import { baseUrl } from '../http-urls.ts';
import { cacheControl } from '../../tiles/http-caching.ts';
import { BASEMAP_SOURCE_ID, COMPOSITE_SOURCE_ID, buildStyle, isBaseLayer, type StyledLayer } from '../../tiles/map-style.ts';
import { VARY_BY_CALLER } from '../../tiles/tile-response.ts';

const STYLE_TYPE = 'application/json; charset=utf-8';

async function styled(client: pg.ClientBase, layers: Layer[]): Promise<StyledLayer[]> {
  const out: StyledLayer[] = [];
  for (const layer of layers) out.push({ layer, extent: await layerExtent(client, layer) });
  return out;
}

const compositeTiles = (base: string, layers: StyledLayer[]) =>
  `${base}/tiles/composite/{z}/{x}/{y}.mvt?layers=${layers.map((l) => encodeURIComponent(l.layer.id)).join(',')}`;

/** Public (shared caches may keep it) only when everything in it is public. */
const styleCacheControl = (layers: StyledLayer[]) =>
  cacheControl({ visibility: layers.every((l) => l.layer.visibility === 'public') ? 'public' : 'restricted' });

export async function styleRoutes(app: FastifyInstance): Promise<void> {
  const visibleLayers = (request: FastifyRequest) =>
    app.db.withCaller(request.caller, async (client) => styled(client, await listLayers(client)));

  const { ONLINE_BASEMAP_URL: onlineTiles, ONLINE_BASEMAP_ATTRIBUTION: onlineAttribution } = app.config;
  const onlineBasemap = onlineTiles ? { tiles: onlineTiles, attribution: onlineAttribution } : null;

  app.get('/styles/default.json', async (request, reply) => {
    const layers = await visibleLayers(request);
    const base = baseUrl(request);
    const style = buildStyle({
      name: 'Nền tảng cơ sở dữ liệu chuyên ngành tỉnh Cao Bằng',
      sources: layers.length ? [{ id: COMPOSITE_SOURCE_ID, tiles: compositeTiles(base, layers), layers }] : [],
      onlineBasemap,
    });
    reply.header('cache-control', styleCacheControl(layers)).header('vary', VARY_BY_CALLER).type(STYLE_TYPE).send(style);
  });

  app.get<{ Params: { sector: string } }>('/styles/sector/:sector.json', async (request, reply) => {
    const { sector } = request.params;
    const base = baseUrl(request);
    const notFound = new AppError(404, 'sector_not_found', `There is no sector '${sector.slice(0, 40)}'.`);
    if (!/^[a-z][a-z0-9_]{1,30}$/.test(sector)) throw notFound;
    const { title, layers } = await app.db.withCaller(request.caller, async (client) => {
      const { rows } = await client.query<{ title_vi: string }>('select title_vi from catalog.sectors where code = $1', [sector]);
      if (!rows[0]) throw notFound;
      return { title: rows[0].title_vi, layers: await styled(client, await listLayers(client)) };
    });
    const inSector = layers.filter((l) => l.layer.sector.code === sector);
    const basemap = layers.filter((l) => l.layer.sector.code !== sector && isBaseLayer(l.layer));
    const style = buildStyle({
      name: title,
      sources: [
        ...(basemap.length ? [{ id: BASEMAP_SOURCE_ID, tiles: compositeTiles(base, basemap), layers: basemap }] : []),
        { id: COMPOSITE_SOURCE_ID, tiles: `${base}/tiles/sector/${encodeURIComponent(sector)}/{z}/{x}/{y}.mvt`, layers: inSector },
      ],
    });
    reply.header('cache-control', styleCacheControl([...basemap, ...inSector])).header('vary', VARY_BY_CALLER).type(STYLE_TYPE).send(style);
  });

  app.get<{ Params: { layerId: string } }>('/styles/:layerId.json', async (request, reply) => {
    const { layerId } = request.params;
    const base = baseUrl(request);
    const layers = await app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, layerId);
      if (!layer) throw layerNotFound(layerId);
      return styled(client, [layer]);
    });
    const layer = layers[0]!.layer;
    const style = buildStyle({
      name: layer.titleVi,
      sources: [{ id: layer.id, tiles: `${base}/tiles/${encodeURIComponent(layer.id)}/{z}/{x}/{y}.mvt`, layers }],
    });
    reply.header('cache-control', cacheControl(layer)).type(STYLE_TYPE).send(style);
  });
}
