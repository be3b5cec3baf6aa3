// "Báo lỗi dữ liệu": a citizen tells the owning agency that a feature is wrong or missing (Điều 8.1c), on a feature
// from its card (with the place it was clicked) or on a point of the map, and gets a ticket to look the report up later. No puzzles: the server
// holds spam back by rate limits and a hidden field people never see (nor hear: it is out of the accessibility
// tree and out of the tab order), which only a bot fills in.
import { ApiError, getJson, postJson } from './api.ts';
import type { CatalogLayer } from './catalog.ts';
import { el, openDialog, type Dialog } from './dialog.ts';
import { hasText, localized, t, type Key } from './i18n.ts';

export type ReportSubject =
  | {
    kind: 'feature'; layer: CatalogLayer; fid: number | string; title: string;
    /** Where the card was opened: the server shows the report at the feature's point nearest to it. */
    clicked?: { lon: number; lat: number };
  }
  | { kind: 'point'; lon: number; lat: number };

const categories = ['wrong_position', 'wrong_attribute', 'missing_feature', 'should_not_exist', 'other'] as const;
const DESCRIPTION_MIN = 10;
const DESCRIPTION_MAX = 2000;

interface Recipient {
  code: string;
  name_vi: string;
  name_en: string;
  kind: string;
}

/** Say an API failure in the reader's language; unknown codes get the general message. */
export function problemText(error: unknown): string {
  if (error instanceof ApiError) {
    const key = `error_${error.code}`;
    if (hasText(key)) return t(key, { min: DESCRIPTION_MIN, ticket: String(error.details.ticket ?? '') });
  }
  return t('error_generic');
}

export function formatLonLat(lon: number, lat: number): string {
  const f = new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'vi-VN', { minimumFractionDigits: 5, maximumFractionDigits: 5 });
  return `${f.format(lat)}° N, ${f.format(lon)}° E`;
}

export function openReportForm(subject: ReportSubject, opts: { onLookup(ticket: string): void; onClose?(): void }): Dialog {
  const dialog = openDialog({ title: t('reportTitle'), testId: 'report-dialog', onClose: opts.onClose });
  const form = el('form', { class: 'report-form', novalidate: '', 'data-testid': 'report-form' });

  const about = subject.kind === 'feature'
    ? el('p', { class: 'report-about', 'data-testid': 'report-about' }, t('reportAboutFeature'), ' ',
      el('strong', {}, subject.title), ` — ${localized(subject.layer, 'title')}`)
    : el('p', { class: 'report-about', 'data-testid': 'report-about' }, t('reportAboutPoint'), ' ',
      el('strong', {}, formatLonLat(subject.lon, subject.lat)));
  const routing = el('p', { class: 'report-hint' },
    subject.kind === 'feature' ? t('reportRoutedTo', { agency: localized(subject.layer.owner, 'name') }) : t('reportChooseAgencyHint'));

  const categoryField = el('fieldset', { class: 'field', 'aria-describedby': 'report-category-error' },
    el('legend', {}, t('reportCategory'), el('span', { class: 'required', 'aria-hidden': 'true' }, ' *')));
  for (const category of categories) {
    const id = `report-category-${category}`;
    const radio = el('input', { type: 'radio', name: 'category', value: category, id, required: '', 'data-testid': id });
    categoryField.append(el('label', { class: 'choice', for: id }, radio, el('span', {}, t(`category_${category}` as Key))));
  }
  const categoryError = el('p', { class: 'field-error', id: 'report-category-error' });
  categoryField.append(categoryError);
  categoryField.addEventListener('change', () => {
    categoryError.textContent = '';
  });

  const description = el('textarea', {
    id: 'report-description', name: 'description', rows: '5', maxlength: String(DESCRIPTION_MAX), required: '',
    'aria-describedby': 'report-description-hint report-description-error', 'data-testid': 'report-description',
  });
  const counter = el('span', { class: 'counter', 'aria-hidden': 'true' }, `0/${DESCRIPTION_MAX}`);
  const descriptionError = el('p', { class: 'field-error', id: 'report-description-error' });
  description.addEventListener('input', () => {
    counter.textContent = `${description.value.length}/${DESCRIPTION_MAX}`;
    if (description.value.trim().length >= DESCRIPTION_MIN) {
      descriptionError.textContent = '';
      description.removeAttribute('aria-invalid');
    }
  });
  const descriptionField = el('div', { class: 'field' },
    el('label', { for: 'report-description' }, t('reportDescription'), el('span', { class: 'required', 'aria-hidden': 'true' }, ' *')),
    description,
    el('p', { class: 'field-hint', id: 'report-description-hint' }, t('reportDescriptionHint', { min: DESCRIPTION_MIN }), ' ', counter),
    descriptionError);

  const contact = el('input', {
    id: 'report-contact', name: 'contact', type: 'text', inputmode: 'email', autocomplete: 'email', maxlength: '200',
    'aria-describedby': 'report-contact-hint report-contact-error', 'data-testid': 'report-contact',
  });
  const contactError = el('p', { class: 'field-error', id: 'report-contact-error' });
  contact.addEventListener('input', () => {
    contactError.textContent = '';
    contact.removeAttribute('aria-invalid');
  });
  const contactField = el('div', { class: 'field' },
    el('label', { for: 'report-contact' }, t('reportContact')),
    contact,
    el('p', { class: 'field-hint', id: 'report-contact-hint' }, t('reportContactHint')),
    contactError);

  let agency: HTMLSelectElement | null = null;
  const fields: HTMLElement[] = [categoryField, descriptionField];
  if (subject.kind === 'point') {
    agency = el('select', { id: 'report-agency', name: 'agency', 'data-testid': 'report-agency' },
      el('option', { value: '' }, t('reportAgencyDefault')));
    fields.push(el('div', { class: 'field' }, el('label', { for: 'report-agency' }, t('reportAgency')), agency));
    const select = agency;
    void getJson<{ agencies: Recipient[] }>('/api/reports/recipients').then((body) => {
      for (const a of body.agencies) if (a.kind !== 'operator') select.append(el('option', { value: a.code }, localized(a, 'name')));
    }).catch(() => {
      // Without the list the report still goes to the operator, who passes it on.
    });
  }
  fields.push(contactField);

  // The honeypot: off screen, out of the tab order and the accessibility tree, never autofilled.
  const trap = el('input', { type: 'text', name: 'website', id: 'report-website', tabindex: '-1', autocomplete: 'off', 'data-testid': 'report-honeypot' });
  const honeypot = el('div', { class: 'hp', 'aria-hidden': 'true' }, el('label', { for: 'report-website' }, t('reportHoneypot')), trap);

  const formError = el('p', { class: 'form-error', role: 'alert', 'data-testid': 'report-error' });
  const submit = el('button', { type: 'submit', class: 'button primary', 'data-testid': 'report-submit' }, t('reportSend'));
  const cancel = el('button', { type: 'button', class: 'button' }, t('cancel'));
  cancel.addEventListener('click', () => dialog.close());
  form.append(about, routing, ...fields, honeypot, formError, el('div', { class: 'dialog-actions' }, cancel, submit));
  dialog.body.append(form);

  const clearErrors = () => {
    for (const node of [categoryError, descriptionError, contactError, formError]) node.textContent = '';
    for (const node of [description, contact]) node.removeAttribute('aria-invalid');
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    const chosen = form.querySelector<HTMLInputElement>('input[name="category"]:checked')?.value;
    const text = description.value.trim();
    let firstInvalid: HTMLElement | null = null;
    if (!chosen) {
      categoryError.textContent = t('reportCategoryRequired');
      firstInvalid ??= form.querySelector<HTMLInputElement>('input[name="category"]');
    }
    if (text.length < DESCRIPTION_MIN) {
      descriptionError.textContent = t('error_description_too_short', { min: DESCRIPTION_MIN });
      description.setAttribute('aria-invalid', 'true');
      firstInvalid ??= description;
    }
    if (firstInvalid) {
      firstInvalid.focus();
      return;
    }
    const body: Record<string, unknown> = { category: chosen, description: text };
    if (contact.value.trim() !== '') body.contact = contact.value.trim();
    if (trap.value !== '') body.website = trap.value;
    if (subject.kind === 'feature') {
      body.layer = subject.layer.id;
      body.fid = Number(subject.fid);
      if (subject.clicked) {
        body.clicked_lon = Number(subject.clicked.lon.toFixed(6));
        body.clicked_lat = Number(subject.clicked.lat.toFixed(6));
      }
    } else {
      body.lon = Number(subject.lon.toFixed(6));
      body.lat = Number(subject.lat.toFixed(6));
      if (agency?.value) body.agency = agency.value;
    }
    submit.disabled = true;
    submit.textContent = t('reportSending');
    void postJson<{ ticket: string }>('/api/reports', body).then(
      (answer) => showTicket(dialog, answer.ticket, opts.onLookup),
      (error: unknown) => {
        submit.disabled = false;
        submit.textContent = t('reportSend');
        const code = error instanceof ApiError ? error.code : '';
        if (code === 'invalid_contact') {
          contactError.textContent = problemText(error);
          contact.setAttribute('aria-invalid', 'true');
          contact.focus();
        } else if (code === 'description_too_short' || code === 'description_too_long') {
          descriptionError.textContent = problemText(error);
          description.setAttribute('aria-invalid', 'true');
          description.focus();
        } else if (code === 'duplicate_text' && error instanceof ApiError) {
          formError.textContent = t('error_duplicate_text', { ticket: String(error.details.ticket ?? '') });
        } else {
          formError.textContent = problemText(error);
        }
      },
    );
  });

  (form.querySelector<HTMLInputElement>('input[name="category"]') ?? description).focus();
  return dialog;
}

function showTicket(dialog: Dialog, ticket: string, onLookup: (ticket: string) => void): void {
  dialog.setTitle(t('reportSentTitle'));
  const code = el('p', { class: 'ticket', 'data-testid': 'report-ticket' }, ticket);
  const copied = el('span', { class: 'copy-status', role: 'status' });
  const copy = el('button', { type: 'button', class: 'button', 'data-testid': 'report-copy-ticket' }, t('copyTicket'));
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(ticket).then(() => {
      copied.textContent = t('copied');
    }, () => {
      copied.textContent = t('copyFailed');
    });
  });
  const lookup = el('button', { type: 'button', class: 'button primary', 'data-testid': 'report-lookup-now' }, t('lookupNow'));
  lookup.addEventListener('click', () => {
    dialog.close();
    onLookup(ticket);
  });
  const done = el('button', { type: 'button', class: 'button' }, t('close'));
  done.addEventListener('click', () => dialog.close());
  dialog.body.replaceChildren(el('div', { class: 'report-sent', 'data-testid': 'report-sent' },
    el('p', {}, t('reportSentText')),
    code,
    el('p', { class: 'report-hint' }, t('reportKeepTicket')),
    el('div', { class: 'ticket-actions' }, copy, copied),
    el('div', { class: 'dialog-actions' }, done, lookup)));
  lookup.focus();
}
