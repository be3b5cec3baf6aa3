// Commune seeds. The database turns them into boundaries (the Voronoi cell of each seed, clipped to the
// province), so "which commune is this point in" is simply "which seed is nearest": the generators use that to
// fill the `xa` attributes consistently with the polygons, without needing the polygons.
import { CITY_CENTRE, CITY_SUBDIVISIONS, COMMUNE_ANCHORS, DISTRICTS, PROVINCE_OUTLINE, TOWNS } from './geography.ts';
import { distance, pointInRing, toMetres, type Position } from './geometry.ts';
import type { Random } from './random.ts';

export interface Commune {
  name: string;
  kind: 'Phường' | 'Thị trấn' | 'Xã';
  code: string;
  district: string;
  districtCode: string;
  seed: Position;
  population: number;
}

/** Other districts' communes keep this far from the city centre, leaving the city's wards their own area. */
const CITY_RADIUS_M = 6500;

function kindOf(name: string): Commune['kind'] {
  if (name.startsWith('Phường ')) return 'Phường';
  if (name.startsWith('Thị trấn ')) return 'Thị trấn';
  return 'Xã';
}

export function placeCommunes(rng: Random): Commune[] {
  const seeds: Position[] = [];
  const placed: Omit<Commune, 'code' | 'population'>[] = [];
  const ruralDistricts = DISTRICTS.filter((d) => d.code !== 'CB');
  const nearestDistrict = (p: Position) => {
    let best = ruralDistricts[0]!;
    for (const d of ruralDistricts) if (distance(p, d.middle) < distance(p, best.middle)) best = d;
    return best;
  };

  const city = DISTRICTS.find((d) => d.code === 'CB')!;
  for (const s of CITY_SUBDIVISIONS) {
    placed.push({ name: s.name, kind: kindOf(s.name), district: city.name, districtCode: city.code, seed: s.position });
    seeds.push(s.position);
  }
  const fixed = (d: (typeof DISTRICTS)[number], name: string) =>
    name.startsWith('Thị trấn ') || COMMUNE_ANCHORS[`${d.code}|${name}`] !== undefined;
  for (const d of ruralDistricts) {
    for (const name of d.communes.filter((n) => fixed(d, n))) {
      const seed = COMMUNE_ANCHORS[`${d.code}|${name}`] ?? TOWNS.find((t) => t.name === name)?.position;
      if (!seed) throw new Error(`No position for ${name}`);
      placed.push({ name, kind: kindOf(name), district: d.name, districtCode: d.code, seed });
      seeds.push(seed);
    }
  }

  const [minLon, minLat, maxLon, maxLat] = [105.27, 22.35, 106.84, 23.12];
  const candidateIn = (districtCode: string): Position => {
    for (;;) {
      const p: Position = [rng.range(minLon, maxLon), rng.range(minLat, maxLat)];
      if (!pointInRing(p, PROVINCE_OUTLINE)) continue;
      if (distance(p, CITY_CENTRE) < CITY_RADIUS_M) continue;
      if (nearestDistrict(p).code === districtCode) return p;
    }
  };
  const gap = (p: Position) => seeds.reduce((m, s) => Math.min(m, distance(p, s)), Infinity);

  // Best-candidate sampling, districts interleaved: each new seed is the one of a few random candidates that is
  // farthest from every seed so far, which spreads communes evenly without looking like a grid.
  const queues = ruralDistricts.map((d) => ({ d, names: d.communes.filter((n) => !fixed(d, n)) }));
  while (queues.some((q) => q.names.length > 0)) {
    for (const q of queues) {
      const name = q.names.shift();
      if (!name) continue;
      let best = candidateIn(q.d.code);
      let bestGap = gap(best);
      for (let k = 0; k < 14; k++) {
        const c = candidateIn(q.d.code);
        const g = gap(c);
        if (g > bestGap) {
          best = c;
          bestGap = g;
        }
      }
      placed.push({ name, kind: 'Xã', district: q.d.name, districtCode: q.d.code, seed: best });
      seeds.push(best);
    }
  }

  // Codes in the style of the national register (five digits, the province's block starting near 01270).
  const order = DISTRICTS.flatMap((d) => d.communes.map((n) => `${d.code}|${n}`));
  placed.sort((a, b) => order.indexOf(`${a.districtCode}|${a.name}`) - order.indexOf(`${b.districtCode}|${b.name}`));
  return placed.map((c, i) => ({
    ...c,
    code: String(1270 + 3 * i).padStart(5, '0'),
    population:
      c.kind === 'Phường' ? rng.int(7500, 16000) : c.kind === 'Thị trấn' ? rng.int(3500, 9500) : rng.int(1400, 6800),
  }));
}

/** The commune whose Voronoi cell holds the point (nearest seed on the same metric plane the database uses). */
export function communeLocator(communes: readonly Commune[]): (p: Position) => Commune {
  const seeds = communes.map((c) => ({ c, xy: toMetres(c.seed) }));
  return (p) => {
    const [x, y] = toMetres(p);
    let best = seeds[0]!;
    let bestD = Infinity;
    for (const s of seeds) {
      const d = (s.xy[0] - x) ** 2 + (s.xy[1] - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = s;
      }
    }
    return best.c;
  };
}
