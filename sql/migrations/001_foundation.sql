-- Extensions, schemas and the server's role.
-- Conventions (sql/CONVENTIONS.md): snake_case, RLS on every table the server can reach, explicit volatility,
-- `on delete` on every foreign key, identifiers validated by CHECK before any dynamic SQL uses them.

create extension if not exists postgis;
create extension if not exists unaccent;

-- The HTTP server's role: owns nothing, cannot bypass row level security. Roles are cluster-wide, so several
-- databases of one cluster (tests) share it.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'cb_app') then
    create role cb_app login nosuperuser nocreatedb nocreaterole nobypassrls noinherit;
  end if;
end
$$;

create schema catalog;
create schema auth;
create schema history;

revoke all on schema public from public;
grant usage on schema public to cb_app;
grant usage on schema catalog, auth to cb_app;
-- history: written only by the trigger functions (security definer); read through catalog functions.
grant usage on schema history to cb_app;

-- The migration record is created by the runner before this file; readiness checks read it as the server.
grant select on public.schema_migrations to cb_app;
