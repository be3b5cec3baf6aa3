// GET /api/layers/:layerId/download?format=geojson|csv|shp|gpkg — a whole layer, or the part a bbox, attribute
// values (name=value) or a CQL2 filter select, as a ZIP with the data and a README.txt stating source, owner,
// licence and last update (package=none gives the bare GeoJSON, CSV or GeoPackage). The caller's rights apply as
// everywhere: a layer it may not see is a 404. Large downloads stream; memory stays flat.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findLayer, type Layer } from '../catalog/catalog.ts';
import { badRequest, layerNotFound } from '../errors.ts';
import { checkCondition } from '../features/condition.ts';
import { CRS84, crsFromSrsName, SUPPORTED_CRS, type CrsDefinition } from '../features/crs.ts';
import { digest, etagMatches, weakEtag } from '../features/http-caching.ts';
import { parseAttributeFilter, parseBbox, parsePropertyList, type AttributeFilter, type FeatureQuery } from '../features/query.ts';
import { responseCommitted, sendStream } from '../features/stream-reply.ts';
import { baseUrl } from '../http-urls.ts';
import { parseCql2Text } from '../ogc/cql2/text-parser.ts';
import { csvChunks, fileBase, formats, geojsonChunks, writeGeoPackage, writeShapefile, type ExportFormat, type ExportJob, type SpooledFiles } from './formats.ts';
import { readmeText } from './readme.ts';
import { zipStream, type ZipEntry } from './zip.ts';

const fixedParameters = ['format', 'package', 'bbox', 'properties', 'filter', 'crs', 'geometry'];

const formatTitles: Record<ExportFormat, string> = {
  geojson: 'GeoJSON (RFC 7946)',
  csv: 'CSV, UTF-8 with BOM',
  shp: 'ESRI Shapefile',
  gpkg: 'OGC GeoPackage 1.3',
};

const bareTypes: Record<Exclude<ExportFormat, 'shp'>, { type: string; ext: string }> = {
  geojson: { type: 'application/geo+json', ext: 'geojson' },
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  gpkg: { type: 'application/geopackage+sqlite3', ext: 'gpkg' },
};

interface DownloadRequest {
  format: ExportFormat;
  zip: boolean;
  job: ExportJob;
  selection: string | null;
  canonical: [string, string][];
}

/** An export CRS: x/y order always (files have no axis-order metadata), by EPSG code or URI. */
function exportCrs(text: string | undefined): CrsDefinition {
  if (text === undefined) return CRS84;
  const t = text.trim();
  const crs = /^\d+$/.test(t) ? crsFromSrsName(`EPSG:${t}`) : crsFromSrsName(t);
  if (!crs) throw badRequest('invalid_crs', `crs is one of ${SUPPORTED_CRS.filter((c) => !c.latLon).map((c) => `EPSG:${c.srid}`).join(', ')}; got '${t.slice(0, 60)}'.`);
  // Files are x/y: EPSG:4326 is written longitude first whatever spelling asked for it.
  return crs.srid === 4326 ? CRS84 : crs;
}

function parseDownload(layer: Layer, params: [string, string][]): DownloadRequest {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of params) grouped.set(k, [...(grouped.get(k) ?? []), v]);
  const attributes = layer.attributes.map((a) => a.name);
  const unknown = [...grouped.keys()].filter((k) => !fixedParameters.includes(k) && !attributes.includes(k));
  if (unknown.length > 0) {
    throw badRequest('unknown_parameter', `Unknown parameter '${unknown[0]!.slice(0, 40)}'. Allowed: ${fixedParameters.join(', ')} and the attributes of ${layer.id}: ${attributes.join(', ')}.`);
  }
  const one = (name: string) => {
    const v = grouped.get(name);
    if (v && v.length > 1) throw badRequest('invalid_parameter', `${name} may be given only once.`);
    return v?.[0];
  };
  const formatText = one('format');
  if (!formatText || !(formats as readonly string[]).includes(formatText)) {
    throw badRequest('invalid_format', `format is one of ${formats.join(', ')}${formatText ? `; got '${formatText.slice(0, 30)}'` : ''}.`);
  }
  const format = formatText as ExportFormat;
  const packaging = one('package') ?? 'zip';
  if (packaging !== 'zip' && packaging !== 'none') throw badRequest('invalid_package', 'package is zip (default) or none.');
  if (packaging === 'none' && format === 'shp') throw badRequest('invalid_package', 'A Shapefile is several files: it always comes as a ZIP.');
  const crs = exportCrs(one('crs'));
  if (format === 'geojson' && crs.srid !== 4326) throw badRequest('invalid_crs', 'GeoJSON is always WGS 84 longitude, latitude (RFC 7946); choose Shapefile, GeoPackage or CSV for another CRS.');
  const geometry = one('geometry') ?? 'wkt';
  if (geometry !== 'wkt' && geometry !== 'lonlat') throw badRequest('invalid_geometry_column', 'geometry (for CSV) is wkt or lonlat.');
  const bboxText = one('bbox');
  const filters: AttributeFilter[] = [];
  for (const a of layer.attributes) {
    const values = grouped.get(a.name);
    if (values && !fixedParameters.includes(a.name)) filters.push(parseAttributeFilter(a, values));
  }
  const filterText = one('filter');
  const condition = filterText === undefined ? null : checkCondition(layer, parseCql2Text(filterText, CRS84), { geometryNames: ['geometry'] });
  const propertiesText = one('properties');
  const query: FeatureQuery = {
    bbox: bboxText === undefined ? null : parseBbox(bboxText),
    filters,
    condition,
    properties: null,
    limit: null,
    cursor: null,
  };
  const selection = [
    bboxText ? `bbox=${bboxText}` : null,
    ...filters.map((f) => `${f.name} ∈ {${f.values.join(', ')}}`),
    filterText ? `filter: ${filterText}` : null,
  ].filter(Boolean).join('; ') || null;
  return {
    format,
    zip: packaging === 'zip',
    job: {
      layer,
      query,
      properties: propertiesText === undefined ? attributes : parsePropertyList(layer, propertiesText),
      crs,
      csvGeometry: geometry,
    },
    selection,
    canonical: [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

function disposition(name: string): string {
  return `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function exportRoutes(app: FastifyInstance): Promise<void> {
  const readme = (request: FastifyRequest, d: DownloadRequest, files: string[], count: number, spooled?: SpooledFiles): ZipEntry => ({
    name: 'README.txt',
    data: () => [Buffer.from(readmeText({
      layer: d.job.layer,
      format: formatTitles[d.format] + (d.format === 'csv' ? ` (${d.job.csvGeometry === 'wkt' ? 'WKT' : 'lon/lat'})` : ''),
      files,
      crsTitle: d.job.crs.title,
      srid: d.job.crs.srid,
      count,
      selection: d.selection,
      url: `${baseUrl(request)}${request.url}`,
      exportedAt: new Date(),
      ...(spooled?.fieldNames ? { fieldNames: spooled.fieldNames } : {}),
      notes: [
        ...(spooled?.notes ?? []),
        ...(d.format === 'csv' ? ['CSV: văn bản bắt đầu bằng = + - @ được thêm dấu \' để Excel không coi là công thức / text starting with = + - @ gets a leading \' so Excel does not run it as a formula.' +
          (d.job.csvGeometry === 'lonlat' && d.job.layer.geometryFamily !== 'point' ? ' lon/lat: một điểm nằm trên đối tượng / a point on the feature (ST_PointOnSurface).' : '')] : []),
      ],
    }), 'utf8')],
  });

  async function stream(request: FastifyRequest, reply: FastifyReply, source: AsyncIterable<Buffer>): Promise<void> {
    const failure = await sendStream(reply, Readable.from(source, { objectMode: false, highWaterMark: 256 * 1024 }));
    if (failure) throw failure;
  }

  app.get<{ Params: { layerId: string } }>('/api/layers/:layerId/download', async (request, reply) => {
    const i = request.url.indexOf('?');
    const params: [string, string][] = i < 0 ? [] : [...new URLSearchParams(request.url.slice(i + 1))];
    let spooledDir: string | null = null;
    try {
      let spooled: { d: DownloadRequest; files: SpooledFiles } | null = null;
      await app.db.withCaller(request.caller, async (client) => {
        const layer = await findLayer(client, request.params.layerId);
        if (!layer) throw layerNotFound(request.params.layerId);
        const d = parseDownload(layer, params);
        const etag = weakEtag(`download:${layer.id}:${layer.dataVersion}:${digest([d.canonical, layer.dataUpdatedAt])}`);
        reply
          .header('etag', etag)
          .header('last-modified', layer.dataUpdatedAt.toUTCString())
          .header('cache-control', layer.visibility === 'public' ? 'public, no-cache' : 'private, no-store');
        if (etagMatches(request.headers['if-none-match'], etag)) {
          reply.code(304).send();
          return;
        }
        const base = fileBase(layer);
        if (d.format === 'geojson' || d.format === 'csv') {
          const counter = { n: 0 };
          const chunks = d.format === 'geojson' ? geojsonChunks(client, d.job, counter) : csvChunks(client, d.job, counter);
          const name = `${base}.${bareTypes[d.format].ext}`;
          if (!d.zip) {
            reply.type(bareTypes[d.format].type).header('content-disposition', disposition(name));
            await stream(request, reply, chunks);
            return;
          }
          reply.type('application/zip').header('content-disposition', disposition(`${base}_${d.format}.zip`));
          // The README comes last: by the time the archive reaches it, the count of what was written is known.
          const readmeEntry: ZipEntry = { name: 'README.txt', data: () => readme(request, d, [name], counter.n).data() };
          await stream(request, reply, zipStream([{ name, data: () => chunks }, readmeEntry]));
          return;
        }
        // Shapefile and GeoPackage: written to a temporary directory while the connection is held, sent after.
        spooledDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cb-export-'));
        const files = d.format === 'shp' ? await writeShapefile(client, d.job, spooledDir) : await writeGeoPackage(client, d.job, spooledDir);
        spooled = { d, files };
      });
      if (spooled) {
        const { d, files } = spooled as { d: DownloadRequest; files: SpooledFiles };
        const names = files.entries.map((e) => e.name);
        if (!d.zip) {
          reply.type(bareTypes.gpkg.type).header('content-disposition', disposition(names[0]!));
          await stream(request, reply, files.entries[0]!.data() as AsyncIterable<Buffer>);
        } else {
          reply.type('application/zip').header('content-disposition', disposition(`${fileBase(d.job.layer)}_${d.format}.zip`));
          await stream(request, reply, zipStream([...files.entries, readme(request, d, names, files.count, files)]));
        }
      }
    } catch (err) {
      if (!responseCommitted(reply)) throw err;
      request.log.error({ err }, 'download failed after it was sent');
    } finally {
      if (spooledDir) await fs.rm(spooledDir, { recursive: true, force: true });
    }
    return reply;
  });
}
