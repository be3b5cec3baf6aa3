// Small inline SVG bar charts, no chart library. Widths are percentages and heights pixels, so the text keeps its
// size on a phone while the bars stretch to the space there is. Each chart is an image with a spoken summary,
// and the same figures come as a table (in a <details>) for those who cannot see the bars.
import { formatCount } from '../format.ts';
import { tp } from './strings.ts';

const SVG = 'http://www.w3.org/2000/svg';

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

export function htmlEl<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A table of figures behind a disclosure: the accessible twin of a chart. */
export function figuresTable(headers: string[], rows: Array<Array<string | Node>>, opts: { summary?: string; numericFrom?: number } = {}): HTMLElement {
  const numericFrom = opts.numericFrom ?? 1;
  const table = htmlEl('table', { class: 'figures' },
    htmlEl('thead', {}, htmlEl('tr', {}, ...headers.map((h, i) => htmlEl('th', { scope: 'col', ...(i >= numericFrom ? { class: 'num' } : {}) }, h)))),
    htmlEl('tbody', {}, ...rows.map((r) => htmlEl('tr', {}, ...r.map((c, i) => (i === 0 ? htmlEl('th', { scope: 'row' }, c) : htmlEl('td', i >= numericFrom ? { class: 'num' } : {}, c)))))));
  return htmlEl('details', { class: 'figures-details' }, htmlEl('summary', {}, opts.summary ?? tp('showTable')), htmlEl('div', { class: 'table-scroll' }, table));
}

export interface BarRow {
  label: string;
  value: number;
  /** What the bar says, e.g. "1.234 đối tượng". */
  valueText: string;
  key: string;
}

const ROW_H = 38;

/** Horizontal bars, one per row, the label and value above each bar. */
export function horizontalBars(rows: BarRow[], opts: { title: string; testId: string; tone?: string }): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const height = Math.max(ROW_H, rows.length * ROW_H);
  const summary = `${opts.title}: ${rows.map((r) => `${r.label} ${r.valueText}`).join('; ')}`;
  const svg = svgEl('svg', { class: `bar-chart ${opts.tone ?? ''}`.trim(), width: '100%', height, role: 'img', 'aria-label': summary, 'data-testid': opts.testId });
  rows.forEach((r, i) => {
    const y = i * ROW_H;
    const pct = r.value === 0 ? 0 : Math.max(0.6, (r.value / max) * 100);
    svg.append(
      svgEl('text', { x: 0, y: y + 14, class: 'bar-label' }, `${r.label}: ${r.valueText}`),
      svgEl('rect', { x: 0, y: y + 19, width: '100%', height: 12, rx: 3, class: 'bar-track' }),
      svgEl('rect', {
        x: 0, y: y + 19, width: `${pct.toFixed(2)}%`, height: 12, rx: 3, class: 'bar',
        'data-key': r.key, 'data-value': r.value,
      }, svgEl('title', {}, `${r.label}: ${r.valueText}`)),
    );
  });
  return htmlEl('figure', { class: 'chart' }, htmlEl('figcaption', {}, opts.title), svg);
}

export interface StackSeries<T> {
  key: string;
  label: string;
  value: (item: T) => number;
}

const PLOT_H = 150;
const AXIS_H = 22;

/** Vertical columns over time, each stacked from its series (bottom first); a nonzero part is never invisible. */
export function stackedColumns<T>(items: T[], series: StackSeries<T>[], opts: {
  title: string; testId: string; label: (item: T) => string; first: string; last: string;
}): HTMLElement {
  const totals = items.map((item) => series.reduce((n, s) => n + s.value(item), 0));
  const max = Math.max(1, ...totals);
  // At least a dozen slots wide: one or two periods are columns, not walls.
  const slot = 100 / Math.max(12, items.length);
  const gap = items.length > 40 ? 0.15 : 0.25;
  const svg = svgEl('svg', { class: 'column-chart', width: '100%', height: PLOT_H + AXIS_H, role: 'img', 'aria-label': opts.title, 'data-testid': opts.testId });
  svg.append(
    svgEl('line', { x1: '0%', x2: '100%', y1: PLOT_H + 0.5, y2: PLOT_H + 0.5, class: 'axis' }),
    svgEl('text', { x: 2, y: 12, class: 'axis-label' }, formatCount(max)),
    svgEl('text', { x: 0, y: PLOT_H + 16, class: 'axis-label' }, opts.first),
  );
  if (opts.last !== opts.first) svg.append(svgEl('text', { x: '100%', y: PLOT_H + 16, class: 'axis-label', 'text-anchor': 'end' }, opts.last));
  items.forEach((item, i) => {
    let top = PLOT_H;
    const x = `${(i * slot + slot * gap / 2).toFixed(3)}%`;
    const width = `${(slot * (1 - gap)).toFixed(3)}%`;
    for (const s of series) {
      const v = s.value(item);
      if (v === 0) continue;
      const h = Math.max(2, (v / max) * (PLOT_H - 16));
      top -= h;
      svg.append(svgEl('rect', { x, y: top.toFixed(2), width, height: h.toFixed(2), class: `bar bar-${s.key}`, 'data-period': opts.label(item), 'data-series': s.key, 'data-value': v },
        svgEl('title', {}, `${opts.label(item)} — ${s.label}: ${formatCount(v)}`)));
    }
  });
  const legend = htmlEl('ul', { class: 'chart-legend' }, ...series.map((s) => htmlEl('li', {}, htmlEl('span', { class: `legend-swatch bar-${s.key}`, 'aria-hidden': 'true' }), s.label)));
  return htmlEl('figure', { class: 'chart' }, htmlEl('figcaption', {}, opts.title), svg, legend);
}
