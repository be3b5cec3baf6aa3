// Zips built here byte by byte, honest and malicious: the extractor writes the honest ones inside its folder and
// refuses the others with a clear code before anything lands outside it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { openUpload } from './open-upload.ts';
import { safeUnzip } from './safe-unzip.ts';
import { ImportFileError } from './source.ts';
import { scratchDir } from './testing/files.ts';
import { buildZip, symlinkAttributes } from './testing/zip-writer.ts';
import type { ZipEntrySpec } from './testing/zip-writer.ts';

const scratch = scratchDir('unzip');
after(() => scratch.remove());

let seq = 0;
function zipFile(entries: ZipEntrySpec[]): { zip: string; dest: string } {
  const n = seq++;
  return { zip: scratch.write(`z${n}.zip`, buildZip(entries)), dest: path.join(scratch.dir, `out${n}`, 'inner') };
}

async function refuses(promise: Promise<unknown>, code: string, message?: RegExp): Promise<ImportFileError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ImportFileError, `expected ImportFileError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (message) assert.match(err.message, message);
  return err;
}

const listFiles = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort() : [];

test('an honest zip is extracted inside the target folder, folders kept, macOS resource forks skipped', async () => {
  const { zip, dest } = zipFile([
    { name: 'a/roads.shp', data: Buffer.from('shp') },
    { name: 'a/', data: Buffer.alloc(0) },
    { name: 'b\\nested\\x.dbf', data: Buffer.from('dbf'), method: 'store' },
    { name: '__MACOSX/a/._roads.shp', data: Buffer.from('fork') },
    { name: 'a/._roads.shp', data: Buffer.from('fork') },
    { name: 'readme.txt', data: Buffer.from('hello') },
  ]);
  const r = await safeUnzip(zip, dest, { include: (n) => !n.endsWith('.txt') });
  assert.deepEqual(r.names, ['a/roads.shp', 'b/nested/x.dbf', 'readme.txt']);
  assert.deepEqual(r.files.map((f) => [f.name, f.size]), [['a/roads.shp', 3], ['b/nested/x.dbf', 3]]);
  assert.deepEqual(listFiles(dest), ['a/roads.shp', 'b/nested/x.dbf']);
  assert.equal(fs.readFileSync(path.join(dest, 'a/roads.shp'), 'utf8'), 'shp');
});

test('entries that climb out of the folder are refused and nothing is written outside', async () => {
  for (const name of ['../evil.txt', 'a/../../evil.txt', '..\\evil.txt', 'ok/..\\..\\evil.txt']) {
    const { zip, dest } = zipFile([{ name: 'fine.txt', data: Buffer.from('x') }, { name, data: Buffer.from('evil') }]);
    await refuses(safeUnzip(zip, dest), 'unsafe_archive', /climbs out of its folder/);
    assert.deepEqual(listFiles(path.dirname(dest)).filter((f) => f.includes('evil')), []);
  }
});

test('absolute paths and drive letters are refused', async () => {
  for (const name of ['/tmp/evil.txt', 'C:\\evil.txt', 'c:/evil.txt', '\\\\server\\share\\evil.txt']) {
    const { zip, dest } = zipFile([{ name, data: Buffer.from('evil') }]);
    await refuses(safeUnzip(zip, dest), 'unsafe_archive', /absolute path/);
  }
  assert.equal(fs.existsSync('/tmp/evil.txt'), false);
});

test('symbolic links are refused (Unix mode in the external attributes)', async () => {
  const { zip, dest } = zipFile([{ name: 'link.shp', data: Buffer.from('/etc/passwd'), externalAttributes: symlinkAttributes, method: 'store' }]);
  await refuses(safeUnzip(zip, dest), 'unsafe_archive', /symbolic link/);
  assert.deepEqual(listFiles(dest), []);
});

test('encrypted entries are refused', async () => {
  const { zip, dest } = zipFile([{ name: 'secret.dbf', data: Buffer.from('xxxxxxxx'), encrypted: true }]);
  await refuses(safeUnzip(zip, dest), 'encrypted_archive', /password/);
});

test('a zip bomb is refused on its declared ratio before inflating', async () => {
  const { zip, dest } = zipFile([{ name: 'zeros.shp', data: Buffer.alloc(20 * 2 ** 20) }]);
  assert.ok(fs.statSync(zip).size < 100_000, 'the bomb is small');
  await refuses(safeUnzip(zip, dest), 'zip_bomb', /zip bomb/);
  assert.deepEqual(listFiles(dest), []);
});

test('declared sizes are not trusted: an entry that inflates past what it declares is stopped and removed', async () => {
  const { zip, dest } = zipFile([{ name: 'liar.dbf', data: Buffer.alloc(30 * 2 ** 20, 7), declaredSize: 1000 }]);
  await refuses(safeUnzip(zip, dest), 'zip_bomb', /more than the 1,000 bytes it declares/);
  assert.deepEqual(listFiles(dest), []);
});

test('the total uncompressed size is capped (configurable; 2 GiB by default)', async () => {
  const part = Buffer.alloc(600_000, 1);
  const { zip, dest } = zipFile([{ name: 'a.shp', data: part }, { name: 'b.shp', data: part }]);
  await refuses(safeUnzip(zip, dest, { limits: { maxTotalBytes: 1_000_000 } }), 'archive_too_large');
  assert.equal((await safeUnzip(zip, `${dest}-2`)).files.length, 2);
});

test('the ratio cap is configurable and spares small files that compress well', async () => {
  const { zip, dest } = zipFile([{ name: 'small.dbf', data: Buffer.alloc(2 * 2 ** 20, 0x20) }]);
  assert.equal((await safeUnzip(zip, dest)).files.length, 1);
  await refuses(safeUnzip(zip, `${dest}-2`, { limits: { ratioMinBytes: 1 * 2 ** 20 } }), 'zip_bomb');
});

test('more than 10 000 entries are refused before any is read', async () => {
  const entries = Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}.txt`, method: 'store' as const }));
  const { zip, dest } = zipFile(entries);
  await refuses(safeUnzip(zip, dest), 'too_many_entries', /10,001 entries; at most 10,000/);
  assert.deepEqual(listFiles(dest), []);
});

test('an entry listed twice is refused', async () => {
  const { zip, dest } = zipFile([{ name: 'a.shp', data: Buffer.from('1') }, { name: 'a.shp', data: Buffer.from('2') }]);
  await refuses(safeUnzip(zip, dest), 'unsafe_archive', /twice/);
});

test('a file that is not a zip is refused as such', async () => {
  const p = scratch.write('not-a-zip.zip', Buffer.from('PK\u0003\u0004 this is not really a zip at all'));
  await refuses(safeUnzip(p, path.join(scratch.dir, 'nz')), 'not_a_zip');
});

test('an empty zip and a zip of other files are refused by openUpload with their own codes', async () => {
  const empty = scratch.write('empty.zip', buildZip([]));
  await refuses(openUpload(empty, { workDir: path.join(scratch.dir, 'w1'), originalName: 'empty.zip' }), 'empty_archive', /empty/);
  const onlyDirs = scratch.write('dirs.zip', buildZip([{ name: 'folder/' }]));
  await refuses(openUpload(onlyDirs, { workDir: path.join(scratch.dir, 'w2'), originalName: 'dirs.zip' }), 'empty_archive');
  const other = scratch.write('other.zip', buildZip([{ name: 'report.pdf', data: Buffer.from('%PDF') }, { name: 'map.png', data: Buffer.from('png') }]));
  await refuses(openUpload(other, { workDir: path.join(scratch.dir, 'w3'), originalName: 'other.zip' }), 'no_dataset', /no Shapefile.*report\.pdf, map\.png/);
});
