// The download formats. GeoJSON and CSV stream straight from the database cursor into the response (the connection
// stays checked out while the client reads); Shapefile and GeoPackage need counts and extents in their headers, so
// they are written to a temporary directory first and the connection is released before the archive is sent.
import fs from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Layer } from '../catalog/catalog.ts';
import type { CrsDefinition } from '../features/crs.ts';
import { layerProvenance } from '../features/provenance.ts';
import { crsWkt, exportRows, exportStats, openFeaturePage } from '../features/provider.ts';
import type { FeatureQuery } from '../features/query.ts';
import { BOM, csvCell, csvLine } from './csv.ts';
import { DbfWriter, dbfField } from './dbf.ts';
import { shortFieldNames, type FieldName } from './field-names.ts';
import { GeoPackageWriter } from './geopackage.ts';
import { ShapeWriter } from './shapefile.ts';
import { SpoolFile } from './spool-file.ts';
import type { ZipEntry } from './zip.ts';

export const formats = ['geojson', 'csv', 'shp', 'gpkg'] as const;
export type ExportFormat = (typeof formats)[number];

export interface ExportJob {
  layer: Layer;
  query: FeatureQuery;
  /** Attributes to write, in order. */
  properties: string[];
  crs: CrsDefinition;
  csvGeometry: 'wkt' | 'lonlat';
}

export const fileBase = (layer: Pick<Layer, 'id'>) => layer.id.replace('.', '_');

/** A layer's features as one GeoJSON FeatureCollection, in chunks. */
export async function* geojsonChunks(client: pg.ClientBase, job: ExportJob, counter = { n: 0 }): AsyncGenerator<Buffer> {
  const page = openFeaturePage(client, job.layer, { ...job.query, properties: job.properties, limit: null, cursor: null });
  try {
    const head = { type: 'FeatureCollection', name: job.layer.id, provenance: layerProvenance(job.layer) };
    yield Buffer.from(`${JSON.stringify(head).slice(0, -1)},"features":[\n`);
    let first = true;
    for (let batch = await page.nextBatch(); batch; batch = await page.nextBatch()) {
      yield Buffer.from(`${first ? '' : ',\n'}${batch.join(',\n')}`);
      counter.n += batch.length;
      first = false;
    }
    yield Buffer.from('\n]}\n');
  } finally {
    await page.close();
  }
}

/** The features as CSV rows: fid, the attributes, then WKT or lon/lat (x/y in a projected CRS). */
export async function* csvChunks(client: pg.ClientBase, job: ExportJob, counter = { n: 0 }): AsyncGenerator<Buffer> {
  const { layer, properties, crs } = job;
  const textual = properties.map((p) => layer.attributes.find((a) => a.name === p)?.type === 'text');
  const geometryColumns = job.csvGeometry === 'wkt' ? ['WKT'] : crs.geographic ? ['lon', 'lat'] : ['x', 'y'];
  yield Buffer.from(BOM + csvLine(['fid', ...properties, ...geometryColumns]));
  for await (const batch of exportRows(client, layer, job.query, properties, { geometry: job.csvGeometry, srid: crs.srid, decimals: crs.decimals })) {
    let text = '';
    for (const r of batch) {
      const cells = [String(r.fid), ...r.values.map((v, i) => csvCell(v, textual[i]!))];
      if (job.csvGeometry === 'wkt') cells.push(csvCell(r.geometry as string, false));
      else cells.push(r.x ?? '', r.y ?? '');
      text += csvLine(cells);
    }
    counter.n += batch.length;
    yield Buffer.from(text);
  }
}

export interface SpooledFiles {
  dir: string;
  entries: ZipEntry[];
  count: number;
  fieldNames?: FieldName[];
  notes: string[];
}

const fileEntry = (dir: string, name: string): ZipEntry => ({
  name,
  data: async function* () {
    const handle = await fs.open(path.join(dir, name), 'r');
    try {
      const buf = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) return;
        yield Buffer.from(buf.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  },
});

async function prjOf(client: pg.ClientBase, crs: CrsDefinition): Promise<string> {
  const wkt = await crsWkt(client, crs.srid);
  if (!wkt) throw new Error(`spatial_ref_sys has no SRID ${crs.srid}`);
  return wkt;
}

/** .shp .shx .dbf .prj .cpg and fields.csv in `dir`. */
export async function writeShapefile(client: pg.ClientBase, job: ExportJob, dir: string): Promise<SpooledFiles> {
  const { layer, properties, crs } = job;
  const base = fileBase(layer);
  const attrs = properties.map((p) => layer.attributes.find((a) => a.name === p)!);
  const measured = attrs.filter((a) => a.type === 'text' || a.type === 'integer').map((a) => a.name);
  const stats = await exportStats(client, layer, job.query, measured, crs.srid);
  const names = shortFieldNames(properties, ['fid']);
  const fields = [
    dbfField('fid', 'integer', stats.fidLength),
    ...attrs.map((a, i) => dbfField(names[i]!.field, a.type, stats.valueBytes[measured.indexOf(a.name)] ?? 0)),
  ];
  const files = { shp: `${base}.shp`, shx: `${base}.shx`, dbf: `${base}.dbf`, prj: `${base}.prj`, cpg: `${base}.cpg` };
  const shp = await SpoolFile.create(path.join(dir, files.shp));
  const shx = await SpoolFile.create(path.join(dir, files.shx));
  const dbfFile = await SpoolFile.create(path.join(dir, files.dbf));
  try {
    const shapes = new ShapeWriter(shp, shx, layer.geometryFamily);
    const dbf = new DbfWriter(dbfFile, fields);
    await shapes.start();
    await dbf.start();
    let count = 0;
    for await (const batch of exportRows(client, layer, job.query, properties, { geometry: 'wkb', srid: crs.srid, decimals: crs.decimals, clockwise: true })) {
      for (const r of batch) {
        await shapes.add(r.geometry as Buffer);
        await dbf.add([String(r.fid), ...r.values]);
        count++;
      }
    }
    await shapes.finish();
    await dbf.finish();
    await fs.writeFile(path.join(dir, files.prj), await prjOf(client, crs));
    await fs.writeFile(path.join(dir, files.cpg), 'UTF-8');
    const mapping = ['dbf_field,attribute,type,label_vi,label_en', 'FID,fid,integer,Mã đối tượng,Feature id',
      ...names.map((n, i) => [n.field.toUpperCase(), n.attribute, attrs[i]!.type, attrs[i]!.label_vi, attrs[i]!.label_en].map((v) => csvCell(v, true)).join(','))];
    await fs.writeFile(path.join(dir, 'fields.csv'), BOM + mapping.join('\r\n') + '\r\n');
    const notes = dbf.truncated > 0 ? [`${dbf.truncated} giá trị không vừa độ rộng trường DBF (văn bản bị cắt, số để trống) / values did not fit their DBF field (text cut, numbers left blank).`] : [];
    return {
      dir,
      count,
      fieldNames: [{ attribute: 'fid', field: 'fid' }, ...names],
      notes,
      entries: [...Object.values(files), 'fields.csv'].map((f) => fileEntry(dir, f)),
    };
  } finally {
    await shp.close();
    await shx.close();
    await dbfFile.close();
  }
}

export async function writeGeoPackage(client: pg.ClientBase, job: ExportJob, dir: string): Promise<SpooledFiles> {
  const { layer, properties, crs } = job;
  const name = `${fileBase(layer)}.gpkg`;
  const p = layerProvenance(layer);
  const writer = new GeoPackageWriter(path.join(dir, name), {
    table: fileBase(layer),
    identifier: layer.titleVi,
    description: `${layer.titleVi} / ${layer.titleEn}. ${p.owner.name_vi}. Nguồn: ${p.source}. Căn cứ: ${p.legal_basis}. Giấy phép: ${p.licence}. Cập nhật: ${p.data_updated_at}.`,
    family: layer.geometryFamily,
    srid: crs.srid,
    srsName: crs.title,
    srsWkt: await prjOf(client, crs),
    columns: properties.map((pn) => ({ name: pn, type: layer.attributes.find((a) => a.name === pn)!.type })),
  });
  let count = 0;
  try {
    for await (const batch of exportRows(client, layer, job.query, properties, { geometry: 'gpkg', srid: crs.srid, decimals: crs.decimals })) {
      writer.addBatch(batch.map((r) => ({ fid: r.fid, blob: r.geometry as Buffer, values: r.values })));
      count += batch.length;
    }
    writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return { dir, count, notes: [], entries: [fileEntry(dir, name)] };
}
