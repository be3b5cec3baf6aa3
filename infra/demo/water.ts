// Rivers, streams and lakes. The main rivers follow hand-drawn courses; streams are grown as a drainage
// network (each flows to the nearest water already drawn, or sinks into the karst when that is too far, as
// many of Cao Bằng's streams do); lakes sit by the water.
import type { Commune } from './communes.ts';
import { BAN_GIOC, CITY_CENTRE, PROVINCE_OUTLINE, RIVERS, TOWNS } from './geography.ts';
import {
  blob, distance, lerp, lineLength, meander, offset, pointInRing, ringArea, spline, toMetres, type Position,
} from './geometry.ts';
import { HYDROPOWER_RESERVOIRS, NAMED_LAKES } from './landmarks.ts';
import { lineFeature, polygonFeature, round, type DemoFeature } from './model.ts';
import { localName, uniqueName } from './names.ts';
import type { Random } from './random.ts';
import { PointIndex } from './spatial-index.ts';

export interface WaterPath {
  name: string;
  basin: string;
  order: number;
  path: Position[];
}

/** Where water is kept out of (lakes) or kept to a tight course (rivers through the city). */
export interface Disc {
  centre: Position;
  radius: number;
}

const IRRIGATION_COMPANY = 'Công ty TNHH MTV Khai thác công trình thủy lợi Cao Bằng';

// Rivers stay close to their drawn course where the map is read closely: through the city and at Bản Giốc.
function riverDamping(p: Position): number {
  return Math.min(
    1,
    Math.max(0.06, (distance(p, CITY_CENTRE) - 1200) / 6000),
    Math.max(0.05, (distance(p, BAN_GIOC) - 300) / 3000),
  );
}

function nearestVertex(path: readonly Position[], p: Position): Position {
  let best = path[0]!;
  for (const q of path) if (distance(q, p) < distance(best, p)) best = q;
  return best;
}

export function buildRivers(rng: Random): { paths: WaterPath[]; features: DemoFeature[] } {
  const paths = new Map<string, WaterPath>();
  const features: DemoFeature[] = [];
  for (const r of RIVERS) {
    const waypoints = [...r.waypoints];
    if (r.joins) {
      const main = paths.get(r.joins);
      if (!main) throw new Error(`${r.name} joins ${r.joins}, which must be listed before it`);
      waypoints[waypoints.length - 1] = nearestVertex(main.path, waypoints[waypoints.length - 1]!);
    }
    const amplitude = r.order === 1 ? 320 : r.order === 2 ? 240 : 170;
    const path = meander(spline(waypoints, 120), rng.fork(r.name), amplitude, amplitude * 9, riverDamping);
    paths.set(r.name, { name: r.name, basin: r.basin, order: r.order, path });
    const f = lineFeature(path, {
      ten: r.name,
      loai: 'Sông',
      cap: r.order,
      luu_vuc: r.basin,
      chieu_dai_km: 0,
      be_rong_tb_m: r.widthM,
      che_do_dong_chay: 'Thường xuyên',
    });
    if (f) {
      if (f.geometry.type === 'MultiLineString') {
        f.properties.chieu_dai_km = round(f.geometry.coordinates.reduce((s, part) => s + lineLength(part), 0) / 1000, 2);
      }
      features.push(f);
    }
  }
  return { paths: [...paths.values()], features };
}

export function buildStreams(rng: Random, rivers: readonly WaterPath[], count: number): { paths: WaterPath[]; features: DemoFeature[] } {
  const network = new PointIndex<WaterPath>(1500);
  for (const r of rivers) for (const p of r.path) network.add(p, r);
  const paths: WaterPath[] = [];
  const features: DemoFeature[] = [];
  const prefixes = ['Khuổi', 'Khuổi', 'Nặm', 'Nà', 'Bó', 'Pác', 'Lũng', 'Cốc', 'Khau'];

  while (features.length < count) {
    const source: Position = [rng.range(105.27, 106.84), rng.range(22.35, 23.12)];
    if (!pointInRing(source, PROVINCE_OUTLINE)) continue;
    if (distance(source, CITY_CENTRE) < 3500 || network.hasWithin(source, 900)) continue;
    const reach = rng.range(1800, 7500);
    const target = network.nearest(source, 14_000);
    let mouth: Position;
    let parent: WaterPath | null = null;
    if (target && target.distance <= reach) {
      mouth = target.p;
      parent = target.item;
    } else if (target) {
      mouth = lerp(source, target.p, reach / target.distance);
    } else {
      const a = rng.range(0, 2 * Math.PI);
      mouth = offset(source, reach * Math.cos(a), reach * Math.sin(a));
    }
    const length = distance(source, mouth);
    const [sx, sy] = toMetres(source);
    const [mx, my] = toMetres(mouth);
    const bend = rng.normal() * 0.12 * length;
    const mid = offset(lerp(source, mouth, 0.5), (-(my - sy) / length) * bend, ((mx - sx) / length) * bend);
    const path = meander(spline([source, mid, mouth], 90), rng, Math.min(220, 0.07 * length), rng.range(700, 1400));
    // Stream names repeat across the province, as they do on real maps.
    const name = `Suối ${localName(rng, prefixes)}`;
    const basin = target ? target.item.basin : 'Sông Gâm – sông Lô';
    const order = Math.min(6, (parent?.order ?? 3) + 1);
    const f = lineFeature(path, {
      ten: name,
      loai: 'Suối',
      cap: order,
      luu_vuc: basin,
      chieu_dai_km: round(lineLength(path) / 1000, 2),
      be_rong_tb_m: round(rng.range(1.5, 4) * (7 - order), 1),
      // A stream that reaches no river ends in a sinkhole and runs dry out of the rainy season.
      che_do_dong_chay: parent && rng.chance(0.7) ? 'Thường xuyên' : 'Theo mùa',
    });
    if (!f) continue;
    features.push(f);
    const stream = { name, basin, order, path };
    paths.push(stream);
    for (let i = 0; i < path.length - 1; i += 3) network.add(path[i]!, stream);
  }
  return { paths, features };
}

export function buildLakes(
  rng: Random,
  rivers: readonly WaterPath[],
  streams: readonly WaterPath[],
  communeAt: (p: Position) => Commune,
  generated: number,
): { features: DemoFeature[]; discs: Disc[] } {
  const features: DemoFeature[] = [];
  const discs: Disc[] = [];
  const names = new Set<string>();
  const clear = (centre: Position, radius: number) => discs.every((d) => distance(d.centre, centre) > d.radius + radius + 150);
  const add = (
    ring: Position[],
    centre: Position,
    outer: number,
    props: { ten: string; loai: string; dung_tich_trieu_m3: number | null; don_vi_quan_ly: string },
  ): boolean => {
    const f = polygonFeature(ring, { ...props, dien_tich_ha: round(ringArea(ring) / 10_000, 2), xa: communeAt(centre).name });
    if (!f) return false;
    features.push(f);
    discs.push({ centre, radius: outer });
    names.add(props.ten);
    return true;
  };

  for (const l of NAMED_LAKES) {
    const ring = blob(l.position, l.radius, rng, { vertices: 22, roughness: 0.18, aspect: l.aspect, angle: l.angle });
    add(ring, l.position, l.radius * l.aspect * 1.3, {
      ten: l.name, loai: l.kind, dung_tich_trieu_m3: l.capacity, don_vi_quan_ly: l.manager,
    });
  }
  for (const h of HYDROPOWER_RESERVOIRS) {
    const river = rivers.find((r) => r.name === h.river);
    if (!river) throw new Error(`Unknown river ${h.river} for ${h.name}`);
    const i = river.path.indexOf(nearestVertex(river.path, h.near));
    const a = toMetres(river.path[Math.max(0, i - 4)]!);
    const b = toMetres(river.path[Math.min(river.path.length - 1, i + 4)]!);
    const centre = river.path[i]!;
    const aspect = 5.5;
    const ring = blob(centre, h.length / (2 * aspect), rng, {
      vertices: 28, roughness: 0.15, aspect, angle: Math.atan2(b[1] - a[1], b[0] - a[0]),
    });
    add(ring, centre, h.length / 2, { ten: h.name, loai: 'Hồ thủy điện', dung_tich_trieu_m3: h.capacity, don_vi_quan_ly: h.manager });
  }

  const water = [...rivers, ...streams];
  let placed = 0;
  while (placed < generated) {
    const stream = rng.pick(water);
    const onWater = rng.pick(stream.path);
    const kind = rng.weighted([['Hồ chứa thủy lợi', 40], ['Ao, hồ nhỏ', 45], ['Hồ tự nhiên', 15]] as const);
    const radius = kind === 'Hồ chứa thủy lợi' ? rng.range(90, 300) : kind === 'Ao, hồ nhỏ' ? rng.range(25, 70) : rng.range(50, 160);
    const aspect = rng.range(1, 2.2);
    const a = rng.range(0, 2 * Math.PI);
    const away = radius * aspect + rng.range(60, 500);
    const centre = offset(onWater, away * Math.cos(a), away * Math.sin(a));
    if (distance(centre, CITY_CENTRE) < 5500) continue;
    if (TOWNS.some((t) => distance(t.position, centre) < t.urbanRadius + 400)) continue;
    if (!clear(centre, radius * aspect)) continue;
    const ring = blob(centre, radius, rng, { vertices: 18, roughness: 0.22, aspect, angle: rng.range(0, Math.PI) });
    const commune = communeAt(centre);
    const label = uniqueName(names, () =>
      `${kind === 'Hồ chứa thủy lợi' ? 'Hồ chứa nước' : kind === 'Ao, hồ nhỏ' ? 'Ao' : 'Hồ'} ${localName(rng)}`,
    );
    const area = ringArea(ring);
    const ok = add(ring, centre, radius * aspect, {
      ten: label,
      loai: kind,
      dung_tich_trieu_m3: kind === 'Hồ chứa thủy lợi' ? round((area * rng.range(3, 8)) / 1e6, 2) : null,
      don_vi_quan_ly: kind === 'Hồ chứa thủy lợi' && rng.chance(0.6) ? IRRIGATION_COMPANY : `UBND ${commune.name}`,
    });
    if (ok) placed++;
  }
  return { features, discs };
}
