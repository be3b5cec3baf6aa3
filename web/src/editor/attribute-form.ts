// The attribute form of one feature, generated from the layer's schema: an input per attribute typed after the
// attribute (a select for allowed values), checked here first and able to show a server's 400 on the right field.
import type { CatalogAttribute, CatalogLayer } from '../catalog.ts';
import { currentLang, t } from './strings.ts';

type Attribute = CatalogAttribute & { max_length?: number };
export type Values = Record<string, string | number | boolean | null>;

function label(a: Attribute): string {
  return currentLang() === 'en' ? a.label_en : a.label_vi;
}

export class AttributeForm {
  readonly element: HTMLFieldSetElement;
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly errors = new Map<string, HTMLElement>();

  constructor(private readonly layer: CatalogLayer, values: Values) {
    this.element = document.createElement('fieldset');
    this.element.className = 'attribute-form';
    for (const raw of layer.attributes) {
      const a = raw as Attribute;
      const id = `attr-${a.name}`;
      const row = document.createElement('div');
      row.className = 'form-row';
      const lab = document.createElement('label');
      lab.htmlFor = id;
      lab.textContent = label(a) + (a.required ? ' *' : '');
      let input: HTMLInputElement | HTMLSelectElement;
      if (a.allowed?.length || a.type === 'boolean') {
        const select = document.createElement('select');
        const options: Array<[string, string]> = [['', t('chooseValue')]];
        if (a.type === 'boolean') options.push(['true', t('yes')], ['false', t('no')]);
        else for (const v of a.allowed!) options.push([String(v), String(v)]);
        for (const [value, text] of options) select.add(new Option(text, value));
        input = select;
      } else {
        const field = document.createElement('input');
        field.type = a.type === 'integer' || a.type === 'number' ? 'number' : a.type === 'date' ? 'date' : a.type === 'datetime' ? 'datetime-local' : 'text';
        if (a.type === 'integer') field.step = '1';
        if (a.type === 'number') field.step = 'any';
        if (a.max_length) field.maxLength = a.max_length;
        input = field;
      }
      input.id = id;
      input.name = a.name;
      if (a.required) input.setAttribute('aria-required', 'true');
      const v = values[a.name];
      input.value = v === null || v === undefined ? '' : a.type === 'datetime' ? String(v).slice(0, 16) : String(v);
      const error = document.createElement('p');
      error.className = 'field-error';
      error.id = `${id}-error`;
      error.setAttribute('role', 'alert');
      input.setAttribute('aria-describedby', error.id);
      input.addEventListener('input', () => this.clearError(a.name));
      row.append(lab, input, error);
      this.element.append(row);
      this.inputs.set(a.name, input);
      this.errors.set(a.name, error);
    }
  }

  values(): Values {
    const out: Values = {};
    for (const raw of this.layer.attributes) {
      const a = raw as Attribute;
      const text = this.inputs.get(a.name)!.value.trim();
      if (text === '') out[a.name] = null;
      else if (a.type === 'integer' || a.type === 'number') out[a.name] = Number(text);
      else if (a.type === 'boolean') out[a.name] = text === 'true';
      else if (a.type === 'datetime') out[a.name] = new Date(text).toISOString();
      else out[a.name] = text;
    }
    return out;
  }

  /** Checks every field; marks the wrong ones and focuses the first. */
  validate(): boolean {
    let first: HTMLElement | null = null;
    for (const raw of this.layer.attributes) {
      const a = raw as Attribute;
      const input = this.inputs.get(a.name)!;
      const text = input.value.trim();
      let problem: string | null = null;
      if (text === '') {
        if (a.required) problem = t('required', { label: label(a) });
      } else if (a.type === 'integer' && !/^-?\d+$/.test(text)) problem = t('notInteger', { label: label(a) });
      else if (a.type === 'number' && !Number.isFinite(Number(text))) problem = t('notNumber', { label: label(a) });
      else if (a.max_length && text.length > a.max_length) problem = t('tooLong', { label: label(a), n: a.max_length });
      else if (a.allowed?.length && !a.allowed.map(String).includes(text)) problem = t('notAllowed', { label: label(a) });
      if (problem) {
        this.showError(a.name, problem);
        first ??= input;
      } else this.clearError(a.name);
    }
    first?.focus();
    return first === null;
  }

  /** A server's verdict on one attribute, shown under its field. Returns false for an attribute not in the form. */
  showError(name: string, message: string): boolean {
    const input = this.inputs.get(name);
    const error = this.errors.get(name);
    if (!input || !error) return false;
    error.textContent = message;
    input.setAttribute('aria-invalid', 'true');
    return true;
  }

  /** Writes the labels again in the current language, keeping what was typed (the language switch). */
  relabel(): void {
    for (const raw of this.layer.attributes) {
      const a = raw as Attribute;
      const input = this.inputs.get(a.name)!;
      const lab = this.element.querySelector<HTMLLabelElement>(`label[for="${input.id}"]`);
      if (lab) lab.textContent = label(a) + (a.required ? ' *' : '');
      if (input instanceof HTMLSelectElement) {
        input.options[0]!.text = t('chooseValue');
        if (a.type === 'boolean') {
          input.options[1]!.text = t('yes');
          input.options[2]!.text = t('no');
        }
      }
    }
  }

  private clearError(name: string): void {
    const error = this.errors.get(name);
    if (error) error.textContent = '';
    this.inputs.get(name)?.removeAttribute('aria-invalid');
  }
}
