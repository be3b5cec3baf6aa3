// One preview run of an import: open the stored upload, pick the dataset, stream it into staging, validate in
// SQL and write the report. Nothing here touches the layer: the layer changes only in commit.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import type { Attribute } from '../../server/catalog/attributes.ts';
import { findLayer, layerTable, type GeometryFamily } from '../../server/catalog/catalog.ts';
import type { Caller, Database } from '../../server/db/database.ts';
import { quoteIdent } from '../../server/features/feature-sql.ts';
import { mapFields, proposeAttributes, type FieldMapping } from './field-mapping.ts';
import {
  setFailed, setPreview, setProgress, setStage, type ImportReport, type ImportRow, type NewLayerSpec, type Progress,
} from './import-rows.ts';
import { ENCODING_CONFIDENCE_THRESHOLD } from '../encoding.ts';
import { ImportFileError, openUpload, type SourceDataset } from './reader.ts';
import { copyFeatures } from './staging.ts';
import { storedPath } from './upload-store.ts';
import {
  duplicateKeySql, featureSampleSql, problemCountsSql, problemSampleSql, validationSql, type ValidationPlan,
} from './validation-sql.ts';

const SAMPLE_FEATURES = 200;
const SAMPLE_PROBLEMS = 100;

/** The run was superseded by a newer preview request (or the import was committed meanwhile). */
export class SupersededRun extends Error {}

export interface RunContext {
  db: Database;
  dataDir: string;
  row: ImportRow;
  caller: Caller;
}

interface Target {
  id: string;
  exists: boolean;
  family: GeometryFamily | null;
  attributes: Attribute[];
  featureCount: number;
  newLayer: NewLayerSpec | null;
}

function rate(done: number, startedAt: number): number {
  const s = (Date.now() - startedAt) / 1000;
  return s > 0 ? Math.round(done / s) : 0;
}

async function target(client: pg.ClientBase, row: ImportRow, dataset: SourceDataset): Promise<Target> {
  if (row.newLayer) {
    const spec = row.newLayer;
    return {
      id: row.layerId, exists: false,
      family: spec.geometry_family ?? dataset.geometryFamily,
      attributes: spec.attributes ?? proposeAttributes(dataset.fields),
      featureCount: 0,
      newLayer: spec,
    };
  }
  const layer = await findLayer(client, row.layerId);
  if (!layer) throw new ImportFileError('layer_not_found', `The layer ${row.layerId} does not exist (any more) or is not visible to you.`);
  return { id: layer.id, exists: true, family: layer.geometryFamily, attributes: layer.attributes, featureCount: layer.featureCount, newLayer: null };
}

function pickDataset(datasets: SourceDataset[], wanted: string | undefined): SourceDataset {
  if (datasets.length === 0) throw new ImportFileError('no_datasets', 'The upload contains no Shapefile or GeoJSON to import.');
  if (wanted === undefined) return datasets[0]!;
  const found = datasets.find((d) => d.name === wanted);
  if (!found) {
    throw new ImportFileError('unknown_dataset', `There is no dataset '${wanted.slice(0, 100)}' in the upload (there are: ${datasets.map((d) => d.name).join(', ')}).`);
  }
  return found;
}

/** Writes progress on its own connection, at most one write in flight, never holding up the COPY. */
function progressWriter(ctx: RunContext) {
  let inFlight: Promise<void> | null = null;
  let pending: Progress | null = null;
  const write = (p: Progress) => {
    pending = p;
    if (inFlight) return;
    const next = pending;
    pending = null;
    inFlight = ctx.db.withCaller(ctx.caller, (c) => setProgress(c, ctx.row.id, ctx.row.run, next), { write: true })
      .catch(() => {})
      .finally(() => {
        inFlight = null;
        if (pending) write(pending);
      });
  };
  return { write, settle: async () => { while (inFlight) await inFlight; } };
}

export async function runPreview(ctx: RunContext): Promise<void> {
  const { db, row, caller } = ctx;
  const asCaller = <T>(fn: (c: pg.PoolClient) => Promise<T>) => db.withCaller(caller, fn, { write: true });
  const stage = async (status: ImportRow['status'], progress: Progress) => {
    if (!(await asCaller((c) => setStage(c, row.id, row.run, status, progress)))) throw new SupersededRun();
  };
  const workDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `cb-import-${row.id.slice(0, 8)}-`));
  const openStart = Date.now();
  try {
    await stage('reading', { done: 0, total: 0, rate: 0, startedAt: new Date().toISOString() });
    const datasets = await openUpload(storedPath(ctx.dataDir, row.storagePath), { workDir, originalName: row.originalName });
    const dataset = pickDataset(datasets, row.choices.dataset);
    const t = await asCaller((c) => target(c, row, dataset));
    const encoding = row.choices.encoding ?? dataset.encoding?.encoding ?? null;
    const srid = row.choices.srid ?? dataset.crs.srid;
    const swapXY = row.choices.swap_xy ?? dataset.crs.swapXY;

    const total = dataset.featureCount;
    const readStart = Date.now();
    await stage('reading', { done: 0, total, rate: 0, startedAt: new Date(readStart).toISOString() });
    const progress = progressWriter(ctx);
    const rawTable = await asCaller(async (c) => {
      await stagingSettings(c);
      const { rows } = await c.query<{ name: string }>('select imports.reset_staging($1) as name', [row.id]);
      const name = rows[0]!.name;
      const features = dataset.features({ ...(encoding ? { encoding } : {}), swapXY });
      await copyFeatures(c, name, features, total, (p) => progress.write({ stage: 'reading', ...p, rate: rate(p.done, readStart), startedAt: new Date(readStart).toISOString() }));
      return name;
    });
    await progress.settle();

    const validateStart = Date.now();
    await stage('validating', { done: 0, total, rate: 0, startedAt: new Date(validateStart).toISOString() });
    const { mapping, errors: mapErrors } = mapFields(dataset.fields, t.attributes, row.choices.field_map ?? {});
    const { report, sample } = await asCaller((c) => validate(c, ctx, { row, datasets, dataset, target: t, rawTable, srid, swapXY, encoding, mapping, mapErrors }));
    report.timings = {
      openSeconds: (readStart - openStart) / 1000, stagingSeconds: (validateStart - readStart) / 1000,
      validationSeconds: (Date.now() - validateStart) / 1000,
    };
    const done = { done: report.featureCount, total, rate: rate(report.featureCount, validateStart) };
    if (!(await asCaller((c) => setPreview(c, row.id, row.run, report, sample, done)))) throw new SupersededRun();
  } catch (err) {
    if (err instanceof ImportFileError || (err as { name?: string })?.name === 'ImportFileError') {
      const e = err as ImportFileError;
      await asCaller(async (c) => {
        await setFailed(c, row.id, row.run, e.code, e.message);
        await c.query('select imports.drop_staging($1)', [row.id]);
      });
      return;
    }
    throw err;
  } finally {
    await fs.promises.rm(workDir, { recursive: true, force: true });
  }
}

interface ValidateInput {
  row: ImportRow;
  datasets: SourceDataset[];
  dataset: SourceDataset;
  target: Target;
  rawTable: string;
  srid: number | null;
  swapXY: boolean;
  encoding: string | null;
  mapping: FieldMapping[];
  mapErrors: string[];
}

async function sridKnown(client: pg.ClientBase, srid: number): Promise<boolean> {
  const { rowCount } = await client.query('select 1 from spatial_ref_sys where srid = $1', [srid]);
  return rowCount === 1;
}

/** Staging work: rebuilt from the stored file whenever a run does not finish, so no need to wait for the WAL. */
async function stagingSettings(client: pg.ClientBase): Promise<void> {
  // The validation statement's cost estimate is huge, so the planner JIT-compiles it with full optimisation:
  // compiling took longer than it saved (measured on 200 000 points).
  await client.query(`select set_config('work_mem', '128MB', true), set_config('synchronous_commit', 'off', true),
                             set_config('jit', 'off', true)`);
}

/** Files at least this large are validated in VALIDATION_PARTS statements at once, on connections of their own. */
const PARALLEL_VALIDATION_FROM = 20_000;
const VALIDATION_PARTS = 2;

/**
 * Fills the checked table from the raw one. A large file is cut into ranges of feature index validated at once
 * (an INSERT … SELECT runs on one core; PostgreSQL does not parallelise it), each committed on its own: the
 * checked table is only read once all of them are done, and a failed run rebuilds it anyway.
 */
async function fillChecked(ctx: RunContext, plan: ValidationPlan, total: number): Promise<void> {
  const parts = total >= PARALLEL_VALIDATION_FROM ? VALIDATION_PARTS : 1;
  const step = Math.ceil(total / parts);
  await Promise.all(Array.from({ length: parts }, (_, k) => ctx.db.withCaller(ctx.caller, async (c) => {
    await stagingSettings(c);
    const part = parts > 1 ? { part: { from: k === 0 ? null : k * step, to: k === parts - 1 ? null : (k + 1) * step } } : {};
    await c.query('savepoint validate');
    try {
      await c.query(validationSql({ ...plan, ...part }));
    } catch (err) {
      // PROJ refused some coordinate (a wrong CRS, or garbage): again row by row, marking those rows.
      await c.query('rollback to savepoint validate');
      if ((err as { code?: string }).code !== 'XX000') throw err;
      await c.query(validationSql({ ...plan, ...part, safeTransform: true }));
    }
  }, { write: true })));
}

async function validate(client: pg.ClientBase, ctx: RunContext, v: ValidateInput): Promise<{ report: ImportReport; sample: unknown }> {
  const { row, dataset, target: t } = v;
  const blockers: ImportReport['blockers'] = [];
  const warnings: ImportReport['warnings'] = [];
  const crsChosen = row.choices.srid !== undefined;
  const encodingChosen = row.choices.encoding !== undefined;
  const encodingNeedsConfirmation = !encodingChosen && dataset.encoding !== null && dataset.encoding.confidence < ENCODING_CONFIDENCE_THRESHOLD;
  const crsNeedsConfirmation = !crsChosen && dataset.crs.needsConfirmation;

  if (v.srid === null) blockers.push({ code: 'crs_unknown', message: 'The coordinate system could not be determined: choose one (srid).' });
  else if (!(await sridKnown(client, v.srid))) blockers.push({ code: 'unknown_srid', message: `EPSG:${v.srid} is not a coordinate system the database knows.` });
  if (crsNeedsConfirmation && v.srid !== null) {
    blockers.push({ code: 'crs_needs_confirmation', message: `The coordinate system was inferred (EPSG:${v.srid}, ${dataset.crs.evidence}): confirm it by sending srid ${v.srid}, or choose another.` });
  }
  if (encodingNeedsConfirmation) {
    blockers.push({ code: 'encoding_needs_confirmation', message: `The text encoding is uncertain (${v.encoding}, ${dataset.encoding!.evidence}): confirm it by sending encoding ${v.encoding}, or choose another.` });
  }
  for (const m of v.mapErrors) blockers.push({ code: 'bad_field_map', message: m });
  if (t.family === null) blockers.push({ code: 'geometry_family_unknown', message: 'The file has no geometries to tell the new layer\'s kind: give geometry_family.' });
  if (!t.exists && (await client.query('select imports.layer_id_taken($1) as taken', [t.id])).rows[0].taken) {
    blockers.push({ code: 'layer_exists', message: `A layer ${t.id} exists already: choose another id for the new layer.` });
  }
  const fieldFor: Record<string, string> = {};
  for (const m of v.mapping) if (m.attribute) fieldFor[m.attribute] = m.field;
  const key = row.keyAttribute ?? undefined;
  if (key !== undefined) {
    if (!t.attributes.some((a) => a.name === key)) blockers.push({ code: 'unknown_key', message: `The upsert key '${key}' is not an attribute of the layer.` });
    else if (!(key in fieldFor)) blockers.push({ code: 'key_not_mapped', message: `No field of the file is mapped to the upsert key '${key}'.` });
  }
  const unmapped = v.mapping.filter((m) => !m.attribute).map((m) => m.sourceName);
  if (unmapped.length > 0) warnings.push({ code: 'unmapped_fields', message: `Not imported (no attribute of the layer): ${unmapped.join(', ')}.` });
  if (v.datasets.length > 1 && row.choices.dataset === undefined) {
    warnings.push({ code: 'several_datasets', message: `The upload holds ${v.datasets.length} datasets; ${dataset.name} is imported (choose another with dataset).` });
  }

  await stagingSettings(client);
  // Made and committed first: the validation's parts write it from connections of their own.
  const checkedTable = await ctx.db.withCaller(ctx.caller, async (c) => (await c.query<{ name: string }>(
    'select imports.reset_checked($1, $2) as name', [row.id, JSON.stringify(t.attributes)])).rows[0]!.name, { write: true });
  let counts = { counts: {} as Record<string, number>, total: 0, with_problems: 0, repairable_only: 0, extent: null as string | null };
  let problemSample: unknown[] = [];
  let sample: unknown = { type: 'FeatureCollection', features: [] };
  const merge = { mode: row.mode, key: row.keyAttribute, insert: 0, update: 0, delete: 0 };
  const canValidate = v.srid !== null && t.family !== null && !blockers.some((b) => b.code === 'unknown_srid');
  if (canValidate) {
    const plan: ValidationPlan = {
      rawTable: v.rawTable, checkedTable, srid: v.srid!, family: t.family!, attributes: t.attributes, fieldFor,
      ...(key !== undefined && key in fieldFor ? { keyAttribute: key } : {}), safeTransform: false,
    };
    await fillChecked(ctx, plan, dataset.featureCount);
    if (plan.keyAttribute) await client.query(duplicateKeySql(checkedTable, plan.keyAttribute));
    const { rows } = await client.query(problemCountsSql(checkedTable));
    counts = rows[0];
    problemSample = (await client.query(problemSampleSql(checkedTable, SAMPLE_PROBLEMS))).rows;
    sample = (await client.query(featureSampleSql(checkedTable, t.attributes, SAMPLE_FEATURES))).rows[0].sample;
    const clean = counts.total - counts.with_problems;
    if (row.mode === 'replace' && t.exists) merge.delete = t.featureCount;
    if (row.mode === 'upsert' && t.exists && plan.keyAttribute) {
      const k = quoteIdent(plan.keyAttribute);
      const { rows: m } = await client.query(
        `select count(*) as n from ${checkedTable} c where cardinality(c._codes) = 0
           and exists (select 1 from ${layerTable({ id: t.id })} l where l.${k} = c.${k})`);
      merge.update = m[0].n;
    }
    merge.insert = clean - merge.update;
  } else {
    counts.total = dataset.featureCount;
  }
  if (counts.total === 0 && canValidate) warnings.push({ code: 'no_features', message: 'The file has no features.' });

  const extent = counts.extent ? parseBox(counts.extent) : null;
  const fieldMap: Record<string, string | null> = {};
  for (const m of v.mapping) fieldMap[m.field] = m.attribute;
  const report: ImportReport = {
    file: { name: row.originalName, sizeBytes: row.sizeBytes, sha256: row.fileSha256 },
    datasets: v.datasets.map((d) => ({ name: d.name, kind: d.kind, shapeType: d.shapeType, featureCount: d.featureCount, geometryFamily: d.geometryFamily })),
    dataset: dataset.name,
    featureCount: counts.total,
    encoding: dataset.encoding || encodingChosen
      ? { detected: dataset.encoding, used: v.encoding, chosen: encodingChosen, needsConfirmation: encodingNeedsConfirmation }
      : null,
    crs: { detected: dataset.crs, used: { srid: v.srid, swapXY: v.swapXY }, chosen: crsChosen, needsConfirmation: crsNeedsConfirmation },
    fieldMapping: v.mapping,
    layer: { id: t.id, exists: t.exists, geometryFamily: t.family ?? 'unknown', attributes: t.attributes },
    ...(t.newLayer ? { newLayer: { ...t.newLayer, geometry_family: t.family, attributes: t.attributes } } : {}),
    problems: { counts: counts.counts, featuresWithProblems: counts.with_problems, repairableOnly: counts.repairable_only, sample: problemSample },
    merge,
    bbox: extent,
    blockers,
    warnings,
    effective: {
      ...(v.encoding ? { encoding: v.encoding as NonNullable<ImportReport['effective']['encoding']> } : {}),
      ...(v.srid !== null ? { srid: v.srid } : {}),
      swap_xy: v.swapXY,
      field_map: fieldMap,
      dataset: dataset.name,
    },
  };
  return { report, sample };
}

function parseBox(box: string): [number, number, number, number] | null {
  const m = /BOX\(([-\d.e+]+) ([-\d.e+]+),([-\d.e+]+) ([-\d.e+]+)\)/.exec(box);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}

export { type Target };
