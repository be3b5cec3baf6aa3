import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { createTestDatabase, type TestDatabase } from '../../server/testing/database.ts';
import { BAN_GIOC } from './geography.ts';
import { generateDemoData } from './features.ts';
import { loadDemoData, loadDemoDataIfEmpty } from './load.ts';

const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
const quote = (id: string) => id.split('.').map((p) => `"${p}"`).join('.');

describe('the demo data generator', () => {
  const data = generateDemoData();

  test('is deterministic: the same seed gives the same data, another seed other data', () => {
    assert.equal(digest(generateDemoData()), digest(data));
    assert.notEqual(digest(generateDemoData('another seed')), digest(data));
  });

  test('every layer spec is complete: bilingual titles and labels, source, legal basis, name attribute, style', () => {
    const styleKeys = new Set(['color', 'width', 'radius', 'fillOpacity', 'outlineColor', 'categories']);
    const colour = /^#[0-9a-f]{6}$/;
    for (const { spec } of data.layers) {
      for (const key of ['titleVi', 'titleEn', 'descriptionVi', 'descriptionEn', 'source', 'legalBasis', 'licence'] as const) {
        assert.ok((spec[key] ?? '').length > 0, `${spec.id}: ${key}`);
      }
      for (const a of spec.attributes) assert.ok(a.label_vi && a.label_en, `${spec.id}.${a.name}: labels`);
      assert.ok(spec.attributes.some((a) => a.name === spec.nameAttribute), `${spec.id}: name attribute`);
      const style = spec.style as Record<string, unknown>;
      for (const k of Object.keys(style)) assert.ok(styleKeys.has(k), `${spec.id}: style key ${k}`);
      assert.match(String(style.color), colour, `${spec.id}: style.color`);
      if (style.outlineColor !== undefined) assert.match(String(style.outlineColor), colour);
      const cats = style.categories as { attribute: string; colors: Record<string, string> } | undefined;
      if (cats) {
        const attr = spec.attributes.find((a) => a.name === cats.attribute);
        assert.ok(attr, `${spec.id}: categories attribute ${cats.attribute}`);
        for (const [value, c] of Object.entries(cats.colors)) {
          assert.match(c, colour);
          if (attr.allowed) assert.ok(attr.allowed.includes(value), `${spec.id}: category ${value} is not an allowed value`);
        }
      }
    }
    const zoom = Object.fromEntries(data.layers.map((l) => [l.spec.id, l.spec.minZoom]));
    assert.equal(zoom['do_thi.den_chieu_sang'], 13);
    assert.equal(zoom['giao_thong.duong_dia_phuong'], 10);
  });

  test('every text value is NFC, and names carry their Vietnamese diacritics', () => {
    let checked = 0;
    for (const l of data.layers) {
      for (const f of l.features) {
        for (const v of Object.values(f.properties)) {
          if (typeof v === 'string') {
            assert.equal(v, v.normalize('NFC'));
            checked++;
          }
        }
      }
    }
    assert.ok(checked > 100_000);
    const names = data.layers.find((l) => l.spec.id === 'tai_nguyen.ranh_gioi_xa')!.features.map((f) => f.properties.ten);
    for (const n of ['Phường Hợp Giang', 'Phường Sông Hiến', 'Phường Đề Thám', 'Xã Đàm Thủy', 'Xã Chí Viễn', 'Xã Quang Long']) {
      assert.ok(names.includes(n), n);
    }
  });
});

describe('the demo data in the database', () => {
  let db: TestDatabase;
  let owner: pg.Client;
  let layerIds: string[];

  before(async () => {
    db = await createTestDatabase({ demo: true });
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
    layerIds = (await owner.query<{ id: string }>('select id from catalog.layers order by id')).rows.map((r) => r.id);
  });
  after(async () => {
    await owner?.end();
    await db?.drop();
  });

  const count = async (sql: string, values: unknown[] = []) => Number((await owner.query<{ n: string }>(sql, values)).rows[0]!.n);

  test('has at least 60 000 features, and the catalog counts them right for every layer', async () => {
    assert.ok(layerIds.length >= 12, `only ${layerIds.length} layers`);
    let total = 0;
    for (const id of layerIds) {
      const rows = await count(`select count(*) as n from ${quote(id)}`);
      const catalog = await count('select feature_count as n from catalog.layers where id = $1', [id]);
      assert.ok(rows > 0, `${id} is empty`);
      assert.equal(catalog, rows, `${id}: catalog feature_count`);
      total += rows;
    }
    assert.ok(total >= 60_000, `only ${total} features`);
    assert.ok((await count('select count(*) as n from do_thi.den_chieu_sang')) >= 40_000);
  });

  test('every feature of every layer lies within the province outline', async () => {
    assert.equal(await count('select count(*) as n from tai_nguyen.ranh_gioi_tinh'), 1);
    for (const id of layerIds) {
      // 0.0005° ≈ 50 m: lines are cut at the border, and the cut points are rounded to 6 decimals.
      const outside = await count(
        `with o as (select st_buffer(geom, 0.0005) as g from tai_nguyen.ranh_gioi_tinh)
         select count(*) as n from ${quote(id)} t, o where not st_covers(o.g, t.geom)`,
      );
      assert.equal(outside, 0, `${id}: ${outside} features outside the province`);
    }
    const extent = (await owner.query('select st_xmin(e) x0, st_ymin(e) y0, st_xmax(e) x1, st_ymax(e) y1 from (select st_extent(geom) e from tai_nguyen.ranh_gioi_tinh) s')).rows[0];
    assert.ok(extent.x0 >= 105.27 && extent.x1 <= 106.84 && extent.y0 >= 22.35 && extent.y1 <= 23.12, JSON.stringify(extent));
  });

  test('Thác Bản Giốc is at lon 106.721998, lat 22.856402', async () => {
    const { rows } = await owner.query<{ x: number; y: number; loai: string }>(
      "select st_x(geom) as x, st_y(geom) as y, loai from van_hoa.diem_di_san_dia_chat where ten = 'Thác Bản Giốc'",
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.x, BAN_GIOC[0]);
    assert.equal(rows[0]!.y, 22.856402);
    assert.equal(rows[0]!.x, 106.721998);
    assert.equal(rows[0]!.loai, 'Thác nước');
  });

  test('commune boundaries tile the province: no gaps, no overlaps', async () => {
    const { rows } = await owner.query<{ n: string; union_area: number; outline_area: number; uncovered: number }>(
      `select count(*) as n, st_area(st_union(x.geom)) as union_area, st_area(p.geom) as outline_area,
              st_area(st_difference(p.geom, st_union(x.geom))) as uncovered
       from tai_nguyen.ranh_gioi_xa x, tai_nguyen.ranh_gioi_tinh p group by p.geom`,
    );
    const r = rows[0]!;
    assert.ok(Number(r.n) >= 150 && Number(r.n) <= 175, `${r.n} communes`);
    assert.ok(Math.abs(r.union_area - r.outline_area) / r.outline_area < 0.001);
    assert.ok(r.uncovered / r.outline_area < 0.001);
    const overlap = (
      await owner.query<{ a: number; pairs: string }>(
        `select coalesce(sum(st_area(st_intersection(a.geom, b.geom))), 0) as a, count(*) as pairs
         from tai_nguyen.ranh_gioi_xa a join tai_nguyen.ranh_gioi_xa b on a.fid < b.fid and st_intersects(a.geom, b.geom)`,
      )
    ).rows[0]!;
    assert.ok(Number(overlap.pairs) > 300, 'neighbouring communes should touch');
    assert.ok(overlap.a / r.outline_area < 1e-9, `overlap ${overlap.a}`);
    // A commune's `xa` attribute and its polygon agree: the generator's nearest seed is the database's cell.
    assert.equal(
      await count(`select count(*) as n from thong_tin.tram_bts b join tai_nguyen.ranh_gioi_xa x on st_intersects(x.geom, b.geom) where x.ten <> b.xa`),
      0,
    );
  });

  test('restricted layers exist and are invisible to an anonymous caller', async () => {
    const restricted = (await owner.query<{ id: string }>("select id from catalog.layers where visibility = 'restricted' order by id")).rows.map((r) => r.id);
    assert.ok(restricted.includes('thong_tin.tram_bts'));
    assert.ok(restricted.includes('tai_nguyen.quan_trac_moi_truong'));
    const readers = await owner.query<{ code: string }>(
      `select a.code from catalog.layer_readers r join catalog.agencies a on a.id = r.agency_id where r.layer_id = 'thong_tin.tram_bts'`,
    );
    assert.deepEqual(readers.rows.map((r) => r.code), ['so_xay_dung']);
    const app = new pg.Client({ connectionString: db.appUrl });
    await app.connect();
    try {
      const visible = (await app.query<{ id: string }>('select id from catalog.layers')).rows.map((r) => r.id);
      assert.ok(visible.includes('van_hoa.diem_di_san_dia_chat'));
      for (const id of restricted) assert.ok(!visible.includes(id), `${id} visible to anonymous`);
      assert.equal((await app.query('select fid from thong_tin.tram_bts limit 1')).rowCount, 0);
    } finally {
      await app.end();
    }
  });

  test('stored names and catalog texts are NFC', async () => {
    const { rows } = await owner.query<{ id: string; attributes: { name: string; type: string }[] }>('select id, attributes from catalog.layers');
    let checked = 0;
    for (const l of rows) {
      for (const a of l.attributes.filter((x) => x.type === 'text')) {
        const bad = await count(`select count(*) as n from ${quote(l.id)} where "${a.name}" is distinct from normalize("${a.name}", nfc)`);
        assert.equal(bad, 0, `${l.id}.${a.name}`);
        checked++;
      }
    }
    assert.ok(checked > 50);
    assert.equal(
      await count(`select count(*) as n from catalog.layers where title_vi <> normalize(title_vi, nfc) or description_vi <> normalize(description_vi, nfc) or source <> normalize(source, nfc)`),
      0,
    );
    assert.equal(await count("select count(*) as n from tai_nguyen.ranh_gioi_xa where ten = 'Phường Hợp Giang'"), 1);
  });

  test('every feature has its first version in history, with the demo note', async () => {
    const total = await count('select sum(feature_count) as n from catalog.layers');
    assert.equal(await count("select count(*) as n from history.feature_versions where operation = 'insert' and version = 1"), total);
    assert.equal(await count('select count(*) as n from history.feature_versions where note is null'), 0);
  });

  test('loadDemoDataIfEmpty leaves a loaded database alone', async () => {
    const before = await count('select sum(data_version) as n from catalog.layers');
    assert.equal(await loadDemoDataIfEmpty(owner), null);
    assert.equal(await count('select sum(data_version) as n from catalog.layers'), before);
    assert.equal(await count('select count(*) as n from catalog.layers'), layerIds.length);
  });
});

describe('loading into an empty database', () => {
  let db: TestDatabase;
  let owner: pg.Client;
  before(async () => {
    db = await createTestDatabase({ demo: false });
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
  });
  after(async () => {
    await owner?.end();
    await db?.drop();
  });

  test('a load that fails part-way leaves nothing behind (one transaction)', async () => {
    // A layer with the id of the last demo layer already exists: the load gets through every other layer, then
    // fails on that one, and must take all of it back.
    const last = generateDemoData().layers.at(-1)!.spec;
    await createLayer(owner, last);
    await assert.rejects(loadDemoData(owner), /already exists|duplicate key/);
    assert.equal(Number((await owner.query('select count(*) as n from catalog.layers')).rows[0].n), 1);
    assert.equal(Number((await owner.query('select count(*) as n from history.feature_versions')).rows[0].n), 0);
    assert.equal((await owner.query("select 1 from pg_namespace n join pg_class c on c.relnamespace = n.oid where n.nspname = 'do_thi' and c.relname = 'den_chieu_sang'")).rowCount, 0);
    // Back to an empty catalog for the next test.
    await owner.query(`drop table ${quote(last.id)}`);
    await owner.query('delete from catalog.layers where id = $1', [last.id]);
  });

  test('loadDemoDataIfEmpty loads everything into an empty catalog and reports what it loaded', async () => {
    assert.equal(Number((await owner.query('select count(*) as n from catalog.layers')).rows[0].n), 0);
    const result = await loadDemoDataIfEmpty(owner);
    assert.ok(result);
    const { rows } = await owner.query<{ layers: string; features: string }>(
      'select count(*) as layers, sum(feature_count) as features from catalog.layers',
    );
    assert.equal(result.layers, Number(rows[0]!.layers));
    assert.equal(result.features, Number(rows[0]!.features));
    assert.ok(result.features >= 60_000);
    assert.equal(await loadDemoDataIfEmpty(owner), null);
  });
});
