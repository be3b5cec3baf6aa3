// `npm run admin -- create-operator <username>`
// `npm run admin -- create-user <username> --role <agency_admin|editor|viewer> --agency <code> [--layers a,b]`
// The password comes from ADMIN_PASSWORD (never a command-line argument: it would show in the process list).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from './config.ts';
import { resolveDatabase } from './db/database.ts';
import { migrate } from '../sql/migrate.ts';
import { checkPasswordPolicy, hashPassword } from './auth/credentials.ts';
import { insertAccount, type AccountRole } from './accounts.ts';

const usage = `Usage:
  ADMIN_PASSWORD=… npm run admin -- create-operator <username>
  ADMIN_PASSWORD=… npm run admin -- create-user <username> --role <agency_admin|editor|viewer> --agency <agency code> [--layers <id,id>]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, agency: { type: 'string' }, layers: { type: 'string' } },
  });
  const [command, username] = positionals;
  if (!command || !username || !['create-operator', 'create-user'].includes(command)) throw new Error(usage);
  const config = loadConfig();
  const password = config.ADMIN_PASSWORD;
  if (!password) throw new Error('Set the password in the ADMIN_PASSWORD environment variable.');
  checkPasswordPolicy(password, username);
  const role = (command === 'create-operator' ? 'operator_admin' : values.role) as AccountRole | undefined;
  if (!role || !['operator_admin', 'agency_admin', 'editor', 'viewer'].includes(role)) throw new Error(usage);
  const urls = await resolveDatabase(config);
  const client = new pg.Client({ connectionString: urls.ownerUrl });
  await client.connect();
  try {
    await migrate(client);
    await client.query('begin');
    const id = await insertAccount(client, {
      username, role, passwordHash: await hashPassword(password),
      ...(values.agency ? { agencyCode: values.agency } : {}),
      ...(values.layers ? { layers: values.layers.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    });
    await client.query('commit');
    console.log(`Created ${role} ${username} (${id}).`);
  } catch (err) {
    await client.query('rollback').catch(() => {});
    if ((err as { code?: string }).code === '23505') throw new Error(`The username '${username}' is taken.`);
    throw err;
  } finally {
    await client.end();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
