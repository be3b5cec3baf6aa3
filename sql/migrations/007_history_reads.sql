-- Reading history (Điều 11.3): the server's role has no privilege on history.feature_versions; these functions
-- return a layer's history only to callers who may read the layer.

create function history.feature_history(p_layer_id text, p_fid bigint)
returns table (version integer, operation text, geom geometry, attributes jsonb, changed_at timestamptz,
               changed_by text, api_client text, import_id uuid, note text)
language sql stable security definer set search_path = pg_catalog, public as $$
  select h.version, h.operation, h.geom, h.attributes, h.changed_at, u.username, c.name, h.import_id, h.note
  from history.feature_versions h
  left join auth.users u on u.id = h.changed_by
  left join auth.api_clients c on c.id = h.api_client_id
  where h.layer_id = p_layer_id and h.fid = p_fid and auth.can_read_layer(p_layer_id)
  order by h.version
$$;

-- The features of a layer as they were at a time: per feature the last version at or before it, unless that
-- version is a deletion.
create function history.layer_as_of(p_layer_id text, p_at timestamptz)
returns table (fid bigint, version integer, geom geometry, attributes jsonb, changed_at timestamptz)
language sql stable security definer set search_path = pg_catalog, public as $$
  select v.fid, v.version, v.geom, v.attributes, v.changed_at
  from (
    select distinct on (h.fid) h.fid, h.version, h.operation, h.geom, h.attributes, h.changed_at
    from history.feature_versions h
    where h.layer_id = p_layer_id and h.changed_at <= p_at and auth.can_read_layer(p_layer_id)
    order by h.fid, h.version desc
  ) v
  where v.operation <> 'delete'
$$;

revoke all on function history.feature_history(text, bigint), history.layer_as_of(text, timestamptz) from public;
grant execute on function history.feature_history(text, bigint), history.layer_as_of(text, timestamptz) to cb_app;
