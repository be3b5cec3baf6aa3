import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { api, login } from '../testing/http.ts';
import { hashPassword } from '../auth/credentials.ts';
import { insertAccount } from '../accounts.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';

let server: TestServer;
let url: string;

before(async () => {
  server = await startTestServer({ demo: false });
  url = server.url;
  const passwordHash = await hashPassword(PASSWORD);
  await insertAccount(server.owner, { username: 'operator1', role: 'operator_admin', passwordHash, agencyCode: 'ttcns' });
  await insertAccount(server.owner, { username: 'admin.gt', role: 'agency_admin', agencyCode: 'so_gtvt', passwordHash });
  await insertAccount(server.owner, { username: 'admin.vh', role: 'agency_admin', agencyCode: 'so_vhttdl', passwordHash });
  await insertAccount(server.owner, { username: 'editor.gt', role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  for (const u of ['locked.one', 'changer', 'lost.one', 'disabled.one', 'logout.one']) {
    await insertAccount(server.owner, { username: u, role: 'editor', agencyCode: 'so_gtvt', passwordHash });
  }
});

after(async () => server.close());

async function userId(username: string): Promise<string> {
  const { rows } = await server.owner.query<{ id: string }>('select id from auth.users where username = $1', [username]);
  return rows[0]!.id;
}

describe('login', () => {
  test('a right password opens a session: HttpOnly cookie, CSRF token, /me knows the roles', async () => {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'editor.gt', password: PASSWORD }),
    });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie')!;
    assert.match(cookie, /cb_session=cbs_/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    const body = (await res.json()) as { csrfToken: string; user: { memberships: { role: string; agency_code: string }[] } };
    assert.ok(body.csrfToken.length > 20);
    assert.deepEqual(body.user.memberships.map((m) => [m.agency_code, m.role]), [['so_gtvt', 'editor']]);
    const me = await api(url, 'GET', '/api/auth/me', { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, 'editor.gt');
    assert.equal(me.body.csrfToken, body.csrfToken);
  });

  test('a wrong password and an unknown user get the same 401', async () => {
    const wrong = await api(url, 'POST', '/api/auth/login', { body: { username: 'editor.gt', password: 'wrong-password-1' } });
    const unknown = await api(url, 'POST', '/api/auth/login', { body: { username: 'nobody.here', password: 'wrong-password-1' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.code, 'invalid_credentials');
    assert.deepEqual(wrong.body, unknown.body);
  });

  test('bad login bodies are 400, not 500', async () => {
    for (const body of ['{', '[]', { username: 'x' }, { username: 1, password: 2 }, { username: 'a'.repeat(100), password: 'x' }]) {
      const res = await api(url, 'POST', '/api/auth/login', { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.ok(typeof res.body.code === 'string' && res.body.message, JSON.stringify(res.body));
    }
  });

  test('five failures lock the account, even for the right password', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await api(url, 'POST', '/api/auth/login', { body: { username: 'locked.one', password: `guess-number-${i}` } });
      assert.equal(r.status, 401);
    }
    const res = await api(url, 'POST', '/api/auth/login', { body: { username: 'locked.one', password: PASSWORD } });
    assert.equal(res.status, 423);
    assert.equal(res.body.code, 'account_locked');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    const { rows } = await server.owner.query("select count(*)::int as n from audit.events where action = 'login_failed' and details->>'username' = 'locked.one'");
    assert.equal(rows[0].n, 5);
  });
});

describe('sessions end when they must (Điều 6.5)', () => {
  test('logout ends the session on the very next request', async () => {
    const s = await login(url, 'logout.one', PASSWORD);
    assert.equal((await api(url, 'POST', '/api/auth/logout', { session: s })).status, 204);
    const me = await api(url, 'GET', '/api/auth/me', { session: s });
    assert.equal(me.status, 401);
    assert.equal(me.body.code, 'session_expired');
  });

  test('a password change ends the other sessions and keeps this one', async () => {
    const a = await login(url, 'changer', PASSWORD);
    const b = await login(url, 'changer', PASSWORD);
    const weak = await api(url, 'POST', '/api/auth/password', { session: a, body: { current_password: PASSWORD, new_password: 'short' } });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.code, 'weak_password');
    const wrong = await api(url, 'POST', '/api/auth/password', { session: a, body: { current_password: 'not-it-at-all', new_password: 'Một-mật-khẩu-mới-99' } });
    assert.equal(wrong.body.code, 'wrong_password');
    const ok = await api(url, 'POST', '/api/auth/password', { session: a, body: { current_password: PASSWORD, new_password: 'Một-mật-khẩu-mới-99' } });
    assert.equal(ok.status, 204);
    assert.equal((await api(url, 'GET', '/api/auth/me', { session: a })).status, 200);
    assert.equal((await api(url, 'GET', '/api/auth/me', { session: b })).status, 401);
    await login(url, 'changer', 'Một-mật-khẩu-mới-99');
  });

  test('reporting one\'s own account lost kills every session and tells the agency admin', async () => {
    const a = await login(url, 'lost.one', PASSWORD);
    const b = await login(url, 'lost.one', PASSWORD);
    assert.equal((await api(url, 'POST', '/api/auth/report-lost', { session: a })).status, 204);
    assert.equal((await api(url, 'GET', '/api/auth/me', { session: b })).status, 401);
    const relogin = await api(url, 'POST', '/api/auth/login', { body: { username: 'lost.one', password: PASSWORD } });
    assert.equal(relogin.status, 403);
    assert.equal(relogin.body.code, 'account_disabled');
    const admin = await login(url, 'admin.gt', PASSWORD);
    const notes = await api(url, 'GET', '/api/admin/notifications', { session: admin });
    assert.ok(notes.body.notifications.some((n: { kind: string; message: string }) => n.kind === 'account_lost' && n.message.includes('lost.one')));
    const { rows } = await server.owner.query("select status, status_changed_by from auth.users where username = 'lost.one'");
    assert.equal(rows[0].status, 'lost');
    assert.equal(rows[0].status_changed_by, await userId('lost.one'));
  });

  test('an agency admin disabling an account stops its open session on the next request', async () => {
    const victim = await login(url, 'disabled.one', PASSWORD);
    assert.equal((await api(url, 'GET', '/api/auth/me', { session: victim })).status, 200);
    const admin = await login(url, 'admin.gt', PASSWORD);
    const res = await api(url, 'POST', `/api/admin/users/${await userId('disabled.one')}/status`, {
      session: admin, body: { status: 'disabled', reason: 'nghỉ việc' },
    });
    assert.equal(res.status, 204);
    assert.equal((await api(url, 'GET', '/api/auth/me', { session: victim })).status, 401);
    const { rows } = await server.owner.query("select count(*)::int as n from auth.sessions s join auth.users u on u.id = s.user_id where u.username = 'disabled.one' and s.revoked_at is null");
    assert.equal(rows[0].n, 0);
  });
});

describe('CSRF', () => {
  test('a cookie-authenticated write without the token is refused', async () => {
    const s = await login(url, 'admin.gt', PASSWORD);
    const res = await api(url, 'POST', '/api/admin/api-clients', {
      session: s, headers: { 'x-csrf-token': 'forged' }, body: { name: 'x' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'csrf_token_invalid');
    const none = await fetch(`${url}/api/admin/api-clients`, {
      method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json' }, body: '{"name":"x"}',
    });
    assert.equal(none.status, 403);
  });
});

describe('administration', () => {
  test('an agency admin creates an editor of their agency, who can then sign in', async () => {
    const admin = await login(url, 'admin.gt', PASSWORD);
    const res = await api(url, 'POST', '/api/admin/users', {
      session: admin, body: { username: 'new.editor', password: 'Biên-tập-viên-2024', role: 'editor', display_name: 'Nguyễn Văn A' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.agency, 'so_gtvt');
    const s = await login(url, 'new.editor', 'Biên-tập-viên-2024');
    const me = await api(url, 'GET', '/api/auth/me', { session: s });
    assert.deepEqual(me.body.user.memberships.map((m: { role: string }) => m.role), ['editor']);
    const dup = await api(url, 'POST', '/api/admin/users', {
      session: admin, body: { username: 'new.editor', password: 'Biên-tập-viên-2024', role: 'editor' },
    });
    assert.equal(dup.status, 409);
    const audit = await api(url, 'GET', '/api/admin/audit?action=user_created', { session: admin });
    assert.ok(audit.body.events.some((e: { details: { username: string } }) => e.details.username === 'new.editor'));
  });

  test('an agency admin cannot create accounts in another agency, nor agency admins', async () => {
    const admin = await login(url, 'admin.gt', PASSWORD);
    const other = await api(url, 'POST', '/api/admin/users', {
      session: admin, body: { username: 'intruder', password: 'Biên-tập-viên-2024', role: 'editor', agency: 'so_vhttdl' },
    });
    assert.equal(other.status, 403);
    const promote = await api(url, 'POST', '/api/admin/users', {
      session: admin, body: { username: 'intruder2', password: 'Biên-tập-viên-2024', role: 'agency_admin' },
    });
    assert.equal(promote.status, 403);
    const { rows } = await server.owner.query("select count(*)::int as n from auth.users where username like 'intruder%'");
    assert.equal(rows[0].n, 0);
  });

  test('an agency admin sees only their agency\'s accounts; an editor sees no admin pages', async () => {
    const admin = await login(url, 'admin.vh', PASSWORD);
    const list = await api(url, 'GET', '/api/admin/users', { session: admin });
    assert.deepEqual(list.body.users.map((u: { username: string }) => u.username), ['admin.vh']);
    const editor = await login(url, 'editor.gt', PASSWORD);
    assert.equal((await api(url, 'GET', '/api/admin/users', { session: editor })).status, 403);
    assert.equal((await api(url, 'GET', '/api/admin/users')).status, 401);
  });

  test('API keys: issued once, checked on every request, revoked at once', async () => {
    const admin = await login(url, 'admin.gt', PASSWORD);
    const created = await api(url, 'POST', '/api/admin/api-clients', { session: admin, body: { name: 'Hệ thống thống kê' } });
    assert.equal(created.status, 201);
    const key = created.body.key as string;
    assert.match(key, /^cbk_/);
    assert.equal((await api(url, 'GET', '/api/layers', { apiKey: key })).status, 200);
    const listed = await api(url, 'GET', '/api/admin/api-clients', { session: admin });
    assert.ok(!JSON.stringify(listed.body).includes(key), 'the key itself is never listed');
    const { rows } = await server.owner.query('select key_hash from auth.api_clients where id = $1', [created.body.id]);
    assert.notEqual(rows[0].key_hash, key);
    assert.equal((await api(url, 'POST', `/api/admin/api-clients/${created.body.id}/revoke`, { session: admin })).status, 204);
    const after = await api(url, 'GET', '/api/layers', { apiKey: key });
    assert.equal(after.status, 401);
    assert.equal(after.body.code, 'invalid_api_key');
    assert.equal((await api(url, 'GET', '/api/layers', { headers: { 'x-api-key': 'cbk_made_up' } })).status, 401);
  });

  test('the operator renames and merges agencies; people and layers follow', async () => {
    const op = await login(url, 'operator1', PASSWORD);
    const created = await api(url, 'POST', '/api/admin/agencies', {
      session: op, body: { code: 'so_nn_mt', name_vi: 'Sở Nông nghiệp và Môi trường', name_en: 'Department of Agriculture and Environment' },
    });
    assert.equal(created.status, 201);
    const renamed = await api(url, 'PATCH', '/api/admin/agencies/so_nn_mt', { session: op, body: { name_vi: 'Sở Nông nghiệp và Môi trường tỉnh Cao Bằng' } });
    assert.equal(renamed.status, 204);
    await insertAccount(server.owner, { username: 'nn.editor', role: 'editor', agencyCode: 'so_nn_ptnt', passwordHash: await hashPassword(PASSWORD) });
    const merged = await api(url, 'POST', '/api/admin/agencies/so_nn_ptnt/merge', { session: op, body: { into: 'so_nn_mt' } });
    assert.equal(merged.status, 204);
    const s = await login(url, 'nn.editor', PASSWORD);
    const me = await api(url, 'GET', '/api/auth/me', { session: s });
    assert.equal(me.body.user.memberships[0].agency_code, 'so_nn_mt');
    const agencies = await api(url, 'GET', '/api/admin/agencies', { session: op });
    const old = agencies.body.agencies.find((a: { code: string }) => a.code === 'so_nn_ptnt');
    assert.equal(old.status, 'merged');
    assert.equal(old.merged_into, 'so_nn_mt');
    const self = await api(url, 'POST', '/api/admin/agencies/so_nn_mt/merge', { session: op, body: { into: 'so_nn_mt' } });
    assert.equal(self.status, 400);
    const notOp = await api(url, 'POST', '/api/admin/agencies', { session: await login(url, 'admin.gt', PASSWORD), body: { code: 'x_y', name_vi: 'x', name_en: 'x' } });
    assert.equal(notOp.status, 403);
  });
});

describe('layers change hands with their history', () => {
  test('the operator hands a layer to another agency: its editors follow, the ownership history keeps both', async () => {
    const { createLayer } = await import('../catalog/create-layer.ts');
    await createLayer(server.owner, {
      id: 'giao_thong.ben_xe', ownerAgencyCode: 'so_gtvt', titleVi: 'Bến xe', titleEn: 'Bus stations', geometryFamily: 'point', source: 'Sở GTVT',
    });
    const op = await login(url, 'operator1', PASSWORD);
    const editor = await login(url, 'editor.gt', PASSWORD);
    const point = { type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.66] }, properties: {} };
    assert.equal((await api(url, 'POST', '/api/layers/giao_thong.ben_xe/features', { session: editor, body: point })).status, 201);
    const handed = await api(url, 'POST', '/api/admin/layers/giao_thong.ben_xe/owner', { session: op, body: { agency: 'so_xay_dung' } });
    assert.equal(handed.status, 204, JSON.stringify(handed.body));
    assert.equal((await api(url, 'POST', '/api/layers/giao_thong.ben_xe/features', { session: editor, body: point })).status, 403, 'the old agency no longer edits');
    const { rows } = await server.owner.query(
      `select a.code, o.valid_to is null as current from catalog.layer_owners o join catalog.agencies a on a.id = o.agency_id
       where o.layer_id = 'giao_thong.ben_xe' order by o.valid_from`);
    assert.deepEqual(rows.map((r) => [r.code, r.current]), [['so_gtvt', false], ['so_xay_dung', true]]);
    const notOp = await api(url, 'POST', '/api/admin/layers/giao_thong.ben_xe/owner', { session: await login(url, 'admin.gt', PASSWORD), body: { agency: 'so_gtvt' } });
    assert.equal(notOp.status, 403);
  });

  test('an agency admin reads their agency\'s audit log only', async () => {
    const vh = await login(url, 'admin.vh', PASSWORD);
    const events = (await api(url, 'GET', '/api/admin/audit?limit=1000', { session: vh })).body.events as { agency: string | null }[];
    assert.ok(events.every((e) => e.agency === 'so_vhttdl'), JSON.stringify(events.slice(0, 3)));
    const op = await login(url, 'operator1', PASSWORD);
    const all = (await api(url, 'GET', '/api/admin/audit?limit=1000', { session: op })).body.events as { agency: string | null; action: string }[];
    assert.ok(all.some((e) => e.agency === 'so_gtvt'));
    assert.ok(all.some((e) => e.action === 'login_failed'));
  });
});

// Last: it blocks sign-ins from this address for the rest of the file.
describe('guessing from one address', () => {
  test('twenty failed sign-ins from one address get 429 with Retry-After', async () => {
    let last = 0;
    for (let i = 0; i < 25 && last !== 429; i++) {
      last = (await api(url, 'POST', '/api/auth/login', { body: { username: `guess${i}`, password: 'not-a-password' } })).status;
    }
    assert.equal(last, 429);
    const res = await api(url, 'POST', '/api/auth/login', { body: { username: 'editor.gt', password: PASSWORD } });
    assert.equal(res.status, 429);
    assert.equal(res.body.code, 'too_many_attempts');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
  });
});
