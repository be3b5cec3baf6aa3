// Every kind of caller × a public and a restricted layer × every endpoint that reads or writes layer data.
// A restricted layer must be invisible (404, absent from lists) to whoever may not read it, on every output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from './testing/server.ts';
import { api, login, type Session } from './testing/http.ts';
import { DEMO_API_KEY, DEMO_PASSWORD } from '../infra/demo/accounts.ts';

const PUBLIC = 'giao_thong.quoc_lo';
const RESTRICTED = 'thong_tin.tram_bts';

interface Who {
  name: string;
  username?: string;
  apiKey?: string;
  readsRestricted: boolean;
  writesPublic: boolean;
  writesRestricted: boolean;
}

const callers: Who[] = [
  { name: 'anonymous', readsRestricted: false, writesPublic: false, writesRestricted: false },
  { name: 'operator admin', username: 'vanhanh', readsRestricted: true, writesPublic: false, writesRestricted: false },
  { name: 'owner agency admin', username: 'admin.tttt', readsRestricted: true, writesPublic: false, writesRestricted: false },
  { name: 'owner agency editor', username: 'bientap.tttt', readsRestricted: true, writesPublic: false, writesRestricted: true },
  { name: 'editor of the public layer\'s agency', username: 'bientap.gtvt', readsRestricted: false, writesPublic: true, writesRestricted: false },
  { name: 'editor of another agency', username: 'bientap.dothi', readsRestricted: false, writesPublic: false, writesRestricted: false },
  { name: 'viewer of a reader agency', username: 'xem.xaydung', readsRestricted: true, writesPublic: false, writesRestricted: false },
  { name: 'API key of a reader agency (read-only)', apiKey: DEMO_API_KEY, readsRestricted: true, writesPublic: false, writesRestricted: false },
];

let server: TestServer;
const sessions = new Map<string, Session>();
let restrictedFid: number;
let publicFid: number;
let restrictedTile: { z: number; x: number; y: number };

function auth(who: Who) {
  return who.username ? { session: sessions.get(who.username)! } : who.apiKey ? { apiKey: who.apiKey } : {};
}

before(async () => {
  server = await startTestServer({ demo: true });
  for (const who of callers) if (who.username) sessions.set(who.username, await login(server.url, who.username, DEMO_PASSWORD));
  const r = await server.owner.query<{ fid: number; x: number; y: number }>(
    'select fid, st_x(geom) as x, st_y(geom) as y from thong_tin.tram_bts order by fid limit 1');
  restrictedFid = r.rows[0]!.fid;
  publicFid = (await server.owner.query('select min(fid)::int as f from giao_thong.quoc_lo')).rows[0].f;
  const z = 12;
  const n = 2 ** z;
  const lon = r.rows[0]!.x;
  const lat = (r.rows[0]!.y * Math.PI) / 180;
  restrictedTile = { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n) };
});

after(async () => server.close());

const readPaths = (layer: string, fid: number, tile: { z: number; x: number; y: number } | null) => [
  `/api/layers/${layer}`,
  `/api/layers/${layer}/features?limit=5`,
  `/api/layers/${layer}/features/${fid}`,
  `/api/layers/${layer}/features/${fid}/history`,
  `/api/layers/${layer}/changes?interval=month`,
  `/ogc/collections/${layer}`,
  `/ogc/collections/${layer}/items?limit=5`,
  `/styles/${layer}.json`,
  `/tiles/${layer}.json`,
  ...(tile ? [`/tiles/${layer}/${tile.z}/${tile.x}/${tile.y}.mvt`] : []),
];

for (const who of callers) {
  describe(`as ${who.name}`, () => {
    test('the catalog lists the restricted layer only when allowed', async () => {
      const res = await api(server.url, 'GET', '/api/layers', auth(who));
      assert.equal(res.status, 200);
      const ids = res.body.layers.map((l: { id: string }) => l.id);
      assert.ok(ids.includes(PUBLIC));
      assert.equal(ids.includes(RESTRICTED), who.readsRestricted);
      assert.equal(JSON.stringify(res.body).includes('BTS'), who.readsRestricted, 'no trace of it in the body');
    });

    test('the public layer is readable on every endpoint', async () => {
      for (const path of readPaths(PUBLIC, publicFid, null)) {
        const res = await api(server.url, 'GET', path, auth(who));
        assert.equal(res.status, 200, `${path}: ${res.status}`);
      }
    });

    test(`the restricted layer is ${who.readsRestricted ? 'readable' : 'invisible (404)'} on every endpoint`, async () => {
      for (const path of readPaths(RESTRICTED, restrictedFid, restrictedTile)) {
        const res = await api(server.url, 'GET', path, auth(who));
        if (who.readsRestricted) {
          assert.equal(res.status, 200, `${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        } else {
          assert.equal(res.status, 404, `${path}: ${res.status}`);
          const text = JSON.stringify(res.body);
          assert.ok(!/BTS|Viettel|tram_bts\b.*title/i.test(text.replace(RESTRICTED, '')), `${path} leaks: ${text.slice(0, 200)}`);
        }
      }
    });

    test(`writes: public ${who.writesPublic ? 'allowed' : 'refused'}, restricted ${who.writesRestricted ? 'allowed' : 'refused'}`, async () => {
      const publicWrite = await api(server.url, 'POST', `/api/layers/${PUBLIC}/features`, {
        ...auth(who),
        body: { type: 'Feature', geometry: { type: 'LineString', coordinates: [[106.2, 22.6], [106.21, 22.61]] }, properties: { so_hieu: 'QL3', ten: 'Thử quyền' } },
      });
      if (who.writesPublic) assert.equal(publicWrite.status, 201, JSON.stringify(publicWrite.body));
      else assert.ok([401, 403].includes(publicWrite.status), `public write: ${publicWrite.status}`);
      const restrictedWrite = await api(server.url, 'POST', `/api/layers/${RESTRICTED}/features`, {
        ...auth(who),
        body: { type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.66] }, properties: { ma_tram: 'CBG-T-001', ten: 'Trạm thử', nha_mang: 'Viettel' } },
      });
      if (who.writesRestricted) assert.equal(restrictedWrite.status, 201, JSON.stringify(restrictedWrite.body));
      else assert.equal(restrictedWrite.status, who.readsRestricted ? 403 : 404, `restricted write: ${restrictedWrite.status}`);
    });
  });
}

describe('visibility changes apply at once, in the database too', () => {
  test('an agency admin makes a layer public and restricted again', async () => {
    const admin = sessions.get('admin.tttt')!;
    const pub = await api(server.url, 'PATCH', `/api/admin/layers/${RESTRICTED}`, { session: admin, body: { visibility: 'public' } });
    assert.equal(pub.status, 204, JSON.stringify(pub.body));
    assert.equal((await api(server.url, 'GET', `/api/layers/${RESTRICTED}/features?limit=1`)).status, 200);
    const back = await api(server.url, 'PATCH', `/api/admin/layers/${RESTRICTED}`, { session: admin, body: { visibility: 'restricted' } });
    assert.equal(back.status, 204);
    assert.equal((await api(server.url, 'GET', `/api/layers/${RESTRICTED}/features?limit=1`)).status, 404);
    const pg = (await import('pg')).default;
    const app = new pg.Client({ connectionString: server.database.appUrl });
    await app.connect();
    try {
      assert.equal((await app.query('select count(*)::int as n from thong_tin.tram_bts')).rows[0].n, 0);
    } finally {
      await app.end();
    }
  });

  test('another agency\'s admin cannot change the layer', async () => {
    const other = sessions.get('xem.xaydung')!;
    const res = await api(server.url, 'PATCH', `/api/admin/layers/${RESTRICTED}`, { session: other, body: { visibility: 'public' } });
    assert.equal(res.status, 403);
  });
});
