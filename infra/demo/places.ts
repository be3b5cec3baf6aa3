// Point layers: geosites, markets, base stations and environmental monitoring stations.
import type { Commune } from './communes.ts';
import { CITY_CENTRE, CITY_SUBDIVISIONS, PROVINCE_OUTLINE, TOWNS } from './geography.ts';
import { distance, offset, pointInRing, type Position } from './geometry.ts';
import { NAMED_GEOSITES } from './landmarks.ts';
import { pointFeature, type DemoFeature } from './model.ts';
import { localName, uniqueName } from './names.ts';
import type { Random } from './random.ts';
import type { Village } from './roads.ts';
import { PointIndex } from './spatial-index.ts';
import type { WaterPath } from './water.ts';

type CommuneAt = (p: Position) => Commune;

function randomInside(rng: Random): Position {
  for (;;) {
    const p: Position = [rng.range(105.27, 106.84), rng.range(22.35, 23.12)];
    if (pointInRing(p, PROVINCE_OUTLINE)) return p;
  }
}

/** A position `min`–`max` metres from `p` in a random direction, kept inside the province. */
function near(rng: Random, p: Position, min: number, max: number): Position {
  for (let i = 0; i < 50; i++) {
    const a = rng.range(0, 2 * Math.PI);
    const d = rng.range(min, max);
    const q = offset(p, d * Math.cos(a), d * Math.sin(a));
    if (pointInRing(q, PROVINCE_OUTLINE)) return q;
  }
  return p;
}

// The geopark's three tour routes, by district.
const TOUR_ROUTES: Record<string, string> = {
  HQ: 'Tuyến 1: Hành trình về nguồn', HA: 'Tuyến 1: Hành trình về nguồn',
  TK: 'Tuyến 2: Khám phá miền non nước', HL: 'Tuyến 2: Khám phá miền non nước', QH: 'Tuyến 2: Khám phá miền non nước',
  TA: 'Tuyến 2: Khám phá miền non nước', CB: 'Tuyến 2: Khám phá miền non nước',
  NB: 'Tuyến 3: Vùng đất huyền thoại', BC: 'Tuyến 3: Vùng đất huyền thoại', BL: 'Tuyến 3: Vùng đất huyền thoại',
};

const GEOSITE_NAMING: Record<string, { prefixes: string[]; text: string[] }> = {
  'Địa mạo karst': {
    prefixes: ['Núi', 'Thung lũng karst', 'Cửa sổ đá', 'Rừng đá', 'Đỉnh'],
    text: ['Cảnh quan núi đá vôi dạng tháp và dạng nón xen thung lũng.', 'Phễu karst và thung lũng khép kín trên nền đá vôi Carbon – Permi.', 'Vách đá vôi dựng đứng, dấu vết hòa tan karst rõ nét.'],
  },
  'Hang động': {
    prefixes: ['Hang', 'Động', 'Hang Ngườm'],
    text: ['Hang karst nhiều tầng với thạch nhũ, măng đá và cột đá.', 'Hang có suối ngầm chảy qua, trần hang cao, cửa hang rộng.', 'Mái đá có dấu tích cư trú của người tiền sử.'],
  },
  'Thác nước': {
    prefixes: ['Thác'],
    text: ['Thác nhiều bậc đổ qua các gờ đá vôi, nhiều nước vào mùa mưa.', 'Thác nhỏ trên suối karst, nước trong quanh năm.'],
  },
  'Thủy văn': {
    prefixes: ['Mó nước', 'Hồ karst', 'Suối ngầm', 'Bó'],
    text: ['Mạch nước karst chảy ra từ chân núi đá vôi, không cạn quanh năm.', 'Hồ karst hình thành trong phễu sụt, mực nước thay đổi theo mùa.'],
  },
  'Cổ sinh, hóa thạch': {
    prefixes: ['Điểm hóa thạch', 'Mặt cắt hóa thạch'],
    text: ['Hóa thạch tay cuộn, san hô và huệ biển trong đá vôi Devon.', 'Hóa thạch trùng thoi và tảo vôi trong đá vôi Carbon – Permi.', 'Dấu vết hóa thạch thực vật trong đá phiến sét.'],
  },
  'Địa tầng': {
    prefixes: ['Mặt cắt địa tầng', 'Ranh giới địa tầng', 'Vết lộ đá'],
    text: ['Mặt cắt ranh giới Devon – Carbon với các lớp đá vôi và đá phiến xen kẽ.', 'Vết lộ đá bazan Permi – Trias phủ trên đá vôi.', 'Mặt cắt đá trầm tích Ordovic – Silur uốn nếp mạnh.'],
  },
  'Khoáng sản': {
    prefixes: ['Điểm quặng', 'Mỏ cũ', 'Điểm khoáng hóa'],
    text: ['Điểm khoáng hóa sắt – mangan trong đá vôi, dấu vết khai thác cũ.', 'Sa khoáng thiếc trong thung lũng suối.', 'Điểm khoáng hóa chì – kẽm theo đới đứt gãy.'],
  },
  'Văn hóa, lịch sử': {
    prefixes: ['Làng', 'Di tích', 'Đình', 'Chùa'],
    text: ['Làng truyền thống của người Tày, Nùng với nhà sàn và ruộng bậc thang.', 'Di tích lịch sử cách mạng trong hang núi đá vôi.', 'Công trình tín ngưỡng cổ, lễ hội đầu xuân.'],
  },
};

export function buildGeosites(rng: Random, count: number, communeAt: CommuneAt): DemoFeature[] {
  const features: DemoFeature[] = [];
  const taken = new PointIndex<null>(2000);
  const names = new Set<string>();
  const add = (p: Position, props: { ten: string; loai: string; xep_hang: string; mo_ta: string }) => {
    const c = communeAt(p);
    features.push(pointFeature(p, { ...props, tuyen_du_lich: TOUR_ROUTES[c.districtCode] ?? null, xa: c.name }));
    taken.add(p, null);
    names.add(props.ten);
  };
  for (const g of NAMED_GEOSITES) add(g.position, { ten: g.name, loai: g.kind, xep_hang: g.rank, mo_ta: g.description });

  const kinds = [
    ['Địa mạo karst', 26], ['Hang động', 20], ['Thác nước', 8], ['Thủy văn', 10], ['Cổ sinh, hóa thạch', 10],
    ['Địa tầng', 10], ['Khoáng sản', 6], ['Văn hóa, lịch sử', 10],
  ] as const;
  while (features.length < count) {
    const p = randomInside(rng);
    // Most geosites are in the limestone of the north and east; the granite west has fewer.
    const karst = p[0] > 105.98 && p[1] > 22.55;
    if (!karst && rng.chance(0.55)) continue;
    if (distance(p, CITY_CENTRE) < 4000 || taken.hasWithin(p, 1500)) continue;
    const loai = rng.weighted(kinds);
    const naming = GEOSITE_NAMING[loai]!;
    const ten = uniqueName(names, () => `${rng.pick(naming.prefixes)} ${localName(rng)}`);
    add(p, {
      ten,
      loai,
      xep_hang: rng.weighted([['Quốc gia', 1], ['Cấp tỉnh', 4], ['Chưa xếp hạng', 6]] as const),
      mo_ta: rng.pick(naming.text),
    });
  }
  return features;
}

const CITY_MARKETS: { name: string; position: Position; kind: string; cls: string; stalls: number }[] = [
  { name: 'Chợ Xanh', position: [106.2553, 22.6676], kind: 'Chợ trung tâm', cls: 'Hạng 1', stalls: 820 },
  { name: 'Chợ Sông Bằng', position: [106.2731, 22.6702], kind: 'Chợ trung tâm', cls: 'Hạng 2', stalls: 310 },
  { name: 'Chợ Sông Hiến', position: [106.2548, 22.6532], kind: 'Chợ trung tâm', cls: 'Hạng 2', stalls: 260 },
  { name: 'Chợ Tân An', position: [106.2803, 22.6471], kind: 'Chợ trung tâm', cls: 'Hạng 3', stalls: 140 },
  { name: 'Chợ Đề Thám', position: [106.2889, 22.6868], kind: 'Chợ trung tâm', cls: 'Hạng 3', stalls: 120 },
  { name: 'Chợ đêm Kim Đồng', position: [106.2569, 22.6651], kind: 'Chợ đêm', cls: 'Hạng 3', stalls: 95 },
];

const BORDER_MARKETS: { name: string; position: Position }[] = [
  { name: 'Chợ cửa khẩu Tà Lùng', position: [106.5812, 22.4895] },
  { name: 'Chợ cửa khẩu Trà Lĩnh', position: [106.3291, 22.8462] },
  { name: 'Chợ biên giới Pò Peo', position: [106.6362, 22.8851] },
  { name: 'Chợ cửa khẩu Sóc Giang', position: [106.0881, 22.9702] },
];

export function buildMarkets(rng: Random, communes: readonly Commune[], communeAt: CommuneAt): DemoFeature[] {
  const features: DemoFeature[] = [];
  for (const m of CITY_MARKETS) {
    features.push(pointFeature(m.position, {
      ten: m.name, loai: m.kind, hang_cho: m.cls, phien_cho: 'Họp hằng ngày', so_diem_kinh_doanh: m.stalls, xa: communeAt(m.position).name,
    }));
  }
  for (const m of BORDER_MARKETS) {
    features.push(pointFeature(m.position, {
      ten: m.name, loai: 'Chợ biên giới', hang_cho: 'Hạng 2', phien_cho: rng.pick(['Họp hằng ngày', 'Phiên 5 ngày một lần']),
      so_diem_kinh_doanh: rng.int(60, 260), xa: communeAt(m.position).name,
    }));
  }
  for (const c of communes) {
    if (c.districtCode === 'CB') continue;
    const town = c.kind === 'Thị trấn';
    if (!town && !rng.chance(0.62)) continue;
    // Periodic markets rotate through the five-day cycle of the lunar month (days 1 & 6, 2 & 7, …).
    const day = rng.int(1, 5);
    const p = near(rng, c.seed, 50, town ? 250 : 900);
    features.push(pointFeature(p, {
      ten: `Chợ ${c.name.replace(/^(Xã|Thị trấn) /, '')}`,
      loai: town ? 'Chợ trung tâm' : 'Chợ phiên',
      hang_cho: town ? 'Hạng 2' : 'Hạng 3',
      phien_cho: town ? 'Họp hằng ngày' : `Phiên ngày ${day}, ${day + 5} (âm lịch, chu kỳ 5 ngày)`,
      so_diem_kinh_doanh: town ? rng.int(120, 400) : rng.int(20, 110),
      xa: communeAt(p).name,
    }));
  }
  return features;
}

export function buildBaseStations(rng: Random, count: number, villages: readonly Village[], communeAt: CommuneAt): DemoFeature[] {
  const features: DemoFeature[] = [];
  const taken = new PointIndex<null>(1000);
  const serial = new Map<string, number>();
  const urbanSites = CITY_SUBDIVISIONS.map((s) => ({ position: s.position, radius: 1600 }))
    .concat(TOWNS.filter((t) => t.urbanRadius > 0).map((t) => ({ position: t.position, radius: t.urbanRadius * 1.6 })));
  while (features.length < count) {
    const urbanSite = rng.chance(0.3);
    const p = urbanSite
      ? (() => {
          const s = rng.pick(urbanSites);
          return near(rng, s.position, 0, s.radius);
        })()
      : near(rng, rng.pick(villages).position, 80, 500);
    if (taken.hasWithin(p, urbanSite ? 350 : 1200)) continue;
    taken.add(p, null);
    const c = communeAt(p);
    const operator = rng.weighted([['Viettel', 45], ['VNPT', 30], ['MobiFone', 25]] as const);
    const code = `${operator === 'Viettel' ? 'CBG' : operator === 'VNPT' ? 'CBN' : 'CBM'}${c.districtCode}`;
    const n = (serial.get(code) ?? 0) + 1;
    serial.set(code, n);
    const inCity = distance(p, CITY_CENTRE) < 4000;
    const tech = inCity
      ? rng.weighted([['5G', 35], ['4G', 65]] as const)
      : urbanSite
        ? rng.weighted([['5G', 10], ['4G', 85], ['3G', 5]] as const)
        : rng.weighted([['4G', 75], ['3G', 15], ['2G', 10]] as const);
    const mast = inCity && rng.chance(0.5) ? 'Cột trên nóc nhà' : rng.weighted([['Cột tự đứng', 6], ['Cột dây co', 3], ['Cột ngụy trang', 1]] as const);
    features.push(pointFeature(p, {
      ma_tram: `${code}${String(n).padStart(3, '0')}`,
      ten: `Trạm ${operator} ${c.name.replace(/^(Xã|Phường|Thị trấn) /, '')} ${n}`,
      nha_mang: operator,
      cong_nghe: tech,
      loai_cot: mast,
      do_cao_cot_m: mast === 'Cột trên nóc nhà' ? rng.pick([6, 9, 12]) : rng.pick([30, 36, 42, 45, 50]),
      dung_chung: rng.chance(0.3),
      nam_phat_song: tech === '5G' ? rng.int(2022, 2024) : tech === '4G' ? rng.int(2016, 2024) : rng.int(2005, 2015),
      xa: c.name,
    }));
  }
  return features;
}

export function buildMonitoringStations(
  rng: Random,
  rivers: readonly WaterPath[],
  communeAt: CommuneAt,
): DemoFeature[] {
  const features: DemoFeature[] = [];
  const serial = new Map<string, number>();
  const code = (prefix: string) => {
    const n = (serial.get(prefix) ?? 0) + 1;
    serial.set(prefix, n);
    return `${prefix}-${String(n).padStart(2, '0')}`;
  };
  const add = (p: Position, props: { ma_tram: string; ten: string; loai: string; che_do: string; tan_suat: string; thong_so: string }) => {
    if (!pointInRing(p, PROVINCE_OUTLINE)) return;
    features.push(pointFeature(p, { ...props, nam_bat_dau: rng.int(2012, 2023), xa: communeAt(p).name }));
  };

  // Surface water: along each main river every 12–20 km, and where it leaves the province.
  for (const r of rivers) {
    let since = rng.range(2000, 8000);
    for (let i = 1; i < r.path.length; i++) {
      since += distance(r.path[i - 1]!, r.path[i]!);
      const p = r.path[i]!;
      if (since < rng.range(12_000, 20_000) || !pointInRing(p, PROVINCE_OUTLINE)) continue;
      since = 0;
      const automatic = distance(p, CITY_CENTRE) < 6000 || rng.chance(0.15);
      add(p, {
        ma_tram: code('NM'),
        ten: `${r.name} – đoạn ${communeAt(p).name.replace(/^(Xã|Phường|Thị trấn) /, '')}`,
        loai: 'Nước mặt',
        che_do: automatic ? 'Tự động, liên tục' : 'Định kỳ',
        tan_suat: automatic ? 'Liên tục (truyền dữ liệu 5 phút/lần)' : rng.pick(['4 đợt/năm', '6 đợt/năm']),
        thong_so: 'pH, nhiệt độ, DO, TSS, COD, BOD₅, NH₄⁺, NO₃⁻, PO₄³⁻, coliform',
      });
    }
  }
  for (const t of TOWNS) {
    const inCity = t.urbanRadius === 0;
    add(near(rng, t.position, 100, 600), {
      ma_tram: code('KK'),
      ten: `Không khí ${t.name}`,
      loai: 'Không khí',
      che_do: inCity ? 'Tự động, liên tục' : 'Định kỳ',
      tan_suat: inCity ? 'Liên tục' : '4 đợt/năm',
      thong_so: 'Bụi TSP, PM₁₀, PM₂.₅, SO₂, NO₂, CO, O₃, tiếng ồn',
    });
    add(near(rng, t.position, 300, 1500), {
      ma_tram: code('NN'),
      ten: `Giếng quan trắc nước dưới đất ${t.short}`,
      loai: 'Nước dưới đất',
      che_do: 'Định kỳ',
      tan_suat: '2 đợt/năm',
      thong_so: 'pH, độ cứng, TDS, NO₃⁻, Fe, Mn, As, coliform',
    });
  }
  for (const w of CITY_SUBDIVISIONS.slice(0, 6)) {
    add(near(rng, w.position, 100, 500), {
      ma_tram: code('KK'),
      ten: `Không khí ${w.name}`,
      loai: 'Không khí',
      che_do: 'Định kỳ',
      tan_suat: '6 đợt/năm',
      thong_so: 'Bụi TSP, PM₁₀, SO₂, NO₂, CO, tiếng ồn',
    });
  }
  const wasteSources: [string, Position][] = [
    ['Khu công nghiệp Đề Thám', [106.3012, 22.6961]],
    ['Bệnh viện Đa khoa tỉnh Cao Bằng', [106.2409, 22.6702]],
    ['Nhà máy xử lý nước thải thành phố Cao Bằng', [106.2838, 22.6551]],
    ['Khu mỏ thiếc Tĩnh Túc', [105.8861, 22.6395]],
    ['Mỏ sắt Nà Rụa', [106.2912, 22.7041]],
    ['Mỏ mangan Tốc Tát', [106.5862, 22.7811]],
    ['Khu xử lý chất thải rắn Khuổi Kép', [106.2221, 22.6247]],
  ];
  for (const [name, p] of wasteSources) {
    add(p, {
      ma_tram: code('NT'),
      ten: `Nước thải ${name}`,
      loai: 'Nước thải',
      che_do: rng.chance(0.5) ? 'Tự động, liên tục' : 'Định kỳ',
      tan_suat: rng.pick(['Liên tục', '4 đợt/năm']),
      thong_so: 'Lưu lượng, pH, TSS, COD, BOD₅, amoni, kim loại nặng',
    });
  }
  for (let i = 0; i < 10; i++) {
    const p = randomInside(rng);
    add(p, {
      ma_tram: code('DA'),
      ten: `Đất nông nghiệp ${communeAt(p).name.replace(/^(Xã|Phường|Thị trấn) /, '')}`,
      loai: 'Đất',
      che_do: 'Định kỳ',
      tan_suat: '1 đợt/năm',
      thong_so: 'pH, hữu cơ, N, P, K tổng, As, Cd, Pb, Cu, Zn, dư lượng hóa chất bảo vệ thực vật',
    });
  }
  return features;
}
