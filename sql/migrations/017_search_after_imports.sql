-- Name search after big imports. The search index (migration 010) followed every version synchronously, in the
-- writing transaction: for a bulk import into a named layer that was most of the commit (the trigram GIN index,
-- search.fold twice per row, st_pointonsurface). Nothing requires search to change in the same instant as the
-- data (the map, tiles and feeds are never stale; search may trail a bulk load by seconds), so a large import
-- statement now only records which features it wrote, in search.pending, in its own transaction (it commits or
-- rolls back with the import), and search.index_pending indexes them from the layer's current rows afterwards:
-- called by the import worker right after the commit, and by its periodic recovery for a worker that died between
-- the two. Every other write (an edit, a small import, a restore, the demo loader) stays synchronous.
--
-- Entries now carry the version of the feature they show, and every writer moves them forward only, so a deferred
-- indexing can never put back an older state over an edit made meanwhile.

-- folded and core become plain columns, filled by the functions that write entries (search.fold once per row
-- instead of twice); the values already there are kept, and the writers give exactly what the expressions gave.
alter table search.entries
  alter column folded drop expression,
  alter column core drop expression,
  -- 0 for entries written before versions were kept: any real version (from 1) replaces them.
  add column version integer not null default 0;
alter table search.entries
  alter column folded set not null,
  alter column core set not null;

-- Features an import statement wrote whose entries are still to be written: a range of fids of one layer (an
-- upsert's range may include features it did not touch; indexing them again from their current rows is harmless).
-- Only the security definer functions below read or write it.
create table search.pending (
  id bigint generated always as identity primary key,
  layer_id text not null references catalog.layers (id) on delete cascade on update cascade,
  import_id uuid not null,
  min_fid bigint not null,
  max_fid bigint not null,
  created_at timestamptz not null default now()
);
alter table search.pending enable row level security;

-- An import statement of at least this many versions of one named layer is indexed after its commit.
create function search.deferred_min_rows() returns integer
language sql immutable parallel safe as $$ select 5000 $$;

create or replace function search.follow_history() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
declare
  v_import uuid := nullif(current_setting('cb.import_id', true), '')::uuid;
  v_named text[] := '{}';
  v_deferred text[] := '{}';
  r record;
begin
  -- One pass over the transition table (usually one layer): which layers are named, and which are deferred.
  for r in
    select n.layer_id, count(*) filter (where n.operation <> 'delete') as written,
           min(n.fid) filter (where n.operation <> 'delete') as min_fid,
           max(n.fid) filter (where n.operation <> 'delete') as max_fid
    from new_versions n join catalog.layers l on l.id = n.layer_id
    where l.name_attribute is not null
    group by n.layer_id
  loop
    v_named := v_named || r.layer_id;
    if v_import is not null and r.written >= search.deferred_min_rows() then
      insert into search.pending (layer_id, import_id, min_fid, max_fid) values (r.layer_id, v_import, r.min_fid, r.max_fid);
      v_deferred := v_deferred || r.layer_id;
    end if;
  end loop;
  if cardinality(v_named) = 0 then
    return null;
  end if;

  if cardinality(v_deferred) > 0 then
    -- Removals stay synchronous even for a deferred layer (cheap: no folding, no trigram index): index_pending
    -- only writes entries of features that exist. An insert has no entry to remove (a new fid, or a restored one
    -- whose deletion removed it), which keeps a bulk load from joining every row against the entries.
    delete from search.entries e
     using new_versions n join catalog.layers l on l.id = n.layer_id
     where n.layer_id = any (v_deferred) and n.operation <> 'insert'
       and e.layer_id = n.layer_id and e.fid = n.fid and e.version <= n.version
       and (n.geom is null or nullif(btrim(n.attributes ->> l.name_attribute), '') is null);
    if cardinality(v_deferred) = cardinality(v_named) then
      return null;
    end if;
  end if;

  with changed as (
    select distinct on (n.layer_id, n.fid) n.layer_id, n.fid, n.version, n.geom, l.geometry_family,
           left(nullif(btrim(n.attributes ->> l.name_attribute), ''), 500) as name
    from new_versions n join catalog.layers l on l.id = n.layer_id
    where n.layer_id = any (v_named) and n.layer_id <> all (v_deferred)
    order by n.layer_id, n.fid, n.version desc
  ), removed as (
    delete from search.entries e using changed c
     where e.layer_id = c.layer_id and e.fid = c.fid and (c.name is null or c.geom is null) and e.version <= c.version
  )
  insert into search.entries (layer_id, fid, name, folded, core, point, west, south, east, north, version)
  select f.layer_id, f.fid, f.name, f.folded, search.core_name(f.folded),
         -- A point is its own point on surface.
         case when f.geometry_family = 'point' then f.geom else st_pointonsurface(f.geom) end,
         st_xmin(f.geom), st_ymin(f.geom), st_xmax(f.geom), st_ymax(f.geom), f.version
  -- offset 0 keeps the subquery whole, so that search.fold runs once per row, not once per use of its result.
  from (select c.*, search.fold(c.name) as folded from changed c where c.name is not null and c.geom is not null offset 0) f
  on conflict (layer_id, fid) do update
    set name = excluded.name, folded = excluded.folded, core = excluded.core, point = excluded.point,
        west = excluded.west, south = excluded.south, east = excluded.east, north = excluded.north,
        version = excluded.version
    where search.entries.version < excluded.version;
  return null;
end
$$;

-- As in migration 010, filling folded, core and version.
create or replace function search.reindex_layer(p_layer_id text) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_rows bigint;
begin
  delete from search.entries where layer_id = p_layer_id;
  insert into search.entries (layer_id, fid, name, folded, core, point, west, south, east, north, version)
  select f.layer_id, f.fid, f.name, f.folded, search.core_name(f.folded),
         case when f.geometry_family = 'point' then f.geom else st_pointonsurface(f.geom) end,
         st_xmin(f.geom), st_ymin(f.geom), st_xmax(f.geom), st_ymax(f.geom), f.version
  from (
    select v.*, search.fold(v.name) as folded
    from (
      select distinct on (h.fid) h.layer_id, h.fid, h.version, h.operation, h.geom, l.geometry_family,
             left(nullif(btrim(h.attributes ->> l.name_attribute), ''), 500) as name
      from history.feature_versions h join catalog.layers l on l.id = h.layer_id
      where h.layer_id = p_layer_id
      order by h.fid, h.version desc
    ) v
    where v.operation <> 'delete' and v.name is not null and v.geom is not null
    offset 0
  ) f;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;

-- Writes the entries of one chunk of the oldest pending range (at most p_max_fids fids), from the layer's current
-- rows (what search should show), moves the range on (or deletes it when done), and returns how many entries it
-- wrote; null when nothing is pending that another session is not already working on (several nodes may run this
-- at once). The caller runs it again, a transaction each time, until it returns null. The layer table is locked in
-- SHARE mode first: that waits for edits in flight and holds new ones off until this transaction ends, so the
-- rows read are the newest state. Without it an edit committed after this statement's snapshot that removes a
-- name would delete nothing (the entry is not there yet) and the older name would then be written; versions
-- alone cannot tell a missing entry from a removed one. Chunks keep that wait short (well under a second for
-- 20 000 points here, against seconds for a whole import); readers (the map, tiles, feeds) are never blocked.
create function search.index_pending(p_max_fids bigint default 20000) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  p search.pending;
  l catalog.layers;
  v_table regclass;
  v_type regtype;
  v_name_expr text;
  v_rows bigint := 0;
  v_last bigint;
begin
  select * into p from search.pending order by id limit 1 for update skip locked;
  if not found then
    return null;
  end if;
  v_last := least(p.max_fid, p.min_fid + greatest(p_max_fids, 1) - 1);
  v_table := null;
  v_type := null;
  select * into l from catalog.layers where id = p.layer_id;
  if found then
    v_table := to_regclass(format('%I.%I', l.sector_code, split_part(l.id, '.', 2)));
  end if;
  if v_table is not null and l.name_attribute is not null then
    select a.atttypid::regtype into v_type
    from pg_attribute a where a.attrelid = v_table and a.attname = l.name_attribute and a.attnum > 0 and not a.attisdropped;
  end if;
  -- A layer without its table, without a name attribute any more, or naming a column it does not have: nothing
  -- to index (history would give no name either).
  if v_type is not null then
    execute format('lock table %s in share mode', v_table);
    -- The name as history has it (jsonb_build_object, then ->>, in history.record_changes): the text itself for
    -- a text column, JSON's rendering of any other type.
    v_name_expr := case when v_type = 'text'::regtype then format('r.%I', l.name_attribute)
                        else format('jsonb_build_object(''v'', r.%I) ->> ''v''', l.name_attribute) end;
    execute format($q$
      insert into search.entries (layer_id, fid, name, folded, core, point, west, south, east, north, version)
      select $1, f.fid, f.name, f.folded, search.core_name(f.folded), %s,
             st_xmin(f.geom), st_ymin(f.geom), st_xmax(f.geom), st_ymax(f.geom), f.version
      from (
        select v.*, search.fold(v.name) as folded
        from (select r.fid, r.version, r.geom, left(nullif(btrim(%s), ''), 500) as name
              from %s r where r.fid between $2 and $3) v
        where v.name is not null
        offset 0
      ) f
      on conflict (layer_id, fid) do update
        set name = excluded.name, folded = excluded.folded, core = excluded.core, point = excluded.point,
            west = excluded.west, south = excluded.south, east = excluded.east, north = excluded.north,
            version = excluded.version
        where search.entries.version < excluded.version
      $q$,
      case when l.geometry_family = 'point' then 'f.geom' else 'st_pointonsurface(f.geom)' end, v_name_expr, v_table)
    using l.id, p.min_fid, v_last;
    get diagnostics v_rows = row_count;
  end if;
  if v_last >= p.max_fid or v_type is null then
    delete from search.pending where id = p.id;
  else
    update search.pending set min_fid = v_last + 1 where id = p.id;
  end if;
  return v_rows;
end
$$;

revoke all on function search.index_pending(bigint), search.deferred_min_rows() from public;
grant execute on function search.index_pending(bigint) to cb_app;
