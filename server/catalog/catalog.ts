// The catalog as the caller may see it. Row level security on catalog.layers does the filtering, so a
// restricted layer is simply absent for those not allowed: every output built on this inherits that.
import type pg from 'pg';
import type { Attribute } from './attributes.ts';

export type GeometryFamily = 'point' | 'line' | 'polygon';

export interface Layer {
  id: string;
  sector: { code: string; titleVi: string; titleEn: string };
  owner: { id: string; code: string; nameVi: string; nameEn: string };
  titleVi: string;
  titleEn: string;
  descriptionVi: string;
  descriptionEn: string;
  geometryFamily: GeometryFamily;
  attributes: Attribute[];
  nameAttribute: string | null;
  visibility: 'public' | 'restricted';
  source: string;
  legalBasis: string;
  licence: string;
  dataUpdatedAt: Date;
  dataVersion: number;
  featureCount: number;
  minZoom: number;
  maxZoom: number;
  style: Record<string, unknown>;
  sort: number;
}

const layerSelect = `
  select l.id, l.title_vi, l.title_en, l.description_vi, l.description_en, l.geometry_family, l.attributes,
         l.name_attribute, l.visibility, l.source, l.legal_basis, l.licence, l.data_updated_at, l.data_version,
         l.feature_count, l.min_zoom, l.max_zoom, l.style, l.sort,
         s.code as sector_code, s.title_vi as sector_title_vi, s.title_en as sector_title_en,
         a.id as owner_id, a.code as owner_code, a.name_vi as owner_name_vi, a.name_en as owner_name_en
  from catalog.layers l
  join catalog.sectors s on s.code = l.sector_code
  join catalog.agencies a on a.id = l.owner_agency_id`;

interface LayerRow {
  id: string;
  title_vi: string;
  title_en: string;
  description_vi: string;
  description_en: string;
  geometry_family: GeometryFamily;
  attributes: Attribute[];
  name_attribute: string | null;
  visibility: 'public' | 'restricted';
  source: string;
  legal_basis: string;
  licence: string;
  data_updated_at: Date;
  data_version: number;
  feature_count: number;
  min_zoom: number;
  max_zoom: number;
  style: Record<string, unknown>;
  sort: number;
  sector_code: string;
  sector_title_vi: string;
  sector_title_en: string;
  owner_id: string;
  owner_code: string;
  owner_name_vi: string;
  owner_name_en: string;
}

function toLayer(r: LayerRow): Layer {
  return {
    id: r.id,
    sector: { code: r.sector_code, titleVi: r.sector_title_vi, titleEn: r.sector_title_en },
    owner: { id: r.owner_id, code: r.owner_code, nameVi: r.owner_name_vi, nameEn: r.owner_name_en },
    titleVi: r.title_vi,
    titleEn: r.title_en,
    descriptionVi: r.description_vi,
    descriptionEn: r.description_en,
    geometryFamily: r.geometry_family,
    attributes: r.attributes,
    nameAttribute: r.name_attribute,
    visibility: r.visibility,
    source: r.source,
    legalBasis: r.legal_basis,
    licence: r.licence,
    dataUpdatedAt: r.data_updated_at,
    dataVersion: r.data_version,
    featureCount: r.feature_count,
    minZoom: r.min_zoom,
    maxZoom: r.max_zoom,
    style: r.style,
    sort: r.sort,
  };
}

/** The layers the connection's caller may see, in sector then layer order. */
export async function listLayers(client: pg.ClientBase): Promise<Layer[]> {
  const { rows } = await client.query<LayerRow>(`${layerSelect} order by s.sort, l.sort, l.id`);
  return rows.map(toLayer);
}

/** The shape catalog.layers' CHECK allows: anything else names no layer (and may not even be valid text for SQL). */
export const layerIdPattern = /^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,40}$/;

/** One layer, or null when it does not exist or the caller may not see it (callers answer both with 404). */
export async function findLayer(client: pg.ClientBase, layerId: string): Promise<Layer | null> {
  // A NUL byte in a path (`%00`) would make PostgreSQL refuse the parameter: a 500 instead of a 404.
  if (!layerIdPattern.test(layerId)) return null;
  const { rows } = await client.query<LayerRow>(`${layerSelect} where l.id = $1`, [layerId]);
  return rows[0] ? toLayer(rows[0]) : null;
}

/** The layer's table, quoted. Only ever built from a catalog id (validated by the catalog's CHECK). */
export function layerTable(layer: Pick<Layer, 'id'>): string {
  const [schema, table] = layer.id.split('.');
  return `"${schema}"."${table}"`;
}
