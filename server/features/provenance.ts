// Where a layer's data comes from (Điều 4.1, 4.4, 8.1c): every output that carries features carries this,
// whatever protocol it speaks, so a re-user can always cite the owner, the source and the last update.
import type { Layer } from '../catalog/catalog.ts';

export interface LayerProvenance {
  id: string;
  title_vi: string;
  title_en: string;
  owner: { code: string; name_vi: string; name_en: string };
  source: string;
  legal_basis: string;
  licence: string;
  data_updated_at: string;
}

export function layerProvenance(layer: Layer): LayerProvenance {
  return {
    id: layer.id,
    title_vi: layer.titleVi,
    title_en: layer.titleEn,
    owner: { code: layer.owner.code, name_vi: layer.owner.nameVi, name_en: layer.owner.nameEn },
    source: layer.source,
    legal_basis: layer.legalBasis,
    licence: layer.licence,
    data_updated_at: layer.dataUpdatedAt.toISOString(),
  };
}
