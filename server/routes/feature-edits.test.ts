import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { hashPassword } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const ROADS = 'giao_thong.duong_thu';
const LIGHTS = 'do_thi.den_thu';
const ZONES = 'xay_dung.khu_thu';
const path = (layer: string, rest = '') => `/api/layers/${layer}/features${rest}`;

let server: TestServer;
let url: string;
let editor: Session;
let scopedEditor: Session;
let otherEditor: Session;
let viewer: Session;

const road = (name: string, lanes = 2) => ({
  type: 'Feature',
  geometry: { type: 'LineString', coordinates: [[106.25, 22.66], [106.27, 22.67]] },
  properties: { ten: name, so_lan: lanes, cap: 'Quốc lộ' },
});

before(async () => {
  server = await startTestServer({ demo: false });
  url = server.url;
  await createLayer(server.owner, {
    id: ROADS, ownerAgencyCode: 'so_gtvt', titleVi: 'Đường thử', titleEn: 'Test roads', geometryFamily: 'line', source: 'Sở GTVT',
    attributes: [
      { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name', required: true, max_length: 100 },
      { name: 'so_lan', type: 'integer', label_vi: 'Số làn', label_en: 'Lanes' },
      { name: 'cap', type: 'text', label_vi: 'Cấp', label_en: 'Class', allowed: ['Quốc lộ', 'Tỉnh lộ'] },
      { name: 'ngay_khanh_thanh', type: 'date', label_vi: 'Ngày khánh thành', label_en: 'Opened' },
    ],
  });
  await createLayer(server.owner, {
    id: LIGHTS, ownerAgencyCode: 'ubnd_tp_cao_bang', titleVi: 'Đèn thử', titleEn: 'Test lights', geometryFamily: 'point', source: 'UBND TP',
    attributes: [{ name: 'ma', type: 'text', label_vi: 'Mã', label_en: 'Code' }],
  });
  await createLayer(server.owner, {
    id: ZONES, ownerAgencyCode: 'so_gtvt', titleVi: 'Khu thử', titleEn: 'Test zones', geometryFamily: 'polygon', source: 'Sở GTVT',
    visibility: 'restricted',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(server.owner, { username: 'editor.gt', displayName: 'Nguyễn Văn Giao', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'scoped.gt', role: 'editor', agencyCode: 'so_gtvt', passwordHash, layers: [ZONES] });
  await insertAccount(server.owner, { username: 'editor.dt', role: 'editor', agencyCode: 'ubnd_tp_cao_bang', passwordHash });
  await insertAccount(server.owner, { username: 'viewer.gt', role: 'viewer', agencyCode: 'so_gtvt', passwordHash });
  editor = await login(url, 'editor.gt', PASSWORD);
  scopedEditor = await login(url, 'scoped.gt', PASSWORD);
  otherEditor = await login(url, 'editor.dt', PASSWORD);
  viewer = await login(url, 'viewer.gt', PASSWORD);
});

after(async () => server.close());

async function count(layer: string): Promise<number> {
  const [schema, table] = layer.split('.');
  const { rows } = await server.owner.query(`select count(*)::int as n from "${schema}"."${table}"`);
  return rows[0].n;
}

async function history(layer: string, fid: number) {
  const { rows } = await server.owner.query(
    'select version, operation, attributes, changed_by, note from history.feature_versions where layer_id = $1 and fid = $2 order by version',
    [layer, fid]);
  return rows;
}

describe('create, replace, patch, delete with optimistic locking', () => {
  test('an editor of the owner agency creates a feature: 201, ETag, history version 1, data version bumped', async () => {
    const before = (await server.owner.query('select data_version from catalog.layers where id = $1', [ROADS])).rows[0].data_version;
    const res = await api(url, 'POST', path(ROADS), { session: editor, body: road('Đường Hoàng Đình Giong') });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.properties.ten, 'Đường Hoàng Đình Giong');
    assert.equal(res.body.geometry.type, 'MultiLineString');
    assert.equal(res.headers.get('etag'), `W/"${ROADS}:${res.body.id}:1"`);
    assert.match(res.headers.get('location')!, new RegExp(`/features/${res.body.id}$`));
    const h = await history(ROADS, res.body.id);
    assert.equal(h.length, 1);
    assert.equal(h[0].operation, 'insert');
    const uid = (await server.owner.query("select id from auth.users where username = 'editor.gt'")).rows[0].id;
    assert.equal(h[0].changed_by, uid);
    const afterV = (await server.owner.query('select data_version from catalog.layers where id = $1', [ROADS])).rows[0].data_version;
    assert.ok(afterV > before);
  });

  test('a write without If-Match is 428, a stale one 412 with the current version, a fresh one succeeds', async () => {
    const created = await api(url, 'POST', path(ROADS), { session: editor, body: road('Đường Kim Đồng') });
    const fid = created.body.id;
    const etag1 = created.headers.get('etag')!;
    const none = await api(url, 'PATCH', path(ROADS, `/${fid}`), { session: editor, body: { properties: { so_lan: 4 } } });
    assert.equal(none.status, 428);
    assert.equal(none.body.code, 'if_match_required');
    const first = await api(url, 'PATCH', path(ROADS, `/${fid}`), { session: editor, body: { properties: { so_lan: 4 } }, headers: { 'if-match': etag1 } });
    assert.equal(first.status, 200);
    assert.equal(first.body.properties.so_lan, 4);
    assert.equal(first.body.properties.ten, 'Đường Kim Đồng', 'a patch keeps the other attributes');
    // A second editor still holding version 1 cannot silently overwrite version 2.
    const stale = await api(url, 'PUT', path(ROADS, `/${fid}`), { session: editor, body: road('Ghi đè', 1), headers: { 'if-match': etag1 } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.code, 'version_conflict');
    assert.equal(stale.body.details.current_version, 2);
    const put = await api(url, 'PUT', path(ROADS, `/${fid}`), { session: editor, body: { ...road('Đường Kim Đồng mới'), properties: { ten: 'Đường Kim Đồng mới' } }, headers: { 'if-match': first.headers.get('etag')! } });
    assert.equal(put.status, 200);
    assert.equal(put.body.properties.so_lan, null, 'a replace clears what it does not send');
    const del = await api(url, 'DELETE', path(ROADS, `/${fid}`), { session: editor, headers: { 'if-match': put.headers.get('etag')! } });
    assert.equal(del.status, 204);
    assert.deepEqual((await history(ROADS, fid)).map((v) => [v.version, v.operation]), [[1, 'insert'], [2, 'update'], [3, 'update'], [4, 'delete']]);
    const gone = await api(url, 'DELETE', path(ROADS, `/${fid}`), { session: editor, headers: { 'if-match': '4' } });
    assert.equal(gone.status, 404);
  });

  test('a batch is one transaction: one bad feature and none is written', async () => {
    const n = await count(ROADS);
    const bad = await api(url, 'POST', path(ROADS), {
      session: editor, body: { type: 'FeatureCollection', features: [road('Một'), road('Hai'), { ...road('Ba'), properties: { ten: 'Ba', so_lan: 'nhiều' } }] },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.details.index, 2);
    assert.equal(await count(ROADS), n);
    const ok = await api(url, 'POST', path(ROADS), { session: editor, body: { type: 'FeatureCollection', features: [road('Một'), road('Hai')] } });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.created.length, 2);
    assert.equal(await count(ROADS), n + 2);
  });

  test('history lists versions with who and the note; restore makes a new version; a deleted feature comes back', async () => {
    const c = await api(url, 'POST', path(ROADS), { session: editor, body: road('Đường Xuân Trường'), headers: { 'x-change-note': encodeURIComponent('khảo sát 2024') } });
    const fid = c.body.id;
    const p = await api(url, 'PATCH', path(ROADS, `/${fid}`), { session: editor, body: { properties: { ten: 'Đường sai tên' } }, headers: { 'if-match': c.headers.get('etag')! } });
    const h = await api(url, 'GET', path(ROADS, `/${fid}/history`));
    assert.equal(h.status, 200);
    assert.deepEqual(h.body.versions.map((v: { version: number }) => v.version), [1, 2]);
    // Account names are not public: anonymously, the agency only (feature-history.test.ts has every caller).
    assert.equal(h.body.versions[0].changed_by, null);
    assert.equal(h.body.versions[0].changed_by_name, null);
    assert.equal(h.body.versions[0].changed_by_agency.code, 'so_gtvt');
    const own = await api(url, 'GET', path(ROADS, `/${fid}/history`), { session: editor });
    assert.deepEqual(own.body.versions.map((v: { changed_by_name: string }) => v.changed_by_name), ['Nguyễn Văn Giao', 'Nguyễn Văn Giao']);
    assert.equal(h.body.versions[0].note, 'khảo sát 2024');
    assert.equal(h.body.versions[1].properties.ten, 'Đường sai tên');
    const r = await api(url, 'POST', path(ROADS, `/${fid}/restore`), { session: editor, body: { version: 1 }, headers: { 'if-match': p.headers.get('etag')! } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.properties.ten, 'Đường Xuân Trường');
    assert.equal(r.headers.get('etag'), `W/"${ROADS}:${fid}:3"`);
    await api(url, 'DELETE', path(ROADS, `/${fid}`), { session: editor, headers: { 'if-match': r.headers.get('etag')! } });
    const back = await api(url, 'POST', path(ROADS, `/${fid}/restore`), { session: editor, body: { version: 2 } });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.properties.ten, 'Đường sai tên');
    assert.deepEqual((await history(ROADS, fid)).map((v) => v.operation), ['insert', 'update', 'update', 'delete', 'insert']);
    assert.equal((await history(ROADS, fid)).at(-1).version, 5);
  });
});

describe('as-of reads (Điều 11.3)', () => {
  test('a layer and a feature read as they were at a past time', async () => {
    const beforeCreate = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const c = await api(url, 'POST', path(ROADS), { session: editor, body: road('Đường Tên Cũ') });
    const fid = c.body.id;
    await new Promise((r) => setTimeout(r, 20));
    const afterCreate = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const p = await api(url, 'PATCH', path(ROADS, `/${fid}`), { session: editor, body: { properties: { ten: 'Đường Tên Mới' } }, headers: { 'if-match': c.headers.get('etag')! } });
    await new Promise((r) => setTimeout(r, 20));
    const afterPatch = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await api(url, 'DELETE', path(ROADS, `/${fid}`), { session: editor, headers: { 'if-match': p.headers.get('etag')! } });

    const q = (t: Date) => encodeURIComponent(t.toISOString());
    assert.equal((await api(url, 'GET', path(ROADS, `/${fid}`))).status, 404, 'deleted now');
    const then = await api(url, 'GET', path(ROADS, `/${fid}?as_of=${q(afterCreate)}`));
    assert.equal(then.status, 200, JSON.stringify(then.body));
    assert.equal(then.body.properties.ten, 'Đường Tên Cũ');
    assert.equal((await api(url, 'GET', path(ROADS, `/${fid}?as_of=${q(afterPatch)}`))).body.properties.ten, 'Đường Tên Mới');
    assert.equal((await api(url, 'GET', path(ROADS, `/${fid}?as_of=${q(beforeCreate)}`))).status, 404);

    const ids = async (t: Date) => (await api(url, 'GET', `${path(ROADS)}?limit=10000&as_of=${q(t)}`)).body.features.map((f: { id: number }) => f.id);
    assert.ok(!(await ids(beforeCreate)).includes(fid));
    assert.ok((await ids(afterCreate)).includes(fid));
    const filtered = await api(url, 'GET', `${path(ROADS)}?ten=${encodeURIComponent('Đường Tên Cũ')}&as_of=${q(afterCreate)}`);
    assert.deepEqual(filtered.body.features.map((f: { id: number }) => f.id), [fid]);
    const bad = await api(url, 'GET', `${path(ROADS)}?as_of=last-week`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_as_of');
  });
});

describe('who may write (Điều 7.2)', () => {
  test('anonymous, viewers, other agencies\' editors and out-of-scope editors cannot write, and nothing changes', async () => {
    const n = await count(ROADS);
    const anon = await api(url, 'POST', path(ROADS), { body: road('x') });
    assert.equal(anon.status, 401);
    assert.equal((await api(url, 'POST', path(ROADS), { session: viewer, body: road('x') })).status, 403);
    const other = await api(url, 'POST', path(ROADS), { session: otherEditor, body: road('x') });
    assert.equal(other.status, 403);
    assert.equal(other.body.code, 'forbidden');
    assert.equal((await api(url, 'POST', path(ROADS), { session: scopedEditor, body: road('x') })).status, 403);
    assert.equal(await count(ROADS), n);
  });

  test('an editor cannot move a feature into another agency\'s layer, nor touch its features', async () => {
    const light = await api(url, 'POST', path(LIGHTS), {
      session: otherEditor, body: { geometry: { type: 'Point', coordinates: [106.26, 22.665] }, properties: { ma: 'DEN-001' } },
    });
    assert.equal(light.status, 201);
    const into = await api(url, 'POST', path(LIGHTS), { session: editor, body: { geometry: { type: 'Point', coordinates: [106.26, 22.665] }, properties: { ma: 'X' } } });
    assert.equal(into.status, 403);
    const patch = await api(url, 'PATCH', path(LIGHTS, `/${light.body.id}`), { session: editor, body: { properties: { ma: 'X' } }, headers: { 'if-match': '1' } });
    assert.equal(patch.status, 403);
    const del = await api(url, 'DELETE', path(LIGHTS, `/${light.body.id}`), { session: editor, headers: { 'if-match': '1' } });
    assert.equal(del.status, 403);
    assert.equal(await count(LIGHTS), 1);
  });

  test('a scoped editor writes the layers of their scope only', async () => {
    const zone = await api(url, 'POST', path(ZONES), {
      session: scopedEditor,
      body: { geometry: { type: 'Polygon', coordinates: [[[106.2, 22.6], [106.3, 22.6], [106.3, 22.7], [106.2, 22.6]]] }, properties: { ten: 'Khu A' } },
    });
    assert.equal(zone.status, 201, JSON.stringify(zone.body));
  });

  test('a restricted layer is 404 to anonymous writers, not 403', async () => {
    const res = await api(url, 'POST', path(ZONES), { body: { geometry: { type: 'Point', coordinates: [106.2, 22.6] }, properties: {} } });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'layer_not_found');
    const h = await api(url, 'GET', path(ZONES, '/1/history'));
    assert.equal(h.status, 404);
  });
});

describe('bad input gets a clear 4xx and changes nothing', () => {
  const cases: [string, unknown, number, string][] = [
    ['malformed GeoJSON (not an object)', '[1,2,3]', 400, 'invalid_feature'],
    ['a FeatureCollection with no features', { type: 'FeatureCollection', features: [] }, 400, 'invalid_feature'],
    ['no geometry', { type: 'Feature', properties: { ten: 'x' } }, 400, 'invalid_geometry'],
    ['a geometry of the wrong family', { type: 'Feature', geometry: { type: 'Point', coordinates: [106.2, 22.6] }, properties: { ten: 'x' } }, 400, 'wrong_geometry_type'],
    ['a GeometryCollection', { type: 'Feature', geometry: { type: 'GeometryCollection', geometries: [] }, properties: { ten: 'x' } }, 400, 'invalid_geometry'],
    ['1e400 as a coordinate', '{"type":"Feature","geometry":{"type":"LineString","coordinates":[[106.2,22.6],[1e400,22.7]]},"properties":{"ten":"x"}}', 400, 'invalid_geometry'],
    ['a string coordinate', { type: 'Feature', geometry: { type: 'LineString', coordinates: [[106.2, 22.6], ['106.3', 22.7]] }, properties: { ten: 'x' } }, 400, 'invalid_geometry'],
    ['NaN (not JSON at all)', '{"type":"Feature","geometry":{"type":"LineString","coordinates":[[106.2,22.6],[NaN,22.7]]},"properties":{"ten":"x"}}', 400, 'invalid_json'],
    ['deeply nested coordinates', `{"type":"Feature","geometry":{"type":"LineString","coordinates":${'['.repeat(100_000)}${']'.repeat(100_000)}},"properties":{"ten":"x"}}`, 400, 'invalid_geometry'],
    ['deeply nested geometry collections', `{"type":"Feature","geometry":${'{"type":"GeometryCollection","geometries":['.repeat(10_000)}${']}'.repeat(10_000)},"properties":{"ten":"x"}}`, 400, 'invalid_geometry'],
    ['outside the province (swapped lon/lat)', { type: 'Feature', geometry: { type: 'LineString', coordinates: [[22.6, 106.2], [22.7, 106.3]] }, properties: { ten: 'x' } }, 400, 'outside_province'],
    ['projected metres', { type: 'Feature', geometry: { type: 'LineString', coordinates: [[599554, 2528819], [599600, 2528900]] }, properties: { ten: 'x' } }, 400, 'outside_province'],
    ['an unknown attribute', { ...road('x'), properties: { ten: 'x', toc_do: 60 } }, 400, 'unknown_attribute'],
    ['a missing required attribute', { ...road('x'), properties: { so_lan: 2 } }, 400, 'invalid_attribute'],
    ['a value outside the allowed list', { ...road('x'), properties: { ten: 'x', cap: 'Đường mòn' } }, 400, 'invalid_attribute'],
    ['a too long text', { ...road('x'), properties: { ten: 'x'.repeat(101) } }, 400, 'invalid_attribute'],
    ['a bad date', { ...road('x'), properties: { ten: 'x', ngay_khanh_thanh: '2024-13-45' } }, 400, 'invalid_attribute'],
    ['a line with one position', { ...road('x'), geometry: { type: 'LineString', coordinates: [[106.2, 22.6]] } }, 400, 'invalid_geometry'],
  ];
  for (const [name, body, status, code] of cases) {
    test(name, async () => {
      const n = await count(ROADS);
      const res = await api(url, 'POST', path(ROADS), { session: editor, body });
      assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.code, code);
      assert.ok(res.body.message.length > 10);
      assert.equal(await count(ROADS), n);
    });
  }

  test('a self-intersecting polygon is refused with the reason, and repaired only on request', async () => {
    const bowtie = { type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[106.2, 22.6], [106.3, 22.7], [106.3, 22.6], [106.2, 22.7], [106.2, 22.6]]] }, properties: { ten: 'nơ' } };
    const refused = await api(url, 'POST', path(ZONES), { session: editor, body: bowtie });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'invalid_geometry');
    assert.match(refused.body.message, /Self-intersection/);
    const repaired = await api(url, 'POST', `${path(ZONES)}?repair=true`, { session: editor, body: bowtie });
    assert.equal(repaired.status, 201);
    assert.equal(repaired.body.geometry.type, 'MultiPolygon');
    assert.equal(repaired.body.geometry.coordinates.length, 2);
  });

  test('an oversized body is 413', async () => {
    const huge = JSON.stringify({ ...road('x'), properties: { ten: 'x', pad: 'y'.repeat(3 * 1024 * 1024) } });
    const res = await api(url, 'PATCH', path(ROADS, '/1'), { session: editor, body: huge, headers: { 'if-match': '1' } });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'body_too_large');
  });

  test('bad ids and versions', async () => {
    assert.equal((await api(url, 'PATCH', path(ROADS, '/abc'), { session: editor, body: {}, headers: { 'if-match': '1' } })).body.code, 'invalid_fid');
    assert.equal((await api(url, 'PATCH', path(ROADS, '/999999'), { session: editor, body: { properties: {} }, headers: { 'if-match': '1' } })).status, 404);
    assert.equal((await api(url, 'POST', path(ROADS, '/1/restore'), { session: editor, body: { version: 'x' } })).body.code, 'invalid_version');
    assert.equal((await api(url, 'PATCH', path(ROADS, '/1'), { session: editor, body: { properties: {} }, headers: { 'if-match': `W/"${LIGHTS}:1:1"` } })).status, 412);
  });
});

describe('the database is the last word', () => {
  test('as the server\'s role with no caller: no restricted rows, no writes, no history, no accounts', async () => {
    const pg = (await import('pg')).default;
    const app = new pg.Client({ connectionString: server.database.appUrl });
    await app.connect();
    try {
      const zones = await app.query('select count(*)::int as n from xay_dung.khu_thu');
      assert.equal(zones.rows[0].n, 0, 'restricted rows are invisible');
      const layers = await app.query('select id from catalog.layers');
      assert.ok(!layers.rows.some((r) => r.id === ZONES));
      await assert.rejects(app.query("insert into giao_thong.duong_thu (geom, ten) values (st_multi(st_geomfromtext('LINESTRING(106.2 22.6, 106.3 22.7)', 4326)), 'x')"), /row-level security/);
      const upd = await app.query("update giao_thong.duong_thu set ten = 'x'");
      assert.equal(upd.rowCount, 0);
      const del = await app.query('delete from giao_thong.duong_thu');
      assert.equal(del.rowCount, 0);
      await assert.rejects(app.query('select * from history.feature_versions'), /permission denied/);
      await assert.rejects(app.query('delete from history.feature_versions'), /permission denied/);
      await assert.rejects(app.query('select password_hash from auth.users'), /permission denied/);
      await assert.rejects(app.query('select token_hash from auth.sessions'), /permission denied/);
      await assert.rejects(app.query('delete from audit.events'), /permission denied/);
      await assert.rejects(app.query('alter table giao_thong.duong_thu disable row level security'), /must be owner/);
      await assert.rejects(app.query('set row_security = off; select * from xay_dung.khu_thu'), /row-level security/);
    } finally {
      await app.end();
    }
  });

  test('as the server\'s role with an editor of another agency set: still no write', async () => {
    const pg = (await import('pg')).default;
    const app = new pg.Client({ connectionString: server.database.appUrl });
    await app.connect();
    try {
      const uid = (await server.owner.query("select id from auth.users where username = 'editor.dt'")).rows[0].id;
      await app.query('begin');
      await app.query("select set_config('cb.user_id', $1, true)", [uid]);
      await assert.rejects(app.query("insert into giao_thong.duong_thu (geom, ten) values (st_multi(st_geomfromtext('LINESTRING(106.2 22.6, 106.3 22.7)', 4326)), 'x')"), /row-level security/);
      await app.query('rollback');
    } finally {
      await app.end();
    }
  });

  test('history is append-only even for the owner', async () => {
    await assert.rejects(server.owner.query('update history.feature_versions set note = $1', ['x']), /append-only/);
    await assert.rejects(server.owner.query('delete from history.feature_versions'), /append-only/);
  });
});
