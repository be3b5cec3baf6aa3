// Edits of a layer's features, inside the caller's transaction (RLS decides again), each version kept by the
// history trigger. Optimistic locking: every write of an existing feature names the version it was based on.
import type pg from 'pg';
import type { Layer } from '../catalog/catalog.ts';
import { AppError } from '../errors.ts';
import {
  currentVersionSql, deleteFeatureSql, geometryCheckSql, insertFeatureSql, updateFeatureSql,
} from './edit-sql.ts';
import { validateGeometry, validateProperties } from './validate-feature.ts';

export interface FeatureInput {
  geometry?: unknown;
  properties?: unknown;
}

export interface WrittenFeature {
  fid: number;
  version: number;
}

export function featureEtag(layerId: string, fid: number, version: number): string {
  return `W/"${layerId}:${fid}:${version}"`;
}

/**
 * The version an If-Match names: our ETag (`W/"layer:fid:version"`), or a bare version number. A tag of
 * another feature never matches.
 */
export function versionFromIfMatch(header: string | undefined, layerId: string, fid: number): number | 'missing' | 'mismatch' {
  if (header === undefined || header.trim() === '') return 'missing';
  const m = /^\s*(?:W\/)?"?(?:([^":]+):(\d+):)?(\d+)"?\s*$/.exec(header);
  if (!m) return 'mismatch';
  if (m[1] !== undefined && (m[1] !== layerId || Number(m[2]) !== fid)) return 'mismatch';
  return Number(m[3]);
}

async function checkGeometry(client: pg.ClientBase, layer: Layer, geojson: string, repair: boolean): Promise<void> {
  const { rows } = await client.query<{ reason: string | null; empty_after_repair: boolean }>(
    geometryCheckSql(layer.geometryFamily, geojson),
  );
  const r = rows[0]!;
  if (r.reason && !repair) {
    throw new AppError(400, 'invalid_geometry', `The geometry is not valid: ${r.reason}. Fix it, or ask for a repair with ?repair=true.`, {
      reason: r.reason,
    });
  }
  if (r.reason && r.empty_after_repair) {
    throw new AppError(400, 'invalid_geometry', `The geometry is not valid (${r.reason}) and repairing it leaves nothing of a ${layer.geometryFamily}.`);
  }
}

/** Database refusals that are the caller's mistake, as clear 4xx. */
function mapWriteError(err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code === '22P02' || e.code === '22007' || e.code === '22008' || e.code === '22003') {
    throw new AppError(400, 'invalid_attribute', `A value does not fit its attribute: ${e.message}`);
  }
  if (e.code === '23514') throw new AppError(400, 'invalid_geometry', 'The geometry is empty or not valid.');
  if (e.code === 'XX000' && /GeoJSON|geometry/i.test(e.message ?? '')) {
    throw new AppError(400, 'invalid_geometry', `The geometry could not be read: ${e.message}`);
  }
  if (e.code === '23505') throw new AppError(409, 'feature_exists', 'A feature with that id exists.');
  throw err;
}

async function setNote(client: pg.ClientBase, note: string | undefined): Promise<void> {
  if (note) await client.query("select set_config('cb.change_note', $1, true)", [note.slice(0, 1000)]);
}

export async function createFeatures(
  client: pg.ClientBase, layer: Layer, inputs: FeatureInput[], opts: { repair: boolean; note?: string },
): Promise<WrittenFeature[]> {
  const prepared = inputs.map((input, i) => {
    try {
      return { geojson: validateGeometry(input.geometry, layer.geometryFamily), properties: validateProperties(layer, input.properties, 'full') };
    } catch (err) {
      if (err instanceof AppError && inputs.length > 1) {
        throw new AppError(err.status, err.code, `Feature ${i + 1}: ${err.message}`, { ...err.details, index: i });
      }
      throw err;
    }
  });
  await setNote(client, opts.note);
  const written: WrittenFeature[] = [];
  for (const [i, p] of prepared.entries()) {
    try {
      await checkGeometry(client, layer, p.geojson, opts.repair);
      const { rows } = await client.query<WrittenFeature>(insertFeatureSql(layer, p.geojson, p.properties, opts.repair));
      written.push(rows[0]!);
    } catch (err) {
      try {
        mapWriteError(err);
      } catch (mapped) {
        if (mapped instanceof AppError && inputs.length > 1) {
          throw new AppError(mapped.status, mapped.code, `Feature ${i + 1}: ${mapped.message}`, { ...mapped.details, index: i });
        }
        throw mapped;
      }
    }
  }
  return written;
}

async function explainNoRow(client: pg.ClientBase, layer: Layer, fid: number, expected: number): Promise<never> {
  const { rows } = await client.query<{ version: number }>(currentVersionSql(layer, fid));
  if (!rows[0]) throw new AppError(404, 'feature_not_found', `Feature ${fid} does not exist in ${layer.id}.`);
  throw new AppError(412, 'version_conflict',
    `Someone changed this feature since you loaded it (you had version ${expected}, it is now version ${rows[0].version}). Reload it and apply your change again.`,
    { current_version: rows[0].version, etag: featureEtag(layer.id, fid, rows[0].version) });
}

export async function updateFeature(
  client: pg.ClientBase, layer: Layer, fid: number, expected: number, input: FeatureInput,
  opts: { mode: 'replace' | 'patch'; repair: boolean; note?: string },
): Promise<WrittenFeature> {
  const geometryGiven = input.geometry !== undefined;
  if (opts.mode === 'replace' && !geometryGiven) throw new AppError(400, 'invalid_geometry', 'A replacement needs the geometry too (or use PATCH).');
  const geojson = geometryGiven ? validateGeometry(input.geometry, layer.geometryFamily) : null;
  const properties = validateProperties(layer, input.properties, opts.mode === 'replace' ? 'full' : 'partial');
  await setNote(client, opts.note);
  if (geojson) await checkGeometry(client, layer, geojson, opts.repair);
  const { rows } = await client
    .query<WrittenFeature>(updateFeatureSql(layer, fid, expected, geojson, properties, opts.mode, opts.repair))
    .catch(mapWriteError);
  return rows[0] ?? explainNoRow(client, layer, fid, expected);
}

export async function deleteFeature(client: pg.ClientBase, layer: Layer, fid: number, expected: number, note?: string): Promise<void> {
  await setNote(client, note);
  const { rows } = await client.query(deleteFeatureSql(layer, fid, expected));
  if (!rows[0]) await explainNoRow(client, layer, fid, expected);
}

/** The agency a version was written for: public record (Điều 8.1c), whoever reads the history. */
export interface ChangingAgency {
  code: string;
  name_vi: string;
  name_en: string;
}

export interface HistoryRow {
  version: number;
  operation: 'insert' | 'update' | 'delete';
  geometry: unknown;
  attributes: Record<string, unknown>;
  changed_at: Date;
  /**
   * Who, told only to the staff and systems of the agency that made the change and to the operator (decided by
   * history.feature_history from the caller); null for everybody else, and for versions no account wrote.
   */
  changed_by: string | null;
  /** The person's display name, or their username when they have none; null exactly when changed_by is. */
  changed_by_name: string | null;
  /** The API key's name when a system wrote the version; hidden like a person's name. */
  api_client: string | null;
  changed_by_agency: ChangingAgency | null;
  import_id: string | null;
  note: string | null;
}

export async function featureHistory(client: pg.ClientBase, layer: Layer, fid: number): Promise<HistoryRow[]> {
  const { rows } = await client.query<HistoryRow>(
    `select h.version, h.operation, st_asgeojson(h.geom, 7)::json as geometry, h.attributes, h.changed_at, h.changed_by,
            h.changed_by_name, h.api_client,
            case when h.changed_by_agency_code is not null
                 then json_build_object('code', h.changed_by_agency_code, 'name_vi', h.changed_by_agency_name_vi,
                                        'name_en', h.changed_by_agency_name_en) end as changed_by_agency,
            h.import_id, h.note
     from history.feature_history($1, $2) h
     order by h.version`,
    [layer.id, fid],
  );
  return rows;
}

/**
 * Restoring an old version is a new edit (Điều 11.3): the old geometry and attributes become the next version.
 * A deleted feature comes back under its own fid.
 */
export async function restoreFeature(
  client: pg.ClientBase, layer: Layer, fid: number, version: number, expected: number | null, note?: string,
): Promise<WrittenFeature> {
  const history = await featureHistory(client, layer, fid);
  if (history.length === 0) throw new AppError(404, 'feature_not_found', `Feature ${fid} has no history in ${layer.id}.`);
  const target = history.find((h) => h.version === version);
  if (!target || target.operation === 'delete') {
    throw new AppError(400, 'invalid_version', `Version ${version} of feature ${fid} does not exist or is a deletion.`);
  }
  const known = new Set(layer.attributes.map((a) => a.name));
  const properties = Object.fromEntries(Object.entries(target.attributes).filter(([k]) => known.has(k)));
  const latest = history[history.length - 1]!;
  const geojson = JSON.stringify(target.geometry);
  await setNote(client, note ?? `restored version ${version}`);
  if (latest.operation === 'delete') {
    await client.query("select set_config('cb.restore_version', $1, true)", [String(latest.version + 1)]);
    const { rows } = await client.query<WrittenFeature>(insertFeatureSql(layer, geojson, properties, false, fid)).catch(mapWriteError);
    await client.query("select set_config('cb.restore_version', '', true)");
    return rows[0]!;
  }
  if (expected === null) throw new AppError(428, 'if_match_required', 'Send If-Match with the version you are replacing.');
  const { rows } = await client
    .query<WrittenFeature>(updateFeatureSql(layer, fid, expected, geojson, properties, 'replace', false))
    .catch(mapWriteError);
  return rows[0] ?? explainNoRow(client, layer, fid, expected);
}
