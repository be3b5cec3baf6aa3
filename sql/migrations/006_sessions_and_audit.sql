-- Sessions, the audit log, and what the server's role may do with accounts (Điều 6, 9.2, 10.4).
-- The server's role never reads password hashes, session tokens or key hashes: security definer functions
-- check a presented credential and return only who the caller is.

create schema audit;
grant usage on schema audit to cb_app;

create table auth.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  token_hash text not null unique,
  csrf_hash text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip inet,
  user_agent text,
  revoked_at timestamptz,
  revoked_reason text
);
create index on auth.sessions (user_id) where revoked_at is null;
alter table auth.sessions enable row level security;

-- Messages for an agency's admins (an account of theirs reported lost, …).
create table auth.notifications (
  id bigint generated always as identity primary key,
  agency_id uuid not null references catalog.agencies (id) on delete cascade,
  kind text not null,
  message text not null,
  subject_user_id uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
alter table auth.notifications enable row level security;

create table audit.events (
  id bigint generated always as identity primary key,
  at timestamptz not null default clock_timestamp(),
  actor_user_id uuid,
  actor_api_client_id uuid,
  agency_id uuid,
  action text not null,
  target_type text,
  target_id text,
  details jsonb not null default '{}',
  ip inet
);
create index on audit.events (at);
create index on audit.events (agency_id, at);
create trigger events_append_only before update or delete on audit.events
  for each row execute function history.forbid_change();
create trigger events_no_truncate before truncate on audit.events
  for each statement execute function history.forbid_change();

-- Ownership of layers over time: agencies are merged and layers handed over, and history keeps who owned what when.
create table catalog.layer_owners (
  layer_id text not null,
  agency_id uuid not null references catalog.agencies (id) on delete restrict,
  valid_from timestamptz not null default now(),
  valid_to timestamptz,
  primary key (layer_id, valid_from)
);
create function catalog.track_owner() returns trigger
language plpgsql security definer set search_path = pg_catalog, public as $$
begin
  if tg_op = 'INSERT' or new.owner_agency_id is distinct from old.owner_agency_id then
    update catalog.layer_owners set valid_to = now() where layer_id = new.id and valid_to is null;
    insert into catalog.layer_owners (layer_id, agency_id) values (new.id, new.owner_agency_id);
  end if;
  return null;
end
$$;
create trigger track_owner after insert or update of owner_agency_id on catalog.layers
  for each row execute function catalog.track_owner();
insert into catalog.layer_owners (layer_id, agency_id, valid_from)
select id, owner_agency_id, created_at from catalog.layers;

-- ---------------------------------------------------------------------------------------------------------
-- The caller's identity, as the rest of the schema asks it.

create function auth.caller_is_operator() returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select exists (select 1 from auth.users where id = auth.caller_user_id() and status = 'active' and is_operator)
$$;

-- Agencies the caller administers.
create function auth.caller_admin_agencies() returns uuid[]
language sql stable security definer set search_path = pg_catalog, public as $$
  select coalesce(array_agg(m.agency_id), '{}')
  from auth.memberships m join auth.users u on u.id = m.user_id
  where u.id = auth.caller_user_id() and u.status = 'active' and m.role = 'agency_admin'
$$;

-- Whether the caller may administer this agency (its operator or one of its agency admins).
create function auth.caller_administers(p_agency uuid) returns boolean
language sql stable as $$
  select auth.caller_is_operator() or p_agency = any (auth.caller_admin_agencies())
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Credentials. Each returns the identity behind a presented credential, or nothing.

-- For login: the stored hash of one username (verified by the server with argon2) and the lockout state.
create function auth.login_lookup(p_username text)
returns table (user_id uuid, password_hash text, status text, locked_until timestamptz)
language sql stable security definer set search_path = pg_catalog, public as $$
  select id, password_hash, status, locked_until from auth.users where username = lower(p_username)
$$;

-- Counts a failed login; the fifth in a row locks the account for 15 minutes.
create function auth.login_failed(p_user uuid, p_max integer, p_lock interval) returns timestamptz
language sql volatile security definer set search_path = pg_catalog, public as $$
  update auth.users
     set failed_logins = case when failed_logins + 1 >= p_max then 0 else failed_logins + 1 end,
         locked_until = case when failed_logins + 1 >= p_max then now() + p_lock else locked_until end
   where id = p_user
  returning locked_until
$$;

create function auth.open_session(p_user uuid, p_token_hash text, p_csrf_hash text, p_ttl interval, p_ip inet, p_ua text)
returns uuid
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_id uuid;
begin
  update auth.users set failed_logins = 0, locked_until = null where id = p_user and status = 'active';
  if not found then
    raise exception 'account is not active' using errcode = 'insufficient_privilege';
  end if;
  insert into auth.sessions (user_id, token_hash, csrf_hash, expires_at, ip, user_agent)
  values (p_user, p_token_hash, p_csrf_hash, now() + p_ttl, p_ip, left(p_ua, 300))
  returning id into v_id;
  return v_id;
end
$$;

-- Checked on every request: a revoked session, a disabled or lost account, an expired session: nothing.
-- Sliding expiry, written at most once a minute so reads stay reads.
create function auth.session_identity(p_token_hash text, p_ttl interval)
returns table (session_id uuid, user_id uuid, csrf_hash text, username text, display_name text, is_operator boolean,
               memberships jsonb)
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  update auth.sessions s set last_seen_at = now(), expires_at = now() + p_ttl
   where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now()
     and s.last_seen_at < now() - interval '1 minute';
  return query
  select s.id, u.id, s.csrf_hash, u.username, u.display_name, u.is_operator,
         coalesce((select jsonb_agg(jsonb_build_object('agency_id', m.agency_id, 'agency_code', a.code,
                                                       'agency_name_vi', a.name_vi, 'role', m.role,
                                                       'layer_scope', m.layer_scope) order by a.code)
                   from auth.memberships m join catalog.agencies a on a.id = m.agency_id
                   where m.user_id = u.id), '[]'::jsonb)
  from auth.sessions s join auth.users u on u.id = s.user_id
  where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now() and u.status = 'active';
end
$$;

create function auth.close_session(p_session uuid, p_reason text) returns void
language sql volatile security definer set search_path = pg_catalog, public as $$
  update auth.sessions set revoked_at = now(), revoked_reason = p_reason where id = p_session and revoked_at is null
$$;

create function auth.api_key_identity(p_key_hash text)
returns table (api_client_id uuid, agency_id uuid, agency_code text, name text, layer_scope text[], can_write boolean)
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  update auth.api_clients c set last_used_at = now()
   where c.key_hash = p_key_hash and c.status = 'active'
     and (c.last_used_at is null or c.last_used_at < now() - interval '1 minute');
  return query
  select c.id, c.agency_id, a.code, c.name, c.layer_scope, c.can_write
  from auth.api_clients c join catalog.agencies a on a.id = c.agency_id
  where c.key_hash = p_key_hash and c.status = 'active' and a.status = 'active';
end
$$;

-- The caller's own password change: verified by the server, then every other session ends.
create function auth.set_own_password(p_hash text, p_keep_session uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  update auth.users set password_hash = p_hash, password_changed_at = now()
   where id = auth.caller_user_id() and status = 'active';
  if not found then
    raise exception 'no active caller' using errcode = 'insufficient_privilege';
  end if;
  update auth.sessions set revoked_at = now(), revoked_reason = 'password changed'
   where user_id = auth.caller_user_id() and revoked_at is null and id is distinct from p_keep_session;
end
$$;

-- Stored hash of the caller's own password, to verify the current one before a change.
create function auth.own_password_hash() returns text
language sql stable security definer set search_path = pg_catalog, public as $$
  select password_hash from auth.users where id = auth.caller_user_id() and status = 'active'
$$;

-- An administrator sets another account's status or password. Disabling or reporting an account lost ends its
-- sessions at once (Điều 6.5); a lost (stolen) account's API keys are revoked too, since a thief may have made
-- them. Reporting lost is also open to the user themself.
create function auth.set_account_status(p_user uuid, p_status text, p_reason text) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_allowed boolean;
begin
  select auth.caller_is_operator()
      or (p_status = 'lost' and p_user = auth.caller_user_id())
      or exists (select 1 from auth.memberships m where m.user_id = p_user and m.agency_id = any (auth.caller_admin_agencies()))
    into v_allowed;
  if not v_allowed then
    raise exception 'not allowed to change this account' using errcode = 'insufficient_privilege';
  end if;
  update auth.users set status = p_status, status_reason = p_reason, status_changed_at = now(),
         status_changed_by = auth.caller_user_id()
   where id = p_user;
  if p_status <> 'active' then
    update auth.sessions set revoked_at = now(), revoked_reason = 'account ' || p_status
     where user_id = p_user and revoked_at is null;
  end if;
  if p_status = 'lost' then
    update auth.api_clients set status = 'revoked', revoked_at = now()
     where created_by = p_user and status = 'active';
    insert into auth.notifications (agency_id, kind, message, subject_user_id)
    select m.agency_id, 'account_lost',
           format('Tài khoản %s được báo mất/bị đánh cắp lúc %s: mọi phiên đã bị chấm dứt.', u.username,
                  to_char(now() at time zone 'Asia/Ho_Chi_Minh', 'DD/MM/YYYY HH24:MI')),
           p_user
    from auth.memberships m join auth.users u on u.id = m.user_id where m.user_id = p_user;
  end if;
end
$$;

create function auth.reset_password(p_user uuid, p_hash text) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  if not (auth.caller_is_operator()
          or exists (select 1 from auth.memberships m where m.user_id = p_user and m.agency_id = any (auth.caller_admin_agencies()))) then
    raise exception 'not allowed to reset this password' using errcode = 'insufficient_privilege';
  end if;
  update auth.users set password_hash = p_hash, password_changed_at = now(), failed_logins = 0, locked_until = null
   where id = p_user;
  update auth.sessions set revoked_at = now(), revoked_reason = 'password reset'
   where user_id = p_user and revoked_at is null;
end
$$;

-- Creates an account with its membership. Agency admins create editors and viewers of their own agency; the
-- operator creates anyone. Returns the new id.
create function auth.create_account(p_username text, p_display_name text, p_email text, p_hash text,
                                    p_is_operator boolean, p_agency uuid, p_role text, p_layer_scope text[])
returns uuid
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_id uuid;
begin
  if not (auth.caller_is_operator()
          or (not p_is_operator and p_role in ('editor', 'viewer') and p_agency = any (auth.caller_admin_agencies()))) then
    raise exception 'not allowed to create this account' using errcode = 'insufficient_privilege';
  end if;
  if p_layer_scope is not null and exists (
       select 1 from unnest(p_layer_scope) s(layer_id)
       where not exists (select 1 from catalog.layers l where l.id = s.layer_id and l.owner_agency_id = p_agency)) then
    raise exception 'layer scope names a layer the agency does not own' using errcode = 'check_violation';
  end if;
  insert into auth.users (username, display_name, email, password_hash, is_operator, created_by)
  values (lower(p_username), p_display_name, p_email, p_hash, p_is_operator, auth.caller_user_id())
  returning id into v_id;
  if p_agency is not null then
    insert into auth.memberships (user_id, agency_id, role, layer_scope) values (v_id, p_agency, p_role, p_layer_scope);
  end if;
  return v_id;
end
$$;

-- Accounts visible to the caller: the operator sees all, an agency admin their agency's, anyone themself.
create function auth.visible_accounts()
returns table (id uuid, username text, display_name text, email text, is_operator boolean, status text,
               status_reason text, status_changed_at timestamptz, created_at timestamptz, memberships jsonb)
language sql stable security definer set search_path = pg_catalog, public as $$
  select u.id, u.username, u.display_name, u.email, u.is_operator, u.status, u.status_reason, u.status_changed_at,
         u.created_at,
         coalesce((select jsonb_agg(jsonb_build_object('agency_code', a.code, 'role', m.role, 'layer_scope', m.layer_scope))
                   from auth.memberships m join catalog.agencies a on a.id = m.agency_id where m.user_id = u.id), '[]')
  from auth.users u
  where auth.caller_is_operator()
     or u.id = auth.caller_user_id()
     or exists (select 1 from auth.memberships m where m.user_id = u.id and m.agency_id = any (auth.caller_admin_agencies()))
$$;

-- API clients: issued by an agency admin (or the operator) for a system that consumes the agency's data.
create function auth.create_api_client(p_agency uuid, p_name text, p_key_hash text, p_key_prefix text,
                                       p_layer_scope text[], p_can_write boolean)
returns uuid
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
declare
  v_id uuid;
begin
  if not auth.caller_administers(p_agency) then
    raise exception 'not allowed to issue keys for this agency' using errcode = 'insufficient_privilege';
  end if;
  insert into auth.api_clients (agency_id, name, key_hash, key_prefix, layer_scope, can_write, created_by)
  values (p_agency, p_name, p_key_hash, p_key_prefix, p_layer_scope, p_can_write, auth.caller_user_id())
  returning id into v_id;
  return v_id;
end
$$;

create function auth.revoke_api_client(p_client uuid) returns boolean
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  update auth.api_clients set status = 'revoked', revoked_at = now()
   where id = p_client and status = 'active' and auth.caller_administers(agency_id);
  return found;
end
$$;

create function auth.visible_api_clients()
returns table (id uuid, agency_code text, name text, key_prefix text, layer_scope text[], can_write boolean,
               status text, created_at timestamptz, revoked_at timestamptz, last_used_at timestamptz)
language sql stable security definer set search_path = pg_catalog, public as $$
  select c.id, a.code, c.name, c.key_prefix, c.layer_scope, c.can_write, c.status, c.created_at, c.revoked_at,
         c.last_used_at
  from auth.api_clients c join catalog.agencies a on a.id = c.agency_id
  where auth.caller_administers(c.agency_id)
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Audit: the server records; the actor comes from the caller the transaction set, not from the server's word.

create function audit.record(p_action text, p_agency uuid, p_target_type text, p_target_id text, p_details jsonb,
                             p_ip inet, p_actor uuid default null)
returns void
language sql volatile security definer set search_path = pg_catalog, public as $$
  insert into audit.events (actor_user_id, actor_api_client_id, agency_id, action, target_type, target_id, details, ip)
  values (coalesce(auth.caller_user_id(), p_actor), auth.caller_api_client_id(), p_agency, p_action, p_target_type,
          p_target_id, coalesce(p_details, '{}'), p_ip)
$$;

alter table audit.events enable row level security;
create policy events_read on audit.events for select
  using (auth.caller_is_operator() or agency_id = any (auth.caller_admin_agencies()));
grant select on audit.events to cb_app;

alter table auth.notifications enable row level security;
create policy notifications_read on auth.notifications for select using (auth.caller_administers(agency_id));
create policy notifications_mark on auth.notifications for update using (auth.caller_administers(agency_id));
grant select, update (read_at) on auth.notifications to cb_app;

-- Catalog administration through the server's role: the operator manages agencies; an agency's admins manage
-- the metadata and visibility of its layers.
create policy agencies_operator on catalog.agencies for all
  using (auth.caller_is_operator()) with check (auth.caller_is_operator());
grant insert, update on catalog.agencies to cb_app;
create policy layers_admin on catalog.layers for update
  using (auth.caller_administers(owner_agency_id)) with check (auth.caller_administers(owner_agency_id));
grant update (title_vi, title_en, description_vi, description_en, visibility, source, legal_basis, licence,
              min_zoom, max_zoom, style, sort, name_attribute, updated_at, owner_agency_id) on catalog.layers to cb_app;
create policy layer_readers_admin on catalog.layer_readers for all
  using (auth.caller_administers((select owner_agency_id from catalog.layers l where l.id = layer_id)))
  with check (auth.caller_administers((select owner_agency_id from catalog.layers l where l.id = layer_id)));
grant insert, delete on catalog.layer_readers to cb_app;
alter table catalog.layer_owners enable row level security;
create policy layer_owners_read on catalog.layer_owners for select using (auth.can_read_layer(layer_id));
grant select on catalog.layer_owners to cb_app;

-- Agencies are merged (2025: departments merged, districts abolished): the source agency's layers, people and
-- API clients move to the target, the source stays as 'merged' so history still names it. Operator only.
create function catalog.merge_agency(p_from uuid, p_into uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public as $$
begin
  if not auth.caller_is_operator() then
    raise exception 'only the platform operator merges agencies' using errcode = 'insufficient_privilege';
  end if;
  if p_from = p_into then
    raise exception 'an agency cannot be merged into itself' using errcode = 'check_violation';
  end if;
  if not exists (select 1 from catalog.agencies where id = p_into and status = 'active') then
    raise exception 'the target agency is not active' using errcode = 'check_violation';
  end if;
  update catalog.layers set owner_agency_id = p_into, updated_at = now() where owner_agency_id = p_from;
  -- A person in both agencies keeps the membership of the target.
  delete from auth.memberships m where m.agency_id = p_from
     and exists (select 1 from auth.memberships t where t.user_id = m.user_id and t.agency_id = p_into);
  update auth.memberships set agency_id = p_into where agency_id = p_from;
  update auth.api_clients set agency_id = p_into where agency_id = p_from;
  insert into catalog.layer_readers (layer_id, agency_id)
  select layer_id, p_into from catalog.layer_readers where agency_id = p_from
  on conflict do nothing;
  delete from catalog.layer_readers where agency_id = p_from;
  update catalog.agencies set status = 'merged', merged_into = p_into, updated_at = now() where id = p_from;
end
$$;

revoke all on all functions in schema auth from public;
revoke all on all functions in schema audit from public;
revoke all on function catalog.merge_agency(uuid, uuid) from public;
grant execute on function catalog.merge_agency(uuid, uuid) to cb_app;
grant execute on all functions in schema auth to cb_app;
grant execute on all functions in schema audit to cb_app;
