// Every SQL statement about citizen reports, one small function each. Submitting and the public lookup go
// through security definer functions (sql/migrations/010_reports.sql, 016); the staff inbox reads and updates the
// table as the server's role, under row level security: a report the caller may not handle is simply absent.
import type pg from 'pg';
import type { ReportCategory, ReportTarget } from './report-input.ts';

export const reportStatuses = ['new', 'in_progress', 'fixed', 'rejected'] as const;
export type ReportStatus = (typeof reportStatuses)[number];

export type SubmitOutcome =
  | 'created' | 'duplicate' | 'duplicate_text' | 'layer_not_found' | 'feature_not_found' | 'unknown_agency'
  | 'no_operator' | 'location_required' | 'daily_limit';

export interface SubmitArgs {
  target: ReportTarget;
  category: ReportCategory;
  description: string;
  contact: string | null;
  heldReason: 'honeypot' | null;
  ip: string | null;
  textHash: string;
  duplicateWindow: string;
  dailyLimit: number;
}

export interface SubmitResult {
  outcome: SubmitOutcome;
  ticket: string | null;
  /** Whose inbox the report went to. */
  agency_id: string | null;
}

export async function submitReport(client: pg.ClientBase, a: SubmitArgs): Promise<SubmitResult> {
  const t = a.target;
  const { rows } = await client.query<SubmitResult>(
    'select * from reports.submit($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::interval, $13, $14, $15)',
    [
      t.kind === 'feature' ? t.layerId : null, t.kind === 'feature' ? t.fid : null, t.lon, t.lat,
      t.kind === 'point' ? t.agencyCode : null, a.category, a.description, a.contact, a.heldReason, a.ip, a.textHash,
      a.duplicateWindow, a.dailyLimit, t.kind === 'feature' ? t.clicked?.lon ?? null : null,
      t.kind === 'feature' ? t.clicked?.lat ?? null : null,
    ],
  );
  return rows[0]!;
}

export interface PublicReportRow {
  ticket: string;
  status: ReportStatus;
  category: ReportCategory;
  created_at: Date;
  updated_at: Date;
  reply: string | null;
  agency_code: string;
  agency_name_vi: string;
  agency_name_en: string;
  layer_id: string | null;
  layer_title_vi: string | null;
  layer_title_en: string | null;
  fid: number | null;
  /** The feature's name now, when its layer has a name attribute and the caller may read it. */
  feature_name: string | null;
  lon: number | null;
  lat: number | null;
}

export async function lookupReport(client: pg.ClientBase, ticket: string): Promise<PublicReportRow | null> {
  const { rows } = await client.query<PublicReportRow>('select * from reports.lookup($1)', [ticket]);
  return rows[0] ?? null;
}

export interface Recipient {
  code: string;
  name_vi: string;
  name_en: string;
  kind: string;
  sectors: string[];
}

/** Agencies a report on a point can be sent to, with the sectors of the layers they own that the caller sees. */
export async function listRecipients(client: pg.ClientBase): Promise<Recipient[]> {
  const { rows } = await client.query<Recipient>(
    `select a.code, a.name_vi, a.name_en, a.kind,
            coalesce(array_agg(distinct l.sector_code) filter (where l.sector_code is not null), '{}') as sectors
     from catalog.agencies a
     left join catalog.layers l on l.owner_agency_id = a.id
     where a.status = 'active'
     group by a.id
     order by a.kind = 'operator' desc, a.name_vi`,
  );
  return rows;
}

export interface InboxRow {
  id: string;
  agency_id: string;
  ticket: string;
  status: ReportStatus;
  category: ReportCategory;
  description: string;
  contact: string | null;
  reply: string | null;
  held_reason: string | null;
  created_at: Date;
  updated_at: Date;
  layer_id: string | null;
  layer_title_vi: string | null;
  layer_title_en: string | null;
  fid: number | null;
  lon: number;
  lat: number;
  agency_code: string;
  agency_name_vi: string;
  agency_name_en: string;
}

const inboxSelect = `
  select r.id, r.agency_id, r.ticket, r.status, r.category, r.description, r.contact, r.reply, r.held_reason, r.created_at,
         r.updated_at, r.layer_id, l.title_vi as layer_title_vi, l.title_en as layer_title_en, r.fid,
         st_x(r.location) as lon, st_y(r.location) as lat,
         a.code as agency_code, a.name_vi as agency_name_vi, a.name_en as agency_name_en
  from reports.reports r
  join catalog.agencies a on a.id = r.agency_id
  left join catalog.layers l on l.id = r.layer_id`;

export interface InboxFilter {
  statuses: ReportStatus[] | null;
  layerId: string | null;
  agencyCode: string | null;
  held: boolean;
  limit: number;
  offset: number;
}

export async function listInbox(client: pg.ClientBase, f: InboxFilter): Promise<{ rows: InboxRow[]; total: number }> {
  const { rows } = await client.query<InboxRow & { total: number }>(
    `${inboxSelect}
     where ($1::text[] is null or r.status = any ($1)) and ($2::text is null or r.layer_id = $2)
       and ($3::text is null or a.code = $3) and (r.held_reason is not null) = $4
     order by r.created_at desc, r.ticket
     limit $5 offset $6`,
    [f.statuses, f.layerId, f.agencyCode, f.held, f.limit, f.offset],
  );
  const { rows: counted } = await client.query<{ total: number }>(
    `select count(*) as total from reports.reports r join catalog.agencies a on a.id = r.agency_id
     where ($1::text[] is null or r.status = any ($1)) and ($2::text is null or r.layer_id = $2)
       and ($3::text is null or a.code = $3) and (r.held_reason is not null) = $4`,
    [f.statuses, f.layerId, f.agencyCode, f.held],
  );
  return { rows, total: counted[0]?.total ?? 0 };
}

/** One report of the inbox; `forUpdate` locks it (and, by the update policy, finds only what the caller may change). */
export async function findInboxReport(client: pg.ClientBase, ticket: string, opts: { forUpdate?: boolean } = {}): Promise<InboxRow | null> {
  const { rows } = await client.query<InboxRow>(
    `${inboxSelect} where r.ticket = $1${opts.forUpdate ? ' for update of r' : ''}`, [ticket]);
  return rows[0] ?? null;
}

export interface ReportEventRow {
  at: Date;
  actor: string | null;
  agency_code: string;
  from_status: ReportStatus | null;
  to_status: ReportStatus;
  reply: string | null;
}

export async function reportEvents(client: pg.ClientBase, reportId: string): Promise<ReportEventRow[]> {
  // Staff names come from the accounts the caller may see; anyone else's shows as null.
  const { rows } = await client.query<ReportEventRow>(
    `select e.at, u.username as actor, a.code as agency_code, e.from_status, e.to_status, e.reply
     from reports.report_events e
     join catalog.agencies a on a.id = e.agency_id
     left join auth.visible_accounts() u on u.id = e.actor_user_id
     where e.report_id = $1
     order by e.at, e.id`,
    [reportId],
  );
  return rows;
}

export async function updateReport(client: pg.ClientBase, id: string, status: ReportStatus, reply: string | null): Promise<void> {
  await client.query('update reports.reports set status = $2, reply = $3 where id = $1', [id, status, reply]);
}

export type HeldOutcome = 'released' | 'deleted' | 'not_found' | 'not_held';

/** Moves a held report into its agency's inbox (reports.release_held checks that the caller handles it). */
export async function releaseHeldReport(client: pg.ClientBase, ticket: string): Promise<HeldOutcome> {
  const { rows } = await client.query<{ outcome: HeldOutcome }>('select reports.release_held($1) as outcome', [ticket]);
  return rows[0]!.outcome;
}

/** Deletes a held report for good; only held ones can be (reports.delete_held). */
export async function deleteHeldReport(client: pg.ClientBase, ticket: string): Promise<HeldOutcome> {
  const { rows } = await client.query<{ outcome: HeldOutcome }>('select reports.delete_held($1) as outcome', [ticket]);
  return rows[0]!.outcome;
}
