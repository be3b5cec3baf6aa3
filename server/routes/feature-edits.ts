// Editing a layer's features through the JSON API (Điều 7.2: only the owner agency's editors write), their
// history and restore (Điều 11.3). The API answers early; the database's RLS is the last word.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { AppError, layerNotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { canWriteLayer } from '../auth/identity.ts';
import {
  createFeatures, deleteFeature, featureEtag, featureHistory, restoreFeature, updateFeature, versionFromIfMatch,
  type FeatureInput,
} from '../features/edits.ts';
import { selectFeatureSql } from '../features/feature-sql.ts';

interface LayerParams { layerId: string }
interface FeatureParams { layerId: string; fid: string }
interface EditQuery { repair?: string }

const MAX_BATCH = 10_000;

function parseFid(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new AppError(400, 'invalid_fid', 'A feature id is a positive whole number.');
  return Number(raw);
}

function noteOf(request: FastifyRequest, body: unknown): string | undefined {
  const header = request.headers['x-change-note'];
  if (typeof header === 'string' && header) return decodeURIComponent(header);
  const note = (body as { note?: unknown } | null)?.note;
  return typeof note === 'string' ? note : undefined;
}

function featureBody(body: unknown): FeatureInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError(400, 'invalid_feature', 'The body must be a GeoJSON Feature object.');
  }
  const f = body as { type?: unknown; geometry?: unknown; properties?: unknown };
  if (f.type !== undefined && f.type !== 'Feature') {
    throw new AppError(400, 'invalid_feature', `Expected a GeoJSON Feature, got type '${String(f.type).slice(0, 40)}'.`);
  }
  return { geometry: f.geometry, properties: f.properties };
}

function expectedVersion(request: FastifyRequest, layer: Layer, fid: number): number {
  const v = versionFromIfMatch(request.headers['if-match'], layer.id, fid);
  if (v === 'missing') {
    throw new AppError(428, 'if_match_required', 'Send If-Match with the ETag of the version you edited, so no one\'s change is overwritten.');
  }
  if (v === 'mismatch') throw new AppError(412, 'version_conflict', 'The If-Match does not name a version of this feature.');
  return v;
}

export async function featureEditRoutes(app: FastifyInstance): Promise<void> {
  /** Runs `fn` in the caller's write transaction on a layer the caller may edit. */
  async function asEditor<T>(request: FastifyRequest<{ Params: LayerParams }>, fn: (client: pg.PoolClient, layer: Layer) => Promise<T>): Promise<T> {
    return app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw layerNotFound(request.params.layerId);
      if (request.caller.kind === 'anonymous') throw new AppError(401, 'not_signed_in', 'Sign in (or use an API key) to edit.');
      if (!canWriteLayer(request.caller, layer)) {
        throw new AppError(403, 'forbidden', `Only editors of ${layer.owner.nameVi} may change the layer ${layer.titleVi}.`);
      }
      return fn(client, layer);
    }, { write: true });
  }

  async function sendFeature(client: pg.ClientBase, layer: Layer, fid: number, status: number) {
    const { rows } = await client.query<{ version: number; feature: string }>(selectFeatureSql(layer, fid, null));
    const row = rows[0]!;
    return { status, etag: featureEtag(layer.id, fid, row.version), body: row.feature };
  }

  function respond(reply: FastifyReply, r: { status: number; etag: string; body: string }, location?: string) {
    if (location) reply.header('location', location);
    reply.status(r.status).header('etag', r.etag).type('application/geo+json; charset=utf-8').send(r.body);
  }

  app.post<{ Params: LayerParams; Querystring: EditQuery }>('/api/layers/:layerId/features', { bodyLimit: 50 * 1024 * 1024 }, async (request, reply) => {
    const body = request.body as { type?: unknown; features?: unknown } | null;
    const batch = body !== null && typeof body === 'object' && body.type === 'FeatureCollection';
    let inputs: FeatureInput[];
    if (batch) {
      if (!Array.isArray(body.features) || body.features.length === 0) {
        throw new AppError(400, 'invalid_feature', 'A FeatureCollection needs a non-empty features array.');
      }
      if (body.features.length > MAX_BATCH) throw new AppError(413, 'batch_too_large', `At most ${MAX_BATCH} features per request; use an import for more.`);
      inputs = body.features.map(featureBody);
    } else {
      inputs = [featureBody(body)];
    }
    const repair = request.query.repair === 'true';
    const note = noteOf(request, body);
    const result = await asEditor(request, async (client, layer) => {
      const written = await createFeatures(client, layer, inputs, { repair, ...(note ? { note } : {}) });
      await recordAudit(client, request, {
        action: 'features_created', agencyId: layer.owner.id, targetType: 'layer', targetId: layer.id,
        details: { count: written.length, fids: written.slice(0, 100).map((w) => w.fid) },
      });
      if (batch) return { batch: written, layer };
      return { single: await sendFeature(client, layer, written[0]!.fid, 201), fid: written[0]!.fid, layer };
    });
    if ('batch' in result) {
      reply.status(201).send({
        created: result.batch!.map((w) => ({ id: w.fid, version: w.version, etag: featureEtag(result.layer.id, w.fid, w.version) })),
      });
      return;
    }
    respond(reply, result.single!, `/api/layers/${encodeURIComponent(result.layer.id)}/features/${result.fid}`);
  });

  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: FeatureParams; Querystring: EditQuery }>({
      method,
      url: '/api/layers/:layerId/features/:fid',
      handler: async (request, reply) => {
        const fid = parseFid(request.params.fid);
        const input = featureBody(request.body);
        const note = noteOf(request, request.body);
        const r = await asEditor(request, async (client, layer) => {
          const expected = expectedVersion(request, layer, fid);
          await updateFeature(client, layer, fid, expected, input, {
            mode: method === 'PUT' ? 'replace' : 'patch', repair: request.query.repair === 'true', ...(note ? { note } : {}),
          });
          await recordAudit(client, request, { action: 'feature_updated', agencyId: layer.owner.id, targetType: 'feature', targetId: `${layer.id}/${fid}` });
          return sendFeature(client, layer, fid, 200);
        });
        respond(reply, r);
      },
    });
  }

  app.delete<{ Params: FeatureParams }>('/api/layers/:layerId/features/:fid', async (request, reply) => {
    const fid = parseFid(request.params.fid);
    await asEditor(request, async (client, layer) => {
      const expected = expectedVersion(request, layer, fid);
      await deleteFeature(client, layer, fid, expected, noteOf(request, null));
      await recordAudit(client, request, { action: 'feature_deleted', agencyId: layer.owner.id, targetType: 'feature', targetId: `${layer.id}/${fid}` });
    });
    reply.status(204).send();
  });

  app.post<{ Params: FeatureParams }>('/api/layers/:layerId/features/:fid/restore', async (request, reply) => {
    const fid = parseFid(request.params.fid);
    const version = (request.body as { version?: unknown } | null)?.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
      throw new AppError(400, 'invalid_version', 'Say which version to restore: { "version": n }.');
    }
    const r = await asEditor(request, async (client, layer) => {
      const header = versionFromIfMatch(request.headers['if-match'], layer.id, fid);
      if (header === 'mismatch') throw new AppError(412, 'version_conflict', 'The If-Match does not name a version of this feature.');
      await restoreFeature(client, layer, fid, version, header === 'missing' ? null : header, noteOf(request, request.body));
      await recordAudit(client, request, { action: 'feature_restored', agencyId: layer.owner.id, targetType: 'feature', targetId: `${layer.id}/${fid}`, details: { version } });
      return sendFeature(client, layer, fid, 200);
    });
    respond(reply, r);
  });

  app.get<{ Params: FeatureParams }>('/api/layers/:layerId/features/:fid/history', async (request, reply) => {
    const fid = parseFid(request.params.fid);
    const body = await app.db.withCaller(request.caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw layerNotFound(request.params.layerId);
      const versions = await featureHistory(client, layer, fid);
      if (versions.length === 0) throw new AppError(404, 'feature_not_found', `Feature ${fid} has no history in ${layer.id}.`);
      return {
        layer: layer.id,
        id: fid,
        versions: versions.map((v) => ({
          version: v.version, operation: v.operation, changed_at: v.changed_at.toISOString(),
          changed_by: v.changed_by, changed_by_name: v.changed_by_name, changed_by_agency: v.changed_by_agency, api_client: v.api_client,
          import_id: v.import_id, note: v.note,
          geometry: v.geometry, properties: v.attributes,
        })),
      };
    });
    reply.header('cache-control', 'no-cache').send(body);
  });
}
