// Small DOM builders of the admin pages: elements, buttons, tables that scroll sideways on a phone.
import { ta } from './strings.ts';

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function button(text: string, onClick: () => void, className = ''): HTMLButtonElement {
  const b = el('button', { type: 'button', textContent: text, className });
  b.addEventListener('click', onClick);
  return b;
}

/** A table with a caption for screen readers; empty, a sentence saying so. */
export function table(caption: string, headers: string[], rows: Array<Array<Node | string>>, rowData: Array<Record<string, string>> = []): HTMLElement {
  if (rows.length === 0) return el('p', { className: 'hint', textContent: ta('noRows') });
  const body = el('tbody', {}, ...rows.map((r, i) => {
    const tr = el('tr', {}, ...r.map((c) => el('td', {}, c)));
    Object.assign(tr.dataset, rowData[i] ?? {});
    return tr;
  }));
  return el('div', { className: 'table-scroll' },
    el('table', {}, el('caption', { className: 'visually-hidden', textContent: caption }),
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col', textContent: h })))), body));
}

export function input(props: { required?: boolean; type?: string; autocomplete?: string } = {}): HTMLInputElement {
  const i = document.createElement('input');
  if (props.required) i.required = true;
  if (props.type) i.type = props.type;
  if (props.autocomplete) i.setAttribute('autocomplete', props.autocomplete);
  return i;
}

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A labelled control, with a hint the control is described by. */
export function field(id: string, label: string, control: Control, hint = ''): HTMLDivElement {
  control.id = id;
  control.name ||= id;
  const row = document.createElement('div');
  row.className = 'form-row';
  const l = document.createElement('label');
  l.htmlFor = id;
  l.textContent = label;
  row.append(l, control);
  if (hint) {
    const h = document.createElement('p');
    h.className = 'hint';
    h.id = `${id}-hint`;
    h.textContent = hint;
    control.setAttribute('aria-describedby', h.id);
    row.append(h);
  }
  return row;
}

export function select(options: Array<{ value: string; label: string }>, value = ''): HTMLSelectElement {
  const s = document.createElement('select');
  for (const o of options) {
    const option = document.createElement('option');
    option.value = o.value;
    option.textContent = o.label;
    s.append(option);
  }
  if (value) s.value = value;
  return s;
}

/**
 * A fieldset of the layers an account or an API key may be limited to, a labelled checkbox each (titles, with the
 * id beside them for those who know it). `chosen` reads the ticked ids: none ticked means no limit.
 */
export function layerPicker(id: string, legend: string, layers: Array<{ id: string; title: string }>): { node: HTMLFieldSetElement; chosen(): string[] } {
  const node = el('fieldset', { className: 'layer-picker', id }, el('legend', { textContent: legend }));
  for (const layer of layers) {
    const box = input({ type: 'checkbox' });
    box.id = `${id}-${layer.id.replace(/[^a-z0-9_]/gi, '-')}`;
    box.value = layer.id;
    node.append(el('div', { className: 'checkbox-row' }, box,
      el('label', { htmlFor: box.id }, layer.title, ' ', el('code', { textContent: layer.id }))));
  }
  return { node, chosen: () => [...node.querySelectorAll<HTMLInputElement>('input:checked')].map((b) => b.value) };
}
