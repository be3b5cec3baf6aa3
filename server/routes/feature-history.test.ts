// Who changed a feature, as each caller may know it (history.feature_history, migration 016): the agency that
// made a change is public record, the person's (or API key's) name is told only to that agency's own staff and
// systems and to the operator; everybody else gets neither a name nor a login name. Restore still works.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login, type Session } from '../testing/http.ts';
import { hashPassword, hashToken } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';
import { createLayer } from '../catalog/create-layer.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const ROADS = 'giao_thong.duong_lich_su';
const KEY = 'cbk_test_history_read_write_gtvt_0001';
const KEY_NAME = 'Hệ thống quản lý cầu đường';
const historyPath = (fid: number) => `/api/layers/${ROADS}/features/${fid}/history`;

let server: TestServer;
let url: string;
const s: Record<string, Session> = {};
let agencies: Record<string, { code: string; name_vi: string; name_en: string }>;
let fid: number;

const road = (name: string) => ({
  type: 'Feature',
  geometry: { type: 'LineString', coordinates: [[106.25, 22.66], [106.27, 22.67]] },
  properties: { ten: name },
});

type Version = Record<string, unknown>;
const WHO = ['changed_by', 'changed_by_name', 'api_client', 'changed_by_agency'] as const;
const who = (v: Version) => Object.fromEntries(WHO.map((k) => [k, v[k]]));

async function versions(session?: Session, apiKey?: string): Promise<Version[]> {
  const res = await api(url, 'GET', historyPath(fid), { session, apiKey });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.versions;
}

before(async () => {
  server = await startTestServer({ demo: false });
  url = server.url;
  await createLayer(server.owner, {
    id: ROADS, ownerAgencyCode: 'so_gtvt', titleVi: 'Đường có lịch sử', titleEn: 'Roads with history', geometryFamily: 'line',
    source: 'Sở GTVT', attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(server.owner, { username: 'sua.gt', displayName: 'Trần Thị Sửa', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'dongnghiep.gt', displayName: 'Lê Văn Đồng', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'quantri.gt', role: 'agency_admin', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'bientap.dt', displayName: 'Phạm Đô Thị', role: 'editor', agencyCode: 'ubnd_tp_cao_bang', passwordHash });
  await insertAccount(server.owner, { username: 'vanhanh.thu', role: 'operator_admin', passwordHash });
  for (const u of ['sua.gt', 'dongnghiep.gt', 'quantri.gt', 'bientap.dt', 'vanhanh.thu']) s[u] = await login(url, u, PASSWORD);
  await server.owner.query(
    `insert into auth.api_clients (agency_id, name, key_hash, key_prefix, layer_scope, can_write)
     select id, $1, $2, $3, null, true from catalog.agencies where code = 'so_gtvt'`,
    [KEY_NAME, hashToken(KEY), KEY.slice(0, 12)]);
  const { rows } = await server.owner.query("select code, name_vi, name_en from catalog.agencies where code in ('so_gtvt', 'ubnd_tp_cao_bang')");
  agencies = Object.fromEntries(rows.map((r) => [r.code, r]));

  // Version 1 by an editor, version 2 by the agency's system through its key.
  const created = await api(url, 'POST', `/api/layers/${ROADS}/features`, { session: s['sua.gt'], body: road('Đường Pác Bó') });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  fid = created.body.id;
  const patched = await api(url, 'PATCH', `/api/layers/${ROADS}/features/${fid}`, {
    apiKey: KEY, body: { properties: { ten: 'Đường Pác Bó mới' } }, headers: { 'if-match': created.headers.get('etag')! },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
});

after(async () => server.close());

describe('who changed a feature, by caller', () => {
  test('a colleague of the same agency sees the name, the username and the agency', async () => {
    const [byEditor, byKey] = await versions(s['dongnghiep.gt']);
    assert.deepEqual(who(byEditor!), {
      changed_by: 'sua.gt', changed_by_name: 'Trần Thị Sửa', api_client: null, changed_by_agency: agencies.so_gtvt,
    });
    assert.deepEqual(who(byKey!), { changed_by: null, changed_by_name: null, api_client: KEY_NAME, changed_by_agency: agencies.so_gtvt });
  });

  test('the agency admin of that agency too; an account without a display name is named by its username', async () => {
    const [byEditor] = await versions(s['quantri.gt']);
    assert.equal(byEditor!.changed_by_name, 'Trần Thị Sửa');
    await server.owner.query("update auth.users set display_name = '' where username = 'sua.gt'");
    try {
      const [again] = await versions(s['dongnghiep.gt']);
      assert.deepEqual(who(again!), { changed_by: 'sua.gt', changed_by_name: 'sua.gt', api_client: null, changed_by_agency: agencies.so_gtvt });
    } finally {
      await server.owner.query("update auth.users set display_name = 'Trần Thị Sửa' where username = 'sua.gt'");
    }
  });

  test('an editor of another agency reading the public layer gets the agency only', async () => {
    for (const v of await versions(s['bientap.dt'])) {
      assert.deepEqual(who(v), { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt });
    }
  });

  test('an anonymous reader gets the agency only, and no login name anywhere in the answer', async () => {
    const res = await api(url, 'GET', historyPath(fid));
    assert.equal(res.status, 200);
    for (const v of res.body.versions) {
      assert.deepEqual(who(v), { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt });
      assert.deepEqual(Object.keys(v).sort(), [
        'api_client', 'changed_at', 'changed_by', 'changed_by_agency', 'changed_by_name', 'geometry', 'import_id', 'note', 'operation',
        'properties', 'version',
      ]);
    }
    const text = JSON.stringify(res.body);
    for (const secret of ['sua.gt', 'Trần Thị Sửa', KEY_NAME]) assert.equal(text.includes(secret), false, secret);
  });

  test('the operator sees every name', async () => {
    const [byEditor, byKey] = await versions(s['vanhanh.thu']);
    assert.deepEqual(who(byEditor!), {
      changed_by: 'sua.gt', changed_by_name: 'Trần Thị Sửa', api_client: null, changed_by_agency: agencies.so_gtvt,
    });
    assert.equal(byKey!.api_client, KEY_NAME);
  });

  test('the agency\'s own API client sees the names; another agency\'s client does not', async () => {
    const [byEditor] = await versions(undefined, KEY);
    assert.equal(byEditor!.changed_by_name, 'Trần Thị Sửa');
    const otherKey = 'cbk_test_history_read_only_dothi_0002';
    await server.owner.query(
      `insert into auth.api_clients (agency_id, name, key_hash, key_prefix, layer_scope, can_write)
       select id, 'Hệ thống đô thị', $1, $2, null, false from catalog.agencies where code = 'ubnd_tp_cao_bang'`,
      [hashToken(otherKey), otherKey.slice(0, 12)]);
    for (const v of await versions(undefined, otherKey)) {
      assert.deepEqual(who(v), { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt });
    }
  });

  test('restore still works from the history, and the restoring editor is named to colleagues', async () => {
    const current = await api(url, 'GET', `/api/layers/${ROADS}/features/${fid}`);
    const r = await api(url, 'POST', `/api/layers/${ROADS}/features/${fid}/restore`, {
      session: s['dongnghiep.gt'], body: { version: 1 }, headers: { 'if-match': current.headers.get('etag')! },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.properties.ten, 'Đường Pác Bó');
    const all = await versions(s['sua.gt']);
    assert.equal(all.length, 3);
    assert.deepEqual(who(all[2]!), {
      changed_by: 'dongnghiep.gt', changed_by_name: 'Lê Văn Đồng', api_client: null, changed_by_agency: agencies.so_gtvt,
    });
  });

  test('a layer handed to another agency: its new staff see the old agency without names, their own edits with names', async () => {
    await server.owner.query("update catalog.layers set owner_agency_id = (select id from catalog.agencies where code = 'ubnd_tp_cao_bang') where id = $1", [ROADS]);
    const current = await api(url, 'GET', `/api/layers/${ROADS}/features/${fid}`);
    const p = await api(url, 'PATCH', `/api/layers/${ROADS}/features/${fid}`, {
      session: s['bientap.dt'], body: { properties: { ten: 'Đường Pác Bó (đô thị)' } }, headers: { 'if-match': current.headers.get('etag')! },
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    const seen = await versions(s['bientap.dt']);
    assert.deepEqual(seen.map(who), [
      { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt },
      { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt },
      { changed_by: null, changed_by_name: null, api_client: null, changed_by_agency: agencies.so_gtvt },
      { changed_by: 'bientap.dt', changed_by_name: 'Phạm Đô Thị', api_client: null, changed_by_agency: agencies.ubnd_tp_cao_bang },
    ]);
    // And the agency that made the first three versions still knows who did.
    const old = await versions(s['dongnghiep.gt']);
    assert.deepEqual(old.map((v) => v.changed_by), ['sua.gt', null, 'dongnghiep.gt', null]);
    assert.equal(old[1]!.api_client, KEY_NAME);
  });
});
