// Maintenance notices on every API answer (Điều 10.2) and read-only windows. Every request needs the list, so each
// node keeps it in memory and reloads it in the background every few seconds: a request never waits for it (except
// the very first), and whether a window is on is decided against the clock at each request, so it starts and ends
// on the second even though the list is a few seconds old. Scheduling or cancelling reloads the list at once on the
// node that did it; other nodes follow within the reload interval.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { AppError } from '../errors.ts';
import { withTimeout } from './platform-status.ts';

export interface MaintenanceWindow {
  id: string;
  startsAt: Date;
  endsAt: Date;
  titleVi: string;
  titleEn: string;
  messageVi: string;
  messageEn: string;
  emergency: boolean;
  readOnly: boolean;
}

export interface MaintenanceRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  title_vi: string;
  title_en: string;
  message_vi: string;
  message_en: string;
  emergency: boolean;
  read_only: boolean;
}

export const toWindow = (r: MaintenanceRow): MaintenanceWindow => ({
  id: r.id, startsAt: r.starts_at, endsAt: r.ends_at, titleVi: r.title_vi, titleEn: r.title_en,
  messageVi: r.message_vi, messageEn: r.message_en, emergency: r.emergency, readOnly: r.read_only,
});

/** Windows announced in the X-Maintenance header: those on now or starting within this horizon. */
export const HEADER_HORIZON_MS = 7 * 86_400_000;
export const RELOAD_MS = 5_000;

type Queryable = Pick<pg.Pool, 'query'>;

export class MaintenanceNotices {
  #windows: MaintenanceWindow[] = [];
  #loadedAt = -Infinity;
  #loading: Promise<void> | null = null;
  #started = 0;
  #applied = 0;

  constructor(
    private readonly db: Queryable,
    private readonly onError: (err: Error) => void = () => {},
    private readonly reloadMs = RELOAD_MS,
  ) {}

  /** Reloads now (after a change on this node): a fresh query, whatever is in flight; resolves when it is in place. */
  reload(): Promise<void> {
    const seq = ++this.#started;
    this.#loading = (async () => {
      try {
        // Not cancelled and not over; a little past the header horizon, so a reload every few seconds is enough.
        const { rows } = await withTimeout(this.db.query<MaintenanceRow>(
          `select id, starts_at, ends_at, title_vi, title_en, message_vi, message_en, emergency, read_only
           from ops.maintenance_windows
           where cancelled_at is null and ends_at > now() and starts_at < now() + $1 * interval '1 millisecond'
           order by starts_at, id`, [HEADER_HORIZON_MS + 3_600_000]), 2_000, 'the maintenance notices query');
        // An older query that answers late must not replace a newer answer.
        if (seq > this.#applied) {
          this.#applied = seq;
          this.#windows = rows.map(toWindow);
        }
      } catch (err) {
        // Keep the last list; try again at the next interval rather than on every request.
        this.onError(err as Error);
      } finally {
        this.#loadedAt = Date.now();
        if (this.#started === seq) this.#loading = null;
      }
    })();
    return this.#loading;
  }

  /** The list, reloading in the background when it is older than the interval (only the first call waits). */
  async windows(): Promise<MaintenanceWindow[]> {
    if (this.#loadedAt === -Infinity) await (this.#loading ?? this.reload());
    else if (Date.now() - this.#loadedAt > this.reloadMs && !this.#loading) void this.reload();
    return this.#windows;
  }

  /** What is known now, without touching the database. */
  known(): MaintenanceWindow[] {
    return this.#windows;
  }

  /** On now or starting within the header horizon, by start. */
  upcoming(now = Date.now()): MaintenanceWindow[] {
    return this.#windows.filter((w) => w.endsAt.getTime() > now && w.startsAt.getTime() <= now + HEADER_HORIZON_MS);
  }

  /** The read-only window on now, if any (the one ending last when they overlap). */
  readOnlyNow(now = Date.now()): MaintenanceWindow | undefined {
    return this.#windows
      .filter((w) => w.readOnly && w.startsAt.getTime() <= now && now < w.endsAt.getTime())
      .sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime())[0];
  }
}

/** `2025-03-01T19:00:00.000Z/2025-03-01T21:00:00.000Z; read-only, …` — one entry per window, by start. */
export function maintenanceHeader(windows: MaintenanceWindow[]): string | null {
  if (windows.length === 0) return null;
  return windows
    .map((w) => [`${w.startsAt.toISOString()}/${w.endsAt.toISOString()}`, ...(w.readOnly ? ['read-only'] : []), ...(w.emergency ? ['emergency'] : [])].join('; '))
    .join(', ');
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Signing in and out stays possible (an operator must be able to end the window), and so does managing windows.
const READ_ONLY_EXEMPT = new Set(['/api/auth/login', '/api/auth/logout', '/api/admin/maintenance', '/api/admin/maintenance/:id']);
const API_PREFIXES = ['/api/', '/ogc', '/wfs', '/tiles/'];

/**
 * The one rule of a read-only window, for every API (/api, OGC API Features Part 4, WFS): a request with a method
 * that writes (POST, PUT, PATCH, DELETE) to a route is refused, unless the route is one of the exempt ones above or
 * declares `config: { readsOnly: true }` — a POST that only reads, such as WFS GetFeature with an XML body (this
 * server has no WFS Transaction). A path with no route writes nothing: its 404 stands.
 */
export function blockedWhenReadOnly(request: Pick<FastifyRequest, 'method' | 'routeOptions'>): boolean {
  const route = request.routeOptions.url;
  return WRITE_METHODS.has(request.method) && route !== undefined && !READ_ONLY_EXEMPT.has(route) &&
    request.routeOptions.config?.readsOnly !== true;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that uses a writing method (POST) only to read: it keeps working in a read-only window. */
    readsOnly?: boolean;
  }
  interface FastifyInstance {
    /** Maintenance windows: for the web banner, the OGC landing page, anything that announces them. */
    maintenance: MaintenanceNotices;
  }
}

function vietnamTime(d: Date): string {
  return `${d.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour12: false })} (giờ Việt Nam)`;
}

export function registerMaintenance(app: FastifyInstance): void {
  const notices = new MaintenanceNotices(app.db.pool, (err) => app.log.warn({ err: err.message }, 'maintenance notices could not be reloaded'));
  app.decorate('maintenance', notices);

  app.addHook('onRequest', async (request, reply) => {
    await notices.windows();
    if (!blockedWhenReadOnly(request)) return;
    const now = Date.now();
    const window = notices.readOnlyNow(now);
    if (!window) return;
    reply.header('retry-after', String(Math.max(1, Math.ceil((window.endsAt.getTime() - now) / 1000))));
    throw new AppError(503, 'maintenance_read_only',
      `The platform is read-only for maintenance until ${window.endsAt.toISOString()} (${window.titleEn}); reading works, ` +
      `changes do not. Nền tảng đang bảo trì, chỉ xem được đến ${vietnamTime(window.endsAt)} (${window.titleVi}).`,
      { maintenance_id: window.id, ends_at: window.endsAt.toISOString() });
  });

  // A callback hook for the reason given in request-id.ts.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (API_PREFIXES.some((p) => request.url.startsWith(p))) {
      const header = maintenanceHeader(notices.upcoming());
      if (header) reply.header('x-maintenance', header);
    }
    done(null, payload);
  });
}
