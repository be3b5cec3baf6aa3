// Anonymous tiles of public layers from a streaming replica (READ_DATABASE_URL), never stale: a primary and its
// replica (two clusters of our own, infra/cluster/postgres.ts) and the app in this process. The replica's lag bound
// is set far beyond the test, so the replica stays "in use" while its replay is paused: what keeps a tile fresh
// then is the tile service's own check of the layer's data version on the replica.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VectorTile } from '@mapbox/vector-tile';
import type { FastifyInstance } from 'fastify';
import { PbfReader } from 'pbf';
import pg from 'pg';
import { preparePlatformDatabase, replicaAppUrl, type PlatformDatabase } from '../infra/cluster/platform-database.ts';
import {
  currentLsn, startInstance, startPrimary, startReplica, stopInstance, stopQuietly, waitForReplay, withClient, type PgInstance,
} from '../infra/cluster/postgres.ts';
import { buildApp } from '../server/app.ts';
import { createLayer } from '../server/catalog/create-layer.ts';
import { loadConfig } from '../server/config.ts';
import { PRIMARY_COOKIE } from '../server/db/read-replica.ts';
import { tileServiceFor } from './tile-service.ts';

const LAYER = 'van_hoa.diem_le_hoi';
const BAN_GIOC = { lon: 106.721998, lat: 22.856402 };

interface Tile { z: number; x: number; y: number }
function tileOf(lon: number, lat: number, z: number): Tile {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return { z, x: Math.floor(((lon + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) };
}

describe('tiles from a streaming replica', { timeout: 240_000 }, () => {
  let root: string;
  let primary: PgInstance | undefined;
  let replica: PgInstance | undefined;
  let db: PlatformDatabase;
  let app: FastifyInstance | undefined;
  let owner: pg.Client;
  let fid: number;

  const stats = () => ({ ...tileServiceFor(app!).replicaStats });
  /** The festival's name in the anonymous tile at zoom z (a new zoom each time is a tile not cached yet). */
  const nameInTile = async (z: number, headers: Record<string, string> = {}) => {
    const t = tileOf(BAN_GIOC.lon, BAN_GIOC.lat, z);
    const res = await app!.inject({ method: 'GET', url: `/tiles/${LAYER}/${t.z}/${t.x}/${t.y}.mvt`, headers: { 'accept-encoding': 'gzip', ...headers } });
    assert.equal(res.statusCode, 200, res.body);
    const layer = new VectorTile(new PbfReader(zlib.gunzipSync(res.rawPayload))).layers[LAYER]!;
    const feature = Array.from({ length: layer.length }, (_, i) => layer.feature(i)).find((f) => f.id === fid);
    return feature?.properties.ten;
  };
  const rename = async (name: string) => {
    await owner.query('update van_hoa.diem_le_hoi set ten = $1 where fid = $2', [name, fid]);
    return currentLsn(db.ownerUrl);
  };
  const onReplica = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(replica!.url('caobang'), fn);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-replica-tiles-'));
    primary = await startPrimary(root);
    db = await preparePlatformDatabase(primary, { demo: false });
    owner = new pg.Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await createLayer(owner, {
      id: LAYER, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm lễ hội', titleEn: 'Festivals', geometryFamily: 'point',
      source: 'Sở VHTTDL', attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
    });
    const { rows } = await owner.query<{ fid: number }>(
      `insert into van_hoa.diem_le_hoi (geom, ten) values (st_setsrid(st_point($1, $2), 4326), 'Lễ hội Pháo hoa') returning fid`,
      [BAN_GIOC.lon, BAN_GIOC.lat]);
    fid = rows[0]!.fid;
    replica = await startReplica(primary, root);
    await waitForReplay(replicaAppUrl(replica), await currentLsn(db.ownerUrl));
    const config = loadConfig({
      ...process.env, LOG_LEVEL: 'silent', READ_DATABASE_URL: replicaAppUrl(replica), READ_REPLICA_MAX_LAG_MS: '600000',
    });
    app = await buildApp({ config, appDatabaseUrl: db.appUrl, logger: false });
    await app.ready();
    await tileServiceFor(app).listener.connected;
    // The replica's first probe (every 250 ms) puts it in use.
    const until = Date.now() + 30_000;
    while (!app.db.replica!.usable()) {
      assert.ok(Date.now() < until, `the replica did not come into use: ${JSON.stringify(app.db.replica!.status())}`);
      await sleep(50);
    }
  });

  after(async () => {
    await app?.close();
    await owner?.end().catch(() => {});
    await stopQuietly(replica);
    await stopQuietly(primary);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('an anonymous tile of a public layer is read on the replica once it has replayed the layer\'s version', async () => {
    const before = stats();
    assert.equal(await nameInTile(10), 'Lễ hội Pháo hoa');
    assert.deepEqual(stats(), { ...before, reads: before.reads + 1 });
    // A signed-in caller, or a browser that has just written (the marker cookie), reads the primary.
    const marked = await nameInTile(11, { cookie: `${PRIMARY_COOKIE}=1` });
    assert.equal(marked, 'Lễ hội Pháo hoa');
    assert.deepEqual(stats(), { ...before, reads: before.reads + 1 });
  });

  test('a replica behind the edit is not used: the tile shows the edit at once, and that is what gets cached', async () => {
    await onReplica((c) => c.query('select pg_wal_replay_pause()'));
    try {
      await rename('Lễ hội Pháo hoa 2025');
      // The replica really is behind, and still counts as in use (its lag bound is far away).
      const { rows } = await onReplica((c) => c.query<{ ten: string }>('select ten from van_hoa.diem_le_hoi where fid = $1', [fid]));
      assert.equal(rows[0]!.ten, 'Lễ hội Pháo hoa');
      assert.ok(app!.db.replica!.usable());

      const before = stats();
      // The tile cached from the replica at the old version (z10), and a tile not cached yet (z12).
      assert.equal(await nameInTile(10), 'Lễ hội Pháo hoa 2025');
      assert.equal(await nameInTile(12), 'Lễ hội Pháo hoa 2025');
      assert.deepEqual(stats(), { ...before, behind: before.behind + 2 });
      // Cached now with the primary's bytes: asked again, the same, without asking the replica.
      assert.equal(await nameInTile(12), 'Lễ hội Pháo hoa 2025');
      assert.deepEqual(stats(), { ...before, behind: before.behind + 2 });
    } finally {
      await onReplica((c) => c.query('select pg_wal_replay_resume()'));
    }
    await waitForReplay(replicaAppUrl(replica!), await currentLsn(db.ownerUrl));
    const before = stats();
    assert.equal(await nameInTile(13), 'Lễ hội Pháo hoa 2025');
    assert.deepEqual(stats(), { ...before, reads: before.reads + 1 });
  });

  test('a replica that is down costs the tile nothing: it comes from the primary', async () => {
    await stopInstance(replica!, 'fast');
    try {
      await rename('Lễ hội Pháo hoa 2026');
      const before = stats();
      // Whether the probe or this tile's own failed connection finds it down first, the tile is the primary's.
      assert.equal(await nameInTile(14), 'Lễ hội Pháo hoa 2026');
      assert.equal(await nameInTile(15), 'Lễ hội Pháo hoa 2026');
      assert.equal(stats().reads, before.reads);
      assert.ok(stats().failed <= before.failed + 1, JSON.stringify(stats()));
      assert.equal(app!.db.replica!.usable(), false);
    } finally {
      await startInstance(replica!);
    }
  });
});
