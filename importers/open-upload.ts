// An uploaded file → the datasets in it. A zip may hold one or many Shapefiles (in folders or not) and GeoJSON
// files; anything else in it is ignored. What the file is comes from its bytes, not its name.
import fs from 'node:fs/promises';
import path from 'node:path';
import { openGeoJson } from './geojson-reader.ts';
import { safeUnzip } from './safe-unzip.ts';
import type { UnzipLimits } from './safe-unzip.ts';
import { openShapefile } from './shapefile-reader.ts';
import type { ShapefileFiles } from './shapefile-reader.ts';
import type { SourceDataset } from './source.ts';
import { ImportFileError } from './source.ts';

export interface OpenUploadOptions {
  /** A folder this import owns: the zip is extracted under it, and the datasets read from it until it is removed. */
  workDir: string;
  /** The name the user uploaded the file as (for messages and the dataset name of a single GeoJSON file). */
  originalName: string;
  unzipLimits?: Partial<UnzipLimits>;
}

const SHAPEFILE_PARTS = ['shp', 'shx', 'dbf', 'prj', 'cpg'] as const;
const WANTED = /\.(shp|shx|dbf|prj|cpg|geojson|json)$/i;

async function sniff(filePath: string): Promise<'zip' | 'json' | 'shp' | 'unknown'> {
  const fh = await fs.open(filePath, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && [0x0304, 0x0506, 0x0708].includes(b.readUInt16BE(2))) return 'zip';
    if (b.length >= 4 && b.readInt32BE(0) === 9994) return 'shp';
    const text = b.toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (text.startsWith('{') || text.startsWith('[')) return 'json';
    return 'unknown';
  } finally {
    await fh.close();
  }
}

const withoutExt = (name: string) => name.replace(/\.[^./]*$/, '');

export async function openUpload(filePath: string, opts: OpenUploadOptions): Promise<SourceDataset[]> {
  const kind = await sniff(filePath);
  if (kind === 'json') {
    return [await openGeoJson(filePath, { name: withoutExt(path.basename(opts.originalName)) || 'geojson' })];
  }
  if (kind === 'shp') {
    throw new ImportFileError('shapefile_not_zipped', `${opts.originalName} is a lone .shp file. A Shapefile is several files: zip the .shp together with its .shx, .dbf, .prj (and .cpg) and upload the zip.`);
  }
  if (kind !== 'zip') {
    throw new ImportFileError('unsupported_file', `${opts.originalName} is neither a zip archive nor a GeoJSON file.`);
  }

  const unzipped = await safeUnzip(filePath, path.join(opts.workDir, 'unzipped'), {
    limits: opts.unzipLimits,
    include: (name) => WANTED.test(name),
  });
  if (unzipped.names.length === 0) throw new ImportFileError('empty_archive', `The zip ${opts.originalName} is empty.`);

  // Shapefile parts are matched by folder and base name, ignoring the case of the extension (ROADS.SHP + roads.dbf).
  const groups = new Map<string, Partial<Record<(typeof SHAPEFILE_PARTS)[number], string>> & { name: string }>();
  const geojson: { name: string; path: string; json: boolean }[] = [];
  for (const f of unzipped.files) {
    const ext = path.posix.extname(f.name).slice(1).toLowerCase();
    if (ext === 'geojson' || ext === 'json') {
      geojson.push({ name: withoutExt(f.name), path: f.path, json: ext === 'json' });
      continue;
    }
    const key = withoutExt(f.name).toLowerCase();
    const group = groups.get(key) ?? { name: withoutExt(f.name) };
    group[ext as (typeof SHAPEFILE_PARTS)[number]] = f.path;
    if (ext === 'shp') group.name = withoutExt(f.name);
    groups.set(key, group);
  }
  const shapefiles = [...groups.values()].filter((g) => g.shp);
  if (shapefiles.length === 0 && geojson.length === 0) {
    const listed = unzipped.names.slice(0, 8).join(', ') + (unzipped.names.length > 8 ? ', …' : '');
    throw new ImportFileError('no_dataset', `The zip ${opts.originalName} holds no Shapefile (.shp) and no GeoJSON file; it has: ${listed}.`);
  }

  const datasets: SourceDataset[] = [];
  for (const g of shapefiles.sort((a, b) => a.name.localeCompare(b.name))) {
    datasets.push(await openShapefile(g as ShapefileFiles, { name: g.name }));
  }
  for (const g of geojson.sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      datasets.push(await openGeoJson(g.path, { name: g.name }));
    } catch (err) {
      // A .json beside the data is often metadata, not a dataset: skip it unless it is GeoJSON.
      const notData = err instanceof ImportFileError && (err.code === 'not_json' || err.code === 'not_geojson');
      if (!(notData && g.json)) throw err;
    }
  }
  if (datasets.length === 0) {
    throw new ImportFileError('no_dataset', `The zip ${opts.originalName} holds no Shapefile (.shp) and no GeoJSON file; its .json files are not GeoJSON.`);
  }
  return datasets;
}
