// The search box: features and communes by name (GET /api/search), without diacritics if one likes ("ban gioc").
// An ARIA 1.2 combobox: type, move through the results with the arrow keys, Enter picks (the first result when
// none is highlighted), Escape closes the list and then clears the box.
import { ApiError, getJson } from './api.ts';
import { el } from './dialog.ts';
import { formatCount } from './format.ts';
import { localized, t } from './i18n.ts';

export interface SearchResult {
  layer: { id: string; title_vi: string; title_en: string; geometry_family: string };
  fid: number;
  name: string;
  features: number;
  match: string;
  point: [number, number];
  bbox: [number, number, number, number];
}

const DEBOUNCE_MS = 200;
const LIMIT = 8;

export class SearchBox {
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLElement;
  /** What sighted people read when there is no list to show (nothing found, search failed). */
  private readonly note: HTMLElement;
  private readonly label: HTMLLabelElement;
  private results: SearchResult[] = [];
  private active = -1;
  private timer = 0;
  private inflight: AbortController | null = null;
  /** The text the current results answer, so Enter never picks a result of an older query. */
  private answered = '';

  constructor(container: HTMLElement, private readonly onPick: (result: SearchResult) => void) {
    this.label = el('label', { for: 'search-input', class: 'visually-hidden' });
    this.input = el('input', {
      id: 'search-input',
      type: 'search',
      class: 'search-input',
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': 'search-results',
      autocomplete: 'off',
      spellcheck: 'false',
      enterkeyhint: 'search',
      maxlength: '100',
      'data-testid': 'search-input',
    });
    this.list = el('ul', { id: 'search-results', class: 'search-results', role: 'listbox', 'data-testid': 'search-results' });
    this.list.hidden = true;
    this.status = el('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'search-status' });
    this.note = el('p', { class: 'search-note', 'aria-hidden': 'true', 'data-testid': 'search-note' });
    this.note.hidden = true;
    const icon = el('span', { class: 'search-icon', 'aria-hidden': 'true' });
    icon.innerHTML = '<svg viewBox="0 0 20 20" width="18" height="18"><circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="m13 13 4.5 4.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>';
    container.append(this.label, icon, this.input, this.list, this.note, this.status);
    this.translate();

    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (event) => this.onKey(event));
    this.input.addEventListener('focus', () => {
      if (this.results.length > 0 && this.input.value.trim() === this.answered) this.open(true);
    });
    // Let a click on a result land before the list closes.
    this.input.addEventListener('blur', () => window.setTimeout(() => {
      this.open(false);
      this.say('', false);
    }, 150));
    this.list.addEventListener('mousedown', (event) => event.preventDefault());
  }

  translate(): void {
    this.label.textContent = t('searchLabel');
    this.input.placeholder = t('searchPlaceholder');
    this.list.setAttribute('aria-label', t('searchResults'));
    this.render();
  }

  focus(): void {
    this.input.focus();
  }

  private schedule(): void {
    window.clearTimeout(this.timer);
    const text = this.input.value.trim();
    if ([...text].length < 2) {
      this.inflight?.abort();
      this.setResults([], '');
      this.say('', false);
      return;
    }
    this.timer = window.setTimeout(() => void this.run(text), DEBOUNCE_MS);
  }

  private async run(text: string): Promise<SearchResult[]> {
    this.inflight?.abort();
    const controller = new AbortController();
    this.inflight = controller;
    try {
      const body = await getJson<{ results: SearchResult[] }>(`/api/search?q=${encodeURIComponent(text)}&limit=${LIMIT}`, controller.signal);
      if (this.inflight !== controller) return [];
      this.setResults(body.results, text);
      this.say(body.results.length === 0 ? t('searchNone', { q: text }) : t('searchCount', { n: body.results.length }), body.results.length === 0);
      return body.results;
    } catch (error) {
      if ((error as Error).name === 'AbortError') return [];
      this.setResults([], text);
      const message = error instanceof ApiError && error.code === 'query_too_short' ? '' : t('searchError');
      this.say(message, message !== '');
      return [];
    }
  }

  private setResults(results: SearchResult[], answered: string): void {
    this.results = results;
    this.answered = answered;
    this.active = -1;
    this.render();
    this.open(results.length > 0 && document.activeElement === this.input);
  }

  private open(open: boolean): void {
    const show = open && this.results.length > 0;
    this.list.hidden = !show;
    this.input.setAttribute('aria-expanded', String(show));
    if (!show) this.setActive(-1);
  }

  private render(): void {
    this.list.replaceChildren(
      ...this.results.map((result, i) => {
        const meta = localized(result.layer, 'title') + (result.features > 1 ? ` · ${t('featureCount', { n: formatCount(result.features) })}` : '');
        const option = el('li', { id: `search-option-${i}`, role: 'option', class: 'search-option', 'aria-selected': 'false', 'data-testid': 'search-option' },
          el('span', { class: 'search-option-name' }, result.name),
          el('span', { class: 'search-option-meta' }, meta));
        option.addEventListener('click', () => this.pick(i));
        return option;
      }),
    );
    this.setActive(this.active);
  }

  private setActive(index: number): void {
    this.active = index;
    for (const [i, option] of [...this.list.children].entries()) {
      option.setAttribute('aria-selected', String(i === index));
      option.classList.toggle('active', i === index);
    }
    if (index >= 0) {
      this.input.setAttribute('aria-activedescendant', `search-option-${index}`);
      this.list.children[index]?.scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  private onKey(event: KeyboardEvent): void {
    const n = this.results.length;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (n === 0) return;
        event.preventDefault();
        if (this.list.hidden) this.open(true);
        const step = event.key === 'ArrowDown' ? 1 : -1;
        this.setActive(this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n);
        break;
      }
      case 'Enter': {
        event.preventDefault();
        const text = this.input.value.trim();
        if (this.active >= 0 && !this.list.hidden) {
          this.pick(this.active);
        } else if (text === this.answered && n > 0) {
          this.pick(0);
        } else if ([...text].length >= 2) {
          // Enter before the results arrived: search now and take the best.
          window.clearTimeout(this.timer);
          void this.run(text).then((results) => {
            if (results.length > 0 && this.input.value.trim() === text) this.pick(0);
          });
        }
        break;
      }
      case 'Escape':
        if (!this.list.hidden) {
          event.preventDefault();
          event.stopPropagation();
          this.open(false);
        } else if (this.input.value !== '') {
          event.preventDefault();
          event.stopPropagation();
          this.input.value = '';
          this.schedule();
        }
        break;
      default:
    }
  }

  private pick(index: number): void {
    const result = this.results[index];
    if (!result) return;
    this.input.value = result.name;
    this.answered = result.name;
    this.open(false);
    this.say(t('searchChosen', { name: result.name }), false);
    this.onPick(result);
  }

  /** Tells screen readers; `visible` also shows it under the box. */
  private say(text: string, visible: boolean): void {
    this.status.textContent = text;
    this.note.textContent = visible ? text : '';
    this.note.hidden = !visible;
  }
}
