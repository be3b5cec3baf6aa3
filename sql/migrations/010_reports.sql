-- Citizen error reports (Điều 8.1c): anyone reports a wrong or missing feature, on a feature or on a point of the
-- map; the report goes to the inbox of the agency that owns the data, whose staff answer it. Also the name search
-- index (issue 7: "ban gioc" finds "Bản Giốc"), which shares this migration because both arrived together.
--
-- Reports are written only through reports.submit (security definer): it decides the routing from the catalog,
-- refuses layers the caller may not read, and drops a repeated text from the same address. Staff read and update
-- them as the server's role under row level security; the contact and the address never leave the database
-- except to the agency's own staff (the contact) or nobody (the address).

create extension if not exists pg_trgm;

create schema reports;
grant usage on schema reports to cb_app;

-- A ticket is CB-XXXX-XXXX in Crockford's base 32 (no I, L, O, U: nothing to misread on a phone call), 40 random
-- bits: with lookups rate limited per address, guessing someone else's ticket is hopeless.
create table reports.reports (
  id uuid primary key default gen_random_uuid(),
  ticket text not null unique check (ticket ~ '^CB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$'),
  -- Whose inbox: the owner of the layer (kept in step when layers are handed over or agencies merged), or for a
  -- report on a point the agency the reporter chose, the operator by default.
  agency_id uuid not null references catalog.agencies (id) on delete restrict,
  layer_id text references catalog.layers (id) on delete restrict on update cascade,
  fid bigint,
  location geometry(Point, 4326) not null
    check (st_x(location) between 105.25 and 106.85 and st_y(location) between 22.3 and 23.15),
  category text not null
    check (category in ('wrong_position', 'wrong_attribute', 'missing_feature', 'should_not_exist', 'other')),
  description text not null check (char_length(description) between 10 and 2000),
  contact text check (char_length(contact) between 5 and 200),
  status text not null default 'new' check (status in ('new', 'in_progress', 'fixed', 'rejected')),
  -- The agency's answer, shown publicly with the status.
  reply text check (char_length(reply) <= 2000),
  -- Why the report is held out of every inbox (the honeypot was filled). Kept, not dropped: an honest person
  -- whose browser filled the hidden field can still be found by the operator.
  held_reason text check (held_reason in ('honeypot')),
  submitted_by uuid references auth.users (id) on delete set null,
  -- For the per-address daily limit and duplicate detection only: no API returns it.
  submitter_ip inet,
  text_hash text not null check (text_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid references auth.users (id) on delete set null,
  check ((layer_id is null) = (fid is null))
);
create index on reports.reports (agency_id, status, created_at desc);
create index on reports.reports (layer_id, fid) where layer_id is not null;
create index on reports.reports (submitter_ip, created_at);

-- What happened to a report, append-only: its submission, each status change or reply, each move to another agency.
create table reports.report_events (
  id bigint generated always as identity primary key,
  report_id uuid not null references reports.reports (id) on delete restrict,
  at timestamptz not null default clock_timestamp(),
  actor_user_id uuid references auth.users (id) on delete set null,
  agency_id uuid not null references catalog.agencies (id) on delete restrict,
  from_status text,
  to_status text not null,
  reply text
);
create index on reports.report_events (report_id, at);
create trigger report_events_append_only before update or delete on reports.report_events
  for each row execute function history.forbid_change();
create trigger report_events_no_truncate before truncate on reports.report_events
  for each statement execute function history.forbid_change();

-- ---------------------------------------------------------------------------------------------------------
-- Who handles a report: the operator; the agency's admins; its editors, an editor limited to some layers only for
-- those layers (and for reports on a point, which name no layer). Nobody sees a report on a layer they may not read.

create function reports.caller_handles(p_agency uuid, p_layer text) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select (p_layer is null or auth.can_read_layer(p_layer)) and (
    auth.caller_is_operator()
    or exists (
      select 1 from auth.users u join auth.memberships m on m.user_id = u.id
      where u.id = auth.caller_user_id() and u.status = 'active' and m.agency_id = p_agency
        and (m.role = 'agency_admin'
             or (m.role = 'editor' and (m.layer_scope is null or p_layer is null or p_layer = any (m.layer_scope))))))
$$;

-- The life of a report: new → in progress → fixed or rejected; a closed report can be reopened. A rejection says why.
create function reports.check_change() returns trigger
language plpgsql as $$
begin
  if new.status is distinct from old.status and not (
       (old.status = 'new' and new.status in ('in_progress', 'fixed', 'rejected'))
    or (old.status = 'in_progress' and new.status in ('fixed', 'rejected'))
    or (old.status in ('fixed', 'rejected') and new.status = 'in_progress')) then
    raise exception 'a report cannot go from % to %', old.status, new.status using errcode = 'check_violation';
  end if;
  if new.status = 'rejected' and coalesce(btrim(new.reply), '') = '' then
    raise exception 'a rejected report needs a reply that says why' using errcode = 'check_violation';
  end if;
  new.updated_at := now();
  new.updated_by := coalesce(auth.caller_user_id(), old.updated_by);
  return new;
end
$$;
create trigger check_change before update on reports.reports
  for each row execute function reports.check_change();

create function reports.record_event() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  insert into reports.report_events (report_id, actor_user_id, agency_id, from_status, to_status, reply)
  values (new.id, auth.caller_user_id(), new.agency_id, case when tg_op = 'UPDATE' then old.status end, new.status,
          case when tg_op = 'UPDATE' and new.reply is distinct from old.reply then new.reply end);
  return null;
end
$$;
create trigger record_submitted after insert on reports.reports
  for each row execute function reports.record_event();
create trigger record_changed after update of status, reply, agency_id on reports.reports
  for each row
  when (old.status is distinct from new.status or old.reply is distinct from new.reply or old.agency_id is distinct from new.agency_id)
  execute function reports.record_event();

-- Routing follows ownership: a layer handed to another agency takes its open reports along, and a merged
-- agency's open reports go to the agency it merged into (closed ones stay where they were answered).
create function reports.follow_layer_owner() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  update reports.reports set agency_id = new.owner_agency_id
   where layer_id = new.id and status in ('new', 'in_progress') and agency_id is distinct from new.owner_agency_id;
  return null;
end
$$;
create trigger reports_follow_owner after update of owner_agency_id on catalog.layers
  for each row when (new.owner_agency_id is distinct from old.owner_agency_id)
  execute function reports.follow_layer_owner();

create function reports.follow_agency_merge() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  update reports.reports set agency_id = new.merged_into
   where agency_id = new.id and status in ('new', 'in_progress');
  return null;
end
$$;
create trigger reports_follow_merge after update of status, merged_into on catalog.agencies
  for each row when (new.status = 'merged' and new.merged_into is not null)
  execute function reports.follow_agency_merge();

-- ---------------------------------------------------------------------------------------------------------
-- Submitting. The server has checked the input and the caller already; this is the last word on routing and
-- visibility, and it answers with an outcome rather than an error so the server can say exactly what went wrong.

create function reports.new_ticket() returns text
language plpgsql volatile as $$
declare
  v_alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  -- gen_random_uuid draws from the strong random source; bytes 6 and 8 carry the version and variant bits.
  v_bytes bytea := uuid_send(gen_random_uuid());
  v_code text := '';
  i integer;
begin
  foreach i in array array[0, 1, 2, 3, 4, 5, 7, 9] loop
    v_code := v_code || substr(v_alphabet, get_byte(v_bytes, i) % 32 + 1, 1);
  end loop;
  return 'CB-' || substr(v_code, 1, 4) || '-' || substr(v_code, 5, 4);
end
$$;

create function reports.submit(
  p_layer_id text, p_fid bigint, p_lon double precision, p_lat double precision, p_agency_code text,
  p_category text, p_description text, p_contact text, p_held_reason text, p_ip inet, p_text_hash text,
  p_duplicate_window interval, p_daily_limit integer)
returns table (outcome text, ticket text, agency_id uuid)
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_layer catalog.layers;
  v_agency uuid;
  v_location geometry;
  v_ticket text;
  v_same_target boolean;
  v_exists boolean;
begin
  -- One address submitting the same text twice at once (a double click) must not get two tickets.
  perform pg_advisory_xact_lock(hashtextextended('reports.submit:' || coalesce(host(p_ip), ''), 0));

  if p_layer_id is not null then
    select * into v_layer from catalog.layers l where l.id = p_layer_id;
    if not found or not auth.can_read_layer(p_layer_id) then
      return query select 'layer_not_found', null::text, null::uuid;
      return;
    end if;
    v_agency := v_layer.owner_agency_id;
    -- The layer's id passed the catalog's CHECK, so it is a safe identifier; the feature's place is where the
    -- report is shown when the reporter did not point at a place of their own.
    execute format('select st_pointonsurface(geom) from %I.%I where fid = $1', v_layer.sector_code, split_part(v_layer.id, '.', 2))
      into v_location using p_fid;
    if v_location is null then
      return query select 'feature_not_found', null::text, null::uuid;
      return;
    end if;
  elsif p_agency_code is not null then
    select a.id into v_agency from catalog.agencies a where a.code = p_agency_code and a.status = 'active';
    if v_agency is null then
      return query select 'unknown_agency', null::text, null::uuid;
      return;
    end if;
  else
    select a.id into v_agency from catalog.agencies a where a.kind = 'operator' and a.status = 'active'
     order by a.created_at, a.code limit 1;
    if v_agency is null then
      return query select 'no_operator', null::text, null::uuid;
      return;
    end if;
  end if;
  if p_lon is not null and p_lat is not null then
    v_location := st_setsrid(st_makepoint(p_lon, p_lat), 4326);
  end if;
  if v_location is null then
    return query select 'location_required', null::text, null::uuid;
    return;
  end if;

  if p_ip is not null then
    -- The same text again from the same address: on the same target it is a second click (the reporter gets the
    -- first ticket back); on another target it is refused, so an honest reporter describes the other feature.
    select r.ticket,
           r.layer_id is not distinct from p_layer_id
             and (case when p_layer_id is not null then r.fid = p_fid else st_dwithin(r.location, v_location, 0.0001) end)
      into v_ticket, v_same_target
    from reports.reports r
     where r.submitter_ip = p_ip and r.text_hash = p_text_hash and r.created_at > now() - p_duplicate_window
     order by r.created_at desc limit 1;
    if v_ticket is not null then
      return query select case when v_same_target then 'duplicate' else 'duplicate_text' end, v_ticket, v_agency;
      return;
    end if;
    if (select count(*) from reports.reports r where r.submitter_ip = p_ip and r.created_at > now() - interval '1 day')
       >= p_daily_limit then
      return query select 'daily_limit', null::text, null::uuid;
      return;
    end if;
  end if;

  loop
    v_ticket := reports.new_ticket();
    select exists (select 1 from reports.reports r where r.ticket = v_ticket) into v_exists;
    exit when not v_exists;
  end loop;
  insert into reports.reports (ticket, agency_id, layer_id, fid, location, category, description, contact, held_reason,
                               submitted_by, submitter_ip, text_hash)
  values (v_ticket, v_agency, p_layer_id, case when p_layer_id is not null then p_fid end, v_location, p_category,
          p_description, p_contact, p_held_reason, auth.caller_user_id(), p_ip, p_text_hash);
  return query select 'created', v_ticket, v_agency;
end
$$;

alter table reports.reports enable row level security;
alter table reports.report_events enable row level security;
create policy staff_read on reports.reports for select
  using (reports.caller_handles(agency_id, layer_id) and (held_reason is null or (select auth.caller_is_operator())));
create policy staff_update on reports.reports for update
  using (reports.caller_handles(agency_id, layer_id) and held_reason is null)
  with check (reports.caller_handles(agency_id, layer_id));
-- Events are visible exactly when their report is (the subquery runs under the reports policy).
create policy events_read on reports.report_events for select
  using (exists (select 1 from reports.reports r where r.id = report_id));
grant select (id, ticket, agency_id, layer_id, fid, location, category, description, contact, status, reply,
              held_reason, submitted_by, created_at, updated_at, updated_by) on reports.reports to cb_app;
grant update (status, reply) on reports.reports to cb_app;
grant select on reports.report_events to cb_app;

revoke all on all functions in schema reports from public;
grant execute on function reports.caller_handles(uuid, text),
  reports.submit(text, bigint, double precision, double precision, text, text, text, text, text, inet, text, interval, integer)
  to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Name search. One row per named feature of every layer, fed from history.feature_versions: every version of every
-- feature passes through it whatever wrote it (an edit, an import, a restore, the demo loader), so the index can
-- never miss a path. Read only through search.find, which filters by what the caller may read: under row level
-- security PostgreSQL would not run the (non-leakproof) trigram match through the index, and the search would
-- scan every name.

create schema search;
grant usage on schema search to cb_app;

-- A name folded for matching: NFC, đ/Đ → d (not every unaccent dictionary maps them, and they are not accents),
-- accents off, lower case, anything but a letter or digit one space. Declared immutable so an index can use it;
-- the dictionary is named, and it changes only with a PostgreSQL upgrade (REINDEX then).
create function search.fold(p_text text) returns text
language sql immutable strict parallel safe as $$
  select btrim(regexp_replace(
    lower(public.unaccent('public.unaccent'::regdictionary, translate(normalize(p_text, nfc), 'đĐ', 'dD'))),
    '[^a-z0-9]+', ' ', 'g'))
$$;

create function search.core_name(p_folded text) returns text
language sql immutable strict parallel safe as $$
  select regexp_replace(p_folded, '^(xa|phuong|thi tran|thi xa|thanh pho|huyen|tinh) ', '')
$$;

create table search.entries (
  layer_id text not null references catalog.layers (id) on delete cascade on update cascade,
  fid bigint not null,
  name text not null,
  folded text generated always as (search.fold(name)) stored,
  -- The name without the kind of administrative unit it starts with (Xã, Phường, Thị trấn, …).
  core text generated always as (search.core_name(search.fold(name))) stored,
  -- Where to put a marker (on the feature, even for a U-shaped polygon) and what to zoom to.
  point geometry(Point, 4326) not null,
  west double precision not null,
  south double precision not null,
  east double precision not null,
  north double precision not null,
  primary key (layer_id, fid)
);
create index entries_folded_trgm on search.entries using gin (folded gin_trgm_ops);
create index entries_layer_name on search.entries (layer_id, name);
alter table search.entries enable row level security;

create function search.follow_history() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  with changed as (
    select distinct on (n.layer_id, n.fid) n.layer_id, n.fid, n.operation, n.geom,
           left(nullif(btrim(n.attributes ->> l.name_attribute), ''), 500) as name
    from new_versions n join catalog.layers l on l.id = n.layer_id
    order by n.layer_id, n.fid, n.version desc
  ), removed as (
    delete from search.entries e using changed c
     where e.layer_id = c.layer_id and e.fid = c.fid and (c.name is null or c.geom is null)
  )
  insert into search.entries (layer_id, fid, name, point, west, south, east, north)
  select c.layer_id, c.fid, c.name, st_pointonsurface(c.geom), st_xmin(c.geom), st_ymin(c.geom), st_xmax(c.geom), st_ymax(c.geom)
  from changed c
  where c.name is not null and c.geom is not null
  on conflict (layer_id, fid) do update
    set name = excluded.name, point = excluded.point,
        west = excluded.west, south = excluded.south, east = excluded.east, north = excluded.north;
  return null;
end
$$;
create trigger search_follow_history after insert on history.feature_versions
  referencing new table as new_versions
  for each statement execute function search.follow_history();

-- Rebuilds a layer's entries from history (the last version of each feature that is not a deletion): when the layer's
-- name attribute changes, and once here for layers that existed before this migration.
create function search.reindex_layer(p_layer_id text) returns bigint
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_rows bigint;
begin
  delete from search.entries where layer_id = p_layer_id;
  insert into search.entries (layer_id, fid, name, point, west, south, east, north)
  select v.layer_id, v.fid, v.name, st_pointonsurface(v.geom), st_xmin(v.geom), st_ymin(v.geom), st_xmax(v.geom), st_ymax(v.geom)
  from (
    select distinct on (h.fid) h.layer_id, h.fid, h.operation, h.geom,
           left(nullif(btrim(h.attributes ->> l.name_attribute), ''), 500) as name
    from history.feature_versions h join catalog.layers l on l.id = h.layer_id
    where h.layer_id = p_layer_id
    order by h.fid, h.version desc
  ) v
  where v.operation <> 'delete' and v.name is not null and v.geom is not null;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$$;

create function search.name_attribute_changed() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  perform search.reindex_layer(new.id);
  return null;
end
$$;
create trigger search_name_attribute after update of name_attribute on catalog.layers
  for each row when (new.name_attribute is distinct from old.name_attribute)
  execute function search.name_attribute_changed();

do $$
begin
  perform search.reindex_layer(id) from catalog.layers;
end
$$;

-- Names matching a query among the given layers that the caller may read, best first: the whole name, then names
-- that start with the query, then a word that starts with it, then the query anywhere, then all of its words in
-- any order; within each, the closer (trigram similarity) and the shorter name first. An administrative unit is
-- also matched without its kind ("dong khe" is the whole name of "Thị trấn Đông Khê"). Features of one layer
-- that share a name (a street in several segments) are one result, zoomed to all of them. The query contains
-- only [a-z0-9 ] once folded, so it needs no LIKE escaping.
create function search.find(p_query text, p_layers text[], p_limit integer)
returns table (layer_id text, fid bigint, name text, features bigint, lon double precision, lat double precision,
               west double precision, south double precision, east double precision, north double precision,
               match text)
language plpgsql stable security definer set search_path = pg_catalog, public as $$
declare
  v_query text := search.fold(p_query);
  v_words text[];
  v_longest text;
  v_readable text[];
begin
  if v_query is null or v_query = '' or p_limit is null or p_limit < 1 then
    return;
  end if;
  v_words := string_to_array(v_query, ' ');
  select w into v_longest from unnest(v_words) w order by length(w) desc, w limit 1;
  select coalesce(array_agg(l.id), '{}') into v_readable
  from catalog.layers l where l.id = any (p_layers) and auth.can_read_layer(l.id);
  -- EXECUTE plans with the actual patterns, so the trigram index is chosen for the longest word's pattern
  -- (a generic plan would not know how selective it is). A short query can match tens of thousands of names
  -- (every street light's code starts with "cs"): they are ranked by the cheap tests first, and only the best
  -- few hundred names get the costlier trigram similarity and their features' extents.
  return query execute $q$
    with matched as (
      select e.layer_id, e.name,
             case
               when e.folded = $1 or e.core = $1 then 1
               when e.folded like $1 || '%' or e.core like $1 || '%' then 2
               when e.folded like '% ' || $1 || '%' then 3
               when e.folded like '%' || $1 || '%' then 4
               else 5 end as rank
      from search.entries e
      where e.folded like $2 and e.folded like all ($3) and e.layer_id = any ($4)
    ), candidates as (
      select m.layer_id, m.name, min(m.rank) as rank
      from matched m
      group by m.layer_id, m.name
      order by min(m.rank), length(m.name), m.name
      limit $6
    ), best as (
      select c.layer_id, c.name, c.rank, similarity(search.fold(c.name), $1) as closeness
      from candidates c
      order by c.rank, closeness desc, length(c.name), c.name, c.layer_id
      limit $5
    )
    select b.layer_id, g.fid, b.name, g.features, st_x(g.point), st_y(g.point), g.west, g.south, g.east, g.north,
           (array['exact', 'prefix', 'word', 'contains', 'words'])[b.rank]
    from best b
    cross join lateral (
      select min(e.fid) as fid, count(*) as features, (array_agg(e.point order by e.fid))[1] as point,
             min(e.west) as west, min(e.south) as south, max(e.east) as east, max(e.north) as north
      from search.entries e
      where e.layer_id = b.layer_id and e.name = b.name
    ) g
    order by b.rank, b.closeness desc, length(b.name), b.name, b.layer_id
  $q$
  using v_query, '%' || v_longest || '%', (select array_agg('%' || w || '%') from unnest(v_words) w), v_readable,
        p_limit, greatest(p_limit * 10, 100);
end
$$;

revoke all on all functions in schema search from public;
grant execute on function search.find(text, text[], integer), search.fold(text) to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- The public view of one report, for whoever holds its ticket: never the contact, the address or who handled it.
-- A held report looks like a new one (a bot must not learn that its field was noticed). The layer, the feature's
-- name and the place are left out when the caller may not read the layer (a ticket passed on must not reveal
-- restricted data). Defined after the search index, where the feature's current name is.
create function reports.lookup(p_ticket text)
returns table (ticket text, status text, category text, created_at timestamptz, updated_at timestamptz, reply text,
               agency_code text, agency_name_vi text, agency_name_en text, layer_id text, layer_title_vi text,
               layer_title_en text, fid bigint, feature_name text, lon double precision, lat double precision)
language sql stable security definer set search_path = pg_catalog, public as $$
  select r.ticket,
         case when r.held_reason is null then r.status else 'new' end,
         r.category, r.created_at,
         case when r.held_reason is null then r.updated_at else r.created_at end,
         case when r.held_reason is null then r.reply end,
         a.code, a.name_vi, a.name_en,
         l.id, l.title_vi, l.title_en, case when l.id is not null then r.fid end, n.name,
         case when r.layer_id is null or l.id is not null then st_x(r.location) end,
         case when r.layer_id is null or l.id is not null then st_y(r.location) end
  from reports.reports r
  join catalog.agencies a on a.id = r.agency_id
  left join catalog.layers l on l.id = r.layer_id and auth.can_read_layer(r.layer_id)
  left join search.entries n on l.id is not null and n.layer_id = l.id and n.fid = r.fid
  where r.ticket = p_ticket
$$;

revoke all on function reports.lookup(text) from public;
grant execute on function reports.lookup(text) to cb_app;
