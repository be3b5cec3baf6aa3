// Accounts made by the owner connection, outside any request: the admin command line and the demo accounts.
// (Requests make accounts through auth.create_account, which checks the caller.)
import type pg from 'pg';

export type AccountRole = 'operator_admin' | 'agency_admin' | 'editor' | 'viewer';

export interface NewAccount {
  username: string;
  passwordHash: string;
  displayName?: string;
  role: AccountRole;
  agencyCode?: string;
  layers?: string[];
}

export async function insertAccount(client: pg.ClientBase, a: NewAccount): Promise<string> {
  let agencyId: string | null = null;
  if (a.agencyCode) {
    const { rows } = await client.query<{ id: string }>('select id from catalog.agencies where code = $1', [a.agencyCode]);
    if (!rows[0]) throw new Error(`There is no agency with code '${a.agencyCode}'.`);
    agencyId = rows[0].id;
  }
  if (a.role !== 'operator_admin' && !agencyId) throw new Error(`The role ${a.role} needs --agency <code>.`);
  if (a.layers?.length) {
    const { rows } = await client.query<{ id: string }>(
      'select s.id from unnest($1::text[]) s(id) where not exists (select 1 from catalog.layers l where l.id = s.id and l.owner_agency_id = $2)',
      [a.layers, agencyId]);
    if (rows.length > 0) throw new Error(`Not layers of agency ${a.agencyCode}: ${rows.map((r) => r.id).join(', ')}`);
  }
  const { rows } = await client.query<{ id: string }>(
    `insert into auth.users (username, display_name, password_hash, is_operator) values (lower($1), $2, $3, $4)
     returning id`,
    [a.username, a.displayName ?? '', a.passwordHash, a.role === 'operator_admin'],
  );
  const id = rows[0]!.id;
  if (agencyId) {
    await client.query('insert into auth.memberships (user_id, agency_id, role, layer_scope) values ($1, $2, $3, $4)', [
      id, agencyId, a.role === 'operator_admin' ? 'viewer' : a.role, a.layers?.length ? a.layers : null,
    ]);
  }
  await client.query(
    "insert into audit.events (action, agency_id, target_type, target_id, details) values ('user_created', $1, 'user', $2, $3)",
    [agencyId, id, JSON.stringify({ username: a.username, role: a.role, via: 'owner' })]);
  return id;
}
