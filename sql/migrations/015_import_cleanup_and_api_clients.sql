-- Imports (issue 4), continued:
-- 1. Abandoned imports expire: a preview (or a failed run) nobody committed for a configured age loses its staging
--    tables and, when no other import still needs the same bytes, its upload file; the import row stays, with
--    status 'expired', as the record of what was tried.
-- 2. API clients with a read/write key import into their agency's layers like its editors (never a new layer):
--    an import is made and its commit asked for by a person or by an API client, exactly one of the two.

-- ---------------------------------------------------------------------------------------------------------
-- 1. Expiry

alter table imports.imports drop constraint imports_status_check;
alter table imports.imports add constraint imports_status_check
  check (status in ('uploaded', 'reading', 'validating', 'preview', 'committing', 'committed', 'failed', 'expired'));

-- When the stored bytes were removed (an upload of the same bytes later stores them again and clears it).
alter table imports.files add column removed_at timestamptz;

-- As in migration 008, and an upload of bytes whose file was removed brings them back. `do update` (rather than
-- `do nothing`) also locks the file's row until the upload's transaction ends, so that imports.expire_abandoned
-- cannot remove the bytes a new import is about to refer to (it locks the same row, see below).
create or replace function imports.add_file(p_sha256 text, p_size bigint, p_path text) returns void
language sql volatile security definer set search_path = pg_catalog, public as $$
  insert into imports.files (sha256, size_bytes, storage_path) values (p_sha256, p_size, p_path)
  on conflict (sha256) do update set removed_at = null
$$;

-- Expires the imports that stayed in preview (or failed) for longer than p_older_than: drops their staging
-- tables, marks them 'expired', and marks removed (and returns the storage paths of) the upload files that no
-- other import still refers to; the caller deletes those files before it commits. Called by the cleanup job,
-- which acts for nobody: it decides by age alone, and never younger than an hour (a preview being looked at
-- must not vanish).
create function imports.expire_abandoned(p_older_than interval, out expired uuid[], out removed_paths text[])
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_id uuid;
begin
  if p_older_than is null or p_older_than < interval '1 hour' then
    raise exception 'imports expire after an hour at the earliest, not %', p_older_than using errcode = 'invalid_parameter_value';
  end if;
  with gone as (
    update imports.imports
       set status = 'expired', updated_at = now(), progress = progress || '{"stage":"expired"}',
           error_code = 'expired',
           error_message = format('Nobody committed this import for %s, so its preview and its uploaded file were removed. Upload the file again to import it.', p_older_than)
     where status in ('preview', 'failed') and updated_at < now() - p_older_than
    returning id
  )
  select coalesce(array_agg(id), '{}') into expired from gone;
  foreach v_id in array expired loop
    execute format('drop table if exists %s', imports.staging_name(v_id, 'r'));
    execute format('drop table if exists %s', imports.staging_name(v_id, 'c'));
  end loop;
  -- First lock the files (waiting for an upload of the same bytes that is being accepted right now), then, in a
  -- statement of its own and so with a snapshot taken after that wait, keep those that a live import refers to.
  perform 1 from imports.files f
   where f.removed_at is null and f.sha256 in (select i.file_sha256 from imports.imports i where i.id = any (expired))
   order by f.sha256
   for update;
  with removed as (
    update imports.files f set removed_at = now()
     where f.removed_at is null and f.sha256 in (select i.file_sha256 from imports.imports i where i.id = any (expired))
       and not exists (select 1 from imports.imports i where i.file_sha256 = f.sha256 and i.status <> 'expired')
    returning f.storage_path
  )
  select coalesce(array_agg(storage_path order by storage_path), '{}') into removed_paths from removed;
end
$$;
revoke all on function imports.expire_abandoned(interval) from public;
grant execute on function imports.expire_abandoned(interval) to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- 2. Imports by API clients

alter table imports.imports
  alter column created_by drop not null,
  add column created_by_api_client uuid references auth.api_clients (id) on delete restrict,
  add column commit_requested_by_api_client uuid references auth.api_clients (id) on delete restrict,
  add constraint imports_made_by_one check (num_nonnulls(created_by, created_by_api_client) = 1),
  add constraint imports_commit_asked_by_one check (num_nonnulls(commit_requested_by, commit_requested_by_api_client) <= 1);

-- The caller records itself as the maker (a person or an API client, not someone else) and may import into the
-- layer: imports.caller_may_import lets an API client through auth.can_write_layer (a read/write key of the
-- owner agency, within its layer scope) and never for a new layer (that branch asks for a person's membership).
drop policy imports_add on imports.imports;
create policy imports_add on imports.imports for insert
  with check (
    ((created_by = auth.caller_user_id() and created_by_api_client is null)
      or (created_by is null and created_by_api_client = auth.caller_api_client_id()))
    and imports.caller_may_import(agency_id, layer_id, creates_layer));

-- An API client sees the imports into the layers it may write (as an editor sees those of their agency).
create policy imports_read_api_client on imports.imports for select
  using (auth.caller_api_client_id() is not null and not creates_layer and auth.can_write_layer(layer_id));

