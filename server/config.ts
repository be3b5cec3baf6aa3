// The one configuration object. Every setting is read here, from the environment, with its default;
// nothing else in the codebase reads process.env.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Connection of the database owner: runs migrations and loads demo data. Unset: a private cluster is started. */
  DATABASE_URL: z.string().url().optional(),
  /** Connection the HTTP server uses: a role that owns nothing and cannot bypass row level security. */
  APP_DATABASE_URL: z.string().url().optional(),
  /** A streaming replica of the database, as the server's role (cb_app): anonymous reads go there while it keeps
   *  up (server/db/read-replica.ts). Unset: everything reads the primary. */
  READ_DATABASE_URL: z.string().url().optional(),
  /** The replica serves while it is at most this far behind the primary (milliseconds); else reads use the primary. */
  READ_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  /** Where the private cluster, uploads and backups live. */
  DATA_DIR: z.string().default(path.join(projectRoot, '.data')),
  /** Port of the private cluster (5432 belongs to the machine's own PostgreSQL). */
  LOCAL_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(55432),
  /** Demo mode: an empty database gets the demo data and demo accounts. Production runs with DEMO=0. */
  DEMO: flag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest page of features one request may ask for; larger limits are clamped to it. */
  FEATURES_MAX_LIMIT: z.coerce.number().int().min(1).max(100_000).default(10_000),
  FEATURES_DEFAULT_LIMIT: z.coerce.number().int().min(1).default(100),
  /** OGC API Features and WFS requests a minute from one address (anonymous callers); 0: no limit. Per node. */
  FEED_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
  /** OGC API Features and WFS requests a minute for one API key or signed-in user; 0: no limit. Per node. */
  FEED_KEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(12_000),
  /** Bytes of compressed tiles kept in each server's memory. */
  TILE_CACHE_BYTES: z.coerce.number().int().min(0).default(256 * 1024 * 1024),
  /** Public address of the platform as other systems see it (for links); default: from the request. */
  PUBLIC_URL: z.string().url().optional(),
  /** Largest upload an import accepts (bytes); a larger one is refused with 413. */
  IMPORT_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(2 * 1024 * 1024 * 1024),
  /** An import left in preview (or failed) this long is expired: its staging tables and upload file are removed. */
  IMPORT_PREVIEW_MAX_AGE_HOURS: z.coerce.number().min(1).default(72),
  /** When the clean-up of expired imports runs: cron (minute hour day month weekday), Vietnam time. */
  IMPORT_CLEANUP_CRON: z.string().regex(/^\S+(\s+\S+){4}$/, 'five cron fields: minute hour day month weekday').default('40 * * * *'),
  /**
   * Addresses of the reverse proxies allowed to set X-Forwarded-For (proxy-addr syntax: 'loopback', IPs, CIDRs,
   * comma-separated). Anyone else's header is ignored, so rate limits per address cannot be dodged.
   */
  TRUST_PROXY: z.string().default('loopback'),
  /** Password for the account that `npm run admin -- create-operator|create-user` creates. */
  ADMIN_PASSWORD: z.string().optional(),
  /** Where daily backups go: another disk or a mounted remote volume, apart from the running system (Điều 10.5).
   *  Default DATA_DIR/backups, which a backup reports as a warning when it shares the database's disk. */
  BACKUP_DIR: z.string().min(1).optional(),
  /** When the daily backup runs: cron (minute hour day month weekday), Vietnam time. */
  BACKUP_CRON: z.string().regex(/^\S+(\s+\S+){4}$/, 'five cron fields: minute hour day month weekday').default('30 2 * * *'),
  /** Backups kept: the newest of each of the last N days, ISO weeks and months. */
  BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).default(14),
  BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).default(8),
  BACKUP_KEEP_MONTHLY: z.coerce.number().int().min(0).default(12),
  /** Readiness and the admin page call the backups stale when the last verified one is older than this. */
  BACKUP_MAX_AGE_HOURS: z.coerce.number().min(1).default(26),
  /** Connection for pg_dump and the restore drill: reads everything (superuser or BYPASSRLS) and may CREATEDB.
   *  Default: DATABASE_URL (the owner). */
  BACKUP_DATABASE_URL: z.string().url().optional(),
  /** Run after every verified backup, with BACKUP_ROOT and BACKUP_PATH set: e.g. an rsync to another host. */
  BACKUP_SYNC_COMMAND: z.string().min(1).optional(),
  /** Alert hook: a shell command run with ALERT_KIND and ALERT_MESSAGE set and the message on stdin (mail, sendmail). */
  ALERT_COMMAND: z.string().min(1).optional(),
  /** Alert hook: a URL that gets the alert as a JSON POST (a chat or paging system). */
  ALERT_WEBHOOK_URL: z.string().url().optional(),
  /**
   * An online raster basemap the map may offer under the platform's own layers ("Nền trực tuyến"): an XYZ tile
   * URL template with {z}, {x} and {y}, e.g. https://tile.example.vn/{z}/{x}/{y}.png. Unset (the default): the
   * map shows only the offline basemap drawn from our own data, and nothing is fetched from the internet.
   */
  ONLINE_BASEMAP_URL: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
    .refine((v) => ['{z}', '{x}', '{y}'].every((p) => v.includes(p)), 'a tile URL template with {z}, {x} and {y}')
    .optional(),
  /** Who the online basemap's tiles come from, shown in the map's attribution (HTML allowed, e.g. a link). */
  ONLINE_BASEMAP_ATTRIBUTION: z.string().default(''),
  /** On SIGTERM: how long in-flight requests and running jobs get to finish before the process exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

export type Config = z.infer<typeof schema>;

const known = new Set(Object.keys(schema.shape));
// Settings that look like ours but are not: most likely a typo the operator would want to hear about.
const ourPrefixes = ['FEATURES_', 'FEED_', 'TILE_', 'LOCAL_PG_', 'APP_DATABASE', 'ADMIN_', 'BACKUP_', 'ALERT_', 'SHUTDOWN_', 'READ_', 'ONLINE_BASEMAP_'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const unknown = Object.keys(env).filter((k) => !known.has(k) && ourPrefixes.some((p) => k.startsWith(p)));
  if (unknown.length > 0) {
    process.emitWarning(`Unknown settings ignored: ${unknown.join(', ')}`);
  }
  return parsed.data;
}
