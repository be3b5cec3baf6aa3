-- Faster bulk loads into layer tables (issue 4, Speed), with the same guarantees as before.
--
-- 1. Bookkeeping columns get their values from column defaults; the plpgsql row trigger runs on insert only for a
--    row whose bookkeeping differs from what the trigger would set (WHEN clause, evaluated without a plpgsql
--    call), and then forces it as before. A client still cannot choose version, created_*, updated_* on insert.
--    Updates keep the trigger on every row (it carries fid, version and creation over from the old row).
-- 2. A layer table with no rows can be loaded without its GiST indexes and have them built afterwards in one
--    sorted pass (imports.suspend_layer_indexes, catalog.ensure_layer_indexes): several times cheaper than
--    maintaining them row by row.

-- The version a new row starts at (a restore continues the deleted feature's sequence, see stamp_feature).
create function catalog.initial_version() returns integer
language sql stable parallel safe as $$
  select coalesce(nullif(current_setting('cb.restore_version', true), '')::integer, 1)
$$;
grant execute on function catalog.initial_version() to cb_app;

-- The stamp triggers and defaults of one layer table (new ones, and every existing one below).
create function catalog.install_stamp(p_table regclass) returns void
language plpgsql as $$
begin
  execute format('alter table %s alter column version set default catalog.initial_version(),
                    alter column created_at set default now(), alter column created_by set default auth.caller_user_id(),
                    alter column updated_at set default now(), alter column updated_by set default auth.caller_user_id()', p_table);
  execute format('drop trigger if exists stamp on %s', p_table);
  execute format('drop trigger if exists stamp_insert on %s', p_table);
  execute format('drop trigger if exists stamp_update on %s', p_table);
  execute format(
    'create trigger stamp_insert before insert on %s for each row
       when (new.version is distinct from catalog.initial_version()
             or new.created_at is distinct from now() or new.updated_at is distinct from now()
             or new.created_by is distinct from auth.caller_user_id() or new.updated_by is distinct from auth.caller_user_id())
       execute function catalog.stamp_feature()', p_table);
  execute format('create trigger stamp_update before update on %s for each row execute function catalog.stamp_feature()', p_table);
end
$$;
revoke all on function catalog.install_stamp(regclass) from public;

do $$
declare
  v_table regclass;
begin
  for v_table in
    select to_regclass(format('%I.%I', l.sector_code, split_part(l.id, '.', 2))) from catalog.layers l
  loop
    if v_table is not null then
      perform catalog.install_stamp(v_table);
    end if;
  end loop;
end
$$;

-- The GiST indexes every layer table has (on geom and geom_3857), created where missing. Idempotent, so the
-- server's role may call it for any layer: at worst it builds an index that should have been there anyway.
create function catalog.ensure_layer_indexes(p_layer_id text) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_table regclass;
  v_col text;
begin
  select to_regclass(format('%I.%I', l.sector_code, split_part(l.id, '.', 2))) into v_table
  from catalog.layers l where l.id = p_layer_id;
  if v_table is null then
    raise exception 'unknown layer %', p_layer_id using errcode = 'no_data_found';
  end if;
  foreach v_col in array array['geom', 'geom_3857'] loop
    if not exists (
      select 1 from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
      where i.indrelid = v_table and am.amname = 'gist' and i.indnatts = 1 and a.attname = v_col) then
      execute format('create index on %s using gist (%I)', v_table, v_col);
    end if;
  end loop;
end
$$;
revoke all on function catalog.ensure_layer_indexes(text) from public;
grant execute on function catalog.ensure_layer_indexes(text) to cb_app;

-- Drops a layer table's GiST indexes when the table has no rows, so that an import can load it and then build
-- them with catalog.ensure_layer_indexes in the same transaction (a rollback brings the old indexes back).
-- Only for an editor who may write the layer, only on an empty table (an editor could delete every row anyway),
-- and without waiting: dropping an index takes an ACCESS EXCLUSIVE lock, held until the commit, so readers of
-- the (empty) layer wait for the load. If someone is reading it right now, the load keeps its indexes instead.
-- Returns whether the indexes were dropped.
create function imports.suspend_layer_indexes(p_layer_id text) returns boolean
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_table regclass;
  v_index regclass;
  v_empty boolean;
begin
  if not auth.can_write_layer(p_layer_id) then
    raise exception 'not allowed to write layer %', p_layer_id using errcode = 'insufficient_privilege';
  end if;
  select to_regclass(format('%I.%I', l.sector_code, split_part(l.id, '.', 2))) into v_table
  from catalog.layers l where l.id = p_layer_id;
  if v_table is null then
    return false;
  end if;
  begin
    execute format('lock table %s in access exclusive mode nowait', v_table);
  exception when lock_not_available then
    return false;
  end;
  execute format('select not exists (select 1 from %s)', v_table) into v_empty;
  if not v_empty then
    return false;
  end if;
  for v_index in
    select i.indexrelid::regclass from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
    where i.indrelid = v_table and am.amname = 'gist'
  loop
    execute format('drop index %s', v_index);
  end loop;
  return true;
end
$$;
revoke all on function imports.suspend_layer_indexes(text) from public;
grant execute on function imports.suspend_layer_indexes(text) to cb_app;

-- As in migration 004, with the stamp of install_stamp.
create or replace function catalog.create_layer_table(p_layer_id text) returns void
language plpgsql as $$
declare
  l catalog.layers;
  a jsonb;
  v_schema text;
  v_table text;
  v_qualified text;
  v_geom_type text;
  v_cols text := '';
  v_name text;
  v_type text;
begin
  select * into l from catalog.layers where id = p_layer_id;
  if not found then
    raise exception 'unknown layer %', p_layer_id using errcode = 'no_data_found';
  end if;
  v_schema := l.sector_code;
  v_table := split_part(l.id, '.', 2);
  v_qualified := format('%I.%I', v_schema, v_table);
  v_geom_type := case l.geometry_family when 'point' then 'Point' when 'line' then 'MultiLineString'
                                       else 'MultiPolygon' end;
  for a in select * from jsonb_array_elements(l.attributes) loop
    v_name := a ->> 'name';
    v_type := catalog.sql_type(a ->> 'type');
    if v_name is null or v_name !~ '^[a-z][a-z0-9_]{0,62}$' or v_name = any (catalog.system_columns()) then
      raise exception 'layer %: invalid attribute name %', p_layer_id, coalesce(v_name, '(none)')
        using errcode = 'invalid_name';
    end if;
    if v_type is null then
      raise exception 'layer %: attribute % has unknown type %', p_layer_id, v_name, a ->> 'type'
        using errcode = 'invalid_parameter_value';
    end if;
    v_cols := v_cols || format(', %I %s', v_name, v_type);
  end loop;

  execute format('create schema if not exists %I', v_schema);
  execute format('grant usage on schema %I to cb_app', v_schema);
  -- The 3857 copy is stored (generated) rather than an expression index: measured faster for tiles.
  execute format(
    'create table %s (
       fid bigint generated by default as identity primary key,
       geom geometry(%s, 4326) not null check (st_isvalid(geom) and not st_isempty(geom)),
       geom_3857 geometry(%s, 3857) generated always as (st_transform(geom, 3857)) stored,
       version integer not null default 1,
       created_at timestamptz not null default now(),
       created_by uuid,
       updated_at timestamptz not null default now(),
       updated_by uuid%s
     )', v_qualified, v_geom_type, v_geom_type, v_cols);
  execute format('create index on %s using gist (geom)', v_qualified);
  execute format('create index on %s using gist (geom_3857)', v_qualified);
  perform catalog.install_stamp(v_qualified::regclass);
  execute format('create trigger history_insert after insert on %s referencing new table as new_rows for each statement execute function history.record_changes()', v_qualified);
  execute format('create trigger history_update after update on %s referencing old table as old_rows new table as new_rows for each statement execute function history.record_changes()', v_qualified);
  execute format('create trigger history_delete after delete on %s referencing old table as old_rows for each statement execute function history.record_changes()', v_qualified);

  -- Row level security is the last word. `(select …)` makes the check an InitPlan: once per query, not per row.
  execute format('alter table %s enable row level security', v_qualified);
  execute format('alter table %s force row level security', v_qualified);
  perform catalog.apply_read_policy(l.id);
  execute format('create policy insert on %s for insert with check ((select auth.can_write_layer(%L)))', v_qualified, l.id);
  execute format('create policy update on %s for update using ((select auth.can_write_layer(%L))) with check ((select auth.can_write_layer(%L)))', v_qualified, l.id, l.id);
  execute format('create policy delete on %s for delete using ((select auth.can_write_layer(%L)))', v_qualified, l.id);
  execute format('grant select, insert, update, delete on %s to cb_app', v_qualified);
end
$$;

-- As in migration 008, without the primary key on _idx: the reader numbers features itself, one each, and
-- maintaining the index was about a sixth of the validation statement. (Sorting by _idx at commit needs none.)
create or replace function imports.reset_checked(p_import uuid, p_attributes jsonb) returns text
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
  execute format('create unlogged table %s (_idx integer not null, _geom geometry, _codes text[] not null, _reasons text[] not null, _repaired boolean not null default false%s)', v_name, v_cols);
  execute format('grant select, insert, update, delete, truncate on %s to cb_app', v_name);
  return v_name;
end
$$;

-- As in migration 008, with who/why (caller, API client, import, note) read once per statement and passed in,
-- rather than four settings looked up again for every row of the transition table.
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
  v_user uuid := auth.caller_user_id();
  v_client uuid := auth.caller_api_client_id();
  v_import uuid := nullif(current_setting('cb.import_id', true), '')::uuid;
  v_note text := nullif(current_setting('cb.change_note', true), '');
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
       select $1, r.fid, r.version + 1, ''delete'', null, %s, now(), $3, $4, $5, $6
       from old_rows r', v_attrs) using v_layer, v_op, v_user, v_client, v_import, v_note;
    get diagnostics v_rows = row_count;
    select st_extent(o.geom) into v_bbox from old_rows o;
    v_delta := -v_rows;
  else
    execute format(
      'insert into history.feature_versions (layer_id, fid, version, operation, geom, attributes, changed_at, changed_by,
                                             api_client_id, import_id, note)
       select $1, r.fid, r.version, $2, r.geom, %s, now(), $3, $4, $5, $6
       from new_rows r', v_attrs) using v_layer, v_op, v_user, v_client, v_import, v_note;
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
