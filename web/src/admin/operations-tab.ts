// The operator's "Operations" tab: maintenance windows (Điều 10.2: schedule, list, cancel — the 24-hour notice rule
// is the server's, server/ops/maintenance-routes.ts, and its refusal is shown in the dialog) and backups with their
// restore drills (Điều 10.5, server/ops/backup-routes.ts), with one alert line when the backups need attention.
import { formatDateTime } from '../format.ts';
import { call } from '../editor/http.ts';
import { currentLang } from '../editor/strings.ts';
import { button, el, field, table } from './dom.ts';
import { addFields, confirmDialog, dialogShell, readValues, type FieldSpec } from './form-dialog.ts';
import { ta, type AdminKey } from './strings.ts';

interface MaintenanceWindow {
  id: string; starts_at: string; ends_at: string; title_vi: string; title_en: string; message_vi: string; message_en: string;
  emergency: boolean; read_only: boolean; created_at: string; cancelled_at: string | null;
}
interface Backup {
  id: string; name: string; status: 'running' | 'succeeded' | 'failed'; started_at: string; finished_at: string | null;
  database_bytes: number | string | null; upload_bytes: number | string | null; drill_status: 'passed' | 'failed' | null;
  error: string | null; deleted_at: string | null;
}
interface BackupsAnswer {
  freshness: { last_verified_at: string | null; age_hours: number | null; max_age_hours: number; fresh: boolean };
  backups: Backup[];
}

/** What the tab needs from the page: show the new state, then say what happened. */
export interface OperationsContext {
  afterDialog: (message: string) => (ok: boolean) => void;
}

// Vietnam keeps UTC+7 all year (no daylight saving), so a wall-clock time there is that time at +07:00 whatever the
// browser's own zone: the operator types Vietnam time, the API gets an unambiguous instant.
const VIETNAM_OFFSET = '+07:00';
const toInstant = (local: string) => `${local.length === 16 ? `${local}:00` : local}${VIETNAM_OFFSET}`;

function dateTimeInput(name: string): HTMLInputElement {
  const i = document.createElement('input');
  i.type = 'datetime-local';
  i.name = name;
  i.required = true;
  return i;
}

function sizeText(b: Backup): string {
  const bytes = Number(b.database_bytes ?? 0) + Number(b.upload_bytes ?? 0);
  if (!bytes) return '—';
  const mb = bytes / 1_048_576;
  return mb >= 1 ? `${mb.toLocaleString('vi-VN', { maximumFractionDigits: 1 })} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function ageText(at: string): string {
  const hours = (Date.now() - new Date(at).getTime()) / 3_600_000;
  return hours < 48 ? ta('ageHours', { n: Math.max(0, Math.floor(hours)) }) : ta('ageDays', { n: Math.floor(hours / 24) });
}

function scheduleDialog(ctx: OperationsContext): void {
  const fields: FieldSpec[] = [
    { kind: 'text', name: 'title_vi', label: ta('mwTitleVi'), required: true },
    { kind: 'text', name: 'title_en', label: ta('mwTitleEn'), required: true },
    { kind: 'textarea', name: 'message_vi', label: ta('mwMessageVi') },
    { kind: 'textarea', name: 'message_en', label: ta('mwMessageEn') },
    { kind: 'checkbox', name: 'read_only', label: ta('mwReadOnly') },
    { kind: 'checkbox', name: 'emergency', label: ta('mwEmergency') },
  ];
  const start = dateTimeInput('starts_at');
  const end = dateTimeInput('ends_at');
  void dialogShell({ title: ta('mwSchedule'), intro: ta('mwScheduleIntro'), submitLabel: ta('mwSchedule'), testId: 'maintenance-dialog' }, ({ body }) => {
    body.append(field('mw-start', ta('mwStart'), start, ta('vietnamTimeHint')), field('mw-end', ta('mwEnd'), end, ta('vietnamTimeHint')));
    addFields(body, fields);
  }, async ({ form }) => {
    const v = readValues(form, fields);
    await call('POST', '/api/admin/maintenance', { ...v, starts_at: toInstant(start.value), ends_at: toInstant(end.value) });
  }).then(ctx.afterDialog(ta('mwScheduled')));
}

async function maintenanceSection(ctx: OperationsContext): Promise<HTMLElement> {
  const { body } = await call<{ windows: MaintenanceWindow[] }>('GET', '/api/admin/maintenance');
  const en = currentLang() === 'en';
  const now = Date.now();
  const state = (w: MaintenanceWindow) => w.cancelled_at ? ta('mwCancelledState')
    : new Date(w.ends_at).getTime() <= now ? ta('mwOver')
    : new Date(w.starts_at).getTime() <= now ? ta('mwActive') : ta('mwPlanned');
  const rows = body.windows.map((w) => {
    const title = en ? w.title_en : w.title_vi;
    const kinds = [w.read_only ? ta('mwReadOnlyShort') : '', w.emergency ? ta('mwEmergencyShort') : ''].filter(Boolean).join(', ') || '—';
    const cancellable = !w.cancelled_at && new Date(w.ends_at).getTime() > now;
    const actions = el('div', { className: 'actions' });
    if (cancellable) {
      actions.append(button(ta('mwCancel'), () => void confirmDialog({
        title: ta('mwCancelTitle', { title }), message: ta('mwCancelIntro'), confirmLabel: ta('mwCancel'), danger: true, testId: 'cancel-maintenance-dialog',
        onConfirm: () => call('DELETE', `/api/admin/maintenance/${w.id}`).then(() => {}),
      }).then(ctx.afterDialog(ta('mwCancelled', { title }))), 'danger'));
    }
    return [el('strong', { textContent: title }), formatDateTime(w.starts_at), formatDateTime(w.ends_at), kinds, state(w), actions];
  });
  return el('section', { className: 'ops-section', id: 'maintenance' },
    el('h3', { textContent: ta('mwHeading') }),
    el('p', { className: 'hint', textContent: ta('mwHint') }),
    el('div', { className: 'actions' }, button(ta('mwSchedule'), () => scheduleDialog(ctx), 'primary')),
    table(ta('mwHeading'), [ta('mwTitleCol'), ta('mwStart'), ta('mwEnd'), ta('kind'), ta('status'), ta('actions')], rows,
      body.windows.map((w) => ({ maintenance: w.id }))));
}

async function backupsSection(): Promise<HTMLElement> {
  const { body } = await call<BackupsAnswer>('GET', '/api/admin/backups?limit=50');
  const latest = body.backups[0];
  // One line saying what is wrong, if anything: no verified backup recently enough, or the last drill failed.
  const problems: string[] = [];
  if (!body.freshness.fresh) {
    problems.push(body.freshness.last_verified_at
      ? ta('backupStale', { h: body.freshness.age_hours ?? '?', max: body.freshness.max_age_hours })
      : ta('backupNoneVerified'));
  }
  const lastDrilled = body.backups.find((b) => b.drill_status !== null);
  if (lastDrilled?.drill_status === 'failed') problems.push(ta('backupDrillFailed', { name: lastDrilled.name }));
  if (latest?.status === 'failed') problems.push(ta('backupLastFailed', { name: latest.name }));
  const alert = el('p', { className: problems.length ? 'ops-alert' : 'ops-ok', id: 'backup-alert' }, problems.length ? problems.join(' ') : ta('backupOk'));
  if (problems.length) alert.setAttribute('role', 'alert');

  const drill = (b: Backup) => b.drill_status === 'passed' ? ta('drillPassed') : b.drill_status === 'failed' ? ta('drillFailed') : ta('drillNone');
  const rows = body.backups.map((b) => [el('code', { textContent: b.name }), formatDateTime(b.started_at), sizeText(b),
    `${ta(`backup_${b.status}` as AdminKey)}${b.error ? ` — ${b.error}` : ''}`, drill(b), ageText(b.started_at)]);
  const list = body.backups.length === 0
    ? el('p', { className: 'hint', id: 'no-backups', textContent: ta('backupNone') })
    : table(ta('backupHeading'), [ta('backupName'), ta('when'), ta('backupSize'), ta('status'), ta('drill'), ta('age')], rows,
      body.backups.map((b) => ({ backup: b.name })));
  return el('section', { className: 'ops-section', id: 'backups' }, el('h3', { textContent: ta('backupHeading') }), alert, list);
}

/** The tab's content: maintenance windows first (they are what an operator acts on), then backups. */
export async function operationsTab(ctx: OperationsContext): Promise<Node[]> {
  return Promise.all([maintenanceSection(ctx), backupsSection()]);
}
