// Adds a layer to the catalog and creates its table (catalog.create_layer_table). Used by the demo loader,
// the tests, and the admin and import paths, so every layer is made the same way.
import type pg from 'pg';
import { z } from 'zod';
import { attributeSchema } from './attributes.ts';

export const layerSpecSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,40}$/, 'a layer id is sector.slug in lower-case ASCII'),
  ownerAgencyCode: z.string(),
  titleVi: z.string().min(1),
  titleEn: z.string().min(1),
  descriptionVi: z.string().default(''),
  descriptionEn: z.string().default(''),
  geometryFamily: z.enum(['point', 'line', 'polygon']),
  attributes: z.array(attributeSchema).default([]),
  nameAttribute: z.string().nullable().default(null),
  visibility: z.enum(['public', 'restricted']).default('public'),
  readerAgencyCodes: z.array(z.string()).default([]),
  source: z.string().min(1),
  legalBasis: z.string().default(''),
  licence: z.string().default('CC BY 4.0'),
  minZoom: z.number().int().min(0).max(24).default(0),
  maxZoom: z.number().int().min(0).max(24).default(22),
  style: z.record(z.string(), z.unknown()).default({}),
  sort: z.number().int().default(0),
});

export type LayerSpec = z.input<typeof layerSpecSchema>;

/** Must run as the catalog's owner (or inside a transaction of an admin path that is allowed to). */
export async function createLayer(client: pg.ClientBase, input: LayerSpec): Promise<void> {
  const spec = layerSpecSchema.parse(input);
  const sector = spec.id.split('.')[0];
  await client.query(
    `insert into catalog.layers (id, sector_code, owner_agency_id, title_vi, title_en, description_vi, description_en,
       geometry_family, attributes, name_attribute, visibility, source, legal_basis, licence, min_zoom, max_zoom, style, sort)
     select $1, $2, a.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
     from catalog.agencies a where a.code = $3`,
    [spec.id, sector, spec.ownerAgencyCode, spec.titleVi, spec.titleEn, spec.descriptionVi, spec.descriptionEn,
      spec.geometryFamily, JSON.stringify(spec.attributes), spec.nameAttribute, spec.visibility, spec.source,
      spec.legalBasis, spec.licence, spec.minZoom, spec.maxZoom, JSON.stringify(spec.style), spec.sort],
  ).then((r) => {
    if (r.rowCount !== 1) throw new Error(`Unknown owner agency '${spec.ownerAgencyCode}' for layer ${spec.id}`);
  });
  if (spec.readerAgencyCodes.length > 0) {
    await client.query(
      `insert into catalog.layer_readers (layer_id, agency_id)
       select $1, id from catalog.agencies where code = any($2)`,
      [spec.id, spec.readerAgencyCodes],
    );
  }
  await client.query('select catalog.create_layer_table($1)', [spec.id]);
}
