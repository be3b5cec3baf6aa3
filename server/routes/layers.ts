import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findLayer, listLayers, type Layer } from '../catalog/catalog.ts';
import { layerExtent, type Bbox } from '../catalog/extent.ts';
import { layerNotFound } from '../errors.ts';
import { baseUrl } from '../http-urls.ts';

/** The JSON form of a catalog layer: what the web app and other systems read. */
export function layerJson(layer: Layer, extent: Bbox | null, base: string) {
  const id = encodeURIComponent(layer.id);
  return {
    id: layer.id,
    sector: { code: layer.sector.code, title_vi: layer.sector.titleVi, title_en: layer.sector.titleEn },
    owner: { code: layer.owner.code, name_vi: layer.owner.nameVi, name_en: layer.owner.nameEn },
    title_vi: layer.titleVi,
    title_en: layer.titleEn,
    description_vi: layer.descriptionVi,
    description_en: layer.descriptionEn,
    geometry_family: layer.geometryFamily,
    attributes: layer.attributes,
    name_attribute: layer.nameAttribute,
    visibility: layer.visibility,
    source: layer.source,
    legal_basis: layer.legalBasis,
    licence: layer.licence,
    data_updated_at: layer.dataUpdatedAt.toISOString(),
    data_version: layer.dataVersion,
    feature_count: layer.featureCount,
    extent,
    min_zoom: layer.minZoom,
    max_zoom: layer.maxZoom,
    style: layer.style,
    links: {
      self: `${base}/api/layers/${id}`,
      features: `${base}/api/layers/${id}/features`,
      tiles: `${base}/tiles/${id}/{z}/{x}/{y}.mvt`,
      tilejson: `${base}/tiles/${id}.json`,
    },
  };
}

export async function layerRoutes(app: FastifyInstance): Promise<void> {
  const describe = async (request: FastifyRequest) =>
    app.db.withCaller(request.caller, async (client) => {
      const layers = await listLayers(client);
      const base = baseUrl(request);
      const out = [];
      for (const layer of layers) out.push(layerJson(layer, await layerExtent(client, layer), base));
      const sectors = new Map<string, Layer['sector']>();
      for (const l of layers) sectors.set(l.sector.code, l.sector);
      return {
        sectors: [...sectors.values()].map((s) => ({ code: s.code, title_vi: s.titleVi, title_en: s.titleEn })),
        layers: out,
      };
    });

  app.get('/api/layers', async (request, reply) => {
    const body = await describe(request);
    reply.header('cache-control', 'no-cache').send(body);
  });

  app.get<{ Params: { layerId: string } }>('/api/layers/:layerId', async (request, reply) => {
    const body = await app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw layerNotFound(request.params.layerId);
      return layerJson(layer, await layerExtent(client, layer), baseUrl(request));
    });
    reply.header('cache-control', 'no-cache').send(body);
  });
}
