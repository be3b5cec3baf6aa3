// Abandoned imports expire: the pg-boss cron job (schedule and age from the configuration) drops the staging
// tables of previews nobody committed in time and deletes their upload files, unless another live import refers to
// the same bytes; the rows stay as 'expired' and refuse further work; committed and young imports are untouched;
// the same bytes uploaded again are stored again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createLayer } from '../../server/catalog/create-layer.ts';
import { insertAccount } from '../../server/accounts.ts';
import { hashPassword } from '../../server/auth/credentials.ts';
import { queues } from '../../server/jobs/boss.ts';
import { api, login, type Session } from '../../server/testing/http.ts';
import { startImportServer, upload, waitForImport, type ImportTestServer } from './testing/import-server.ts';
import { storedPath } from './upload-store.ts';

const PASSWORD = 'Mật-khẩu-thử-2024';
const LAYER = 'van_hoa.diem_don_thu';
const CRON = '7 3 * * *';

let server: ImportTestServer;
let url: string;
let editor: Session;

const file = (name: string) => ({
  name: `${name}.geojson`,
  data: Buffer.from(JSON.stringify({
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [106.25, 22.67] }, properties: { TEN: name } }],
  })),
});

async function previewed(name: string): Promise<string> {
  const res = await upload(url, editor, file(name), { layer: LAYER, field_map: { TEN: 'ten' } });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const p = await waitForImport(url, editor, res.body.id, ['preview', 'failed']);
  assert.equal(p.status, 'preview', JSON.stringify(p.error));
  return res.body.id;
}

/** Makes an import look untouched for `hours`. */
async function age(id: string, hours: number): Promise<void> {
  await server.owner.query(`update imports.imports set updated_at = now() - make_interval(hours => $2) where id = $1`, [id, hours]);
}

async function state(id: string): Promise<{ status: string; staging: boolean; file: boolean; removed: boolean }> {
  const { rows } = await server.owner.query(
    `select i.status, f.storage_path, f.removed_at is not null as removed,
            to_regclass(imports.staging_name(i.id, 'r')) is not null or to_regclass(imports.staging_name(i.id, 'c')) is not null as staging
     from imports.imports i join imports.files f on f.sha256 = i.file_sha256 where i.id = $1`, [id]);
  const r = rows[0]!;
  return { status: r.status, staging: r.staging, file: fs.existsSync(storedPath(server.dataDir, r.storage_path)), removed: r.removed };
}

/** Runs the clean-up job through the queue, as the schedule does, and waits for it to finish. */
async function runCleanupJob(): Promise<void> {
  const boss = server.app.jobs!;
  const jobId = await boss.send(queues.importCleanup, {});
  assert.ok(jobId);
  for (const until = Date.now() + 60_000; Date.now() < until;) {
    const job = await boss.getJobById(queues.importCleanup, jobId!);
    if (job?.state === 'completed') return;
    assert.notEqual(job?.state, 'failed', JSON.stringify(job?.output));
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('the clean-up job did not finish');
}

before(async () => {
  server = await startImportServer({ env: { IMPORT_PREVIEW_MAX_AGE_HOURS: '24', IMPORT_CLEANUP_CRON: CRON } });
  url = server.url;
  await createLayer(server.owner, {
    id: LAYER, ownerAgencyCode: 'so_vhttdl', titleVi: 'Điểm thử', titleEn: 'Test sites', geometryFamily: 'point', source: 'Sở VHTTDL',
    attributes: [{ name: 'ten', type: 'text', label_vi: 'Tên', label_en: 'Name' }],
  });
  await insertAccount(server.owner, { username: 'editor.vh', role: 'editor', agencyCode: 'so_vhttdl', passwordHash: await hashPassword(PASSWORD) });
  editor = await login(url, 'editor.vh', PASSWORD);
});

after(async () => {
  await server?.close();
});

describe('the clean-up of abandoned imports', () => {
  test('runs on the configured schedule', async () => {
    const schedules = await server.app.jobs!.getSchedules();
    const s = schedules.find((x) => x.name === queues.importCleanup);
    assert.ok(s, JSON.stringify(schedules));
    assert.equal(s.cron, CRON);
    assert.equal(s.options?.tz, 'Asia/Ho_Chi_Minh');
  });

  test('expires old previews and failed runs, keeps young and committed imports, and files still in use', async () => {
    const old = await previewed('Pác Bó');
    const sharing = await previewed('Cao Bằng'); // the same bytes as `young`
    const young = await previewed('Cao Bằng');
    const committedId = await previewed('Đông Khê');
    const c = await api(url, 'POST', `/api/imports/${committedId}/commit`, { session: editor, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    assert.equal((await waitForImport(url, editor, committedId, ['committed', 'preview'])).status, 'committed');
    const failed = await upload(url, editor, { name: 'hong.geojson', data: Buffer.from('{"type":"Feature","geometry":') }, { layer: LAYER });
    assert.equal((await waitForImport(url, editor, failed.body.id, ['preview', 'failed'])).status, 'failed');
    for (const id of [old, sharing, committedId, failed.body.id]) await age(id, 30);
    await age(young, 23);

    await runCleanupJob();

    assert.deepEqual(await state(old), { status: 'expired', staging: false, file: false, removed: true });
    assert.deepEqual(await state(failed.body.id), { status: 'expired', staging: false, file: false, removed: true });
    assert.deepEqual(await state(sharing), { status: 'expired', staging: false, file: true, removed: false }, 'a young import needs the same bytes');
    assert.deepEqual(await state(young), { status: 'preview', staging: true, file: true, removed: false });
    assert.deepEqual(await state(committedId), { status: 'committed', staging: false, file: true, removed: false });
    assert.equal((await server.owner.query(`select count(*)::int as n from ${LAYER}`)).rows[0].n, 1, 'the layer is untouched');

    const shown = await api(url, 'GET', `/api/imports/${old}`, { session: editor });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.status, 'expired');
    assert.equal(shown.body.error.code, 'expired');
    assert.match(shown.body.error.message, /Nobody committed this import for 24:00:00/);

    // Later the young one is abandoned too: now the bytes go.
    await age(young, 25);
    await runCleanupJob();
    assert.deepEqual(await state(young), { status: 'expired', staging: false, file: false, removed: true });
  });

  test('an expired import refuses a commit and a new preview', async () => {
    const id = await previewed('Bảo Lạc');
    await age(id, 48);
    await runCleanupJob();
    for (const action of ['commit', 'preview']) {
      const res = await api(url, 'POST', `/api/imports/${id}/${action}`, { session: editor, body: {} });
      assert.equal(res.status, 409, action);
      assert.equal(res.body.code, 'import_expired');
      assert.match(res.body.message, /Upload the file again/);
    }
    assert.equal((await state(id)).status, 'expired');
  });

  test('the same bytes uploaded again after their file was removed are stored again and import', async () => {
    const id = await previewed('Pác Bó');
    assert.deepEqual(await state(id), { status: 'preview', staging: true, file: true, removed: false });
    const c = await api(url, 'POST', `/api/imports/${id}/commit`, { session: editor, body: {} });
    assert.equal(c.status, 202, JSON.stringify(c.body));
    assert.equal((await waitForImport(url, editor, id, ['committed', 'preview'])).status, 'committed');
  });

  test('the database expires nothing younger than an hour, whoever asks', async () => {
    const app = new pg.Client({ connectionString: server.database.appUrl });
    await app.connect();
    try {
      await assert.rejects(app.query("select imports.expire_abandoned(interval '10 minutes')"), /expire after an hour at the earliest/);
    } finally {
      await app.end();
    }
  });
});
