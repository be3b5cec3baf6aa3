-- Operations (Điều 10): maintenance notices announced ahead (10.2), worker heartbeats for readiness, and the record
-- of daily backups and their restore drills (10.5). Backups are made and recorded by the database owner (the backup
-- job needs to read everything); the server's role only reads what an operator may see, through RLS.

create schema ops;
grant usage on schema ops to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Maintenance windows. Everybody may read the ones that are not cancelled (the web banner, the API header, the
-- OGC landing page); only the operator schedules and cancels. A window starting less than 24 hours ahead is an
-- emergency and must say so: the API refuses it first with a clear message, this trigger is the last word.

create table ops.maintenance_windows (
  id uuid primary key default gen_random_uuid(),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  title_vi text not null check (length(title_vi) between 1 and 300),
  title_en text not null check (length(title_en) between 1 and 300),
  message_vi text not null default '',
  message_en text not null default '',
  emergency boolean not null default false,
  -- During the window the API refuses writes (503) and keeps serving reads.
  read_only boolean not null default false,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  cancelled_at timestamptz,
  cancelled_by uuid references auth.users (id) on delete set null,
  check (ends_at > starts_at)
);
create index on ops.maintenance_windows (ends_at) where cancelled_at is null;

create function ops.check_notice_period() returns trigger
language plpgsql as $$
begin
  if not new.emergency and new.starts_at < now() + interval '24 hours' then
    raise exception 'maintenance must be announced at least 24 hours ahead unless it is an emergency'
      using errcode = 'check_violation';
  end if;
  return new;
end
$$;
create trigger notice_period before insert on ops.maintenance_windows
  for each row execute function ops.check_notice_period();

alter table ops.maintenance_windows enable row level security;
create policy maintenance_read on ops.maintenance_windows for select
  using (cancelled_at is null or (select auth.caller_is_operator()));
create policy maintenance_schedule on ops.maintenance_windows for insert
  with check ((select auth.caller_is_operator()) and created_by = auth.caller_user_id());
create policy maintenance_cancel on ops.maintenance_windows for update
  using ((select auth.caller_is_operator())) with check ((select auth.caller_is_operator()));
grant select on ops.maintenance_windows to cb_app;
grant insert (starts_at, ends_at, title_vi, title_en, message_vi, message_en, emergency, read_only, created_by)
  on ops.maintenance_windows to cb_app;
grant update (cancelled_at, cancelled_by) on ops.maintenance_windows to cb_app;

-- ---------------------------------------------------------------------------------------------------------
-- Worker heartbeats: each process that runs jobs writes one row every few seconds; readiness asks whether any is
-- fresh. A worker that stops cleanly says so, so readiness does not wait for its row to go stale.

create table ops.worker_heartbeats (
  worker_id text primary key check (length(worker_id) between 1 and 200),
  host text not null,
  pid integer not null,
  started_at timestamptz not null default now(),
  beat_at timestamptz not null default now(),
  stopped_at timestamptz
);
alter table ops.worker_heartbeats enable row level security;

create function ops.worker_beat(p_worker text, p_host text, p_pid integer, p_stopped boolean default false)
returns void
language sql volatile security definer set search_path = pg_catalog, public as $$
  insert into ops.worker_heartbeats (worker_id, host, pid, stopped_at)
  values (p_worker, p_host, p_pid, case when p_stopped then now() end)
  on conflict (worker_id) do update
    set beat_at = now(), host = excluded.host, pid = excluded.pid,
        stopped_at = case when p_stopped then now() end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Backups and their restore drills.

create table ops.backups (
  id uuid primary key default gen_random_uuid(),
  -- The backup's directory name under BACKUP_DIR: its UTC start time, so names sort by age.
  name text not null unique check (name ~ '^[0-9]{8}T[0-9]{6}Z$'),
  location text not null,
  status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  database_bytes bigint,
  upload_files integer,
  upload_bytes bigint,
  manifest_sha256 text,
  drill_status text check (drill_status in ('passed', 'failed')),
  drill_result jsonb,
  verified_at timestamptz,
  error text,
  warnings text[] not null default '{}',
  -- Removed by the retention policy (the row stays: the record of what was kept and for how long).
  deleted_at timestamptz
);
create index on ops.backups (started_at desc);

-- Alerts raised by operations (a failed backup or drill, a failed copy off the machine): shown to the operator and
-- sent through the configured hook.
create table ops.alerts (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  kind text not null,
  message text not null,
  details jsonb not null default '{}',
  -- What each configured hook (command, webhook) answered.
  delivery jsonb not null default '{}',
  backup_id uuid references ops.backups (id) on delete set null
);
create index on ops.alerts (at desc);

alter table ops.backups enable row level security;
create policy backups_operator on ops.backups for select using ((select auth.caller_is_operator()));
grant select on ops.backups to cb_app;
alter table ops.alerts enable row level security;
create policy alerts_operator on ops.alerts for select using ((select auth.caller_is_operator()));
grant select on ops.alerts to cb_app;

-- What readiness and metrics need, for anyone: times only, nothing about paths or errors.
create function ops.platform_status()
returns table (worker_beat_at timestamptz, last_verified_backup_at timestamptz)
language sql stable security definer set search_path = pg_catalog, public as $$
  select (select max(beat_at) from ops.worker_heartbeats where stopped_at is null),
         (select max(started_at) from ops.backups where status = 'succeeded' and drill_status = 'passed')
$$;

revoke all on all functions in schema ops from public;
grant execute on function ops.worker_beat(text, text, integer, boolean) to cb_app;
grant execute on function ops.platform_status() to cb_app;
