// A Shapefile (.shp + .shx + .dbf, with .prj and .cpg when present) as a SourceDataset. Opening checks the
// structure of all three files against each other (sizes, record counts, the .shx index against the .shp layout),
// samples the DBF text for its encoding and reads the CRS; features() then streams the three files side by side,
// turning each record into WKB and typed properties. Stricter than GDAL on purpose: a file that disagrees with
// itself is refused with a message naming the file and the record, rather than imported with rows missing.
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { guessCrs } from './crs.ts';
import type { Bbox } from './crs.ts';
import { DELETED_PROBLEM, dbfSchema, readDbfHeader, readProperties, sampleDbfText } from './dbf.ts';
import type { DbfHeader, DbfSchema } from './dbf.ts';
import { guessEncoding, textDecoder } from './encoding.ts';
import { SequentialReader } from './sequential-reader.ts';
import { SHAPE_TYPE_NAMES, shapeKind, shapeToWkb } from './shp-geometry.ts';
import type { EncodingGuess, FeatureReadOptions, FileProblem, SourceDataset, SourceFeature } from './source.ts';
import { ImportFileError } from './source.ts';

export interface ShapefileFiles {
  shp: string;
  shx?: string;
  dbf?: string;
  prj?: string;
  cpg?: string;
}

export interface OpenShapefileOptions {
  /** Dataset name for messages and the preview, e.g. "giao_thong/duong". */
  name: string;
  /** Refuse a Shapefile without .shx (default true). Tools and tests may read the .shp alone. */
  requireShx?: boolean;
  /** Refuse a Shapefile without .dbf (default true). */
  requireDbf?: boolean;
}

const HEADER = 100;
const FILE_CODE = 9994;
const MAX_SIDE_FILE = 64 << 10;

interface ShpHeader {
  fileLength: number;
  shapeType: number;
  bbox: Bbox;
}

async function readShpHeader(fh: FileHandle, size: number, file: string, what: '.shp' | '.shx'): Promise<ShpHeader> {
  if (size < HEADER) {
    throw new ImportFileError(what === '.shp' ? 'shp_truncated' : 'shx_truncated', `${file} has only ${size} bytes: a ${what} file starts with a 100-byte header.`);
  }
  const h = Buffer.alloc(HEADER);
  await fh.read(h, 0, HEADER, 0);
  if (h.readInt32BE(0) !== FILE_CODE || h.readInt32LE(28) !== 1000) {
    throw new ImportFileError('not_a_shapefile', `${file} is not a Shapefile ${what} file (its header lacks the Shapefile signature).`);
  }
  const fileLength = h.readInt32BE(24) * 2;
  if (fileLength !== size) {
    const truncated = fileLength > size;
    throw new ImportFileError(
      truncated ? (what === '.shp' ? 'shp_truncated' : 'shx_truncated') : (what === '.shp' ? 'shp_length_mismatch' : 'shx_length_mismatch'),
      truncated
        ? `${file} is cut short or damaged: its header says it is ${fileLength.toLocaleString('en-US')} bytes long, but the file has ${size.toLocaleString('en-US')} bytes.`
        : `${file} has ${(size - fileLength).toLocaleString('en-US')} bytes after the end its header declares (${fileLength.toLocaleString('en-US')} bytes): the file is damaged.`,
      { declared: fileLength, actual: size },
    );
  }
  return {
    fileLength,
    shapeType: h.readInt32LE(32),
    bbox: [h.readDoubleLE(36), h.readDoubleLE(44), h.readDoubleLE(52), h.readDoubleLE(60)],
  };
}

/** Checks that the .shx indexes the .shp record by record, back to back; returns the record count. */
async function checkIndex(shx: FileHandle, shxSize: number, shpSize: number, shxName: string, shpName: string): Promise<number> {
  if ((shxSize - HEADER) % 8 !== 0) {
    throw new ImportFileError('shx_mismatch', `${shxName} is damaged: its index entries are 8 bytes each, but ${shxSize - HEADER} bytes follow its header.`);
  }
  const count = (shxSize - HEADER) / 8;
  const r = new SequentialReader(shx, HEADER, shxSize);
  let expected = HEADER;
  for (let i = 0; i < count; i++) {
    if (r.buffered() < 8) await r.fill(8);
    const offset = r.buf.readInt32BE(r.pos) * 2;
    const length = r.buf.readInt32BE(r.pos + 4) * 2;
    r.skip(8);
    if (offset !== expected || length < 0) {
      throw new ImportFileError('shx_mismatch',
        `${shxName} does not match ${shpName}: it puts record ${i + 1} at byte ${offset.toLocaleString('en-US')}, but the previous records end at byte ${expected.toLocaleString('en-US')}.`,
        { record: i + 1 });
    }
    expected = offset + 8 + length;
    if (expected > shpSize) {
      throw new ImportFileError('shp_truncated',
        `Record ${i + 1} runs past the end of ${shpName} (it would end at byte ${expected.toLocaleString('en-US')} of ${shpSize.toLocaleString('en-US')}): the .shp is cut short, or ${shxName} belongs to another file.`,
        { record: i + 1 });
    }
  }
  if (expected !== shpSize) {
    throw new ImportFileError('shx_mismatch',
      `${shxName} indexes ${count} records ending at byte ${expected.toLocaleString('en-US')}, but ${shpName} has ${shpSize.toLocaleString('en-US')} bytes: the index and the shapes do not belong together.`);
  }
  return count;
}

/** Without a .shx: walks the record headers to count records and catch one that runs past the end. */
async function countRecords(shp: FileHandle, shpSize: number, shpName: string): Promise<number> {
  const r = new SequentialReader(shp, HEADER, shpSize);
  let n = 0;
  while (r.remaining > 0) {
    if (!(await r.fill(8))) {
      throw new ImportFileError('shp_truncated', `${shpName} ends in the middle of the header of record ${n + 1}.`, { record: n + 1 });
    }
    const length = r.buf.readInt32BE(r.pos + 4) * 2;
    r.skip(8);
    if (length < 0 || length > r.remaining) {
      throw new ImportFileError('record_overrun',
        `Record ${n + 1} of ${shpName} says it is ${length.toLocaleString('en-US')} bytes long, but only ${r.remaining.toLocaleString('en-US')} bytes are left in the file.`,
        { record: n + 1 });
    }
    if (!(await r.fill(length))) throw new ImportFileError('shp_truncated', `${shpName} ends inside record ${n + 1}.`);
    r.skip(length);
    n++;
  }
  return n;
}

async function exists(p: string | undefined): Promise<boolean> {
  if (!p) return false;
  return fs.stat(p).then((s) => s.isFile(), () => false);
}

async function readSmallText(p: string | undefined): Promise<string | undefined> {
  if (!p || !(await exists(p))) return undefined;
  const fh = await fs.open(p, 'r');
  try {
    const b = Buffer.alloc(Math.min((await fh.stat()).size, MAX_SIDE_FILE));
    await fh.read(b, 0, b.length, 0);
    return b.toString('utf8');
  } finally {
    await fh.close();
  }
}

export async function openShapefile(files: ShapefileFiles, opts: OpenShapefileOptions): Promise<SourceDataset> {
  const shpName = path.basename(files.shp);
  const base = shpName.replace(/\.shp$/i, '');
  const hasShx = await exists(files.shx);
  const hasDbf = await exists(files.dbf);
  if (!hasShx && opts.requireShx !== false) {
    throw new ImportFileError('missing_shx', `The Shapefile ${opts.name} has no ${base}.shx (its index file). Put ${base}.shx next to ${shpName} in the zip.`, { dataset: opts.name, missing: `${base}.shx` });
  }
  if (!hasDbf && opts.requireDbf !== false) {
    throw new ImportFileError('missing_dbf', `The Shapefile ${opts.name} has no ${base}.dbf (its attribute table). Put ${base}.dbf next to ${shpName} in the zip.`, { dataset: opts.name, missing: `${base}.dbf` });
  }

  const shp = await fs.open(files.shp, 'r');
  let header: ShpHeader;
  let count: number;
  let dbf: { header: DbfHeader; schema: DbfSchema; encoding: EncodingGuess } | null = null;
  const problems: FileProblem[] = [];
  const cpgText = await readSmallText(files.cpg);
  const prjText = await readSmallText(files.prj);
  try {
    const shpSize = (await shp.stat()).size;
    header = await readShpHeader(shp, shpSize, shpName, '.shp');
    const kind = shapeKind(header.shapeType);
    if (header.shapeType === 31) {
      throw new ImportFileError('unsupported_shape_type', `${shpName} holds MultiPatch shapes (3D surfaces), which a map layer cannot hold.`);
    }
    if (kind === null) {
      throw new ImportFileError('unknown_shape_type', `${shpName} declares shape type ${header.shapeType}, which is not a Shapefile shape type.`, { shapeType: header.shapeType });
    }
    if (hasShx) {
      const shxPath = files.shx as string;
      const shx = await fs.open(shxPath, 'r');
      try {
        const shxSize = (await shx.stat()).size;
        const shxName = path.basename(shxPath);
        const shxHeader = await readShpHeader(shx, shxSize, shxName, '.shx');
        if (shxHeader.shapeType !== header.shapeType) {
          throw new ImportFileError('shx_mismatch', `${shxName} is for ${SHAPE_TYPE_NAMES[shxHeader.shapeType] ?? shxHeader.shapeType} shapes but ${shpName} holds ${SHAPE_TYPE_NAMES[header.shapeType]} shapes.`);
        }
        count = await checkIndex(shx, shxSize, shpSize, shxName, shpName);
      } finally {
        await shx.close();
      }
    } else {
      count = await countRecords(shp, shpSize, shpName);
      problems.push({ code: 'no_shx', message: `${base}.shx is missing; the records were found by walking ${shpName}.` });
    }
    if (hasDbf) {
      const dbfPath = files.dbf as string;
      const dbfName = path.basename(dbfPath);
      const dfh = await fs.open(dbfPath, 'r');
      try {
        const dbfHeader = await readDbfHeader(dfh, (await dfh.stat()).size, dbfName);
        if (dbfHeader.recordCount !== count) {
          throw new ImportFileError('dbf_record_count_mismatch',
            `${dbfName} has ${dbfHeader.recordCount} records but ${shpName} has ${count} shapes: every shape needs exactly one row of attributes.`,
            { dbf: dbfHeader.recordCount, shp: count });
        }
        const sample = await sampleDbfText(dfh, dbfHeader);
        const encoding = guessEncoding(sample.samples, { cpg: cpgText });
        const schema = dbfSchema(dbfHeader, textDecoder(encoding.encoding), dbfName);
        problems.push(...schema.problems);
        dbf = { header: dbfHeader, schema, encoding };
      } finally {
        await dfh.close();
      }
    } else {
      problems.push({ code: 'no_dbf', message: `${base}.dbf is missing; the features have no attributes.` });
    }
  } finally {
    await shp.close();
  }

  const fileBbox = count > 0 && header.bbox.every(Number.isFinite) ? header.bbox : null;
  const crs = guessCrs({ prjText, bbox: fileBbox });
  const bbox: Bbox | null = fileBbox && crs.swapXY ? [fileBbox[1], fileBbox[0], fileBbox[3], fileBbox[2]] : fileBbox;
  const kind = shapeKind(header.shapeType);
  const fileType = header.shapeType;
  const recordCount = count;
  const dbfInfo = dbf;

  async function* features(readOpts: FeatureReadOptions = {}): AsyncGenerator<SourceFeature> {
    const swap = readOpts.swapXY ?? crs.swapXY;
    const readers = dbfInfo ? dbfInfo.schema.readers : [];
    const decode = textDecoder(readOpts.encoding ?? dbfInfo?.encoding.encoding ?? 'utf8');
    const shpFh = await fs.open(files.shp, 'r');
    const shxFh = hasShx ? await fs.open(files.shx as string, 'r') : null;
    const dbfFh = dbfInfo ? await fs.open(files.dbf as string, 'r') : null;
    try {
      const shpR = new SequentialReader(shpFh, HEADER, header.fileLength, 4 << 20);
      const shxR = shxFh ? new SequentialReader(shxFh, HEADER, HEADER + recordCount * 8) : null;
      const recLen = dbfInfo?.header.recordLength ?? 0;
      const dbfR = dbfFh && dbfInfo
        ? new SequentialReader(dbfFh, dbfInfo.header.headerLength, dbfInfo.header.headerLength + recordCount * recLen, 4 << 20)
        : null;
      for (let i = 0; i < recordCount; i++) {
        if (shpR.buffered() < 8 && !(await shpR.fill(8))) {
          throw new ImportFileError('shp_truncated', `${shpName} ends before record ${i + 1}.`, { record: i + 1 });
        }
        const length = shpR.buf.readInt32BE(shpR.pos + 4) * 2;
        if (shxR) {
          if (shxR.buffered() < 8) await shxR.fill(8);
          const indexed = shxR.buf.readInt32BE(shxR.pos + 4) * 2;
          shxR.skip(8);
          if (indexed !== length) {
            throw new ImportFileError('shx_mismatch',
              `Record ${i + 1} of ${shpName} is ${length} bytes long but ${base}.shx says ${indexed}: the index and the shapes do not belong together.`,
              { record: i + 1 });
          }
        }
        shpR.skip(8);
        if (length < 0 || length > shpR.remaining) {
          throw new ImportFileError('record_overrun',
            `Record ${i + 1} of ${shpName} says it is ${length.toLocaleString('en-US')} bytes long, but only ${shpR.remaining.toLocaleString('en-US')} bytes are left in the file.`,
            { record: i + 1 });
        }
        if (shpR.buffered() < length) await shpR.fill(length);
        const problems: FileProblem[] = [];
        const wkb = shapeToWkb(shpR.buf, shpR.pos, length, fileType, swap, problems);
        shpR.skip(length);
        let properties: SourceFeature['properties'] = {};
        if (dbfR) {
          if (dbfR.buffered() < recLen) await dbfR.fill(recLen);
          if (dbfR.buf[dbfR.pos] === 0x2a) problems.push({ ...DELETED_PROBLEM });
          properties = readProperties(readers, dbfR.buf, dbfR.pos, problems, decode);
          dbfR.skip(recLen);
        }
        yield { index: i, wkb, properties, problems };
      }
    } finally {
      await shpFh.close();
      await shxFh?.close();
      await dbfFh?.close();
    }
  }

  return {
    name: opts.name,
    kind: 'shapefile',
    shapeType: SHAPE_TYPE_NAMES[header.shapeType] as string,
    geometryFamily: kind === 'point' || kind === 'multipoint' ? 'point' : kind === 'polyline' ? 'line' : kind === 'polygon' ? 'polygon' : null,
    fields: dbf?.schema.fields ?? [],
    featureCount: count,
    bbox,
    encoding: dbf?.encoding ?? null,
    crs,
    problems,
    features,
  };
}
