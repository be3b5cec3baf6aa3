// The import row: what was uploaded, into which layer, how, where it stands, and its preview report. Every
// statement here runs as a caller (RLS on imports.imports decides who sees and changes which import).
import type pg from 'pg';
import type { Choices, CommitOptions, ImportMode, NewLayerInput } from './choices.ts';

export type ImportStatus = 'uploaded' | 'reading' | 'validating' | 'preview' | 'committing' | 'committed' | 'failed' | 'expired';

/** Where an import may still go: these end the progress stream. */
export const settledStatuses: ImportStatus[] = ['preview', 'committed', 'failed', 'expired'];

export interface Progress {
  stage?: ImportStatus;
  done?: number;
  total?: number;
  /** Features per second in the current stage. */
  rate?: number;
  startedAt?: string;
}

/** A new layer's spec as resolved for the commit (owner agency and every default filled in). */
export interface NewLayerSpec extends NewLayerInput {
  owner_agency_id: string;
}

export interface ImportRow {
  id: string;
  fileSha256: string;
  storagePath: string;
  sizeBytes: number;
  originalName: string;
  agencyId: string;
  layerId: string;
  createsLayer: boolean;
  newLayer: NewLayerSpec | null;
  mode: ImportMode;
  keyAttribute: string | null;
  choices: Choices;
  status: ImportStatus;
  run: number;
  progress: Progress;
  report: ImportReport | null;
  errorCode: string | null;
  errorMessage: string | null;
  commitOptions: CommitOptions | null;
  result: Record<string, unknown> | null;
  /** Who made the import: a person, or else an API client. */
  createdBy: string | null;
  createdByApiClient: string | null;
  createdAt: Date;
  updatedAt: Date;
  commitRequestedBy: string | null;
  committedAt: Date | null;
}

/** The preview report, as stored (jsonb) and returned by the API. See validate.ts for how it is made. */
export interface ImportReport {
  file: { name: string; sizeBytes: number; sha256: string };
  datasets: { name: string; kind: string; shapeType: string; featureCount: number; geometryFamily: string | null }[];
  dataset: string;
  featureCount: number;
  encoding: { detected: unknown; used: string | null; chosen: boolean; needsConfirmation: boolean } | null;
  crs: { detected: unknown; used: { srid: number | null; swapXY: boolean }; chosen: boolean; needsConfirmation: boolean };
  fieldMapping: unknown[];
  layer: { id: string; exists: boolean; geometryFamily: string; attributes: unknown[] };
  newLayer?: unknown;
  problems: { counts: Record<string, number>; featuresWithProblems: number; repairableOnly: number; sample: unknown[] };
  merge: { mode: ImportMode; key: string | null; insert: number; update: number; delete: number };
  bbox: [number, number, number, number] | null;
  /** What stands between this preview and a commit (besides features with problems). */
  blockers: { code: string; message: string }[];
  warnings: { code: string; message: string }[];
  /** How long opening the upload (unzip, detection), reading into staging and validating took (for people watching
   *  large imports, and the benchmark). */
  timings?: { openSeconds?: number; stagingSeconds: number; validationSeconds: number };
  /** Choices that were in force for this preview (detected or chosen). */
  effective: Choices & { field_map: Record<string, string | null> };
}

const columns = `i.id, i.file_sha256, f.storage_path, f.size_bytes, i.original_name, i.agency_id, i.layer_id, i.creates_layer,
  i.new_layer, i.mode, i.key_attribute, i.choices, i.status, i.run, i.progress, i.report, i.error_code, i.error_message,
  i.commit_options, i.result, i.created_by, i.created_by_api_client, i.created_at, i.updated_at, i.commit_requested_by, i.committed_at`;

function toRow(r: Record<string, any>): ImportRow {
  return {
    id: r.id, fileSha256: r.file_sha256, storagePath: r.storage_path, sizeBytes: Number(r.size_bytes),
    originalName: r.original_name, agencyId: r.agency_id, layerId: r.layer_id, createsLayer: r.creates_layer,
    newLayer: r.new_layer, mode: r.mode, keyAttribute: r.key_attribute, choices: r.choices, status: r.status, run: r.run,
    progress: r.progress, report: r.report, errorCode: r.error_code, errorMessage: r.error_message,
    commitOptions: r.commit_options, result: r.result, createdBy: r.created_by, createdByApiClient: r.created_by_api_client, createdAt: r.created_at,
    updatedAt: r.updated_at, commitRequestedBy: r.commit_requested_by, committedAt: r.committed_at,
  };
}

export async function findImport(client: pg.ClientBase, id: string, opts: { forUpdate?: boolean } = {}): Promise<ImportRow | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const { rows } = await client.query(
    `select ${columns} from imports.imports i join imports.files f on f.sha256 = i.file_sha256 where i.id = $1
     ${opts.forUpdate ? 'for update of i' : ''}`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

export async function listImports(client: pg.ClientBase, opts: { layerId?: string; limit: number }): Promise<ImportRow[]> {
  const { rows } = await client.query(
    `select ${columns} from imports.imports i join imports.files f on f.sha256 = i.file_sha256
     where ($1::text is null or i.layer_id = $1) order by i.created_at desc limit $2`,
    [opts.layerId ?? null, opts.limit]);
  return rows.map(toRow);
}

export interface NewImport {
  upload: { sha256: string; sizeBytes: number; storagePath: string };
  originalName: string;
  agencyId: string;
  layerId: string;
  newLayer: NewLayerSpec | null;
  mode: ImportMode;
  keyAttribute: string | null;
  choices: Choices;
  /** The person making the import, or (for an API client) null and createdByApiClient. */
  createdBy: string | null;
  createdByApiClient: string | null;
}

export async function insertImport(client: pg.ClientBase, n: NewImport): Promise<string> {
  await client.query(
    'select imports.add_file($1, $2, $3)',
    [n.upload.sha256, n.upload.sizeBytes, n.upload.storagePath]);
  const { rows } = await client.query<{ id: string }>(
    `insert into imports.imports (file_sha256, original_name, agency_id, layer_id, creates_layer, new_layer, mode,
       key_attribute, choices, created_by, created_by_api_client)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
    [n.upload.sha256, n.originalName.slice(0, 300), n.agencyId, n.layerId, n.newLayer !== null,
      n.newLayer ? JSON.stringify(n.newLayer) : null, n.mode, n.keyAttribute, JSON.stringify(n.choices), n.createdBy, n.createdByApiClient]);
  return rows[0]!.id;
}

/** Sets the status (and progress) of a run; returns false when the import moved on to another run. */
export async function setStage(client: pg.ClientBase, id: string, run: number, status: ImportStatus, progress: Progress): Promise<boolean> {
  const r = await client.query(
    `update imports.imports set status = $3, progress = $4, updated_at = now(), error_code = null, error_message = null
     where id = $1 and run = $2`, [id, run, status, JSON.stringify({ ...progress, stage: status })]);
  return r.rowCount === 1;
}

export async function setProgress(client: pg.ClientBase, id: string, run: number, progress: Progress): Promise<void> {
  await client.query(`update imports.imports set progress = $3, updated_at = now() where id = $1 and run = $2`,
    [id, run, JSON.stringify(progress)]);
}

export async function setFailed(client: pg.ClientBase, id: string, run: number, code: string, message: string): Promise<void> {
  await client.query(
    `update imports.imports set status = 'failed', error_code = $3, error_message = $4, progress = progress || '{"stage":"failed"}',
       updated_at = now() where id = $1 and run = $2`, [id, run, code, message.slice(0, 2000)]);
}

export async function setPreview(
  client: pg.ClientBase, id: string, run: number, report: ImportReport, sample: unknown, progress: Progress,
): Promise<boolean> {
  const r = await client.query(
    `update imports.imports set status = 'preview', report = $3, sample = $4, progress = $5, updated_at = now(),
       error_code = null, error_message = null
     where id = $1 and run = $2`,
    [id, run, JSON.stringify(report), JSON.stringify(sample), JSON.stringify({ ...progress, stage: 'preview' })]);
  return r.rowCount === 1;
}

export async function sampleOf(client: pg.ClientBase, id: string): Promise<unknown> {
  const { rows } = await client.query('select sample from imports.imports where id = $1', [id]);
  return rows[0]?.sample ?? null;
}
