// Modal forms of the admin pages on the native <dialog>: the browser traps focus inside and makes the page behind
// inert, Escape cancels, focus goes back to the button that opened it. The form is sent by its own submit button
// (Enter works), the browser's constraint validation runs first, and a refusal from the server is shown inside the
// dialog, which stays open with everything typed: nothing is lost on a mistake.
import type { ApiError } from '../editor/http.ts';
import { el, field, select } from './dom.ts';
import { adminError, ta } from './strings.ts';

export type FieldSpec =
  | { kind: 'text' | 'password' | 'number' | 'color'; name: string; label: string; value?: string; required?: boolean;
      autocomplete?: string; hint?: string; pattern?: string; min?: string; max?: string; step?: string }
  | { kind: 'textarea'; name: string; label: string; value?: string; required?: boolean; hint?: string }
  | { kind: 'select'; name: string; label: string; options: Array<{ value: string; label: string }>; value?: string; hint?: string }
  | { kind: 'checkbox'; name: string; label: string; checked?: boolean }
  | { kind: 'checkboxes'; name: string; label: string; options: Array<{ value: string; label: string }>; values?: string[] };

export type FormValues = Record<string, string | boolean | string[]>;

export interface Shell {
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  body: HTMLElement;
}

let counter = 0;

/**
 * Opens a modal form. `submit` runs on a valid submit; when it throws, the error is shown and the dialog stays.
 * Resolves true once `submit` succeeded, false when cancelled.
 */
export function dialogShell(
  opts: { title: string; intro?: string; submitLabel: string; danger?: boolean; testId: string; wide?: boolean },
  build: (shell: Shell) => void,
  submit: (shell: Shell) => Promise<void>,
): Promise<boolean> {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const id = `admin-dialog-${++counter}`;
  const error = el('p', { className: 'error', id: `${id}-error` });
  error.setAttribute('role', 'alert');
  const body = el('div', { className: 'dialog-fields' });
  const send = el('button', { type: 'submit', className: opts.danger ? 'danger-solid' : 'primary', textContent: opts.submitLabel });
  const cancel = el('button', { type: 'button', textContent: ta('cancel') });
  const form = el('form', { className: 'dialog-form' },
    el('h2', { id: `${id}-title`, textContent: opts.title }),
    ...(opts.intro ? [el('p', { id: `${id}-intro`, textContent: opts.intro })] : []),
    body, error, el('div', { className: 'actions dialog-actions' }, send, cancel));
  const dialog = el('dialog', { className: `admin-dialog${opts.wide ? ' admin-dialog-wide' : ''}` }, form);
  dialog.setAttribute('aria-labelledby', `${id}-title`);
  if (opts.intro) dialog.setAttribute('aria-describedby', `${id}-intro`);
  dialog.dataset.testid = opts.testId;
  const shell = { dialog, form, body };
  build(shell);

  return new Promise((resolve) => {
    let done = false;
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      opener?.focus();
      resolve(done);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (send.disabled) return;
      send.disabled = true;
      form.setAttribute('aria-busy', 'true');
      error.textContent = '';
      submit(shell).then(() => {
        done = true;
        dialog.close();
      }).catch((err: ApiError) => {
        error.textContent = adminError(err.code ?? 'internal_error', err.message ?? String(err));
      }).finally(() => {
        send.disabled = false;
        form.removeAttribute('aria-busy');
      });
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

function checkbox(name: string, id: string, checked: boolean): HTMLInputElement {
  const c = document.createElement('input');
  c.type = 'checkbox';
  c.name = name;
  c.id = id;
  c.checked = checked;
  return c;
}

function control(spec: FieldSpec, id: string): HTMLElement {
  switch (spec.kind) {
    case 'textarea': {
      const t = document.createElement('textarea');
      t.name = spec.name;
      t.value = spec.value ?? '';
      t.rows = 3;
      t.required = spec.required ?? false;
      return field(id, spec.label, t, spec.hint);
    }
    case 'select': {
      const s = select(spec.options, spec.value);
      s.name = spec.name;
      return field(id, spec.label, s, spec.hint);
    }
    case 'checkbox': {
      const c = checkbox(spec.name, id, spec.checked ?? false);
      return el('div', { className: 'form-row checkbox-row' }, c, el('label', { htmlFor: id, textContent: spec.label }));
    }
    case 'checkboxes': {
      const set = el('fieldset', { className: 'checkbox-set' }, el('legend', { textContent: spec.label }));
      spec.options.forEach((o, i) => {
        const c = checkbox(spec.name, `${id}-${i}`, spec.values?.includes(o.value) ?? false);
        c.value = o.value;
        set.append(el('div', { className: 'checkbox-row' }, c, el('label', { htmlFor: c.id, textContent: o.label })));
      });
      return set;
    }
    default: {
      const i = document.createElement('input');
      i.type = spec.kind;
      i.name = spec.name;
      i.value = spec.value ?? '';
      i.required = spec.required ?? false;
      if (spec.autocomplete) i.setAttribute('autocomplete', spec.autocomplete);
      if (spec.pattern) i.pattern = spec.pattern;
      if (spec.min !== undefined) i.min = spec.min;
      if (spec.max !== undefined) i.max = spec.max;
      if (spec.step !== undefined) i.step = spec.step;
      return field(id, spec.label, i, spec.hint);
    }
  }
}

/** Builds the controls of a list of fields into a container. */
export function addFields(container: HTMLElement, fields: FieldSpec[]): void {
  const prefix = `f${++counter}`;
  for (const f of fields) container.append(control(f, `${prefix}-${f.name}`));
}

/** The current values of a form's named controls: text as trimmed strings, a checkbox as a boolean, a set as a list. */
export function readValues(form: HTMLFormElement, fields: FieldSpec[]): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    if (f.kind === 'checkbox') values[f.name] = form.querySelector<HTMLInputElement>(`input[name="${f.name}"]`)!.checked;
    else if (f.kind === 'checkboxes') values[f.name] = [...form.querySelectorAll<HTMLInputElement>(`input[name="${f.name}"]:checked`)].map((c) => c.value);
    else values[f.name] = (form.elements.namedItem(f.name) as HTMLInputElement).value.trim();
  }
  return values;
}

/** A modal form of simple fields. */
export function formDialog(opts: {
  title: string; intro?: string; submitLabel: string; danger?: boolean; testId: string; fields: FieldSpec[];
  onSubmit: (values: FormValues) => Promise<void>;
}): Promise<boolean> {
  return dialogShell(opts, (shell) => addFields(shell.body, opts.fields), (shell) => opts.onSubmit(readValues(shell.form, opts.fields)));
}

/** A question with one action: the admin pages' replacement for window.confirm. */
export function confirmDialog(opts: { title: string; message: string; confirmLabel: string; danger?: boolean; testId: string; onConfirm: () => Promise<void> }): Promise<boolean> {
  return dialogShell({ ...opts, intro: opts.message, submitLabel: opts.confirmLabel }, () => {}, () => opts.onConfirm());
}
