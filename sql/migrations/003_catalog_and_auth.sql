-- The catalog (sectors, agencies, layers) and the accounts the database needs to decide who reads and writes.

create table catalog.sectors (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{1,30}$'),
  title_vi text not null,
  title_en text not null,
  sort integer not null default 0
);

-- Agencies are data: renamed, merged, dissolved; their layers handed over with history kept.
create table catalog.agencies (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^[a-z][a-z0-9_]{1,40}$'),
  name_vi text not null,
  name_en text not null,
  kind text not null default 'department' check (kind in ('operator', 'department', 'local_government', 'other')),
  status text not null default 'active' check (status in ('active', 'merged', 'dissolved')),
  merged_into uuid references catalog.agencies (id) on delete restrict,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table catalog.layers (
  -- `sector.slug`: also the layer's table, so it is validated here before any dynamic SQL sees it.
  id text primary key check (id ~ '^[a-z][a-z0-9_]{1,30}\.[a-z][a-z0-9_]{1,40}$'),
  sector_code text not null references catalog.sectors (code) on delete restrict,
  owner_agency_id uuid not null references catalog.agencies (id) on delete restrict,
  title_vi text not null,
  title_en text not null,
  description_vi text not null default '',
  description_en text not null default '',
  geometry_family text not null check (geometry_family in ('point', 'line', 'polygon')),
  -- [{name, type, label_vi, label_en, required, allowed, max_length}] — see server/catalog/attributes.ts
  attributes jsonb not null default '[]' check (jsonb_typeof(attributes) = 'array'),
  name_attribute text,
  visibility text not null default 'public' check (visibility in ('public', 'restricted')),
  source text not null,
  legal_basis text not null default '',
  licence text not null default 'CC BY 4.0',
  data_updated_at timestamptz not null default now(),
  -- Bumped by every committed change of the layer's features: tile caches and ETags key on it.
  data_version bigint not null default 0,
  feature_count bigint not null default 0,
  min_zoom integer not null default 0 check (min_zoom between 0 and 24),
  max_zoom integer not null default 22 check (max_zoom between 0 and 24 and max_zoom >= min_zoom),
  style jsonb not null default '{}' check (jsonb_typeof(style) = 'object'),
  sort integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (split_part(id, '.', 1) = sector_code)
);
create index on catalog.layers (owner_agency_id);

-- Agencies (besides the owner) whose staff and API clients may read a restricted layer.
create table catalog.layer_readers (
  layer_id text not null references catalog.layers (id) on delete cascade on update cascade,
  agency_id uuid not null references catalog.agencies (id) on delete cascade,
  primary key (layer_id, agency_id)
);

create table auth.users (
  id uuid primary key default gen_random_uuid(),
  username text not null unique check (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  display_name text not null default '',
  email text,
  password_hash text not null,
  is_operator boolean not null default false,
  status text not null default 'active' check (status in ('active', 'disabled', 'lost')),
  status_reason text,
  status_changed_at timestamptz,
  status_changed_by uuid references auth.users (id) on delete set null,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  password_changed_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  created_by uuid references auth.users (id) on delete set null
);

-- A person's role in one agency; an editor may be limited to some of the agency's layers.
create table auth.memberships (
  user_id uuid not null references auth.users (id) on delete cascade,
  agency_id uuid not null references catalog.agencies (id) on delete cascade,
  role text not null check (role in ('agency_admin', 'editor', 'viewer')),
  layer_scope text[],
  primary key (user_id, agency_id)
);

-- Systems of other agencies that consume data (Điều 9.2); keys are stored hashed.
create table auth.api_clients (
  id uuid primary key default gen_random_uuid(),
  agency_id uuid not null references catalog.agencies (id) on delete cascade,
  name text not null,
  key_hash text not null unique,
  key_prefix text not null,
  layer_scope text[],
  can_write boolean not null default false,
  status text not null default 'active' check (status in ('active', 'revoked')),
  created_at timestamptz not null default now(),
  created_by uuid references auth.users (id) on delete set null,
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- ---------------------------------------------------------------------------------------------------------
-- The caller. The server sets `cb.user_id` / `cb.api_client_id` with set_config(…, true) inside each request's
-- transaction; no setting means anonymous. Rights are derived here from the accounts, never passed in.

create function auth.caller_user_id() returns uuid
language sql stable parallel safe as $$
  select nullif(current_setting('cb.user_id', true), '')::uuid
$$;

create function auth.caller_api_client_id() returns uuid
language sql stable parallel safe as $$
  select nullif(current_setting('cb.api_client_id', true), '')::uuid
$$;

-- Whether the caller may read a layer's features. Security definer: the server's role cannot read accounts.
create function auth.can_read_layer(p_layer_id text) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select exists (
    select 1 from catalog.layers l
    where l.id = p_layer_id
      and (
        l.visibility = 'public'
        or exists (
          select 1 from auth.users u
          where u.id = auth.caller_user_id() and u.status = 'active'
            and (
              u.is_operator
              or exists (
                select 1 from auth.memberships m
                where m.user_id = u.id
                  and (m.agency_id = l.owner_agency_id
                       or m.agency_id in (select r.agency_id from catalog.layer_readers r where r.layer_id = l.id))
              )
            )
        )
        or exists (
          select 1 from auth.api_clients c
          where c.id = auth.caller_api_client_id() and c.status = 'active'
            and (c.layer_scope is null or l.id = any (c.layer_scope))
            and (c.agency_id = l.owner_agency_id
                 or c.agency_id in (select r.agency_id from catalog.layer_readers r where r.layer_id = l.id))
        )
      )
  )
$$;

-- Whether the caller may change a layer's features: editors of the owner agency within their layer scope, and
-- read/write API clients of the owner agency. Operators and agency admins do not edit sector data as such.
create function auth.can_write_layer(p_layer_id text) returns boolean
language sql stable security definer set search_path = pg_catalog, public as $$
  select exists (
    select 1 from catalog.layers l
    where l.id = p_layer_id
      and (
        exists (
          select 1 from auth.users u
          join auth.memberships m on m.user_id = u.id
          where u.id = auth.caller_user_id() and u.status = 'active'
            and m.agency_id = l.owner_agency_id and m.role = 'editor'
            and (m.layer_scope is null or l.id = any (m.layer_scope))
        )
        or exists (
          select 1 from auth.api_clients c
          where c.id = auth.caller_api_client_id() and c.status = 'active' and c.can_write
            and c.agency_id = l.owner_agency_id
            and (c.layer_scope is null or l.id = any (c.layer_scope))
        )
      )
  )
$$;

revoke all on function auth.can_read_layer(text), auth.can_write_layer(text) from public;
grant execute on function auth.can_read_layer(text), auth.can_write_layer(text),
  auth.caller_user_id(), auth.caller_api_client_id() to cb_app;

-- The catalog is readable by the server, but only the layers the caller may see (the last word on visibility).
-- Not FORCEd: the owner (migrations, demo loader) maintains the catalog; the server's role is always filtered.
alter table catalog.sectors enable row level security;
alter table catalog.agencies enable row level security;
alter table catalog.layers enable row level security;
alter table catalog.layer_readers enable row level security;
create policy sectors_read on catalog.sectors for select using (true);
create policy agencies_read on catalog.agencies for select using (true);
create policy layers_read on catalog.layers for select using (auth.can_read_layer(id));
create policy layer_readers_read on catalog.layer_readers for select using (auth.can_read_layer(layer_id));
grant select on catalog.sectors, catalog.agencies, catalog.layers, catalog.layer_readers to cb_app;
-- Accounts are never readable by the server's role directly: sessions and keys are checked by security definer
-- functions (see the accounts migration), so a leaked query cannot list password hashes.
alter table auth.users enable row level security;
alter table auth.memberships enable row level security;
alter table auth.api_clients enable row level security;
