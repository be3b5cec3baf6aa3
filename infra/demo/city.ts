// Cao Bằng city and the district towns as gently warped street grids. The city's grid gives the streets, the
// street lights along them and the planning zones inside the blocks; the towns' grids give planning zones only.
// Blocks stay clear of the rivers and lakes, so no zone or street light ends up in the water.
import type { Commune } from './communes.ts';
import { CITY_CENTRE, CITY_SUBDIVISIONS, PROVINCE_OUTLINE, TOWNS } from './geography.ts';
import {
  densify, distance, lerp, lineLength, offset, pointInRing, ringArea, smoothNoise, toMetres, type Position, type Ring,
} from './geometry.ts';
import { lineFeature, pointFeature, polygonFeature, round, type DemoFeature } from './model.ts';
import { STREET_NAMES } from './names.ts';
import type { Random } from './random.ts';
import type { RoadPath } from './roads.ts';
import { PointIndex } from './spatial-index.ts';
import type { Disc, WaterPath } from './water.ts';

interface Grid {
  nu: number;
  nv: number;
  du: number;
  dv: number;
  node(i: number, j: number): Position;
  cellCentre(i: number, j: number): Position;
}

/** A rotated grid whose lines bend smoothly (a few tens of metres over a kilometre or more, so blocks never fold). */
function warpedGrid(rng: Random, origin: Position, angle: number, du: number, dv: number, nu: number, nv: number, warp: number): Grid {
  const p = [rng.range(0, 6.3), rng.range(0, 6.3), rng.range(0, 6.3), rng.range(0, 6.3)];
  const nodes: Position[] = [];
  for (let j = 0; j <= nv; j++) {
    for (let i = 0; i <= nu; i++) {
      const u = (i - nu / 2) * du;
      const v = (j - nv / 2) * dv;
      const wu = u + warp * Math.sin(v / 1400 + p[0]!) + 0.4 * warp * Math.sin(u / 1700 + p[1]!);
      const wv = v + warp * Math.sin(u / 1200 + p[2]!) + 0.4 * warp * Math.sin(v / 1900 + p[3]!);
      nodes.push(offset(origin, wu * Math.cos(angle) - wv * Math.sin(angle), wu * Math.sin(angle) + wv * Math.cos(angle)));
    }
  }
  const node = (i: number, j: number) => nodes[j * (nu + 1) + i]!;
  return {
    nu, nv, du, dv, node,
    cellCentre: (i, j) => lerp(lerp(node(i, j), node(i + 1, j + 1), 0.5), lerp(node(i + 1, j), node(i, j + 1), 0.5), 0.5),
  };
}

/** Whether a block may be built on: inside the province, clear of rivers (with the block's own size) and lakes. */
function buildable(grid: Grid, water: PointIndex<null>, lakes: readonly Disc[]) {
  const halfDiagonal = Math.hypot(grid.du, grid.dv) / 2;
  return (i: number, j: number): boolean => {
    const c = grid.cellCentre(i, j);
    if (!pointInRing(c, PROVINCE_OUTLINE)) return false;
    if (water.hasWithin(c, halfDiagonal + 25)) return false;
    return lakes.every((l) => distance(l.centre, c) > l.radius + halfDiagonal);
  };
}

function waterNear(rivers: readonly WaterPath[], centre: Position, radius: number): PointIndex<null> {
  const index = new PointIndex<null>(250);
  for (const r of rivers) {
    for (const p of densify(r.path, 20)) if (distance(p, centre) < radius) index.add(p, null);
  }
  return index;
}

/** Bilinear point of a block's quad (u along i, v along j). */
function quadPoint(q: readonly [Position, Position, Position, Position], u: number, v: number): Position {
  return lerp(lerp(q[0], q[1], u), lerp(q[3], q[2], u), v);
}

/** A block, cut into planning zones: inset from the street, then split into a few strips. */
function blockZones(q: readonly [Position, Position, Position, Position], inset: number, splitsU: number, splitsV: number): Ring[] {
  const zones: Ring[] = [];
  for (let a = 0; a < splitsU; a++) {
    for (let b = 0; b < splitsV; b++) {
      const u0 = inset + ((1 - 2 * inset) * a) / splitsU;
      const u1 = inset + ((1 - 2 * inset) * (a + 1)) / splitsU;
      const v0 = inset + ((1 - 2 * inset) * b) / splitsV;
      const v1 = inset + ((1 - 2 * inset) * (b + 1)) / splitsV;
      // Neighbouring zones of one block share an edge exactly: a small gap keeps them apart on the map.
      const g = 0.004;
      const ring: Ring = [
        quadPoint(q, u0 + g, v0 + g), quadPoint(q, u1 - g, v0 + g), quadPoint(q, u1 - g, v1 - g), quadPoint(q, u0 + g, v1 - g),
      ];
      ring.push(ring[0]!);
      zones.push(ring);
    }
  }
  return zones;
}

type Use = (typeof USE_WEIGHTS)[keyof typeof USE_WEIGHTS][number][0];

const USE_WEIGHTS = {
  centre: [
    ['Đất thương mại dịch vụ', 24], ['Đất hỗn hợp', 20], ['Đất ở đô thị', 26], ['Đất cơ quan', 10], ['Đất văn hóa', 4],
    ['Đất cây xanh', 6], ['Đất giáo dục', 5], ['Đất y tế', 3], ['Đất thể dục thể thao', 2],
  ],
  middle: [
    ['Đất ở đô thị', 56], ['Đất hỗn hợp', 6], ['Đất thương mại dịch vụ', 6], ['Đất giáo dục', 8], ['Đất y tế', 3],
    ['Đất cây xanh', 10], ['Đất thể dục thể thao', 3], ['Đất cơ quan', 3], ['Đất hạ tầng kỹ thuật', 3],
    ['Đất quốc phòng, an ninh', 1],
  ],
  edge: [
    ['Đất ở đô thị', 40], ['Đất cây xanh', 18], ['Đất công nghiệp', 10], ['Đất hạ tầng kỹ thuật', 6], ['Đất giáo dục', 6],
    ['Đất thể dục thể thao', 4], ['Đất quốc phòng, an ninh', 3], ['Đất thương mại dịch vụ', 5], ['Đất y tế', 2],
  ],
} as const;

const COVERAGE: Record<string, [number, number]> = {
  'Đất ở đô thị': [60, 90], 'Đất ở nông thôn': [40, 60], 'Đất thương mại dịch vụ': [40, 70], 'Đất hỗn hợp': [50, 80],
  'Đất cơ quan': [35, 50], 'Đất giáo dục': [30, 40], 'Đất y tế': [35, 45], 'Đất văn hóa': [25, 40],
  'Đất thể dục thể thao': [10, 25], 'Đất cây xanh': [2, 5], 'Đất công nghiệp': [50, 70], 'Đất hạ tầng kỹ thuật': [20, 50],
  'Đất quốc phòng, an ninh': [20, 40],
};

function zoneProperties(rng: Random, use: string, ring: Ring, code: string, decision: string, area: string, central: boolean) {
  const [lo, hi] = COVERAGE[use] ?? [30, 60];
  const floors = use === 'Đất cây xanh' ? 1 : use === 'Đất thể dục thể thao' ? 2 : central ? rng.int(5, 9) : rng.int(3, 5);
  return {
    ma_khu: code,
    loai_dat: use,
    dien_tich_ha: round(ringArea(ring) / 10_000, 3),
    mat_do_xay_dung: Math.round(rng.range(lo, hi) / 5) * 5,
    tang_cao_toi_da: floors,
    quyet_dinh: decision,
    khu_vuc: area,
  };
}

const CITY_DECISIONS: Record<string, string> = {
  centre: 'Quyết định 1467/QĐ-UBND ngày 18/9/2023 phê duyệt quy hoạch phân khu khu trung tâm thành phố Cao Bằng',
  north: 'Quyết định 2011/QĐ-UBND ngày 26/12/2023 phê duyệt quy hoạch phân khu phía Bắc thành phố Cao Bằng',
  southwest: 'Quyết định 845/QĐ-UBND ngày 09/6/2024 phê duyệt quy hoạch phân khu phía Nam và phía Tây thành phố Cao Bằng',
};
const WARD_PLAN: Record<string, keyof typeof CITY_DECISIONS> = {
  HG: 'centre', SB: 'centre', SH: 'centre', TG: 'centre', NX: 'north', DT: 'north', DU: 'north', VQ: 'north',
  HC: 'southwest', HD: 'southwest', CT: 'southwest',
};

export interface CityData {
  streets: DemoFeature[];
  lights: DemoFeature[];
  zones: DemoFeature[];
}

export function buildCity(
  rng: Random,
  ctx: { rivers: readonly WaterPath[]; roads: readonly RoadPath[]; lakes: readonly Disc[]; communeAt: (p: Position) => Commune },
): CityData {
  const grid = warpedGrid(rng, CITY_CENTRE, (17 * Math.PI) / 180, 125, 105, 84, 84, 70);
  const water = waterNear(ctx.rivers, CITY_CENTRE, 8000);
  const canBuild = buildable(grid, water, ctx.lakes);
  const roadPoints = new PointIndex<null>(300);
  for (const r of ctx.roads) for (const p of densify(r.path, 40)) if (distance(p, CITY_CENTRE) < 7000) roadPoints.add(p, null);
  const noise = smoothNoise(rng, 500, 1800);

  // How urban a place is: high around the ward centres, lower around the peri-urban communes, with ribbons of
  // building along the national roads leaving town.
  const urban = (p: Position): number => {
    let v = 0;
    for (const w of CITY_SUBDIVISIONS) {
      const ward = w.name.startsWith('Phường');
      v += (ward ? 0.55 : 0.45) * Math.exp(-((distance(p, w.position) / (ward ? 1250 : 850)) ** 2));
    }
    const road = roadPoints.nearest(p, 700);
    if (road) v = Math.max(v, 0.6 * Math.exp(-((road.distance / 230) ** 2)));
    return Math.min(v, 1) + 0.2 * noise(p);
  };

  const included: boolean[] = [];
  for (let j = 0; j < grid.nv; j++) {
    for (let i = 0; i < grid.nu; i++) included.push(canBuild(i, j) && urban(grid.cellCentre(i, j)) > 0.25);
  }
  const isIn = (i: number, j: number) => i >= 0 && j >= 0 && i < grid.nu && j < grid.nv && included[j * grid.nu + i]!;

  const wardOf = (p: Position) => {
    const c = ctx.communeAt(p);
    return { name: c.name, code: CITY_SUBDIVISIONS.find((s) => s.name === c.name)?.code ?? c.districtCode };
  };

  // Street names: the best-known names to the most central lines, main streets first.
  type Line = { dir: 'u' | 'v'; k: number; major: boolean; name: string; cls: string };
  const lines: Line[] = [];
  for (let k = 0; k <= grid.nv; k++) lines.push({ dir: 'u', k, major: k % 5 === 0, name: '', cls: '' });
  for (let k = 0; k <= grid.nu; k++) lines.push({ dir: 'v', k, major: k % 5 === 0, name: '', cls: '' });
  const centrality = (l: Line) => Math.abs(l.k - (l.dir === 'u' ? grid.nv : grid.nu) / 2);
  const pool = [...STREET_NAMES];
  const byCentre = [...lines].sort((a, b) => centrality(a) - centrality(b) || (a.dir < b.dir ? -1 : 1));
  for (const l of byCentre.filter((x) => x.major)) {
    l.name = `Đường ${pool.shift() ?? `số ${l.k}`}`;
    l.cls = 'Đường trục chính';
  }
  for (const l of byCentre.filter((x) => !x.major)) {
    const next = pool.shift();
    if (next) {
      l.name = `Phố ${next}`;
      l.cls = 'Đường phố';
    } else {
      const parallel = lines.find((x) => x.dir === l.dir && x.major && x.k === Math.round(l.k / 5) * 5);
      l.name = `Ngõ ${(l.k % 5) * 12 + (l.k % 7)} ${(parallel?.name ?? 'Đường số 1').replace(/^Đường /, '')}`;
      l.cls = 'Đường nội bộ';
    }
  }
  const widthOf = (cls: string, r: Random) =>
    cls === 'Đường trục chính' ? r.pick([15, 21, 24]) : cls === 'Đường phố' ? r.pick([7.5, 10.5]) : r.pick([3.5, 5.5]);

  const streets: DemoFeature[] = [];
  const lights: DemoFeature[] = [];
  const lightSerial = new Map<string, number>();

  const addLights = (a: Position, b: Position, line: Line, width: number) => {
    const len = distance(a, b);
    const [ax, ay] = toMetres(a);
    const [bx, by] = toMetres(b);
    const nx = -(by - ay) / len;
    const ny = (bx - ax) / len;
    const set = offsetFor(line.cls, width);
    const spacing = line.cls === 'Đường trục chính' ? 30 : line.cls === 'Đường phố' ? 28 : 25;
    const n = Math.max(1, Math.round(len / spacing));
    // One lighting contract per stretch of street: the same lamp type and year along it.
    const kind = rng.weighted(
      line.cls === 'Đường trục chính'
        ? ([['LED', 75], ['Sodium', 20], ['Metal halide', 5]] as const)
        : line.cls === 'Đường phố'
          ? ([['LED', 60], ['Sodium', 35], ['LED năng lượng mặt trời', 5]] as const)
          : ([['LED', 50], ['Sodium', 30], ['LED năng lượng mặt trời', 20]] as const),
    );
    const year =
      kind === 'LED' ? rng.int(2015, 2024) : kind === 'Sodium' ? rng.int(2003, 2016) : kind === 'Metal halide' ? rng.int(2008, 2015) : rng.int(2019, 2024);
    const watts = wattsFor(kind, line.cls, rng);
    const height = line.cls === 'Đường trục chính' ? rng.pick([10, 11, 12]) : line.cls === 'Đường phố' ? rng.pick([8, 9]) : rng.pick([6, 7]);
    for (let k = 0; k < n; k++) {
      for (const [side, shift] of set) {
        const t = (k + shift) / n;
        const base = lerp(a, b, t);
        const p = offset(base, nx * side, ny * side);
        const ward = wardOf(p);
        const seq = (lightSerial.get(ward.code) ?? 0) + 1;
        lightSerial.set(ward.code, seq);
        lights.push(
          pointFeature(p, {
            ma_den: `CS-${ward.code}-${String(seq).padStart(5, '0')}`,
            loai_den: kind,
            cong_suat_w: watts,
            chieu_cao_cot_m: height,
            tuyen_duong: line.name,
            phuong: ward.name,
            trang_thai: rng.weighted([['Hoạt động', 93], ['Hỏng', 4], ['Đang bảo trì', 3]] as const),
            nam_lap_dat: year,
          }),
        );
      }
    }
  };

  for (const line of lines) {
    const count = line.dir === 'u' ? grid.nu : grid.nv;
    // The edge between nodes s and s+1 of the line is a street when a block on either side is built up.
    const kept = (s: number) =>
      line.dir === 'u' ? isIn(s, line.k - 1) || isIn(s, line.k) : isIn(line.k - 1, s) || isIn(line.k, s);
    const at = (s: number) => (line.dir === 'u' ? grid.node(s, line.k) : grid.node(line.k, s));
    let s = 0;
    while (s < count) {
      if (!kept(s)) {
        s++;
        continue;
      }
      const run: Position[] = [at(s)];
      while (s < count && kept(s)) {
        run.push(at(s + 1));
        s++;
      }
      const width = widthOf(line.cls, rng);
      const mid = run[Math.floor(run.length / 2)]!;
      const f = lineFeature(run, {
        ten: line.name,
        loai_duong: line.cls,
        be_rong_m: width,
        chieu_dai_km: round(lineLength(run) / 1000, 3),
        ket_cau_mat: line.cls === 'Đường nội bộ' ? 'Bê tông xi măng' : 'Bê tông nhựa',
        phuong: wardOf(mid).name,
      });
      if (f) streets.push(f);
      for (let e = 1; e < run.length; e++) addLights(run[e - 1]!, run[e]!, line, width);
    }
  }

  const zones: DemoFeature[] = [];
  const blockSerial = new Map<string, number>();
  for (let j = 0; j < grid.nv; j++) {
    for (let i = 0; i < grid.nu; i++) {
      if (!isIn(i, j)) continue;
      const centre = grid.cellCentre(i, j);
      const ward = wardOf(centre);
      const block = (blockSerial.get(ward.code) ?? 0) + 1;
      blockSerial.set(ward.code, block);
      const d = distance(centre, CITY_CENTRE);
      const nearWater = water.hasWithin(centre, 260);
      const weights = d < 1000 ? USE_WEIGHTS.centre : d < 2600 ? USE_WEIGHTS.middle : USE_WEIGHTS.edge;
      const blockUse: Use = nearWater && rng.chance(0.45) ? 'Đất cây xanh' : rng.weighted(weights);
      const q = [grid.node(i, j), grid.node(i + 1, j), grid.node(i + 1, j + 1), grid.node(i, j + 1)] as const;
      const rings = blockZones(q, 0.07, rng.weighted([[1, 3], [2, 5], [3, 2]] as const), rng.chance(0.35) ? 2 : 1);
      rings.forEach((ring, n) => {
        const use = rng.chance(0.72) ? blockUse : rng.weighted(weights);
        const code = `${ward.code}-${String(block).padStart(3, '0')}${String.fromCharCode(97 + n)}`;
        const decision = CITY_DECISIONS[WARD_PLAN[ward.code] ?? 'southwest']!;
        const f = polygonFeature(ring, zoneProperties(rng, use, ring, code, decision, ward.name, d < 1200));
        if (f) zones.push(f);
      });
    }
  }
  return { streets, lights, zones };
}

function offsetFor(cls: string, width: number): [number, number][] {
  const side = width / 2 + 1.2;
  // Main streets: poles in facing pairs; streets: staggered on both sides; lanes: one side.
  if (cls === 'Đường trục chính') return [[side, 0.5], [-side, 0.5]];
  if (cls === 'Đường phố') return [[side, 0.25], [-side, 0.75]];
  return [[side, 0.5]];
}

function wattsFor(kind: string, cls: string, rng: Random): number {
  const main = cls === 'Đường trục chính';
  const lane = cls === 'Đường nội bộ';
  if (kind === 'LED') return rng.pick(main ? [100, 120, 150] : lane ? [30, 40, 50] : [60, 80, 100]);
  if (kind === 'Sodium') return rng.pick(main ? [150, 250] : lane ? [70] : [100, 150]);
  if (kind === 'Metal halide') return rng.pick([150, 250]);
  return rng.pick([40, 60, 100]);
}

/** Planning zones of the district towns: a small grid around each town centre. */
export function buildTownZones(rng: Random, ctx: { rivers: readonly WaterPath[]; lakes: readonly Disc[] }): DemoFeature[] {
  const zones: DemoFeature[] = [];
  for (const town of TOWNS.filter((t) => t.urbanRadius > 0)) {
    const r = rng.fork(town.short);
    const size = r.range(90, 115);
    const n = Math.ceil((town.urbanRadius * 2.6) / size);
    const grid = warpedGrid(r, town.position, r.range(0, Math.PI / 2), size, size * r.range(0.8, 1), n, n, 25);
    const canBuild = buildable(grid, waterNear(ctx.rivers, town.position, town.urbanRadius * 2.5), ctx.lakes);
    const noise = smoothNoise(r, 400, 1200);
    const decision = `Quyết định ${r.int(150, 2400)}/QĐ-UBND ngày ${r.int(1, 28)}/${r.int(1, 12)}/${r.int(2019, 2024)} phê duyệt quy hoạch chung ${town.name}`;
    let block = 0;
    for (let j = 0; j < grid.nv; j++) {
      for (let i = 0; i < grid.nu; i++) {
        const c = grid.cellCentre(i, j);
        const d = distance(c, town.position);
        if (d > town.urbanRadius * (0.8 + 0.3 * noise(c)) || !canBuild(i, j)) continue;
        block++;
        const central = d < town.urbanRadius * 0.35;
        const q = [grid.node(i, j), grid.node(i + 1, j), grid.node(i + 1, j + 1), grid.node(i, j + 1)] as const;
        const rings = blockZones(q, 0.08, r.chance(0.4) ? 2 : 1, 1);
        rings.forEach((ring, k) => {
          const use = central
            ? r.weighted([['Đất thương mại dịch vụ', 30], ['Đất cơ quan', 20], ['Đất hỗn hợp', 20], ['Đất ở đô thị', 20], ['Đất văn hóa', 5], ['Đất y tế', 5]] as const)
            : r.weighted([['Đất ở đô thị', 60], ['Đất ở nông thôn', 12], ['Đất giáo dục', 7], ['Đất cây xanh', 9], ['Đất y tế', 2], ['Đất hạ tầng kỹ thuật', 4], ['Đất thể dục thể thao', 3], ['Đất công nghiệp', 3]] as const);
          const code = `${town.short.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'D').replace(/\s+/g, '').slice(0, 4).toUpperCase()}-${String(block).padStart(3, '0')}${String.fromCharCode(97 + k)}`;
          const f = polygonFeature(ring, zoneProperties(r, use, ring, code, decision, town.name, central));
          if (f) zones.push(f);
        });
      }
    }
  }
  return zones;
}
