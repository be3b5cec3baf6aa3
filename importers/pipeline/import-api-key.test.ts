// Imports by API clients: a read/write key of the owner agency imports into its layers through the same API and
// rules as an editor (preview, commit, history naming the client and the import); a read-only key, another
// agency's key, a key limited to other layers and a new layer are refused with a code, and nothing is stored.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword, hashToken } from '../../server/auth/credentials.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const SITES = 'van_hoa.diem_khoa_thu';
const OTHER_SITES = 'van_hoa.diem_khac_thu';

let server: ImportTestServer;
let url: string;
let editor: Session;
const keys = {
  readWrite: 'cbk_test_import_read_write_vhttdl_0001',
  readOnly: 'cbk_test_import_read_only_vhttdl_0002',
  otherAgency: 'cbk_test_import_read_write_gtvt_0003',
  otherLayer: 'cbk_test_import_scoped_vhttdl_0004',
};
let readWriteClientId: string;

const file = (names: string[]) => ({
  name: 'diem.geojson',
  data: Buffer.from(JSON.stringify({
    type: 'FeatureCollection',
    features: names.map((ten, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [106.2 + i / 100, 22.6 + i / 100] }, properties: { TEN: ten } })),
  })),
});

async function addKey(key: string, agencyCode: string, canWrite: boolean, layers: string[] | null): Promise<string> {
  const { rows } = await server.owner.query<{ id: string }>(
    `insert into auth.api_clients (agency_id, name, key_hash, key_prefix, layer_scope, can_write)
     select id, $2, $3, $4, $5, $6 from catalog.agencies where code = $1 returning id`,
    [agencyCode, `Hệ thống ${key.slice(-4)}`, hashToken(key), key.slice(0, 12), layers, canWrite]);
  return rows[0]!.id;
}

/** Nothing of a refused upload stays: no import row and no file under the uploads folder. */
async function nothingStored(): Promise<void> {
  const { rows } = await server.owner.query('select count(*)::int as n from imports.imports where created_by_api_client is not null and layer_id = $1', [OTHER_SITES]);
  assert.equal(rows[0].n, 0);
  const tmp = path.join(server.dataDir, 'uploads', 'tmp');
  assert.deepEqual(fs.existsSync(tmp) ? fs.readdirSync(tmp) : [], []);
}

before(async () => {
  server = await startImportServer();
  url = server.url;
  for (const id of [SITES, OTHER_SITES]) {
    await createLayer(server.owner, {
      id, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm thử', titleEn: 'Test sites', geometryFamily: 'point', source: 'Sở VHTTDL',
      attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
    });
  }
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(url, 'editor.vh', PASSWORD);
  readWriteClientId = await addKey(keys.readWrite, 'so_vhttdl', true, null);
  await addKey(keys.readOnly, 'so_vhttdl', false, null);
  await addKey(keys.otherAgency, 'so_gtvt', true, null);
  await addKey(keys.otherLayer, 'so_vhttdl', true, [SITES]);
});

after(async () => {
  await server?.close();
});

describe('a read/write key of the owner agency', () => {
  test('imports like an editor: preview, commit, history naming the client and the import', async () => {
    const who = { apiKey: keys.readWrite };
    const res = await upload(url, who, file(['Đền Kỳ Sầm', 'Pác Bó']), { layer: SITES, field_map: { TEN: 'ten' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id = res.body.id as string;
    const preview = await waitForImport(url, who, id, ['preview', 'failed']);
    assert.equal(preview.status, 'preview', JSON.stringify(preview.error));
    assert.equal(preview.report.featureCount, 2);
    const listed = await api(url, 'GET', `/api/imports?layer=${SITES}`, { apiKey: keys.readWrite });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.imports.map((i: { id: string }) => i.id), [id]);

    const c = await api(url, 'POST', `/api/imports/${id}/commit`, { apiKey: keys.readWrite, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    const done = await waitForImport(url, who, id, ['committed', 'preview']);
    assert.equal(done.status, 'committed', JSON.stringify(done.error));

    const { rows: made } = await server.owner.query(
      'select created_by, created_by_api_client, commit_requested_by, commit_requested_by_api_client from imports.imports where id = $1', [id]);
    assert.deepEqual(made[0], { created_by: null, created_by_api_client: readWriteClientId, commit_requested_by: null, commit_requested_by_api_client: readWriteClientId });
    const { rows: history } = await server.owner.query(
      `select h.attributes ->> 'ten' as ten, h.operation, h.import_id, h.changed_by, h.api_client_id
       from history.feature_versions h where h.layer_id = $1 order by h.fid`, [SITES]);
    assert.deepEqual(history, [
      { ten: 'Đền Kỳ Sầm', operation: 'insert', import_id: id, changed_by: null, api_client_id: readWriteClientId },
      { ten: 'Pác Bó', operation: 'insert', import_id: id, changed_by: null, api_client_id: readWriteClientId },
    ]);
    const { rows: audit } = await server.owner.query(
      "select action from audit.events where actor_api_client_id = $1 and details ->> 'import_id' = $2 order by id", [readWriteClientId, id]);
    assert.deepEqual(audit.map((a) => a.action), ['import_started', 'import_commit_requested']);
    // The agency's editors see the client's import, as they see each other's.
    assert.equal((await api(url, 'GET', `/api/imports/${id}`, { session: editor })).status, 200);
    // Another agency's key does not.
    const hidden = await api(url, 'GET', `/api/imports/${id}`, { apiKey: keys.otherAgency });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.code, 'not_found');
  });

  test('an editor\'s preview can be committed by the agency\'s key, as by another editor', async () => {
    const res = await upload(url, editor, file(['Hồ Thang Hen']), { layer: SITES, field_map: { TEN: 'ten' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitForImport(url, editor, res.body.id, ['preview']);
    const c = await api(url, 'POST', `/api/imports/${res.body.id}/commit`, { apiKey: keys.readWrite, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    assert.equal((await waitForImport(url, editor, res.body.id, ['committed', 'preview'])).status, 'committed');
  });

  test('cannot make a new layer', async () => {
    const res = await upload(url, { apiKey: keys.readWrite }, file(['Phja Oắc']), { new_layer: { id: 'van_hoa.moi_khoa_thu', title_vi: 'Mới' } });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'api_client_cannot_create_layer');
    assert.match(res.body.message, /existing layers of its agency/);
    assert.equal((await server.owner.query("select count(*)::int as n from imports.imports where layer_id = 'van_hoa.moi_khoa_thu'")).rows[0].n, 0);
  });
});

describe('keys that may not import into the layer', () => {
  test('a read-only key gets 403 api_key_read_only, for uploads and for reading imports', async () => {
    const res = await upload(url, { apiKey: keys.readOnly }, file(['Bảo Lạc']), { layer: OTHER_SITES });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'api_key_read_only');
    assert.match(res.body.message, /may only read/);
    const list = await api(url, 'GET', '/api/imports', { apiKey: keys.readOnly });
    assert.equal(list.status, 403);
    assert.equal(list.body.code, 'api_key_read_only');
    await nothingStored();
  });

  test('another agency\'s read/write key and a key limited to other layers get 403 forbidden', async () => {
    for (const key of [keys.otherAgency, keys.otherLayer]) {
      const res = await upload(url, { apiKey: key }, file(['Hà Quảng']), { layer: OTHER_SITES });
      assert.equal(res.status, 403, key);
      assert.equal(res.body.code, 'forbidden');
      assert.match(res.body.message, /This API key may not write the layer Điểm thử/);
    }
    await nothingStored();
    assert.equal((await server.owner.query(`select count(*)::int as n from ${OTHER_SITES}`)).rows[0].n, 0);
  });

  test('the database refuses too: a key cannot record an import into a layer it may not write, nor in someone else\'s name', async () => {
    const app = new pg.Client({ connectionString: server.database.appUrl });
    await app.connect();
    try {
      const { rows: [agency] } = await server.owner.query("select id from catalog.agencies where code = 'so_vhttdl'");
      const { rows: [user] } = await server.owner.query("select id from auth.users where username = 'editor.vh'");
      const { rows: [f] } = await server.owner.query('select sha256 from imports.files limit 1');
      const otherId = (await server.owner.query('select id from auth.api_clients where key_hash = $1', [hashToken(keys.otherLayer)])).rows[0].id;
      const attempt = async (clientId: string, createdBy: string | null, createdByClient: string | null) => {
        await app.query('begin');
        try {
          await app.query("select set_config('cb.api_client_id', $1, true)", [clientId]);
          await app.query(
            `insert into imports.imports (file_sha256, original_name, agency_id, layer_id, mode, created_by, created_by_api_client)
             values ($1, 'x.geojson', $2, $3, 'append', $4, $5)`, [f.sha256, agency.id, OTHER_SITES, createdBy, createdByClient]);
        } finally {
          await app.query('rollback');
        }
      };
      await assert.rejects(attempt(otherId, null, otherId), /row-level security/);
      await assert.rejects(attempt(readWriteClientId, user.id, null), /row-level security/);
      await assert.doesNotReject(attempt(readWriteClientId, null, readWriteClientId));
    } finally {
      await app.end();
    }
  });
});
