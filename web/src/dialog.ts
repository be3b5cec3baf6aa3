// Modal dialogs on the native <dialog> element: the browser traps focus inside, Escape closes, and the page behind
// is inert for screen readers. Focus returns to whatever opened the dialog.
import { t } from './i18n.ts';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export interface Dialog {
  element: HTMLDialogElement;
  body: HTMLElement;
  setTitle(text: string): void;
  close(): void;
}

let counter = 0;

export function openDialog(opts: { title: string; testId: string; onClose?: () => void; wide?: boolean }): Dialog {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const id = `dialog-${++counter}`;
  const heading = el('h2', { class: 'dialog-title', id: `${id}-title` }, opts.title);
  const close = el('button', { type: 'button', class: 'icon-button dialog-close', 'aria-label': t('close'), title: t('close'), 'data-testid': `${opts.testId}-close` }, '×');
  const body = el('div', { class: 'dialog-body' });
  const dialog = el('dialog', { class: `dialog${opts.wide ? ' dialog-wide' : ''}`, 'aria-labelledby': `${id}-title`, 'data-testid': opts.testId },
    el('header', { class: 'dialog-header' }, heading, close), body);
  // No closing on a backdrop click: selecting text in the form by dragging past its edge would lose what was typed.
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    opts.onClose?.();
    opener?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return {
    element: dialog,
    body,
    setTitle: (text) => {
      heading.textContent = text;
    },
    close: () => dialog.close(),
  };
}

/** Some dialog is open: keys and clicks belong to it, not to the map behind. */
export function dialogOpen(): boolean {
  return document.querySelector('dialog[open]') !== null;
}
