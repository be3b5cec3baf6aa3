// The demo data scaled up for the benchmark, in a scratch database: each of three demo layers copied, moved as a
// whole, until there are more than 500 000 points, 100 000 lines and 100 000 polygons.
//   points:   the city's 47 935 street lights, again around ten district towns (527 285)
//   lines:    the 4 681 local roads, 21 more times, each copy shifted by up to 4 km (102 982)
//   polygons: the 9 806 land-use zones, 10 more times, each copy shifted by up to 15 km (107 866)
// The copies skip the history triggers (a scratch database needs no history), then each layer gets one version
// bump and fresh statistics, as an import would leave it.
import type pg from 'pg';
import { layerTable } from '../../server/catalog/catalog.ts';
import { CITY_CENTRE, TOWNS } from '../../infra/demo/geography.ts';

export const BENCH_LAYERS = {
  points: 'do_thi.den_chieu_sang',
  lines: 'giao_thong.duong_dia_phuong',
  polygons: 'xay_dung.quy_hoach_su_dung_dat',
} as const;

/** A fixed sequence, so every run builds the same data. */
function offsets(count: number, spread: number, seed: number): Array<[number, number]> {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: count }, () => [(next() * 2 - 1) * spread, (next() * 2 - 1) * spread]);
}

async function copyLayer(owner: pg.ClientBase, layerId: string, shifts: Array<[number, number]>): Promise<number> {
  const table = layerTable({ id: layerId });
  const { rows: [layer] } = await owner.query<{ attributes: Array<{ name: string }> }>('select attributes from catalog.layers where id = $1', [layerId]);
  const columns = layer!.attributes.map((a) => `"${a.name}"`).join(', ');
  await owner.query(`alter table ${table} disable trigger user`);
  try {
    await owner.query(
      `insert into ${table} (geom, ${columns})
       select st_translate(t.geom, s.dx, s.dy), ${layer!.attributes.map((a) => `t."${a.name}"`).join(', ')}
       from ${table} t cross join unnest($1::float8[], $2::float8[]) as s(dx, dy)
       order by s.dx, t.fid`,
      [shifts.map((s) => s[0]), shifts.map((s) => s[1])],
    );
  } finally {
    await owner.query(`alter table ${table} enable trigger user`);
  }
  const { rows: [count] } = await owner.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  await owner.query('update catalog.layers set data_version = data_version + 1, feature_count = $2 where id = $1', [layerId, count!.n]);
  await owner.query(`vacuum analyze ${table}`);
  return count!.n;
}

export async function scaleUp(owner: pg.ClientBase): Promise<{ points: number; lines: number; polygons: number }> {
  const towns = TOWNS.slice(1, 11).map((t): [number, number] => [t.position[0] - CITY_CENTRE[0], t.position[1] - CITY_CENTRE[1]]);
  return {
    points: await copyLayer(owner, BENCH_LAYERS.points, towns),
    lines: await copyLayer(owner, BENCH_LAYERS.lines, offsets(21, 0.04, 7)),
    polygons: await copyLayer(owner, BENCH_LAYERS.polygons, offsets(10, 0.15, 11)),
  };
}
