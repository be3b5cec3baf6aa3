// /api/admin/layers: an agency's admins (or the operator) list the layers they manage, create a new empty layer with
// its attribute schema, style, visibility and metadata (catalog.create_agency_layer → catalog.create_layer_table,
// the one way every layer is made), and change an existing layer's metadata and visibility. The operator hands a
// layer over to another agency: the old owner's editors lose their edit rights with the very next request,
// since the database decides edit rights from the owner each time (auth.can_write_layer).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { AppError, layerNotFound } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { administers, type Identity } from '../auth/identity.ts';
import { attributeSchema } from '../catalog/attributes.ts';
import { findLayer, listLayers, type Layer } from '../catalog/catalog.ts';
import { layerSpecSchema } from '../catalog/create-layer.ts';
import { baseUrl } from '../http-urls.ts';
import { actingAgency, agencyCode, findAgency, forbidden, requireAdmin, requireOperator } from './admin-access.ts';
import { parseBody } from './auth.ts';
import { layerJson } from './layers.ts';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb');

/** The simple style the admin page edits; tiles/map-style.ts reads the same keys. */
const styleSchema = z.object({
  color: colour.optional(),
  outlineColor: colour.optional(),
  width: z.number().min(0.5).max(20).optional(),
  radius: z.number().min(1).max(40).optional(),
  fillOpacity: z.number().min(0).max(1).optional(),
}).strict();

const text = (max: number) => z.string().trim().max(max);
const needed = (max: number) => z.string().trim().min(1, 'this is required').max(max);

const newLayerBody = z.object({
  id: layerSpecSchema.shape.id,
  agency: agencyCode.optional(),
  title_vi: needed(300),
  title_en: needed(300).optional(),
  description_vi: text(5000).default(''),
  description_en: text(5000).default(''),
  geometry_family: z.enum(['point', 'line', 'polygon']),
  attributes: z.array(attributeSchema).max(200).default([]),
  name_attribute: z.string().max(63).nullable().default(null),
  visibility: z.enum(['public', 'restricted']).default('public'),
  readers: z.array(agencyCode).max(100).default([]),
  source: needed(500),
  legal_basis: text(500).default(''),
  licence: needed(200).default('CC BY 4.0'),
  style: styleSchema.default({}),
}).strict();

const layerMetaBody = z.object({
  title_vi: needed(300).optional(),
  title_en: needed(300).optional(),
  description_vi: text(5000).optional(),
  description_en: text(5000).optional(),
  visibility: z.enum(['public', 'restricted']).optional(),
  readers: z.array(agencyCode).max(100).optional(),
  source: needed(500).optional(),
  legal_basis: text(500).optional(),
  licence: needed(200).optional(),
  style: styleSchema.optional(),
}).strict();

const ownerBody = z.object({ agency: agencyCode }).strict();

async function readersOf(client: pg.ClientBase, layerIds: string[]): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ layer_id: string; codes: string[] }>(
    `select r.layer_id, array_agg(a.code order by a.code) as codes
     from catalog.layer_readers r join catalog.agencies a on a.id = r.agency_id
     where r.layer_id = any ($1) group by r.layer_id`, [layerIds]);
  return new Map(rows.map((r) => [r.layer_id, r.codes]));
}

/** Reader agencies must exist; they matter only for a restricted layer, so a public one with readers is a mistake. */
async function checkReaders(client: pg.ClientBase, readers: string[], visibility: 'public' | 'restricted'): Promise<void> {
  if (readers.length === 0) return;
  if (visibility === 'public') {
    throw new AppError(400, 'readers_need_restricted', 'Everyone reads a public layer: reader agencies apply to a restricted layer only.');
  }
  const { rows } = await client.query<{ code: string }>('select code from catalog.agencies where code = any ($1)', [readers]);
  const unknown = readers.find((r) => !rows.some((row) => row.code === r));
  if (unknown) throw new AppError(400, 'unknown_agency', `There is no agency with code '${unknown}' to read the layer.`);
}

function checkAttributes(attributes: z.infer<typeof attributeSchema>[], nameAttribute: string | null): void {
  const seen = new Set<string>();
  for (const a of attributes) {
    if (seen.has(a.name)) throw new AppError(400, 'duplicate_attribute', `The attribute '${a.name}' is listed twice.`);
    seen.add(a.name);
  }
  if (nameAttribute !== null && !attributes.some((a) => a.name === nameAttribute && a.type === 'text')) {
    throw new AppError(400, 'invalid_name_attribute', `The name attribute must be one of the layer's text attributes ('${nameAttribute.slice(0, 63)}' is not).`);
  }
}

/** The agency that will own a new layer: the operator names it; an agency admin may leave out their only one. */
async function newLayerOwner(client: pg.ClientBase, caller: Identity, named: string | undefined) {
  const code = caller.isOperator ? named : actingAgency(caller, named);
  if (!code) throw new AppError(400, 'agency_required', 'Say which agency owns the new layer (agency).');
  const agency = await findAgency(client, code);
  if (!agency) throw new AppError(400, 'unknown_agency', `There is no agency with code '${code}'.`);
  if (!administers(caller, agency.id)) throw forbidden('You may only create layers of your own agency.');
  if (agency.status !== 'active') throw new AppError(400, 'agency_not_active', `${agency.name_vi} was merged or dissolved: its layers belong to another agency now.`);
  return agency;
}

function adminLayerJson(layer: Layer, readers: string[], base: string) {
  return { ...layerJson(layer, null, base), readers };
}

async function managedLayer(client: pg.ClientBase, caller: Identity, layerId: string): Promise<Layer> {
  const layer = await findLayer(client, layerId);
  if (!layer) throw layerNotFound(layerId);
  if (!administers(caller, layer.owner.id)) throw forbidden('Only the owner agency\'s admins manage this layer.');
  return layer;
}

export async function adminLayerRoutes(app: FastifyInstance): Promise<void> {
  const base = (request: FastifyRequest) => baseUrl(request);

  app.get('/api/admin/layers', async (request) => {
    const caller = requireAdmin(request);
    return app.db.withCaller(caller, async (client) => {
      const layers = (await listLayers(client)).filter((l) => administers(caller, l.owner.id));
      const readers = await readersOf(client, layers.map((l) => l.id));
      // Every sector, for the new-layer form (GET /api/layers names only the sectors of layers one sees).
      const { rows: sectors } = await client.query('select code, title_vi, title_en from catalog.sectors order by sort, code');
      return { sectors, layers: layers.map((l) => adminLayerJson(l, readers.get(l.id) ?? [], base(request))) };
    });
  });

  app.post('/api/admin/layers', async (request, reply) => {
    const caller = requireAdmin(request);
    const body = parseBody(newLayerBody, request.body);
    checkAttributes(body.attributes, body.name_attribute);
    const created = await app.db.withCaller(caller, async (client) => {
      const owner = await newLayerOwner(client, caller, body.agency);
      const sector = body.id.split('.')[0]!;
      if ((await client.query('select 1 from catalog.sectors where code = $1', [sector])).rowCount !== 1) {
        throw new AppError(400, 'unknown_sector', `'${sector}' is not a sector: a layer id starts with one (cong_thuong, van_hoa, …).`);
      }
      if ((await client.query<{ taken: boolean }>('select imports.layer_id_taken($1) as taken', [body.id])).rows[0]!.taken) {
        throw new AppError(409, 'layer_exists', `A layer ${body.id} exists already: choose another id.`);
      }
      await checkReaders(client, body.readers, body.visibility);
      const { agency: _named, ...spec } = body;
      await client.query('select catalog.create_agency_layer($1)', [JSON.stringify({
        ...spec, title_en: body.title_en ?? body.title_vi, owner_agency_id: owner.id,
      })]).catch((err: { code?: string }) => {
        // Taken meanwhile, or a table of that name exists outside the catalog.
        if (err.code === '23505' || err.code === '42P07') throw new AppError(409, 'layer_exists', `A layer ${body.id} exists already: choose another id.`);
        throw err;
      });
      await recordAudit(client, request, {
        action: 'layer_created', agencyId: owner.id, targetType: 'layer', targetId: body.id,
        details: {
          title_vi: body.title_vi, geometry_family: body.geometry_family, visibility: body.visibility, readers: body.readers,
          attributes: body.attributes.map((a) => a.name),
        },
      });
      const layer = (await findLayer(client, body.id))!;
      return adminLayerJson(layer, (await readersOf(client, [layer.id])).get(layer.id) ?? [], base(request));
    }, { write: true });
    reply.status(201).header('location', created.links.self).send(created);
  });

  app.patch<{ Params: { layerId: string } }>('/api/admin/layers/:layerId', async (request, reply) => {
    const caller = requireAdmin(request);
    const body = parseBody(layerMetaBody, request.body);
    if (Object.keys(body).length === 0) throw new AppError(400, 'nothing_to_change', 'Send at least one field to change.');
    await app.db.withCaller(caller, async (client) => {
      const layer = await managedLayer(client, caller, request.params.layerId);
      const { readers, style, ...columns } = body;
      // Readers stay stored while a layer is public, so making it restricted again restores who reads it.
      if (readers) await checkReaders(client, readers, body.visibility ?? layer.visibility);
      const names = Object.keys(columns) as (keyof typeof columns)[];
      const values: unknown[] = names.map((n) => columns[n]);
      // Column names come from the zod schema above (a fixed allowlist), values are parameters.
      const sets = names.map((n, i) => `${n} = $${i + 2}`);
      if (style) {
        sets.push(`style = $${names.length + 2}`);
        values.push(JSON.stringify(style));
      }
      if (sets.length > 0) await client.query(`update catalog.layers set ${sets.join(', ')}, updated_at = now() where id = $1`, [layer.id, ...values]);
      if (readers) {
        await client.query('delete from catalog.layer_readers where layer_id = $1', [layer.id]);
        await client.query(
          `insert into catalog.layer_readers (layer_id, agency_id)
           select $1, id from catalog.agencies where code = any ($2) and id <> $3`, [layer.id, readers, layer.owner.id]);
      }
      await recordAudit(client, request, { action: 'layer_updated', agencyId: layer.owner.id, targetType: 'layer', targetId: layer.id, details: body });
    }, { write: true });
    reply.status(204).send();
  });

  app.post<{ Params: { layerId: string } }>('/api/admin/layers/:layerId/owner', async (request, reply) => {
    const caller = requireOperator(request);
    const body = parseBody(ownerBody, request.body);
    await app.db.withCaller(caller, async (client) => {
      const layer = await findLayer(client, request.params.layerId);
      if (!layer) throw layerNotFound(request.params.layerId);
      const to = await findAgency(client, body.agency);
      if (!to) throw new AppError(400, 'unknown_agency', `There is no agency with code '${body.agency}'.`);
      if (to.status !== 'active') throw new AppError(400, 'agency_not_active', `${to.name_vi} was merged or dissolved: hand the layer to an active agency.`);
      if (to.id === layer.owner.id) throw new AppError(400, 'same_owner', `${to.name_vi} already owns this layer.`);
      await client.query('update catalog.layers set owner_agency_id = $2, updated_at = now() where id = $1', [layer.id, to.id]);
      // Once in each agency's log: the old owner's admins see where their layer went.
      for (const agency of [layer.owner.id, to.id]) {
        await recordAudit(client, request, {
          action: 'layer_handed_over', agencyId: agency, targetType: 'layer', targetId: layer.id,
          details: { from: layer.owner.code, to: to.code },
        });
      }
    }, { write: true });
    reply.status(204).send();
  });
}
