// "Tra cứu phản ánh": whoever holds a ticket sees how the report stands — its status, when it was sent and last
// handled, which agency has it, and the agency's reply. Never the contact: the API does not even send it.
import { getJson } from './api.ts';
import { el, openDialog, type Dialog } from './dialog.ts';
import { formatDateTime } from './format.ts';
import { localized, t, type Key } from './i18n.ts';
import { formatLonLat, problemText } from './report-form.ts';

export interface PublicReport {
  ticket: string;
  status: 'new' | 'in_progress' | 'fixed' | 'rejected';
  category: string;
  created_at: string;
  updated_at: string;
  reply: string | null;
  agency: { code: string; name_vi: string; name_en: string };
  layer: { id: string; title_vi: string; title_en: string } | null;
  fid: number | null;
  feature_name: string | null;
  location: { lon: number; lat: number } | null;
}

function row(label: string, value: Node | string, testId: string): HTMLElement {
  return el('div', { class: 'row' }, el('dt', {}, label), el('dd', { 'data-testid': testId }, value));
}

export function openReportLookup(opts: { ticket?: string; onShowOnMap(lon: number, lat: number): void }): Dialog {
  const dialog = openDialog({ title: t('lookupTitle'), testId: 'lookup-dialog' });
  const input = el('input', {
    id: 'lookup-ticket', type: 'text', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', maxlength: '20',
    placeholder: 'CB-XXXX-XXXX', 'aria-describedby': 'lookup-hint', 'data-testid': 'lookup-input',
  });
  const submit = el('button', { type: 'submit', class: 'button primary', 'data-testid': 'lookup-submit' }, t('lookupButton'));
  const form = el('form', { class: 'lookup-form', novalidate: '' },
    el('label', { for: 'lookup-ticket' }, t('lookupLabel')),
    el('div', { class: 'lookup-row' }, input, submit),
    el('p', { class: 'field-hint', id: 'lookup-hint' }, t('lookupHint')));
  const result = el('div', { class: 'lookup-result', 'aria-live': 'polite', 'data-testid': 'lookup-result' });
  dialog.body.append(form, result);

  const show = (report: PublicReport) => {
    const status = el('span', { class: `status status-${report.status}`, 'data-status': report.status }, t(`status_${report.status}` as Key));
    const feature = report.feature_name ?? (report.fid !== null ? t('popupUnnamed', { fid: report.fid }) : null);
    const about = report.layer
      ? `${feature ? `${feature} — ` : ''}${localized(report.layer, 'title')}`
      : report.location ? formatLonLat(report.location.lon, report.location.lat) : '—';
    const details = el('dl', { class: 'lookup-details' },
      row(t('lookupTicket'), report.ticket, 'lookup-ticket-value'),
      row(t('lookupStatus'), status, 'lookup-status'),
      row(t('reportCategory'), t(`category_${report.category}` as Key), 'lookup-category'),
      row(t('lookupAbout'), about, 'lookup-about'),
      row(t('lookupAgency'), localized(report.agency, 'name'), 'lookup-agency'),
      row(t('lookupCreated'), formatDateTime(report.created_at), 'lookup-created'),
      row(t('lookupUpdated'), formatDateTime(report.updated_at), 'lookup-updated'),
      row(t('lookupReply'), report.reply ?? t('lookupNoReply'), 'lookup-reply'));
    result.replaceChildren(details);
    if (report.location) {
      const { lon, lat } = report.location;
      const onMap = el('button', { type: 'button', class: 'button', 'data-testid': 'lookup-show-on-map' }, t('lookupShowOnMap'));
      onMap.addEventListener('click', () => {
        dialog.close();
        opts.onShowOnMap(lon, lat);
      });
      result.append(el('div', { class: 'dialog-actions' }, onMap));
    }
  };

  const lookUp = async () => {
    const ticket = input.value.trim();
    if (ticket === '') {
      result.replaceChildren(el('p', { class: 'form-error', role: 'alert' }, t('lookupEmpty')));
      input.focus();
      return;
    }
    submit.disabled = true;
    result.replaceChildren(el('p', { class: 'field-hint' }, t('lookupLoading')));
    try {
      show(await getJson<PublicReport>(`/api/reports/${encodeURIComponent(ticket)}`));
    } catch (error) {
      result.replaceChildren(el('p', { class: 'form-error', role: 'alert', 'data-testid': 'lookup-error' }, problemText(error)));
    } finally {
      submit.disabled = false;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void lookUp();
  });

  if (opts.ticket) {
    input.value = opts.ticket;
    void lookUp();
  }
  input.focus();
  return dialog;
}
