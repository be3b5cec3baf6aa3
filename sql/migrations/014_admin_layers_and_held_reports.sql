-- Administration (issue 7): an agency's admins (or the operator) create the agency's layers from the admin page, and
-- the staff who handle an agency's reports see its held (spam) reports apart from the inbox and release or delete
-- them. Both are privileged writes the server's role cannot make itself: security definer functions that check
-- the caller, as everywhere else.

-- ---------------------------------------------------------------------------------------------------------
-- A new, empty layer of an agency, made by catalog.create_layer_table like every other layer. The server has
-- validated the spec (server/catalog/create-layer.ts's schema); the catalog's CHECKs and create_layer_table's own
-- checks of attribute names and types are the last word.
create function catalog.create_agency_layer(p_spec jsonb) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_agency uuid := (p_spec ->> 'owner_agency_id')::uuid;
  v_id text := p_spec ->> 'id';
begin
  if not auth.caller_administers(v_agency) then
    raise exception 'only the agency''s admins and the operator create its layers' using errcode = 'insufficient_privilege';
  end if;
  if not exists (select 1 from catalog.agencies where id = v_agency and status = 'active') then
    raise exception 'the agency is not active' using errcode = 'check_violation';
  end if;
  insert into catalog.layers (id, sector_code, owner_agency_id, title_vi, title_en, description_vi, description_en,
                              geometry_family, attributes, name_attribute, visibility, source, legal_basis, licence,
                              min_zoom, max_zoom, style)
  values (v_id, split_part(v_id, '.', 1), v_agency, p_spec ->> 'title_vi', p_spec ->> 'title_en',
          coalesce(p_spec ->> 'description_vi', ''), coalesce(p_spec ->> 'description_en', ''),
          p_spec ->> 'geometry_family', coalesce(p_spec -> 'attributes', '[]'), p_spec ->> 'name_attribute',
          coalesce(p_spec ->> 'visibility', 'public'), p_spec ->> 'source', coalesce(p_spec ->> 'legal_basis', ''),
          coalesce(p_spec ->> 'licence', 'CC BY 4.0'), coalesce((p_spec ->> 'min_zoom')::integer, 0),
          coalesce((p_spec ->> 'max_zoom')::integer, 22), coalesce(p_spec -> 'style', '{}'));
  insert into catalog.layer_readers (layer_id, agency_id)
  select v_id, a.id from catalog.agencies a
  where a.code in (select jsonb_array_elements_text(coalesce(p_spec -> 'readers', '[]'))) and a.id <> v_agency;
  perform catalog.create_layer_table(v_id);
end
$$;
revoke all on function catalog.create_agency_layer(jsonb) from public;
grant execute on function catalog.create_agency_layer(jsonb) to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Held reports. Until now only the operator saw them; the staff who would handle a report now see it too (held
-- apart, never answered while held), so an honest report caught by the honeypot reaches its agency.
drop policy staff_read on reports.reports;
create policy staff_read on reports.reports for select using (reports.caller_handles(agency_id, layer_id));

-- A held report has no events: it is in nobody's inbox, and deleting spam must not mean deleting history. Its
-- submission is recorded when it is released (with the time it was sent); the trigger skips held reports, also
-- when a merge or a hand-over moves them to another agency.
create or replace function reports.record_event() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  if new.held_reason is not null then
    return null;
  end if;
  insert into reports.report_events (report_id, actor_user_id, agency_id, from_status, to_status, reply)
  values (new.id, auth.caller_user_id(), new.agency_id, case when tg_op = 'UPDATE' then old.status end, new.status,
          case when tg_op = 'UPDATE' and new.reply is distinct from old.reply then new.reply end);
  return null;
end
$$;

-- Reports held before this migration got a submission event; drop those, so the rule above holds for every report.
alter table reports.report_events disable trigger report_events_append_only;
delete from reports.report_events e using reports.reports r where r.id = e.report_id and r.held_reason is not null;
alter table reports.report_events enable trigger report_events_append_only;

-- Releases a held report into its agency's inbox as a new report. Answers 'released', or 'not_found' when the
-- caller does not handle it, or 'not_held'.
create function reports.release_held(p_ticket text) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  r reports.reports;
begin
  select * into r from reports.reports where ticket = p_ticket for update;
  if not found or not reports.caller_handles(r.agency_id, r.layer_id) then
    return 'not_found';
  end if;
  if r.held_reason is null then
    return 'not_held';
  end if;
  update reports.reports set held_reason = null where id = r.id;
  insert into reports.report_events (report_id, at, actor_user_id, agency_id, from_status, to_status)
  values (r.id, r.created_at, r.submitted_by, r.agency_id, null, r.status);
  return 'released';
end
$$;

-- Deletes a held report for good (the audit log keeps what it said). Same answers, 'deleted' on success.
create function reports.delete_held(p_ticket text) returns text
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  r reports.reports;
begin
  select * into r from reports.reports where ticket = p_ticket for update;
  if not found or not reports.caller_handles(r.agency_id, r.layer_id) then
    return 'not_found';
  end if;
  if r.held_reason is null then
    return 'not_held';
  end if;
  delete from reports.reports where id = r.id;
  return 'deleted';
end
$$;

revoke all on function reports.release_held(text), reports.delete_held(text) from public;
grant execute on function reports.release_held(text), reports.delete_held(text) to cb_app;
