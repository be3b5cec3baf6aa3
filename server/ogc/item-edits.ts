// OGC API Features Part 4: create (POST …/items), replace (PUT), update (PATCH, JSON merge patch) and delete, on the
// platform's editing rules (features/edits.ts: only the owner agency's editors and write keys, schema validation,
// history of every version, the database's RLS as the last word). Optimistic locking with ETags: every change of
// an existing feature names the version it was based on in If-Match (428 without, 412 when stale). A body in
// another CRS says so in Content-Crs.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { recordAudit } from '../audit.ts';
import { canWriteLayer } from '../auth/identity.ts';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { AppError } from '../errors.ts';
import { CRS84, crsFromUri, SUPPORTED_CRS, type CrsDefinition } from '../features/crs.ts';
import { createFeatures, deleteFeature, updateFeature, versionFromIfMatch, type FeatureInput } from '../features/edits.ts';
import { geometryToStorage, readFeature } from '../features/provider.ts';
import { collectionUrl } from './collections.ts';
import { collectionNotFound, featureNotFound } from './exceptions.ts';
import { GEOJSON } from './items.ts';

interface CollectionParams { collectionId: string }
interface ItemParams { collectionId: string; featureId: string }

const strongEtag = (layer: Layer, fid: number, version: number) => `"${layer.id}:${fid}:${version}"`;

function contentCrs(request: FastifyRequest): CrsDefinition {
  const header = request.headers['content-crs'];
  if (header === undefined) return CRS84;
  const crs = typeof header === 'string' ? crsFromUri(header) : null;
  if (!crs) {
    throw new AppError(400, 'invalid_content_crs', `Content-Crs names one of: ${SUPPORTED_CRS.map((c) => `<${c.uri}>`).join(', ')}.`);
  }
  return crs;
}

function featureInput(body: unknown, requireType: boolean): FeatureInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError(400, 'invalid_feature', 'The body must be a GeoJSON Feature object.');
  }
  const f = body as { type?: unknown; geometry?: unknown; properties?: unknown };
  if ((requireType || f.type !== undefined) && f.type !== 'Feature') {
    throw new AppError(400, 'invalid_feature', `Expected a GeoJSON Feature, got type '${String(f.type).slice(0, 40)}'.`);
  }
  return { ...(f.geometry !== undefined ? { geometry: f.geometry } : {}), ...(f.properties !== undefined ? { properties: f.properties } : {}) };
}

function parseFeatureId(text: string, layerId: string): number {
  if (!/^\d{1,15}$/.test(text)) throw featureNotFound(layerId, text);
  return Number(text);
}

function expectedVersion(request: FastifyRequest, layer: Layer, fid: number): number {
  const v = versionFromIfMatch(request.headers['if-match'], layer.id, fid);
  if (v === 'missing') {
    throw new AppError(428, 'if_match_required', 'Send If-Match with the ETag of the feature you changed, so no one else\'s change is overwritten.');
  }
  if (v === 'mismatch') throw new AppError(412, 'version_conflict', 'The If-Match does not name a version of this feature.');
  return v;
}

export async function itemEditRoutes(app: FastifyInstance): Promise<void> {
  /** The caller's write transaction on a layer it may edit; a layer it may not see is a 404, as everywhere. */
  async function asEditor<T>(request: FastifyRequest<{ Params: CollectionParams }>, fn: (client: pg.PoolClient, layer: Layer) => Promise<T>): Promise<T> {
    // A read-only maintenance window has refused this request before it got here (ops/maintenance.ts).
    return app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, request.params.collectionId);
      if (!layer) throw collectionNotFound(request.params.collectionId);
      if (request.caller.kind === 'anonymous') throw new AppError(401, 'not_signed_in', 'Sign in or send an API key (Authorization: Bearer …) to edit.');
      if (!canWriteLayer(request.caller, layer)) {
        throw new AppError(403, 'forbidden', `Only editors of ${layer.owner.nameVi} may change ${layer.titleVi}.`);
      }
      return fn(client, layer);
    }, { write: true });
  }

  async function written(client: pg.ClientBase, layer: Layer, fid: number) {
    const feature = await readFeature(client, layer, fid);
    if (!feature) throw featureNotFound(layer.id, String(fid));
    return { fid, etag: strongEtag(layer, fid, feature.version), text: feature.text };
  }

  function send(reply: FastifyReply, status: number, r: { etag: string; text: string }) {
    return reply.status(status).header('etag', r.etag).header('cache-control', 'no-store').type(`${GEOJSON}; charset=utf-8`).send(r.text);
  }

  app.post<{ Params: CollectionParams }>('/collections/:collectionId/items', async (request, reply) => {
    const crs = contentCrs(request);
    const input = featureInput(request.body, true);
    const r = await asEditor(request, async (client, layer) => {
      if (input.geometry !== undefined) input.geometry = await geometryToStorage(client, input.geometry, crs);
      const [created] = await createFeatures(client, layer, [input], { repair: false, note: 'OGC API Features' });
      await recordAudit(client, request, {
        action: 'features_created', agencyId: layer.owner.id, targetType: 'layer', targetId: layer.id, details: { count: 1, fids: [created!.fid], via: 'ogc' },
      });
      return { layer, ...(await written(client, layer, created!.fid)) };
    });
    reply.header('location', `${collectionUrl(request, r.layer)}/items/${r.fid}`);
    return send(reply, 201, r);
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: ItemParams }>({
      method,
      url: '/collections/:collectionId/items/:featureId',
      handler: async (request, reply) => {
        const crs = contentCrs(request);
        const input = featureInput(request.body, method === 'PUT');
        const r = await asEditor(request, async (client, layer) => {
          const fid = parseFeatureId(request.params.featureId, layer.id);
          const expected = expectedVersion(request, layer, fid);
          if (input.geometry !== undefined) input.geometry = await geometryToStorage(client, input.geometry, crs);
          await updateFeature(client, layer, fid, expected, input, { mode: method === 'PUT' ? 'replace' : 'patch', repair: false, note: 'OGC API Features' });
          await recordAudit(client, request, { action: 'feature_updated', agencyId: layer.owner.id, targetType: 'feature', targetId: `${layer.id}/${fid}`, details: { via: 'ogc' } });
          return written(client, layer, fid);
        });
        return send(reply, 200, r);
      },
    });
  }

  app.delete<{ Params: ItemParams }>('/collections/:collectionId/items/:featureId', async (request, reply) => {
    await asEditor(request, async (client, layer) => {
      const fid = parseFeatureId(request.params.featureId, layer.id);
      const expected = expectedVersion(request, layer, fid);
      await deleteFeature(client, layer, fid, expected, 'OGC API Features');
      await recordAudit(client, request, { action: 'feature_deleted', agencyId: layer.owner.id, targetType: 'feature', targetId: `${layer.id}/${fid}`, details: { via: 'ogc' } });
    });
    return reply.status(204).send();
  });
}
