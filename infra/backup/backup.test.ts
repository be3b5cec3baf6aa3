import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { projectRoot } from '../../server/config.ts';
import { createTestDatabase, type TestDatabase } from '../../server/testing/database.ts';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { makeBackup, type BackupResult } from './backup.ts';
import { restoreDrill } from './drill.ts';
import { DUMP_FILE, MANIFEST_FILE, readManifest, sha256File } from './manifest.ts';
import { RestoreRefused, resolveBackupDir, restoreBackup } from './restore.ts';
import { dropDatabase, withDatabase } from './pg-tools.ts';

const ROADS = 'giao_thong.duong_sao_luu';
const ZONES = 'xay_dung.khu_sao_luu';

let db: TestDatabase;
let owner: pg.Client;
let tmp: string;
let uploads: string;
let backup: BackupResult;
const restoredDatabases: string[] = [];

async function addRoads(client: pg.ClientBase, n: number, tag: string): Promise<void> {
  await client.query(
    `insert into giao_thong.duong_sao_luu (geom, ten, so_lan)
     select st_multi(st_setsrid(st_makeline(st_makepoint(106.2 + i * 0.0001, 22.6), st_makepoint(106.21 + i * 0.0001, 22.61)), 4326)), $2 || i, i % 4
     from generate_series(1, $1) i`, [n, tag]);
}

function copyBackup(name: string): string {
  const dir = path.join(tmp, 'copies', name, backup.name);
  fs.cpSync(backup.dir, dir, { recursive: true });
  return dir;
}

function newDatabaseUrl(): string {
  const name = `cb_test_restore_${randomBytes(4).toString('hex')}`;
  restoredDatabases.push(name);
  return withDatabase(db.ownerUrl, name);
}

before(async () => {
  db = await createTestDatabase({ demo: false });
  owner = new pg.Client({ connectionString: db.ownerUrl });
  await owner.connect();
  await createLayer(owner, {
    id: ROADS, ownerAgencyCode: 'so_gtvt', titleVi: 'Đường (sao lưu)', titleEn: 'Roads (backup)', geometryFamily: 'line', source: 'Sở GTVT',
    attributes: [
      { name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' },
      { name: 'so_lan', type: 'integer', label_vi: 'Số làn', label_en: 'Lanes' },
    ],
  });
  await createLayer(owner, {
    id: ZONES, ownerAgencyCode: 'so_xay_dung', titleVi: 'Khu (sao lưu)', titleEn: 'Zones (backup)', geometryFamily: 'polygon',
    source: 'Sở Xây dựng', visibility: 'restricted', attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  await addRoads(owner, 300, 'Đường số ');
  await owner.query(`update giao_thong.duong_sao_luu set so_lan = 6, ten = ten || ' (mở rộng)' where fid % 10 = 0`);
  await owner.query(`delete from giao_thong.duong_sao_luu where fid % 25 = 0`);
  await owner.query(`insert into xay_dung.khu_sao_luu (geom, ten) values
    (st_multi(st_buffer(st_setsrid(st_makepoint(106.25, 22.66), 4326), 0.01)), 'Khu hạn chế A'),
    (st_multi(st_buffer(st_setsrid(st_makepoint(106.26, 22.67), 4326), 0.01)), 'Khu hạn chế B')`);
  await owner.query(`insert into audit.events (action, target_type, target_id, details) values ('test_event', 'layer', $1, '{"n": 1}')`, [ROADS]);

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-backup-test-'));
  uploads = path.join(tmp, 'uploads');
  fs.mkdirSync(path.join(uploads, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(uploads, 'ab', 'abcdef.zip'), randomBytes(5000));
  fs.writeFileSync(path.join(uploads, 'roads.geojson'), '{"type":"FeatureCollection","features":[]}');
  // Still being received: not an upload yet.
  fs.mkdirSync(path.join(uploads, 'tmp'));
  fs.writeFileSync(path.join(uploads, 'tmp', 'upload-123.part'), 'half a file');

  // Edits keep arriving while the backup runs: the dump and the checksums must still describe one moment.
  const writer = new pg.Client({ connectionString: db.ownerUrl });
  await writer.connect();
  let writing = true;
  const written = (async () => {
    let batches = 0;
    while (writing) {
      await addRoads(writer, 5, `Trong lúc sao lưu ${batches} `);
      batches++;
    }
    return batches;
  })();
  try {
    backup = await makeBackup({ databaseUrl: db.ownerUrl, root: path.join(tmp, 'backups'), uploadsDir: uploads });
  } finally {
    writing = false;
    await written;
    await writer.end();
  }
});

after(async () => {
  await owner?.end();
  for (const name of restoredDatabases) await dropDatabase(withDatabase(db.ownerUrl, name)).catch(() => {});
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a backup', () => {
  test('is a complete directory named by its UTC time, with a dump, the uploads and a manifest', () => {
    assert.match(backup.name, /^\d{8}T\d{6}Z$/);
    assert.equal(path.basename(backup.dir), backup.name);
    assert.deepEqual(fs.readdirSync(path.dirname(backup.dir)), [backup.name]);
    assert.deepEqual(fs.readdirSync(backup.dir).sort(), [DUMP_FILE, MANIFEST_FILE, 'uploads']);
    const m = readManifest(backup.dir);
    assert.deepEqual(m.files.map((f) => f.path), [DUMP_FILE, 'uploads/ab/abcdef.zip', 'uploads/roads.geojson']);
    assert.equal(m.totals.upload_files, 2);
    assert.equal(m.totals.upload_bytes, 5000 + 42);
    assert.ok(m.database.migrations.includes('009_ops.sql'));
  });

  test('records the sha256 and size of every file', async () => {
    const m = readManifest(backup.dir);
    for (const f of m.files) {
      assert.equal(f.sha256, await sha256File(path.join(backup.dir, f.path)), f.path);
      assert.equal(f.bytes, fs.statSync(path.join(backup.dir, f.path)).size, f.path);
    }
    assert.equal(backup.manifestSha256, await sha256File(path.join(backup.dir, MANIFEST_FILE)));
  });

  test('counts every layer, restricted ones included, and the history and audit log', async () => {
    const m = readManifest(backup.dir);
    assert.deepEqual(Object.keys(m.data.layers), [ROADS, ZONES]);
    assert.equal(m.data.layers[ZONES]!.rows, 2);
    // 300 roads, 12 deleted, plus whatever the concurrent writer had committed when the snapshot was taken.
    const roads = m.data.layers[ROADS]!.rows;
    assert.ok(roads >= 288 && (roads - 288) % 5 === 0, String(roads));
    assert.equal(m.data.tables[ROADS], roads);
    assert.match(m.data.layers[ROADS]!.checksum, /^[0-9a-f]{32}$/);
    // History: 300 inserts + 30 updates + 12 deletes + the writer's rows, all in the snapshot.
    assert.equal(m.data.history.rows, 300 + 30 + 12 + 2 + (roads - 288));
    assert.ok(m.data.audit.rows >= 1);
    assert.equal(m.data.tables['history.feature_versions'], m.data.history.rows);
    assert.ok('ops.backups' in m.data.tables && 'auth.users' in m.data.tables && 'catalog.layers' in m.data.tables);
  });

  test('took its snapshot before the writes that came after it', async () => {
    const m = readManifest(backup.dir);
    const { rows } = await owner.query<{ n: number }>('select count(*)::int as n from giao_thong.duong_sao_luu');
    assert.ok(rows[0]!.n > m.data.layers[ROADS]!.rows, 'the writer kept going after the snapshot');
  });
});

describe('the restore drill', () => {
  test('restores into a scratch database, finds the same counts and checksums, and drops it', async () => {
    const drill = await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: backup.dir });
    assert.equal(drill.error, null);
    assert.equal(drill.ok, true);
    assert.deepEqual(drill.mismatches, []);
    assert.equal(drill.checked.layers, 2);
    assert.equal(drill.files.checked, 3);
    const { rowCount } = await owner.query('select 1 from pg_database where datname = $1', [drill.scratch_database]);
    assert.equal(rowCount, 0);
  });

  test('fails when a byte of the dump changed', async () => {
    const dir = copyBackup('dump');
    const dump = path.join(dir, DUMP_FILE);
    const bytes = fs.readFileSync(dump);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    fs.writeFileSync(dump, bytes);
    const drill = await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: dir });
    assert.equal(drill.ok, false);
    assert.deepEqual(drill.files.problems, [{ path: DUMP_FILE, problem: 'sha256' }]);
    assert.match(drill.error!, /differ from the manifest/);
  });

  test('fails when an upload file is changed, missing, or added', async () => {
    const changed = copyBackup('upload-changed');
    fs.appendFileSync(path.join(changed, 'uploads', 'roads.geojson'), ' ');
    const missing = copyBackup('upload-missing');
    fs.rmSync(path.join(missing, 'uploads', 'ab', 'abcdef.zip'));
    const added = copyBackup('upload-added');
    fs.writeFileSync(path.join(added, 'uploads', 'extra.zip'), 'x');
    assert.deepEqual((await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: changed })).files.problems, [{ path: 'uploads/roads.geojson', problem: 'size' }]);
    assert.deepEqual((await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: missing })).files.problems, [{ path: 'uploads/ab/abcdef.zip', problem: 'missing' }]);
    assert.deepEqual((await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: added })).files.problems, [{ path: 'uploads/extra.zip', problem: 'unlisted' }]);
  });

  test('compares the restored rows themselves: a manifest that says otherwise fails', async () => {
    const dir = copyBackup('manifest');
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
    m.data.layers[ZONES].checksum = '0'.repeat(32);
    m.data.history.rows += 1;
    fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m));
    const drill = await restoreDrill({ databaseUrl: db.ownerUrl, backupDir: dir });
    assert.equal(drill.ok, false);
    assert.deepEqual(drill.mismatches.map((x) => x.what), [`layer ${ZONES}`, 'history.feature_versions']);
    const { rowCount } = await owner.query('select 1 from pg_database where datname = $1', [drill.scratch_database]);
    assert.equal(rowCount, 0, 'the scratch database is dropped after a failed drill too');
  });
});

describe('restore', () => {
  test('brings the platform back into a new database: same data, upload files, grants for the server', async () => {
    const target = newDatabaseUrl();
    const targetUploads = path.join(tmp, 'restored-uploads');
    const result = await restoreBackup({ backupDir: backup.dir, targetUrl: target, uploadsDir: targetUploads });
    assert.equal(result.ok, true);
    assert.deepEqual(result.mismatches, []);
    assert.deepEqual(result.upload_files, { copied: 2, already_there: 0 });
    const m = readManifest(backup.dir);
    assert.equal(await sha256File(path.join(targetUploads, 'ab', 'abcdef.zip')), m.files[1]!.sha256);

    const restored = new pg.Client({ connectionString: target });
    await restored.connect();
    try {
      const { rows } = await restored.query<{ roads: number; zones: number; history: number }>(
        `select (select count(*)::int from giao_thong.duong_sao_luu) as roads, (select count(*)::int from xay_dung.khu_sao_luu) as zones,
                (select count(*)::int from history.feature_versions) as history`);
      assert.deepEqual(rows[0], { roads: m.data.layers[ROADS]!.rows, zones: 2, history: m.data.history.rows });
      const { rows: events } = await restored.query(`select target_id from audit.events where action = 'platform_restored'`);
      assert.deepEqual(events, [{ target_id: backup.name }]);
      const { rows: widened } = await restored.query<{ n: number }>(`select count(*)::int as n from giao_thong.duong_sao_luu where ten like '%(mở rộng)'`);
      assert.equal(widened[0]!.n, 30 - 6);
    } finally {
      await restored.end();
    }
    // The server's role works on the restored database, row level security included.
    const app = new pg.Client({ connectionString: withDatabase(db.appUrl, new URL(target).pathname.slice(1)) });
    await app.connect();
    try {
      const { rows } = await app.query<{ roads: number; zones: number }>(
        `select (select count(*)::int from giao_thong.duong_sao_luu) as roads, (select count(*)::int from xay_dung.khu_sao_luu) as zones`);
      assert.equal(rows[0]!.roads, m.data.layers[ROADS]!.rows);
      assert.equal(rows[0]!.zones, 0, 'restricted rows stay invisible to an anonymous caller');
    } finally {
      await app.end();
    }
  });

  test('refuses a target that holds data unless forced, and then replaces it', async () => {
    const target = newDatabaseUrl();
    await restoreBackup({ backupDir: backup.dir, targetUrl: target, uploadsDir: null });
    const c = new pg.Client({ connectionString: target });
    await c.connect();
    await c.query(`delete from giao_thong.duong_sao_luu where fid < 100`);
    await c.end();
    await assert.rejects(restoreBackup({ backupDir: backup.dir, targetUrl: target, uploadsDir: null }), (err: Error) =>
      err instanceof RestoreRefused && /not empty/.test(err.message) && /--force/.test(err.message));
    const forced = await restoreBackup({ backupDir: backup.dir, targetUrl: target, uploadsDir: null, force: true });
    assert.equal(forced.ok, true);
  });

  test('refuses a damaged backup before touching the target', async () => {
    const dir = copyBackup('restore-damaged');
    fs.appendFileSync(path.join(dir, DUMP_FILE), 'x');
    const target = newDatabaseUrl();
    await assert.rejects(restoreBackup({ backupDir: dir, targetUrl: target, uploadsDir: null }), (err: Error) =>
      err instanceof RestoreRefused && /damaged/.test(err.message) && err.message.includes(DUMP_FILE));
    const { rowCount } = await owner.query('select 1 from pg_database where datname = $1', [new URL(target).pathname.slice(1)]);
    assert.equal(rowCount, 0);
  });

  test('refuses to overwrite a different upload file unless forced', async () => {
    const targetUploads = path.join(tmp, 'uploads-conflict');
    fs.mkdirSync(targetUploads, { recursive: true });
    fs.writeFileSync(path.join(targetUploads, 'roads.geojson'), 'something else');
    await assert.rejects(restoreBackup({ backupDir: backup.dir, targetUrl: newDatabaseUrl(), uploadsDir: targetUploads }), RestoreRefused);
  });
});

describe('npm run restore', () => {
  const restoreCommand = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'infra/backup/restore.ts', ...args], { cwd: projectRoot }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });

  test('restores a chosen backup into the database given, and says what it checked', async () => {
    const target = newDatabaseUrl();
    const run = await restoreCommand([backup.dir, '--database-url', target, '--skip-uploads']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`Restored backup ${backup.name} into .*: 2 layers, history and audit match the manifest`));
    const again = await restoreCommand([backup.dir, '--database-url', target, '--skip-uploads']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not empty .* --force/);
  });

  test('explains its usage', async () => {
    const run = await restoreCommand([]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage: npm run restore -- <backup dir/);
    assert.equal((await restoreCommand([backup.dir, '--colour'])).code, 2);
  });

  test('finds a backup by directory, by name under BACKUP_DIR, or the latest', () => {
    const root = path.dirname(backup.dir);
    assert.equal(resolveBackupDir('latest', root), backup.dir);
    assert.equal(resolveBackupDir(backup.name, root), backup.dir);
    assert.equal(resolveBackupDir(backup.dir, '/nonexistent'), backup.dir);
    assert.throws(() => resolveBackupDir('20000101T000000Z', root), RestoreRefused);
    assert.throws(() => resolveBackupDir('latest', path.join(tmp, 'no-backups-here')), RestoreRefused);
  });
});
