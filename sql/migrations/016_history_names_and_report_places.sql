-- Two things decided from the caller, in the database: who changed a feature, as each caller may know it; and
-- where a citizen's report on a feature is shown.

-- ---------------------------------------------------------------------------------------------------------
-- Who changed a feature (Điều 8.1c, 11.3). Which agency changed the data is public record: every reader of the
-- layer learns it. The person (or the API key's name, which an agency admin chooses freely and which may name
-- a person) is told only to that agency's own staff and systems and to the operator; to everybody else neither
-- a name nor a login name, which would also hand out half of a credential.
--
-- The agency of a version is the layer's owner when it was written: only editors and read/write API clients of
-- the owner agency can write (auth.can_write_layer), and memberships change without a record, so the ownership
-- history (catalog.layer_owners) is what still knows it after a person moved or a layer was handed over.
-- A version written by no account (the demo loader, a migration) has no agency either.

drop function history.feature_history(text, bigint);

create function history.feature_history(p_layer_id text, p_fid bigint)
returns table (version integer, operation text, geom geometry, attributes jsonb, changed_at timestamptz,
               changed_by text, changed_by_name text, api_client text,
               changed_by_agency_code text, changed_by_agency_name_vi text, changed_by_agency_name_en text,
               import_id uuid, note text)
language sql stable security definer set search_path = pg_catalog, public as $$
  with recursive caller_agencies (id) as (
    select m.agency_id from auth.memberships m join auth.users u on u.id = m.user_id
     where u.id = auth.caller_user_id() and u.status = 'active'
    union
    select c.agency_id from auth.api_clients c where c.id = auth.caller_api_client_id() and c.status = 'active'
    union
    -- A merge moves the staff of the merged agency into the other one (catalog.merge_agency): they stay
    -- colleagues of what they did before it.
    select a.id from catalog.agencies a join caller_agencies k on a.merged_into = k.id
  ),
  caller as (select auth.caller_is_operator() as is_operator)
  select h.version, h.operation, h.geom, h.attributes, h.changed_at,
         case when n.named then u.username end,
         case when n.named then coalesce(nullif(u.display_name, ''), u.username) end,
         case when n.named then c.name end,
         a.code, a.name_vi, a.name_en, h.import_id, h.note
  from history.feature_versions h
  left join auth.users u on u.id = h.changed_by
  left join auth.api_clients c on c.id = h.api_client_id
  left join lateral (
    select o.agency_id from catalog.layer_owners o
     where o.layer_id = h.layer_id and o.valid_from <= h.changed_at
     order by o.valid_from desc limit 1
  ) o on true
  left join catalog.agencies a on a.id = coalesce(o.agency_id, c.agency_id)
                              and (h.changed_by is not null or h.api_client_id is not null)
  cross join caller
  cross join lateral (select caller.is_operator or a.id in (select k.id from caller_agencies k) as named) n
  where h.layer_id = p_layer_id and h.fid = p_fid and auth.can_read_layer(p_layer_id)
  order by h.version
$$;

revoke all on function history.feature_history(text, bigint) from public;
grant execute on function history.feature_history(text, bigint) to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Where a report on a feature is shown. The card of a 40 km road is opened by a click on one spot of it, and that
-- spot is where the citizen saw the problem: the report goes to the point of the feature closest to the click
-- (for an area clicked inside, the click itself), so the agency's inbox marker sits on the line there. A click
-- further than 200 m from the feature is not a click on it (a stale card, a crafted request): the report then
-- sits at the feature's point on surface, as it does without a click. A place the reporter gives as lon/lat
-- ("it really is here") is still kept as given.

drop function reports.submit(text, bigint, double precision, double precision, text, text, text, text, text, inet,
                             text, interval, integer);

create function reports.submit(
  p_layer_id text, p_fid bigint, p_lon double precision, p_lat double precision, p_agency_code text,
  p_category text, p_description text, p_contact text, p_held_reason text, p_ip inet, p_text_hash text,
  p_duplicate_window interval, p_daily_limit integer,
  p_clicked_lon double precision default null, p_clicked_lat double precision default null)
returns table (outcome text, ticket text, agency_id uuid)
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  c_click_reach_m constant double precision := 200;
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
    -- The layer's id passed the catalog's CHECK, so it is a safe identifier. The reach is measured on the
    -- spheroid (geography): degrees of longitude are shorter than degrees of latitude at 22.7° N.
    execute format(
      'select case when $2 is not null and $3 is not null
                    and st_dwithin(geom::geography, st_setsrid(st_makepoint($2, $3), 4326)::geography, $4)
                   then st_closestpoint(geom, st_setsrid(st_makepoint($2, $3), 4326))
                   else st_pointonsurface(geom) end
       from %I.%I where fid = $1', v_layer.sector_code, split_part(v_layer.id, '.', 2))
      into v_location using p_fid, p_clicked_lon, p_clicked_lat, c_click_reach_m;
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

revoke all on function reports.submit(text, bigint, double precision, double precision, text, text, text, text, text,
                                      inet, text, interval, integer, double precision, double precision) from public;
grant execute on function reports.submit(text, bigint, double precision, double precision, text, text, text, text, text,
                                         inet, text, interval, integer, double precision, double precision) to cb_app;
