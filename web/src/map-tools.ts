// The map's tool buttons beside the zoom buttons: measure a distance or an area, report an error at a place, share
// the view as a link, save it as an image. Each is a labelled button; the two measuring ones say when they are on.
import type { IControl } from 'maplibre-gl';
import { t, type Key } from './i18n.ts';

export type ToolName = 'measure-distance' | 'measure-area' | 'report-point' | 'share' | 'export';

const tools: Array<{ name: ToolName; label: Key; icon: string; toggle: boolean }> = [
  {
    name: 'measure-distance', label: 'measureDistance', toggle: true,
    icon: '<path d="M2.5 13.5 13.5 2.5l4 4-11 11z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/><path d="M6 10l1.5 1.5M8.5 7.5 10 9M11 5l1.5 1.5" stroke="currentColor" stroke-width="1.4"/>',
  },
  {
    name: 'measure-area', label: 'measureArea', toggle: true,
    icon: '<path d="M3 6.5 9 3l8 4-2 9-10 1z" fill="currentColor" fill-opacity=".18" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/>',
  },
  {
    name: 'report-point', label: 'reportAtPoint', toggle: true,
    icon: '<path d="M5 18V3m0 1h9l-2 3.5 2 3.5H5" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linejoin="round" stroke-linecap="round"/>',
  },
  {
    name: 'share', label: 'shareView', toggle: false,
    icon: '<path d="M8.5 11.5a3.5 3.5 0 0 0 5 0l2.5-2.5a3.5 3.5 0 0 0-5-5l-1 1M11.5 8.5a3.5 3.5 0 0 0-5 0L4 11a3.5 3.5 0 0 0 5 5l1-1" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linecap="round"/>',
  },
  {
    name: 'export', label: 'exportImage', toggle: false,
    icon: '<rect x="2.5" y="4.5" width="15" height="11" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.6"/><circle cx="7" cy="8.5" r="1.5" fill="currentColor"/><path d="m3 14 4.5-3.5 3 2.5 2.5-2 4 3" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>',
  },
];

export class MapTools implements IControl {
  private container: HTMLElement | null = null;
  private readonly buttons = new Map<ToolName, HTMLButtonElement>();

  constructor(private readonly onUse: (tool: ToolName, button: HTMLButtonElement) => void) {}

  onAdd(): HTMLElement {
    this.container = document.createElement('div');
    this.container.className = 'maplibregl-ctrl maplibregl-ctrl-group map-tools';
    this.container.setAttribute('role', 'group');
    for (const tool of tools) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'tool-button';
      button.dataset.testid = `tool-${tool.name}`;
      if (tool.toggle) button.setAttribute('aria-pressed', 'false');
      button.innerHTML = `<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">${tool.icon}</svg>`;
      button.addEventListener('click', () => this.onUse(tool.name, button));
      this.buttons.set(tool.name, button);
      this.container.append(button);
    }
    this.translate();
    return this.container;
  }

  onRemove(): void {
    this.container?.remove();
  }

  translate(): void {
    this.container?.setAttribute('aria-label', t('mapTools'));
    for (const tool of tools) {
      const button = this.buttons.get(tool.name);
      button?.setAttribute('title', t(tool.label));
      button?.setAttribute('aria-label', t(tool.label));
    }
  }

  /** Which toggle tool is on (null: none). */
  setActive(name: string | null): void {
    for (const tool of tools) if (tool.toggle) this.buttons.get(tool.name)?.setAttribute('aria-pressed', String(tool.name === name));
  }
}
