-- How a layer's data changed over time (issue 8: the layer data page's chart): features inserted, updated and
-- deleted per day or per month, from the history. The server's role has no privilege on history.feature_versions,
-- so, like the other history reads (migration 007), this function answers only callers who may read the layer:
-- for anyone else it returns no rows, the same as for a layer that does not exist.
--
-- Days and months are those of the province (Asia/Ho_Chi_Minh): a change at 01:30 Vietnam time on the 2nd belongs
-- to the 2nd, although it is the 1st in UTC. Only periods with changes are returned, the latest `p_limit` of them,
-- oldest first. The (layer_id, changed_at) index of history.feature_versions finds the layer's rows.

create function history.layer_changes(p_layer_id text, p_interval text, p_limit integer)
returns table (period text, inserted bigint, updated bigint, deleted bigint, first_at timestamptz, last_at timestamptz)
language sql stable security definer set search_path = pg_catalog, public as $$
  select c.period, c.inserted, c.updated, c.deleted, c.first_at, c.last_at
  from (
    select to_char(h.changed_at at time zone 'Asia/Ho_Chi_Minh', case p_interval when 'month' then 'YYYY-MM' else 'YYYY-MM-DD' end) as period,
           count(*) filter (where h.operation = 'insert') as inserted,
           count(*) filter (where h.operation = 'update') as updated,
           count(*) filter (where h.operation = 'delete') as deleted,
           min(h.changed_at) as first_at,
           max(h.changed_at) as last_at
    from history.feature_versions h
    -- `(select …)`: the rights are checked once (an InitPlan), not once per history row.
    where h.layer_id = p_layer_id and p_interval in ('day', 'month') and (select auth.can_read_layer(p_layer_id))
    group by 1
    order by 1 desc
    limit greatest(p_limit, 0)
  ) c
  order by c.period
$$;

revoke all on function history.layer_changes(text, text, integer) from public;
grant execute on function history.layer_changes(text, text, integer) to cb_app;
