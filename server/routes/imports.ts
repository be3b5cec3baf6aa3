// Bulk imports (issue 4): upload (streamed multipart) → import row + job in one transaction → the worker's preview
// → commit. Only editors who can write the layer (or, for a new layer, its agency's editors) start and commit
// imports, and API clients with a read/write key of the layer's agency (never a new layer); the agency's editors
// and admins and the operator see them, an API client those into the layers it may write. The database (RLS on
// imports.imports) decides again.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../db/database.ts';
import fastifyMultipart from '@fastify/multipart';
import type pg from 'pg';
import { findLayer } from '../catalog/catalog.ts';
import { AppError, layerNotFound, notFound } from '../errors.ts';
import { requireUser } from '../auth/caller.ts';
import { canWriteLayer, type Identity } from '../auth/identity.ts';
import { recordAudit } from '../audit.ts';
import {
  changedChoices, choicesFrom, commitOptionsSchema, jsonField, modes, newLayerSchema, parseWith,
  type Choices, type ImportMode, type NewLayerInput,
} from '../../importers/pipeline/choices.ts';
import {
  findImport, insertImport, listImports, sampleOf, settledStatuses, type ImportRow, type NewLayerSpec,
} from '../../importers/pipeline/import-rows.ts';
import { discardTemporary, placeUpload, storeUpload, type StoredUpload } from '../../importers/pipeline/upload-store.ts';
import { enqueueImportJob } from '../../importers/pipeline/worker.ts';

interface IdParams { id: string }

const importNotFound = () => notFound('The import');

/**
 * Imports are for people signed in and for API clients with a read/write key (systems of the agency that load
 * their data themselves); a read-only key is refused here, before anything is read or stored.
 */
function requireImporter(request: FastifyRequest): Identity {
  const caller = request.caller;
  if (caller.kind === 'api_client') {
    if (!caller.apiClient!.canWrite) {
      throw new AppError(403, 'api_key_read_only', 'This API key may only read. Imports need a read/write key of the agency that owns the layer.');
    }
    return caller;
  }
  return requireUser(request);
}

/** Whom the import's jobs act for: the person or the API client that asked. */
function actorOf(identity: Identity): Pick<Caller, 'userId' | 'apiClientId'> {
  return identity.kind === 'api_client' ? { apiClientId: identity.apiClientId! } : { userId: identity.userId! };
}

function importJson(row: ImportRow, sample?: unknown) {
  return {
    id: row.id,
    status: row.status,
    layer: row.layerId,
    creates_layer: row.createsLayer,
    new_layer: row.newLayer,
    mode: row.mode,
    key: row.keyAttribute,
    file: { name: row.originalName, size_bytes: row.sizeBytes, sha256: row.fileSha256 },
    choices: row.choices,
    progress: row.progress,
    report: row.report,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage } : null,
    commit_options: row.commitOptions,
    result: row.result,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    committed_at: row.committedAt,
    links: { self: `/api/imports/${row.id}`, events: `/api/imports/${row.id}/events`, commit: `/api/imports/${row.id}/commit` },
    ...(sample !== undefined ? { sample } : {}),
  };
}

/** The agency a new layer belongs to: the one named, or the only agency the editor edits for. */
function newLayerAgency(identity: Identity, code: string | undefined): string {
  const editing = identity.memberships.filter((m) => m.role === 'editor' && m.layer_scope === null);
  if (code !== undefined) {
    const m = editing.find((e) => e.agency_code === code);
    if (!m) throw new AppError(403, 'forbidden', `Only editors of the agency ${code.slice(0, 60)} (not limited to some layers) create its layers.`);
    return m.agency_id;
  }
  if (editing.length === 1) return editing[0]!.agency_id;
  if (editing.length === 0) throw new AppError(403, 'forbidden', 'Only an agency\'s editors (not limited to some layers) create new layers by import.');
  throw new AppError(400, 'owner_agency_required', `You edit for several agencies: say which one owns the new layer (new_layer.owner_agency: ${editing.map((e) => e.agency_code).join(', ')}).`);
}

async function resolveNewLayer(client: pg.ClientBase, identity: Identity, input: NewLayerInput): Promise<NewLayerSpec> {
  const agencyId = newLayerAgency(identity, input.owner_agency);
  const sector = input.id.split('.')[0]!;
  if ((await client.query('select 1 from catalog.sectors where code = $1', [sector])).rowCount !== 1) {
    throw new AppError(400, 'unknown_sector', `'${sector}' is not a sector: a layer id starts with one (cong_thuong, van_hoa, …).`);
  }
  if ((await client.query('select imports.layer_id_taken($1) as taken', [input.id])).rows[0].taken) {
    throw new AppError(409, 'layer_exists', `A layer ${input.id} exists already: choose another id, or import into it.`);
  }
  const agency = (await client.query<{ name_vi: string }>('select name_vi from catalog.agencies where id = $1', [agencyId])).rows[0]!;
  return {
    ...input,
    title_en: input.title_en ?? input.title_vi,
    source: input.source ?? agency.name_vi,
    owner_agency_id: agencyId,
  };
}

async function checkSrid(client: pg.ClientBase, choices: Choices): Promise<void> {
  if (choices.srid === undefined) return;
  if ((await client.query('select 1 from spatial_ref_sys where srid = $1', [choices.srid])).rowCount !== 1) {
    throw new AppError(400, 'unknown_srid', `EPSG:${choices.srid} is not a coordinate system the database knows.`);
  }
}

function parseMode(raw: unknown, key: unknown, creates: boolean): { mode: ImportMode; key: string | null } {
  const mode = (raw === undefined || raw === '' ? 'append' : raw) as ImportMode;
  if (!modes.includes(mode)) throw new AppError(400, 'invalid_mode', `mode is one of ${modes.join(', ')}.`);
  if (creates && mode !== 'append') throw new AppError(400, 'invalid_mode', 'A new layer starts empty: its import is an append.');
  if (mode === 'upsert') {
    if (typeof key !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(key)) {
      throw new AppError(400, 'key_required', 'An upsert needs key: the attribute that identifies a feature (e.g. ma).');
    }
    return { mode, key };
  }
  return { mode, key: null };
}

function mayImport(identity: Identity, row: ImportRow): boolean {
  if (row.createsLayer) return identity.kind === 'user' && identity.memberships.some((m) => m.role === 'editor' && m.layer_scope === null && m.agency_id === row.agencyId);
  return canWriteLayer(identity, { id: row.layerId, owner: { id: row.agencyId } });
}

/** Blockers of the preview that the editor's confirmations (srid, encoding) have lifted. */
function remainingBlockers(row: ImportRow, choices: Choices) {
  return (row.report?.blockers ?? []).filter((b) =>
    !(b.code === 'crs_needs_confirmation' && choices.srid !== undefined)
    && !(b.code === 'encoding_needs_confirmation' && choices.encoding !== undefined));
}

function mergeChoices(current: Choices, asked: Choices): Choices {
  const merged: Choices = { ...current, ...asked };
  if (asked.field_map) merged.field_map = { ...current.field_map, ...asked.field_map };
  return merged;
}

export async function importRoutes(app: FastifyInstance): Promise<void> {
  const maxBytes = app.config.IMPORT_MAX_UPLOAD_BYTES;
  await app.register(fastifyMultipart, { limits: { fileSize: maxBytes, files: 1, fields: 30, fieldSize: 1024 * 1024, parts: 40 } });

  const requireJobs = () => {
    if (!app.jobs) throw new AppError(503, 'jobs_unavailable', 'Imports are not available on this server (no job queue).');
    return app.jobs;
  };

  const tooLarge = () => new AppError(413, 'file_too_large', `The file is larger than the ${Math.floor(maxBytes / 1024 / 1024)} MiB an import accepts (${maxBytes} bytes).`);

  app.post('/api/imports', async (request, reply) => {
    const identity = requireImporter(request);
    const boss = requireJobs();
    if (!request.isMultipart()) throw new AppError(415, 'multipart_required', 'Send the file as multipart/form-data (field file).');
    const fields: Record<string, string> = {};
    let upload: StoredUpload | null = null;
    let originalName = '';
    try {
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || upload) {
              part.file.resume();
              throw new AppError(400, 'unexpected_file', 'Send one file, in the field named file.');
            }
            originalName = part.filename || 'upload';
            upload = await storeUpload(app.config.DATA_DIR, part.file);
            if (part.file.truncated) throw tooLarge();
          } else {
            fields[part.fieldname] = String(part.value ?? '');
          }
        }
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
        if ((err as { code?: string }).code === 'FST_FILES_LIMIT') throw new AppError(400, 'unexpected_file', 'Send one file, in the field named file.');
        throw err;
      }
      if (!upload) throw new AppError(400, 'file_required', 'Send the file to import in the field named file.');
      if (upload.sizeBytes === 0) throw new AppError(400, 'empty_file', 'The file is empty.');
      if (fields.layer && fields.new_layer) throw new AppError(400, 'layer_or_new_layer', 'Say layer (an existing layer) or new_layer (a new one), not both.');
      if (!fields.layer && !fields.new_layer) throw new AppError(400, 'layer_required', 'Say which layer to import into (layer), or describe a new one (new_layer).');
      const choices = choicesFrom(fields, true);
      if (fields.new_layer && identity.kind === 'api_client') {
        throw new AppError(403, 'api_client_cannot_create_layer', 'An API key imports into existing layers of its agency; new layers are created by the agency\'s editors.');
      }
      const newLayerInput = fields.new_layer ? parseWith(newLayerSchema, jsonField(fields.new_layer, 'new_layer'), 'invalid_new_layer', 'new_layer') : null;
      const { mode, key } = parseMode(fields.mode, fields.key, newLayerInput !== null);
      const stored = upload;
      const id = await app.db.withCaller(identity, async (client) => {
        await checkSrid(client, choices);
        let agencyId: string;
        let layerId: string;
        let newLayer: NewLayerSpec | null = null;
        if (newLayerInput) {
          newLayer = await resolveNewLayer(client, identity, newLayerInput);
          agencyId = newLayer.owner_agency_id;
          layerId = newLayer.id;
        } else {
          const layer = await findLayer(client, fields.layer!);
          if (!layer) throw layerNotFound(fields.layer!);
          if (!canWriteLayer(identity, layer)) {
            throw new AppError(403, 'forbidden', identity.kind === 'api_client'
              ? `This API key may not write the layer ${layer.titleVi}: only read/write keys of ${layer.owner.nameVi} for this layer import into it.`
              : `Only editors of ${layer.owner.nameVi} may import into the layer ${layer.titleVi}.`);
          }
          if (key !== null && !layer.attributes.some((a) => a.name === key)) {
            throw new AppError(400, 'unknown_key', `The upsert key '${key}' is not an attribute of ${layer.id} (${layer.attributes.map((a) => a.name).join(', ')}).`);
          }
          agencyId = layer.owner.id;
          layerId = layer.id;
        }
        const importId = await insertImport(client, {
          upload: stored, originalName, agencyId, layerId, newLayer, mode, keyAttribute: key, choices,
          createdBy: identity.kind === 'user' ? identity.userId! : null, createdByApiClient: identity.apiClientId ?? null,
        });
        await enqueueImportJob(boss, client, { importId, action: 'preview', run: 1, ...actorOf(identity) });
        await recordAudit(client, request, {
          action: 'import_started', agencyId, targetType: 'layer', targetId: layerId,
          details: { import_id: importId, file: originalName, sha256: stored.sha256, size_bytes: stored.sizeBytes, mode },
        });
        await placeUpload(app.config.DATA_DIR, stored);
        return importId;
      }, { write: true });
      reply.status(202).header('location', `/api/imports/${id}`).send({ id, status: 'uploaded', links: { self: `/api/imports/${id}`, events: `/api/imports/${id}/events` } });
    } catch (err) {
      // A refused upload leaves no file behind (unless the same bytes were stored by an earlier import).
      if (upload) await discardTemporary(upload).catch(() => {});
      throw err;
    }
  });

  app.get<{ Querystring: { layer?: string; limit?: string } }>('/api/imports', async (request) => {
    requireImporter(request);
    const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 500);
    const layer = typeof request.query.layer === 'string' ? request.query.layer : undefined;
    const rows = await app.db.withCaller(request.caller, (c) => listImports(c, { ...(layer ? { layerId: layer } : {}), limit }));
    return { imports: rows.map((r) => importJson(r)) };
  });

  app.get<{ Params: IdParams }>('/api/imports/:id', async (request) => {
    requireImporter(request);
    return app.db.withCaller(request.caller, async (c) => {
      const row = await findImport(c, request.params.id);
      if (!row) throw importNotFound();
      return importJson(row, await sampleOf(c, row.id));
    });
  });

  app.get<{ Params: IdParams }>('/api/imports/:id/events', async (request, reply) => {
    requireImporter(request);
    const first = await app.db.withCaller(request.caller, (c) => findImport(c, request.params.id));
    if (!first) throw importNotFound();
    streamEvents(app, request, reply, first);
  });

  /** Starts a new preview run with the changed choices (inside the caller's transaction, row locked). */
  async function rerun(client: pg.ClientBase, identity: Identity, row: ImportRow, choices: Choices,
    extra: { newLayer?: NewLayerSpec; mode?: ImportMode; key?: string | null }) {
    const run = row.run + 1;
    await client.query(
      `update imports.imports set choices = $2, run = $3, status = 'uploaded', error_code = null, error_message = null,
         progress = '{"stage":"uploaded"}', new_layer = coalesce($4, new_layer), mode = coalesce($5, mode),
         key_attribute = case when $7 then $6 else key_attribute end, updated_at = now()
       where id = $1`,
      [row.id, JSON.stringify(choices), run, extra.newLayer ? JSON.stringify(extra.newLayer) : null, extra.mode ?? null,
        extra.key ?? null, extra.key !== undefined]);
    await enqueueImportJob(requireJobs(), client, { importId: row.id, action: 'preview', run, ...actorOf(identity) });
  }

  async function lockForChange(client: pg.ClientBase, identity: Identity, id: string): Promise<ImportRow> {
    const seen = await findImport(client, id);
    if (!seen) throw importNotFound();
    if (!mayImport(identity, seen)) throw new AppError(403, 'forbidden', 'Only editors who can write this layer work on its imports.');
    const row = await findImport(client, id, { forUpdate: true });
    if (!row) throw new AppError(403, 'forbidden', 'Only editors who can write this layer work on its imports.');
    if (row.status === 'committed') throw new AppError(409, 'already_committed', 'This import is committed; start a new one.');
    if (row.status === 'committing') throw new AppError(409, 'commit_in_progress', 'This import is being committed.');
    if (row.status === 'expired') {
      throw new AppError(409, 'import_expired', 'This import was not committed in time, so its preview and its file were removed. Upload the file again.');
    }
    if (row.status !== 'preview' && row.status !== 'failed') {
      throw new AppError(409, 'preview_not_ready', 'The preview is still being made; wait for it (see the events).');
    }
    return row;
  }

  app.post<{ Params: IdParams }>('/api/imports/:id/preview', async (request, reply) => {
    const identity = requireImporter(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new AppError(400, 'invalid_body', 'Send the choices as a JSON object.');
    const { new_layer, mode: rawMode, key: rawKey, ...rest } = body;
    const asked = choicesFrom(rest, false);
    await app.db.withCaller(identity, async (client) => {
      const row = await lockForChange(client, identity, request.params.id);
      await checkSrid(client, asked);
      let newLayer: NewLayerSpec | undefined;
      if (new_layer !== undefined) {
        if (!row.createsLayer) throw new AppError(400, 'not_a_new_layer', 'This import goes into an existing layer: new_layer does not apply.');
        const input = parseWith(newLayerSchema, new_layer, 'invalid_new_layer', 'new_layer');
        if (input.id !== row.layerId) throw new AppError(400, 'invalid_new_layer', 'The new layer\'s id cannot change; start a new import for another id.');
        newLayer = { ...row.newLayer!, ...input, owner_agency_id: row.agencyId, title_en: input.title_en ?? row.newLayer!.title_en ?? input.title_vi };
      }
      const m = rawMode !== undefined || rawKey !== undefined ? parseMode(rawMode ?? row.mode, rawKey ?? row.keyAttribute, row.createsLayer) : null;
      await rerun(client, identity, row, mergeChoices(row.choices, asked), {
        ...(newLayer ? { newLayer } : {}), ...(m ? { mode: m.mode, key: m.key } : {}),
      });
    }, { write: true });
    reply.status(202).send({ id: request.params.id, status: 'uploaded' });
  });

  app.post<{ Params: IdParams }>('/api/imports/:id/commit', async (request, reply) => {
    const identity = requireImporter(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new AppError(400, 'invalid_body', 'Send the commit options as a JSON object.');
    const { skip_invalid, repair, ...rest } = body;
    const options = parseWith(commitOptionsSchema, Object.fromEntries(Object.entries({ skip_invalid, repair }).filter(([, v]) => v !== undefined)),
      'invalid_commit_options', 'The commit options');
    const asked = choicesFrom(rest, false);
    const outcome = await app.db.withCaller(identity, async (client) => {
      const row = await lockForChange(client, identity, request.params.id);
      if (row.status === 'failed' || !row.report) {
        throw new AppError(409, 'import_failed', `This import failed (${row.errorMessage ?? row.errorCode}); fix the choices and preview again.`);
      }
      await checkSrid(client, asked);
      const effective = row.report.effective;
      const askedFull: Choices = asked.field_map ? { ...asked, field_map: { ...effective.field_map, ...asked.field_map } } : asked;
      const changed = changedChoices(effective, askedFull);
      if (changed.length > 0) {
        // A changed choice means another preview first: nothing is committed that the editor has not seen.
        await rerun(client, identity, row, mergeChoices(row.choices, asked), {});
        return { revalidating: changed };
      }
      const choices = mergeChoices(row.choices, asked);
      const blockers = remainingBlockers(row, choices);
      if (blockers.length > 0) {
        throw new AppError(409, 'preview_has_blockers', blockers.map((b) => b.message).join(' '), { blockers });
      }
      const p = row.report.problems;
      const blocked = p.featuresWithProblems - (options.repair ? p.repairableOnly : 0);
      if (blocked > 0 && !options.skip_invalid) {
        throw new AppError(409, 'features_have_problems',
          `${blocked} of ${row.report.featureCount} features have problems (see the report): fix the file, or commit with skip_invalid${p.repairableOnly > 0 && !options.repair ? ' (or repair, for the repairable geometries)' : ''}.`,
          { counts: p.counts });
      }
      try {
        await client.query('savepoint commit_request');
        await client.query(
          `update imports.imports set status = 'committing', choices = $2, commit_options = $3, commit_requested_by = $4,
             commit_requested_by_api_client = $6, commit_requested_at = now(), error_code = null, error_message = null,
             progress = jsonb_build_object('stage', 'committing', 'done', 0, 'total', $5::bigint), updated_at = now()
           where id = $1`,
          [row.id, JSON.stringify(choices), JSON.stringify(options), identity.kind === 'user' ? identity.userId : null,
            row.report.featureCount, identity.apiClientId ?? null]);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          await client.query('rollback to savepoint commit_request');
          throw new AppError(409, 'layer_busy', `Another import into ${row.layerId} is being committed; commit this one when it is done.`);
        }
        throw err;
      }
      await enqueueImportJob(requireJobs(), client, { importId: row.id, action: 'commit', run: row.run, ...actorOf(identity) });
      await recordAudit(client, request, {
        action: 'import_commit_requested', agencyId: row.agencyId, targetType: 'layer', targetId: row.layerId,
        details: { import_id: row.id, mode: row.mode, ...options },
      });
      return { committing: true };
    }, { write: true });
    if ('revalidating' in outcome) {
      reply.status(202).send({ id: request.params.id, status: 'uploaded', revalidating: outcome.revalidating });
      return;
    }
    reply.status(202).send({ id: request.params.id, status: 'committing' });
  });
}

const POLL_MS = 300;
const HEARTBEAT_MS = 15_000;

/** Server-sent events from the import row (polled: works whichever node or worker moves the import on). */
function streamEvents(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, first: ImportRow): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let closed = false;
  let last = '';
  let lastWrite = Date.now();
  res.on('close', () => { closed = true; });
  const send = (event: string, data: unknown) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    lastWrite = Date.now();
  };
  const emit = (row: ImportRow): boolean => {
    const data = {
      id: row.id, stage: row.status, done: row.progress.done ?? 0, total: row.progress.total ?? 0, rate: row.progress.rate ?? 0,
      ...(row.errorCode ? { error: { code: row.errorCode, message: row.errorMessage } } : {}),
    };
    const text = JSON.stringify(data);
    if (text !== last) {
      send('progress', data);
      last = text;
    }
    if (settledStatuses.includes(row.status)) {
      send('end', { id: row.id, status: row.status });
      return true;
    }
    return false;
  };
  const loop = async () => {
    let row: ImportRow | null = first;
    try {
      while (!closed && row) {
        if (emit(row)) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (Date.now() - lastWrite > HEARTBEAT_MS) {
          res.write(': still working\n\n');
          lastWrite = Date.now();
        }
        row = await app.db.withCaller(request.caller, (c) => findImport(c, first.id));
      }
    } catch (err) {
      request.log.warn({ err }, 'import events stopped');
    } finally {
      res.end();
    }
  };
  void loop();
}
