// The catalog as `GET /api/layers` returns it (server/routes/layers.ts): the one source the map, the layer tree
// and the popups are built from.

export type GeometryFamily = 'point' | 'line' | 'polygon';
export type AttributeType = 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export interface CatalogAttribute {
  name: string;
  type: AttributeType;
  label_vi: string;
  label_en: string;
  required?: boolean;
  allowed?: (string | number)[];
}

export interface LayerStyle {
  color?: string;
  width?: number;
  radius?: number;
  fillOpacity?: number;
  outlineColor?: string;
  categories?: { attribute: string; colors: Record<string, string> };
}

export interface CatalogSector {
  code: string;
  title_vi: string;
  title_en: string;
}

export interface CatalogLayer {
  id: string;
  sector: CatalogSector;
  owner: { code: string; name_vi: string; name_en: string };
  title_vi: string;
  title_en: string;
  description_vi?: string;
  description_en?: string;
  geometry_family: GeometryFamily;
  attributes: CatalogAttribute[];
  name_attribute: string | null;
  visibility: 'public' | 'restricted';
  source: string;
  legal_basis: string;
  licence: string;
  data_updated_at: string;
  feature_count: number;
  extent: [number, number, number, number] | null;
  min_zoom: number;
  max_zoom: number;
  style: LayerStyle;
  links: { self: string; features: string; tiles: string; tilejson: string };
}

export interface Catalog {
  sectors: CatalogSector[];
  layers: CatalogLayer[];
}

export class CatalogError extends Error {}

export async function fetchCatalog(signal?: AbortSignal): Promise<Catalog> {
  const response = await fetch('/api/layers', { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw new CatalogError(`GET /api/layers answered ${response.status}`);
  const body = (await response.json()) as Catalog;
  if (!Array.isArray(body.layers) || !Array.isArray(body.sectors)) throw new CatalogError('GET /api/layers: unexpected body');
  return body;
}

/**
 * One feature with all of its attributes from the features API. Tile properties can be trimmed for size, so the
 * popup asks for the real record; null when the API has nothing to add (404, network trouble).
 */
export async function fetchFeatureProperties(layer: CatalogLayer, fid: string | number): Promise<Record<string, unknown> | null> {
  try {
    const response = await fetch(`${layer.links.features}/${encodeURIComponent(String(fid))}`, {
      headers: { accept: 'application/geo+json, application/json' },
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { properties?: Record<string, unknown> | null };
    return body.properties ?? null;
  } catch {
    return null;
  }
}
