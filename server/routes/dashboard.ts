// GET /api/dashboard — the platform in figures, per sector and per owner agency: layers, features, last update;
// for agency staff also the open citizen reports and the imports they handle (the operator: all of them).
// Every figure is counted under the caller's rights (withCaller + row level security): a restricted layer the
// caller may not read is in no count, a report or an import they may not see neither. Anonymous callers, API
// clients and viewers get the layer figures only: reports and imports are the business of the agencies' staff.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { Identity } from '../auth/identity.ts';
import { badRequest } from '../errors.ts';
import { baseUrl } from '../http-urls.ts';

/** Who the figures are for, which says what they cover. */
export type Audience = 'public' | 'reader' | 'agency_staff' | 'operator';

/** Recent imports listed, and the window their status counts cover. */
const RECENT_IMPORTS = 10;
const IMPORT_WINDOW_DAYS = 30;

export const IMPORT_STATUSES = ['uploaded', 'reading', 'validating', 'preview', 'committing', 'committed', 'failed'] as const;

function audienceOf(caller: Identity): Audience {
  if (caller.kind !== 'user') return caller.kind === 'anonymous' ? 'public' : 'reader';
  if (caller.isOperator) return 'operator';
  return caller.memberships.some((m) => m.role === 'agency_admin' || m.role === 'editor') ? 'agency_staff' : 'reader';
}

// Every sector, with what the caller may see of it (the catalog's RLS filters the joined layers).
const sectorFigures = `
  select s.code, s.title_vi, s.title_en,
         count(l.id)::integer as layers, coalesce(sum(l.feature_count), 0)::bigint as features,
         max(l.data_updated_at) as last_update
  from catalog.sectors s
  left join catalog.layers l on l.sector_code = s.code
  group by s.code, s.title_vi, s.title_en, s.sort
  order by s.sort, s.code`;

const agencyFigures = `
  select a.code, a.name_vi, a.name_en,
         count(l.id)::integer as layers, coalesce(sum(l.feature_count), 0)::bigint as features,
         max(l.data_updated_at) as last_update
  from catalog.agencies a
  join catalog.layers l on l.owner_agency_id = a.id
  group by a.id, a.code, a.name_vi, a.name_en
  order by a.name_vi, a.code`;

// Open = new or in progress, and in an inbox (a report held as spam is in none). The reports' RLS shows each
// caller what they handle, and never a report on a layer they may not read.
const openReports = `
  select a.code as agency_code, a.name_vi, a.name_en, l.sector_code,
         count(*) filter (where r.status = 'new')::integer as new,
         count(*) filter (where r.status = 'in_progress')::integer as in_progress
  from reports.reports r
  join catalog.agencies a on a.id = r.agency_id
  left join catalog.layers l on l.id = r.layer_id
  where r.status in ('new', 'in_progress') and r.held_reason is null
  group by a.code, a.name_vi, a.name_en, l.sector_code`;

// The imports' RLS shows an agency's imports to its editors and admins. Still, one into a layer the caller may
// not read (handed to another agency since) is left out; one creating a layer not made yet has nothing to hide.
const visibleImport = `(auth.can_read_layer(i.layer_id) or not imports.layer_id_taken(i.layer_id))`;

const importStatusCounts = `
  select i.status, count(*)::integer as count
  from imports.imports i
  where i.created_at > now() - make_interval(days => $1) and ${visibleImport}
  group by i.status`;

const recentImports = `
  select i.id, i.layer_id, i.creates_layer, i.original_name, i.status, i.mode, i.created_at, i.updated_at,
         i.committed_at, i.error_code, a.code as agency_code, a.name_vi as agency_name_vi, a.name_en as agency_name_en,
         l.title_vi as layer_title_vi, l.title_en as layer_title_en
  from imports.imports i
  join catalog.agencies a on a.id = i.agency_id
  left join catalog.layers l on l.id = i.layer_id
  where ${visibleImport}
  order by i.created_at desc, i.id
  limit $1`;

interface FigureRow {
  layers: number;
  features: number;
  last_update: Date | null;
}
interface SectorRow extends FigureRow { code: string; title_vi: string; title_en: string }
interface AgencyRow extends FigureRow { code: string; name_vi: string; name_en: string }
interface OpenReportRow { agency_code: string; name_vi: string; name_en: string; sector_code: string | null; new: number; in_progress: number }
interface RecentImportRow {
  id: string; layer_id: string; creates_layer: boolean; original_name: string; status: string; mode: string;
  created_at: Date; updated_at: Date; committed_at: Date | null; error_code: string | null;
  agency_code: string; agency_name_vi: string; agency_name_en: string; layer_title_vi: string | null; layer_title_en: string | null;
}

interface OpenCount { new: number; in_progress: number; open: number }

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const emptyCount = (): OpenCount => ({ new: 0, in_progress: 0, open: 0 });

function addTo(map: Map<string, OpenCount>, key: string, r: OpenReportRow): void {
  const c = map.get(key) ?? emptyCount();
  c.new += r.new;
  c.in_progress += r.in_progress;
  c.open = c.new + c.in_progress;
  map.set(key, c);
}

async function dashboard(client: pg.ClientBase, audience: Audience, base: string) {
  const staff = audience === 'agency_staff' || audience === 'operator';
  const sectors = (await client.query<SectorRow>(sectorFigures)).rows;
  const agencies = (await client.query<AgencyRow>(agencyFigures)).rows;

  const bySector = new Map<string, OpenCount>();
  const byAgency = new Map<string, OpenCount>();
  const reportAgencies = new Map<string, { code: string; name_vi: string; name_en: string }>();
  const reportTotals = { ...emptyCount(), on_points: 0 };
  if (staff) {
    for (const r of (await client.query<OpenReportRow>(openReports)).rows) {
      if (r.sector_code) addTo(bySector, r.sector_code, r);
      else reportTotals.on_points += r.new + r.in_progress;
      addTo(byAgency, r.agency_code, r);
      reportAgencies.set(r.agency_code, { code: r.agency_code, name_vi: r.name_vi, name_en: r.name_en });
      reportTotals.new += r.new;
      reportTotals.in_progress += r.in_progress;
    }
    reportTotals.open = reportTotals.new + reportTotals.in_progress;
  }

  // Agencies that own a layer the caller sees, and, for staff, those whose inbox holds an open report of theirs
  // (the operator receives the reports on a point of the map).
  const agencyRows: Array<AgencyRow> = [...agencies];
  for (const [code, a] of reportAgencies) {
    if (!agencyRows.some((r) => r.code === code)) agencyRows.push({ ...a, layers: 0, features: 0, last_update: null });
  }
  agencyRows.sort((a, b) => a.name_vi.localeCompare(b.name_vi, 'vi') || a.code.localeCompare(b.code));

  let imports = null;
  if (staff) {
    const counts = (await client.query<{ status: string; count: number }>(importStatusCounts, [IMPORT_WINDOW_DAYS])).rows;
    const byStatus = Object.fromEntries(IMPORT_STATUSES.map((s) => [s, counts.find((c) => c.status === s)?.count ?? 0]));
    const recent = (await client.query<RecentImportRow>(recentImports, [RECENT_IMPORTS])).rows;
    imports = {
      window_days: IMPORT_WINDOW_DAYS,
      total: counts.reduce((n, c) => n + c.count, 0),
      by_status: byStatus,
      recent: recent.map((r) => ({
        id: r.id,
        layer: {
          id: r.layer_id,
          title_vi: r.layer_title_vi,
          title_en: r.layer_title_en,
          page: r.layer_title_vi ? `${base}/layer.html?id=${encodeURIComponent(r.layer_id)}` : null,
        },
        creates_layer: r.creates_layer,
        file_name: r.original_name,
        status: r.status,
        mode: r.mode,
        error_code: r.error_code,
        agency: { code: r.agency_code, name_vi: r.agency_name_vi, name_en: r.agency_name_en },
        created_at: r.created_at.toISOString(),
        updated_at: r.updated_at.toISOString(),
        committed_at: iso(r.committed_at),
        links: { self: `${base}/api/imports/${r.id}` },
      })),
    };
  }

  const openOf = (map: Map<string, OpenCount>, key: string) => (staff ? (map.get(key) ?? emptyCount()) : null);
  const lastOf = (rows: FigureRow[]) => rows.reduce<Date | null>((m, r) => (r.last_update && (!m || r.last_update > m) ? r.last_update : m), null);
  return {
    audience,
    generated_at: new Date().toISOString(),
    totals: {
      layers: sectors.reduce((n, s) => n + s.layers, 0),
      features: sectors.reduce((n, s) => n + s.features, 0),
      last_update: iso(lastOf(sectors)),
      open_reports: staff ? reportTotals.open : null,
    },
    sectors: sectors.map((s) => ({
      code: s.code, title_vi: s.title_vi, title_en: s.title_en,
      layers: s.layers, features: s.features, last_update: iso(s.last_update),
      open_reports: openOf(bySector, s.code),
    })),
    agencies: agencyRows.map((a) => ({
      code: a.code, name_vi: a.name_vi, name_en: a.name_en,
      layers: a.layers, features: a.features, last_update: iso(a.last_update),
      open_reports: openOf(byAgency, a.code),
    })),
    reports: staff ? reportTotals : null,
    imports,
  };
}

function refuseParameters(request: FastifyRequest): void {
  const i = request.url.indexOf('?');
  const name = i < 0 ? undefined : [...new URLSearchParams(request.url.slice(i + 1)).keys()][0];
  if (name !== undefined) {
    throw badRequest('unknown_parameter', `GET /api/dashboard takes no parameters; got '${name.slice(0, 40)}'. It always answers for the signed-in caller.`);
  }
}

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/dashboard', async (request, reply) => {
    refuseParameters(request);
    const audience = audienceOf(request.caller);
    const body = await app.db.withCaller(request.caller, (client) => dashboard(client, audience, baseUrl(request)));
    // Figures depend on who asks: a shared cache may keep only the anonymous answer.
    reply.header('cache-control', audience === 'public' ? 'no-cache' : 'private, no-store').header('vary', 'cookie, authorization, x-api-key');
    return body;
  });
}
