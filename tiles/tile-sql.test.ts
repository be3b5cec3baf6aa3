import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attribute } from '../server/catalog/attributes.ts';
import { tileQuery, tileStatement, type TileLayer } from './tile-sql.ts';

const attribute = (name: string, type: Attribute['type']): Attribute => ({
  name, type, label_vi: name, label_en: name, required: false,
});

const relics: TileLayer = {
  id: 'van_hoa.khu_di_tich',
  geometryFamily: 'polygon',
  attributes: [attribute('ten', 'text'), attribute('so_hieu', 'integer'), attribute('ngay_cong_nhan', 'date'),
    attribute('kiem_tra_luc', 'datetime')],
};

test('the polygon tile statement, as sent to PostgreSQL', () => {
  assert.equal(tileStatement(relics).text, `with bounds as (
  select st_tileenvelope($1::integer, $2::integer, $3::integer) as tile,
         st_tileenvelope($1::integer, $2::integer, $3::integer, margin => 0.015625) as query
)
select st_asmvt(f, $4::text, 4096, 'geom', 'fid') as mvt, pg_current_snapshot()::text as snapshot
from (
  select t.fid,
         st_asmvtgeom(case when $1::integer < 14 then st_simplifypreservetopology(t.geom_3857, 9783.93962050256 / 2::float8 ^ $1::integer) else t.geom_3857 end, b.tile, 4096, 64, true) as geom,
         t."ten",
         t."so_hieu",
         to_char(t."ngay_cong_nhan", 'YYYY-MM-DD') as "ngay_cong_nhan",
         to_char(t."kiem_tra_luc" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "kiem_tra_luc"
  from "van_hoa"."khu_di_tich" t cross join bounds b
  where t.geom_3857 && b.query
    and ($1::integer >= 14 or greatest(st_xmax(t.geom_3857) - st_xmin(t.geom_3857), st_ymax(t.geom_3857) - st_ymin(t.geom_3857)) >= 156543.03392804097 / 2::float8 ^ $1::integer)
) f`);
});

test('lines are thinned below one pixel, polygons below two, up to z14 or the layer\'s maximum zoom; points never', () => {
  const lines = tileStatement({ id: 'giao_thong.quoc_lo', geometryFamily: 'line', attributes: [] }).text;
  assert.match(lines, /\(\$1::integer >= 14 or greatest\(.*\) >= 78271\.51696402048 \/ 2::float8 \^ \$1::integer\)/);
  const upToTen = tileStatement({ ...relics, maxZoom: 10 }).text;
  assert.match(upToTen, /\(\$1::integer >= 10 or greatest\(.*\) >= 156543\.03392804097 \//);
  // A maximum zoom above 14 changes nothing: from 14 on every feature is kept anyway.
  assert.equal(tileStatement({ ...relics, maxZoom: 22 }).text, tileStatement(relics).text);
  const points = tileStatement({ id: 'van_hoa.diem', geometryFamily: 'point', attributes: [] }).text;
  assert.doesNotMatch(points, /greatest/);
  // A new maximum zoom below 14 prepares a new statement.
  assert.notEqual(tileQuery({ ...relics, maxZoom: 12 }, { z: 1, x: 0, y: 0 }).name, tileQuery(relics, { z: 1, x: 0, y: 0 }).name);
});

test('points are not simplified; lines are', () => {
  const points = tileStatement({ id: 'van_hoa.diem', geometryFamily: 'point', attributes: [] }).text;
  assert.match(points, /st_asmvtgeom\(t\.geom_3857, b\.tile, 4096, 64, true\)/);
  assert.doesNotMatch(points, /simplify/);
  const lines = tileStatement({ id: 'giao_thong.quoc_lo', geometryFamily: 'line', attributes: [] }).text;
  assert.match(lines, /st_simplifypreservetopology/);
});

test('tile and layer name are parameters, never part of the text', () => {
  const q = tileQuery(relics, { z: 12, x: 3262, y: 1780 });
  assert.deepEqual(q.values, [12, 3262, 1780, 'van_hoa.khu_di_tich']);
  assert.doesNotMatch(q.text, /3262|1780/);
  assert.equal(tileQuery(relics, { z: 3, x: 1, y: 2 }).text, q.text);
});

test('the statement name carries the layer id and changes with the SQL', () => {
  const a = tileStatement(relics);
  assert.match(a.name, /^tile_[0-9a-f]{16}_van_hoa\.khu_di_tich$/);
  const b = tileStatement({ ...relics, attributes: [...relics.attributes, attribute('ghi_chu', 'text')] });
  assert.notEqual(a.name, b.name);
  assert.equal(tileStatement(relics).name, a.name);
  // tileQuery rebuilds when the catalog entry changes, and names the new statement differently.
  const before = tileQuery(relics, { z: 1, x: 0, y: 0 });
  const after = tileQuery({ ...relics, attributes: relics.attributes.slice(0, 1) }, { z: 1, x: 0, y: 0 });
  assert.notEqual(before.name, after.name);
  assert.doesNotMatch(after.text, /so_hieu/);
});

test('a long layer id cannot push the hash out of PostgreSQL\'s 63-byte name', () => {
  const long = (slug: string) => tileStatement({ id: `tai_nguyen_va_moi_truong_xx.${slug}`, geometryFamily: 'point', attributes: [] });
  const a = long('quan_trac_moi_truong_nuoc_mat_song_bang_a');
  const b = long('quan_trac_moi_truong_nuoc_mat_song_bang_b');
  assert.ok(a.name.length <= 63);
  assert.notEqual(a.name.slice(0, 63), b.name.slice(0, 63));
});

const lights: TileLayer = {
  id: 'do_thi.den_chieu_sang',
  geometryFamily: 'point',
  attributes: [attribute('ma_den', 'text'), attribute('trang_thai', 'text'), attribute('lap_dat', 'date')],
  nameAttribute: 'ma_den',
  style: { color: '#ffcc00', categories: { attribute: 'trang_thai', colors: { 'Hỏng': '#e31a1c' } } },
};

test('the point tile statement: features, or one point per cell and category where the tile is dense', () => {
  assert.equal(tileStatement(lights).text, `with bounds as (
  select st_tileenvelope($1::integer, $2::integer, $3::integer) as tile,
         st_tileenvelope($1::integer, $2::integer, $3::integer, margin => 0.015625) as query
)
select case
  when (select count(*) from (select from "do_thi"."den_chieu_sang" t cross join bounds b where t.geom_3857 && b.query limit 2001) d) > 2000 then (
    select st_asmvt(f, $4::text, 4096, 'geom', 'fid')
    from (
      select case when c.n = 1 then c.fid end as fid,
             st_asmvtgeom(st_setsrid(st_point(c.x, c.y), 3857), b.tile, 4096, 64, true) as geom,
             case when c.n = 1 then c."ma_den" end as "ma_den",
             c."trang_thai",
             case when c.n > 1 then c.n end as "_count"
      from (
        select floor((st_x(t.geom_3857) - st_xmin(b.tile)) * 64 / (st_xmax(b.tile) - st_xmin(b.tile))) as cx,
               floor((st_ymax(b.tile) - st_y(t.geom_3857)) * 64 / (st_xmax(b.tile) - st_xmin(b.tile))) as cy,
               t."trang_thai",
               count(*) as n,
               min(t.fid) as fid,
               avg(st_x(t.geom_3857)) as x,
               avg(st_y(t.geom_3857)) as y,
               min(t."ma_den") as "ma_den"
        from "do_thi"."den_chieu_sang" t cross join bounds b
        where t.geom_3857 && b.query and st_intersects(t.geom_3857, b.query)
        group by 1, 2, 3
      ) c cross join bounds b
    ) f)
  else (
    select st_asmvt(f, $4::text, 4096, 'geom', 'fid') as mvt
    from (
      select t.fid,
         st_asmvtgeom(t.geom_3857, b.tile, 4096, 64, true) as geom,
         t."ma_den",
         t."trang_thai",
         to_char(t."lap_dat", 'YYYY-MM-DD') as "lap_dat"
      from "do_thi"."den_chieu_sang" t cross join bounds b
      where t.geom_3857 && b.query
    ) f
  ) end as mvt, pg_current_snapshot()::text as snapshot`);
});

test('aggregation groups by the style\'s category only when it is an attribute, and keeps typed lone values', () => {
  const noCategory = tileStatement({ ...lights, style: { categories: { attribute: 'khong_co', colors: {} } } }).text;
  assert.match(noCategory, /group by 1, 2\n/);
  assert.doesNotMatch(noCategory, /c\."khong_co"/);
  const datedName = tileStatement({ ...lights, nameAttribute: 'lap_dat', style: {} }).text;
  assert.match(datedName, /case when c\.n = 1 then to_char\(c\."lap_dat", 'YYYY-MM-DD'\) end as "lap_dat"/);
  const flag = tileStatement({ ...lights, attributes: [attribute('sang', 'boolean')], nameAttribute: null,
    style: { categories: { attribute: 'sang', colors: {} } } }).text;
  assert.match(flag, /t\."sang",\n\s+count\(\*\)/);
  // A style change that changes the grouping prepares a new statement.
  const before = tileQuery(lights, { z: 13, x: 0, y: 0 });
  const after = tileQuery({ ...lights, style: {} }, { z: 13, x: 0, y: 0 });
  assert.notEqual(before.name, after.name);
});
