// Agricultural and forestry production zones: one irregular zone per cell of a coarse grid at most, sized to
// stay inside its cell, so zones never overlap each other; kept away from the towns and the lakes.
import type { Commune } from './communes.ts';
import { CITY_CENTRE, TOWNS } from './geography.ts';
import { blob, distance, fromMetres, ringArea, toMetres, type Position } from './geometry.ts';
import { polygonFeature, round, type DemoFeature } from './model.ts';
import { localName, uniqueName } from './names.ts';
import type { Random } from './random.ts';
import type { Disc } from './water.ts';

// What each district is known for (Trùng Khánh chestnuts, Hòa An and Hà Quảng tobacco, Phục Hòa sugar cane, …).
const CROP_WEIGHTS: Record<string, [string, number][]> = {
  CB: [['Cây ăn quả', 3], ['Lúa nước', 3], ['Rừng sản xuất', 2]],
  HA: [['Thuốc lá', 4], ['Lúa nước', 4], ['Ngô', 2], ['Rừng sản xuất', 2], ['Cây ăn quả', 1]],
  HQ: [['Thuốc lá', 3], ['Ngô', 3], ['Rừng phòng hộ', 2], ['Cây dược liệu', 1], ['Lúa nước', 2]],
  TK: [['Hạt dẻ', 5], ['Lúa nước', 3], ['Ngô', 2], ['Rừng phòng hộ', 2], ['Thuốc lá', 1]],
  HL: [['Ngô', 3], ['Lúa nước', 3], ['Rừng sản xuất', 3], ['Cây ăn quả', 1], ['Hạt dẻ', 1]],
  QH: [['Mía', 5], ['Lúa nước', 3], ['Ngô', 2], ['Rừng sản xuất', 2], ['Thuốc lá', 1]],
  TA: [['Rừng sản xuất', 4], ['Cây ăn quả', 3], ['Ngô', 2], ['Lúa nước', 2], ['Cây dược liệu', 1]],
  NB: [['Rừng phòng hộ', 3], ['Rừng sản xuất', 3], ['Chè', 3], ['Cây dược liệu', 2], ['Ngô', 2]],
  BC: [['Ngô', 4], ['Rừng phòng hộ', 3], ['Rừng sản xuất', 2], ['Chè', 2], ['Cây dược liệu', 1]],
  BL: [['Ngô', 4], ['Rừng phòng hộ', 4], ['Rừng sản xuất', 2], ['Cây dược liệu', 1]],
};

const ZONE_WORD: Record<string, string> = {
  'Lúa nước': 'Cánh đồng lúa', 'Ngô': 'Vùng ngô', 'Thuốc lá': 'Vùng thuốc lá', 'Hạt dẻ': 'Vùng hạt dẻ',
  'Mía': 'Vùng mía', 'Chè': 'Đồi chè', 'Cây ăn quả': 'Vườn cây ăn quả', 'Cây dược liệu': 'Vùng dược liệu',
  'Rừng sản xuất': 'Rừng sản xuất', 'Rừng phòng hộ': 'Rừng phòng hộ',
};

export function buildFarmingZones(
  rng: Random,
  communeAt: (p: Position) => Commune,
  lakes: readonly Disc[],
  cell = 2600,
): DemoFeature[] {
  const features: DemoFeature[] = [];
  const names = new Set<string>();
  const [x0, y0] = toMetres([105.27, 22.35]);
  const [x1, y1] = toMetres([106.84, 23.12]);
  for (let y = y0; y < y1; y += cell) {
    for (let x = x0; x < x1; x += cell) {
      if (!rng.chance(0.85)) continue;
      const aspect = rng.range(1, 1.8);
      // A blob's farthest vertex is at most 1.45 radii out (see blob's roughness): sized so it fits the cell.
      const radius = rng.range(0.35, 0.9) * ((cell / 2 - 120) / (aspect * 1.45));
      const reach = radius * aspect * 1.45;
      const slack = cell / 2 - reach - 40;
      const centre = fromMetres(x + cell / 2 + rng.range(-slack, slack), y + cell / 2 + rng.range(-slack, slack));
      if (distance(centre, CITY_CENTRE) < 6500) continue;
      if (TOWNS.some((t) => distance(t.position, centre) < t.urbanRadius * 1.3 + reach + 300)) continue;
      if (lakes.some((l) => distance(l.centre, centre) < l.radius + reach + 100)) continue;
      const ring = blob(centre, radius, rng, { vertices: 20, roughness: 0.3, aspect, angle: rng.range(0, Math.PI) });
      const commune = communeAt(centre);
      const crop = rng.weighted(CROP_WEIGHTS[commune.districtCode] ?? CROP_WEIGHTS.CB!);
      const forest = crop.startsWith('Rừng');
      const ten = uniqueName(names, () => `${ZONE_WORD[crop]} ${localName(rng)} (${commune.name.replace(/^(Xã|Phường|Thị trấn) /, '')})`);
      const f = polygonFeature(ring, {
        ten,
        loai_cay: crop,
        dien_tich_ha: round(ringArea(ring) / 10_000, 2),
        chung_nhan: forest
          ? rng.weighted([['Chưa chứng nhận', 8], ['Hữu cơ', 1]] as const)
          : crop === 'Hạt dẻ'
            ? rng.weighted([['Chỉ dẫn địa lý', 5], ['VietGAP', 2], ['Chưa chứng nhận', 3]] as const)
            : rng.weighted([['VietGAP', 2], ['Hữu cơ', 1], ['Chưa chứng nhận', 7]] as const),
        nam_quy_hoach: rng.int(2021, 2025),
        xa: commune.name,
        huyen: commune.district,
      });
      if (f) features.push(f);
    }
  }
  return features;
}
