-- Bulk imports (issue 4): uploaded files (content-addressed), imports with their status and preview report,
-- per-import staging tables, and the one way an editor's import creates a new layer.
-- The server's role owns nothing here either: staging tables are made by security definer functions that check
-- the caller works on the import, and belong to the migration owner.

create schema imports;
create schema import_staging;
grant usage on schema imports, import_staging to cb_app;

create table imports.files (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint not null check (size_bytes >= 0),
  -- Relative to DATA_DIR/uploads: the same bytes uploaded twice are stored once.
  storage_path text not null check (storage_path ~ '^[0-9a-f]{2}/[0-9a-f]{64}$'),
  created_at timestamptz not null default now()
);

create table imports.imports (
  id uuid primary key default gen_random_uuid(),
  file_sha256 text not null references imports.files (sha256) on delete restrict,
  original_name text not null,
  -- The agency whose layer this is (or will be): its editors and admins and the operator see the import.
  agency_id uuid not null references catalog.agencies (id) on delete restrict,
  -- An existing layer, or the id the new layer gets at commit (no foreign key: it does not exist before).
  layer_id text not null check (layer_id ~ '^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,40}$'),
  creates_layer boolean not null default false,
  new_layer jsonb,
  mode text not null check (mode in ('append', 'replace', 'upsert')),
  key_attribute text,
  -- What the editor chose over what was detected: encoding, srid, swap_xy, field_map, dataset.
  choices jsonb not null default '{}' check (jsonb_typeof(choices) = 'object'),
  status text not null default 'uploaded'
    check (status in ('uploaded', 'reading', 'validating', 'preview', 'committing', 'committed', 'failed')),
  -- Every preview request is a new run; a job of an older run finds itself superseded and stops.
  run integer not null default 1,
  progress jsonb not null default '{}',
  report jsonb,
  sample jsonb,
  error_code text,
  error_message text,
  commit_options jsonb,
  result jsonb,
  created_by uuid not null references auth.users (id) on delete restrict,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  commit_requested_by uuid references auth.users (id) on delete restrict,
  commit_requested_at timestamptz,
  committed_at timestamptz,
  check (mode <> 'upsert' or key_attribute is not null),
  check (creates_layer = (new_layer is not null))
);
create index on imports.imports (agency_id, created_at desc);
create index on imports.imports (layer_id, created_at desc);
-- Two imports into one layer never commit at once: the second is refused (409) while the first is committing.
create unique index imports_one_commit_per_layer on imports.imports (layer_id) where status = 'committing';

-- ---------------------------------------------------------------------------------------------------------
-- Who may see and work on an import.

-- Editors and agency admins of the agency, and the operator, see its imports.
create function imports.caller_sees_agency(p_agency uuid) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select auth.caller_is_operator() or exists (
    select 1 from auth.memberships m join auth.users u on u.id = m.user_id
    where u.id = auth.caller_user_id() and u.status = 'active' and m.agency_id = p_agency
      and m.role in ('editor', 'agency_admin'))
$$;

-- Whether the caller may import into the layer for the agency: an editor who can write that existing layer of
-- the agency, or, for a layer the import creates, an editor of the agency not limited to some layers.
create function imports.caller_may_import(p_agency uuid, p_layer text, p_creates boolean) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select case
    when p_creates then exists (
      select 1 from auth.memberships m join auth.users u on u.id = m.user_id
      where u.id = auth.caller_user_id() and u.status = 'active' and m.agency_id = p_agency
        and m.role = 'editor' and m.layer_scope is null)
    else auth.can_write_layer(p_layer)
         and exists (select 1 from catalog.layers l where l.id = p_layer and l.owner_agency_id = p_agency)
  end
$$;

-- A new layer's id must be free, including of layers the caller cannot see (a clash would fail at commit).
create function imports.layer_id_taken(p_layer text) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select exists (select 1 from catalog.layers where id = p_layer)
$$;

alter table imports.files enable row level security;
alter table imports.imports enable row level security;
create policy files_read on imports.files for select
  using (exists (select 1 from imports.imports i where i.file_sha256 = sha256));
create policy imports_read on imports.imports for select using (imports.caller_sees_agency(agency_id));
create policy imports_add on imports.imports for insert
  with check (created_by = auth.caller_user_id() and imports.caller_may_import(agency_id, layer_id, creates_layer));
create policy imports_change on imports.imports for update
  using (imports.caller_may_import(agency_id, layer_id, creates_layer))
  with check (imports.caller_may_import(agency_id, layer_id, creates_layer));
grant select on imports.files to cb_app;

-- Records a stored upload (the same bytes uploaded again: nothing to add). Security definer, so that an upload
-- can be recorded before any import of the caller's refers to it (files are visible only through imports).
create function imports.add_file(p_sha256 text, p_size bigint, p_path text) returns void
language sql volatile security definer set search_path = pg_catalog, public as $$
  insert into imports.files (sha256, size_bytes, storage_path) values (p_sha256, p_size, p_path)
  on conflict (sha256) do nothing
$$;
grant select, insert, update on imports.imports to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Staging: per import, an UNLOGGED table the file's records are copied into (`r_…`: feature index, source
-- geometry as read, properties, the reader's problems) and one with the validated rows (`c_…`: the geometry
-- in 4326 as the layer stores it, problem codes, and one typed column per layer attribute). Unlogged: staging
-- is rebuilt from the stored file after a crash anyway, so WAL would only slow the COPY down.

create function imports.staging_name(p_import uuid, p_kind text) returns text
language sql immutable parallel safe as $$
  select format('import_staging.%I', p_kind || '_' || replace(p_import::text, '-', ''))
$$;

create function imports.assert_works_on(p_import uuid) returns void
language plpgsql stable security definer set search_path = pg_catalog, public as $$
begin
  if not exists (select 1 from imports.imports i where i.id = p_import
                   and imports.caller_may_import(i.agency_id, i.layer_id, i.creates_layer)) then
    raise exception 'not allowed to work on import %', p_import using errcode = 'insufficient_privilege';
  end if;
end
$$;

create function imports.drop_staging(p_import uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  perform imports.assert_works_on(p_import);
  execute format('drop table if exists %s', imports.staging_name(p_import, 'r'));
  execute format('drop table if exists %s', imports.staging_name(p_import, 'c'));
end
$$;

-- A fresh raw table: a retried job starts the staging from scratch.
create function imports.reset_staging(p_import uuid) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_name text := imports.staging_name(p_import, 'r');
begin
  perform imports.drop_staging(p_import);
  execute format('create unlogged table %s (idx integer not null, wkb geometry, props jsonb not null, problems jsonb)', v_name);
  execute format('grant select, insert, update, delete, truncate on %s to cb_app', v_name);
  return v_name;
end
$$;

-- The validated table, with the columns of the layer's attributes (names and types checked as
-- catalog.create_layer_table checks them). Its own columns start with `_`, which no attribute name can.
create function imports.reset_checked(p_import uuid, p_attributes jsonb) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_name text := imports.staging_name(p_import, 'c');
  v_cols text := '';
  a jsonb;
  v_type text;
begin
  perform imports.assert_works_on(p_import);
  for a in select * from jsonb_array_elements(p_attributes) loop
    v_type := catalog.sql_type(a ->> 'type');
    if (a ->> 'name') is null or (a ->> 'name') !~ '^[a-z][a-z0-9_]{0,62}$' or (a ->> 'name') = any (catalog.system_columns())
       or v_type is null then
      raise exception 'invalid attribute % for staging', a using errcode = 'invalid_name';
    end if;
    v_cols := v_cols || format(', %I %s', a ->> 'name', v_type);
  end loop;
  execute format('drop table if exists %s', v_name);
  execute format('create unlogged table %s (_idx integer primary key, _geom geometry, _codes text[] not null, _reasons text[] not null, _repaired boolean not null default false%s)', v_name, v_cols);
  execute format('grant select, insert, update, delete, truncate on %s to cb_app', v_name);
  return v_name;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Values of a file that do not fit the layer's types are found without raising errors (one bad row must not
-- fail the statement for the 499 999 others).

-- 'YYYY-MM-DD' or DBF's 'YYYYMMDD' as a date, null when it is not a real date.
create function imports.parse_date(p text) returns date
language sql immutable parallel safe as $$
  select case
    when m is null then null
    when m[1]::int < 1 or m[2]::int not between 1 and 12 or m[3]::int < 1 then null
    when m[3]::int > extract(day from make_date(m[1]::int, m[2]::int, 1) + interval '1 month' - interval '1 day') then null
    else make_date(m[1]::int, m[2]::int, m[3]::int)
  end
  from (select regexp_match(btrim(p), '^(\d{4})-?(\d{2})-?(\d{2})$') as m) s
$$;

-- Date and time (rare in files): a cast in a guarded block.
create function imports.parse_timestamptz(p text) returns timestamptz
language plpgsql stable parallel safe as $$
begin
  if p is null or btrim(p) !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$' then
    return null;
  end if;
  return p::timestamptz;
exception when others then
  return null;
end
$$;

-- A number as text that fits a float8 (no NaN, no 1e400), else null.
create function imports.parse_number(p text) returns double precision
language sql immutable parallel safe as $$
  select case when n is not null and abs(n) < 1e308 then n::double precision end
  from (select case when btrim(p) ~ '^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$' then btrim(p)::numeric end as n) s
$$;

-- A whole number as text (or a float without fraction) that fits a bigint, else null.
create function imports.parse_integer(p text) returns bigint
language sql immutable parallel safe as $$
  select case when n is not null and n = trunc(n) and abs(n) <= 9007199254740992 then n::bigint end
  from (select case when btrim(p) ~ '^[-+]?\d{1,18}(\.0*)?$' then btrim(p)::numeric end as n) s
$$;

create function imports.parse_boolean(p text) returns boolean
language sql immutable parallel safe as $$
  select case lower(btrim(p))
    when 't' then true when 'true' then true when 'y' then true when 'yes' then true when '1' then true
    when 'f' then false when 'false' then false when 'n' then false when 'no' then false when '0' then false
  end
$$;

-- Reprojection that answers null instead of raising for coordinates outside the projection's domain. Only used
-- when the set-based transform of a whole staging table failed (the usual case needs no exception block).
create function imports.try_transform(p_geom geometry, p_srid integer) returns geometry
language plpgsql stable parallel safe as $$
begin
  return st_transform(st_setsrid(p_geom, p_srid), 4326);
exception when others then
  return null;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- A new layer made by an import, inside the commit's transaction (so it appears with its features, or not at
-- all). The layer's table belongs to this function's owner, like every other layer table.
create function imports.create_layer(p_spec jsonb) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_agency uuid := (p_spec ->> 'owner_agency_id')::uuid;
  v_id text := p_spec ->> 'id';
begin
  if not exists (
    select 1 from auth.memberships m join auth.users u on u.id = m.user_id
    where u.id = auth.caller_user_id() and u.status = 'active' and m.agency_id = v_agency
      and m.role in ('editor', 'agency_admin') and m.layer_scope is null) then
    raise exception 'only editors and admins of the agency create its layers' using errcode = 'insufficient_privilege';
  end if;
  insert into catalog.layers (id, sector_code, owner_agency_id, title_vi, title_en, description_vi, description_en,
                              geometry_family, attributes, name_attribute, visibility, source, legal_basis, licence)
  values (v_id, split_part(v_id, '.', 1), v_agency, p_spec ->> 'title_vi', p_spec ->> 'title_en',
          coalesce(p_spec ->> 'description_vi', ''), coalesce(p_spec ->> 'description_en', ''),
          p_spec ->> 'geometry_family', coalesce(p_spec -> 'attributes', '[]'), p_spec ->> 'name_attribute',
          coalesce(p_spec ->> 'visibility', 'public'), p_spec ->> 'source', coalesce(p_spec ->> 'legal_basis', ''),
          coalesce(p_spec ->> 'licence', 'CC BY 4.0'));
  perform catalog.create_layer_table(v_id);
end
$$;

revoke all on all functions in schema imports from public;
grant execute on all functions in schema imports to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- history.record_changes (migration 004) wrote each version's attributes as `to_jsonb(row) - system columns`:
-- to_jsonb turns both geometry columns into GeoJSON first (PostGIS casts geometry to json), only for them to be
-- stripped, which made history cost ~65 µs per row (35 s for a 500 000-feature import). Same function, same
-- output, with the attributes built from the table's own columns instead.
create or replace function history.record_changes() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
declare
  v_layer text := tg_table_schema || '.' || tg_table_name;
  v_op text := lower(tg_op);
  v_rows bigint;
  v_delta bigint;
  v_bbox box2d;
  v_version bigint;
  v_strip text[] := array['fid', 'geom', 'geom_3857', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by'];
  v_attrs text;
  v_src text := case when tg_op = 'DELETE' then 'old_rows' else 'new_rows' end;
begin
  -- jsonb_build_object takes at most 100 arguments: 50 columns per call, concatenated.
  select coalesce(string_agg(part, ' || '), '''{}''::jsonb') into v_attrs
  from (
    select format('jsonb_build_object(%s)', string_agg(format('%L, r.%I', attname, attname), ', ' order by attnum)) as part
    from (select attname, attnum, (row_number() over (order by attnum) - 1) / 50 as chunk
          from pg_attribute
          where attrelid = tg_relid and attnum > 0 and not attisdropped and attname <> all (v_strip)) a
    group by chunk
  ) parts;
  if tg_op = 'DELETE' then
    execute format(
      'insert into history.feature_versions (layer_id, fid, version, operation, geom, attributes, changed_at, changed_by,
                                             api_client_id, import_id, note)
       select $1, r.fid, r.version + 1, ''delete'', null, %s, now(), auth.caller_user_id(), auth.caller_api_client_id(),
              nullif(current_setting(''cb.import_id'', true), '''')::uuid, nullif(current_setting(''cb.change_note'', true), '''')
       from old_rows r', v_attrs) using v_layer;
    get diagnostics v_rows = row_count;
    select st_extent(o.geom) into v_bbox from old_rows o;
    v_delta := -v_rows;
  else
    execute format(
      'insert into history.feature_versions (layer_id, fid, version, operation, geom, attributes, changed_at, changed_by,
                                             api_client_id, import_id, note)
       select $1, r.fid, r.version, $2, r.geom, %s, now(), auth.caller_user_id(), auth.caller_api_client_id(),
              nullif(current_setting(''cb.import_id'', true), '''')::uuid, nullif(current_setting(''cb.change_note'', true), '''')
       from new_rows r', v_attrs) using v_layer, v_op;
    get diagnostics v_rows = row_count;
    if tg_op = 'INSERT' then
      select st_extent(n.geom) into v_bbox from new_rows n;
      v_delta := v_rows;
    else
      -- An update can move a feature: the old and the new place both change.
      select st_extent(g) into v_bbox
      from (select geom as g from new_rows union all select geom from old_rows) moved;
      v_delta := 0;
    end if;
  end if;
  if v_rows = 0 then
    return null;
  end if;
  update catalog.layers
     set data_version = data_version + 1, data_updated_at = now(), feature_count = feature_count + v_delta
   where id = v_layer
  returning data_version into v_version;
  perform pg_notify('cb_layer_changed', json_build_object(
    'layer', v_layer, 'version', v_version,
    'bbox', case when v_bbox is null then null
                 else json_build_array(st_xmin(v_bbox), st_ymin(v_bbox), st_xmax(v_bbox), st_ymax(v_bbox)) end
  )::text);
  return null;
end
$$;
