// Roads: the national routes along their real corridors, provincial roads between the district towns, and a
// local network grown outwards from them. Villages are joined nearest-first (those closest to a town or a main
// road first, each to the nearest road or village already connected), which gives the branching pattern of
// mountain valleys rather than a grid.
import type { Commune } from './communes.ts';
import { CITY_CENTRE, NATIONAL_ROADS, PROVINCE_OUTLINE, PROVINCIAL_ROADS, TOWNS, type Town } from './geography.ts';
import { distance, lerp, lineLength, meander, offset, pointInRing, spline, toMetres, type Position } from './geometry.ts';
import { lineFeature, round, type DemoFeature } from './model.ts';
import { localName } from './names.ts';
import type { Random } from './random.ts';
import { PointIndex } from './spatial-index.ts';
import type { WaterPath } from './water.ts';

export interface RoadPath {
  code: string;
  path: Position[];
}

export interface Village {
  name: string;
  position: Position;
  commune: Commune;
}

// Main roads are drawn along their corridors; they wind less where they enter towns.
function roadDamping(p: Position): number {
  const nearest = TOWNS.reduce((m, t) => Math.min(m, distance(p, t.position) - t.urbanRadius), Infinity);
  return Math.min(1, Math.max(0.1, (distance(p, CITY_CENTRE) - 1000) / 5000), Math.max(0.15, nearest / 2500));
}

function lengthKm(f: DemoFeature): number {
  return f.geometry.type === 'MultiLineString'
    ? round(f.geometry.coordinates.reduce((s, part) => s + lineLength(part), 0) / 1000, 2)
    : 0;
}

export function buildNationalRoads(rng: Random): { paths: RoadPath[]; features: DemoFeature[] } {
  const paths: RoadPath[] = [];
  const features: DemoFeature[] = [];
  for (const r of NATIONAL_ROADS) {
    const path = meander(spline(r.waypoints, 100), rng.fork(r.code), 170, 2600, roadDamping);
    paths.push({ code: r.code, path });
    const f = lineFeature(path, {
      so_hieu: r.code,
      ten: r.name,
      cap_duong: r.grade,
      ket_cau_mat: r.surface,
      be_rong_m: r.widthM,
      chieu_dai_km: 0,
      diem_dau: r.from,
      diem_cuoi: r.to,
      don_vi_quan_ly: 'Sở Giao thông Vận tải Cao Bằng (Khu Quản lý đường bộ I ủy thác)',
    });
    if (f) {
      f.properties.chieu_dai_km = lengthKm(f);
      features.push(f);
    }
  }
  return { paths, features };
}

function townByShort(short: string): Town {
  const t = TOWNS.find((x) => x.short === short);
  if (!t) throw new Error(`Unknown town ${short}`);
  return t;
}

export function buildProvincialRoads(rng: Random, communeAt: (p: Position) => Commune): { paths: RoadPath[]; features: DemoFeature[] } {
  const paths: RoadPath[] = [];
  const features: DemoFeature[] = [];
  for (const r of PROVINCIAL_ROADS) {
    const from = townByShort(r.from);
    const to = townByShort(r.to);
    const path = meander(spline([from.position, ...(r.via ?? []), to.position], 120), rng.fork(r.code), 160, 2000, roadDamping);
    paths.push({ code: r.code, path });
    const f = lineFeature(path, {
      ma_tuyen: r.code,
      ten: `Đường tỉnh ${r.code.slice(3)} (${from.short} – ${to.short})`,
      cap_duong: 'Đường tỉnh',
      ket_cau_mat: rng.chance(0.6) ? 'Bê tông nhựa' : 'Láng nhựa',
      be_rong_m: rng.pick([5.5, 6.5, 7.5]),
      chieu_dai_km: 0,
      tinh_trang: rng.weighted([['Tốt', 5], ['Trung bình', 4], ['Xấu', 1]] as const),
      nam_xay_dung: rng.int(1995, 2015),
      xa: communeAt(path[Math.floor(path.length / 2)]!).name,
    });
    if (f) {
      f.properties.chieu_dai_km = lengthKm(f);
      features.push(f);
    }
  }
  return { paths, features };
}

export function placeVillages(
  rng: Random,
  count: number,
  water: PointIndex<WaterPath>,
  communeAt: (p: Position) => Commune,
): Village[] {
  const villages: Village[] = [];
  const taken = new PointIndex<null>(1000);
  const names = new Set<string>();
  let attempts = 0;
  while (villages.length < count) {
    if (++attempts > count * 400) throw new Error(`Could only place ${villages.length} of ${count} villages`);
    const p: Position = [rng.range(105.27, 106.84), rng.range(22.35, 23.12)];
    if (!pointInRing(p, PROVINCE_OUTLINE)) continue;
    if (distance(p, CITY_CENTRE) < 4200) continue;
    if (TOWNS.some((t) => distance(t.position, p) < t.urbanRadius + 300)) continue;
    // Settlements follow the valleys: the nearer the water, the likelier.
    const river = water.nearest(p, 6000);
    const pull = river ? Math.exp(-river.distance / 2200) : 0;
    if (!rng.chance(0.25 + 0.75 * pull)) continue;
    if (taken.hasWithin(p, 550)) continue;
    const commune = communeAt(p);
    let name = '';
    for (let i = 0; i < 30 && (!name || names.has(`${commune.code}|${name}`)); i++) name = `Xóm ${localName(rng)}`;
    names.add(`${commune.code}|${name}`);
    villages.push({ name, position: p, commune });
    taken.add(p, null);
  }
  return villages;
}

interface Node {
  label: string;
  hub: boolean;
}

export function buildLocalRoads(
  rng: Random,
  villages: readonly Village[],
  mainRoads: readonly RoadPath[],
  communeAt: (p: Position) => Commune,
): DemoFeature[] {
  const connected = new PointIndex<Node>(1500);
  for (const t of TOWNS) connected.add(t.position, { label: t.short, hub: true });
  for (const r of mainRoads) {
    let km = 0;
    for (let i = 0; i < r.path.length; i++) {
      if (i > 0) km += distance(r.path[i - 1]!, r.path[i]!) / 1000;
      if (i % 2 === 0 && pointInRing(r.path[i]!, PROVINCE_OUTLINE)) connected.add(r.path[i]!, { label: `Km${Math.round(km)} ${r.code}`, hub: true });
    }
  }
  const hubs = villages.map((v) => ({ v, d: connected.nearest(v.position, 200_000)?.distance ?? Infinity }));
  hubs.sort((a, b) => a.d - b.d);

  const features: DemoFeature[] = [];
  const serial = new Map<string, number>();
  const nextCode = (prefix: string, district: string, width: number) => {
    const key = `${prefix}.${district}`;
    const n = (serial.get(key) ?? 0) + 1;
    serial.set(key, n);
    return `${key}.${String(n).padStart(width, '0')}`;
  };
  for (const { v } of hubs) {
    const from = connected.nearest(v.position, 200_000);
    if (!from) continue;
    const length = from.distance;
    // A village already on a road needs no road of its own.
    if (length >= 180) {
      const [ax, ay] = toMetres(from.p);
      const [bx, by] = toMetres(v.position);
      const bend = rng.normal() * 0.1 * length;
      const mid = offset(lerp(from.p, v.position, 0.5), (-(by - ay) / length) * bend, ((bx - ax) / length) * bend);
      const path = meander(spline([from.p, mid, v.position], 70), rng, Math.min(140, 0.06 * length), rng.range(450, 900));
      const cls = from.item.hub && length > 1200 ? 'Đường huyện' : length > 1000 ? 'Đường xã' : 'Đường thôn, xóm';
      const district = v.commune.districtCode;
      const code =
        cls === 'Đường huyện' ? nextCode('ĐH', district, 2) : cls === 'Đường xã' ? nextCode('ĐX', district, 3) : nextCode('ĐTX', district, 4);
      const surface =
        cls === 'Đường huyện'
          ? rng.weighted([['Láng nhựa', 5], ['Bê tông xi măng', 4], ['Cấp phối', 1]] as const)
          : cls === 'Đường xã'
            ? rng.weighted([['Bê tông xi măng', 6], ['Láng nhựa', 1], ['Cấp phối', 2], ['Đất', 1]] as const)
            : rng.weighted([['Bê tông xi măng', 5], ['Cấp phối', 2], ['Đất', 3]] as const);
      const f = lineFeature(path, {
        ma_tuyen: code,
        ten: `Đường ${from.item.label} – ${v.name}`,
        cap_duong: cls,
        ket_cau_mat: surface,
        be_rong_m: cls === 'Đường huyện' ? rng.pick([3.5, 5.5, 6.5]) : cls === 'Đường xã' ? rng.pick([3, 3.5, 5]) : rng.pick([2.5, 3, 3.5]),
        chieu_dai_km: round(lineLength(path) / 1000, 2),
        tinh_trang: rng.weighted([['Tốt', 4], ['Trung bình', 4], ['Xấu', 2]] as const),
        nam_xay_dung: surface === 'Bê tông xi măng' ? rng.int(2010, 2024) : rng.int(1990, 2015),
        xa: communeAt(v.position).name,
      });
      if (f) {
        if (f.geometry.type === 'MultiLineString' && f.geometry.coordinates.length > 1) {
          f.properties.chieu_dai_km = round(f.geometry.coordinates.reduce((s, part) => s + lineLength(part), 0) / 1000, 2);
        }
        features.push(f);
        for (let i = 3; i < path.length - 1; i += 4) connected.add(path[i]!, { label: v.name, hub: false });
      }
    }
    connected.add(v.position, { label: v.name, hub: false });
  }
  return features;
}
