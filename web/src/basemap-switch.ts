// "Nền offline / Nền trực tuyến": two pressed-or-not buttons over the map, added only when the server offers an
// online basemap (ONLINE_BASEMAP_URL). The offline basemap, drawn from the platform's own data, is the default.
import type { IControl } from 'maplibre-gl';
import { t } from './i18n.ts';
import type { Basemap } from './url-state.ts';

export class BasemapSwitch implements IControl {
  private container: HTMLElement | null = null;
  private readonly buttons = new Map<Basemap, HTMLButtonElement>();

  constructor(private current: Basemap, private readonly onChange: (basemap: Basemap) => void) {}

  onAdd(): HTMLElement {
    this.container = document.createElement('div');
    this.container.className = 'maplibregl-ctrl maplibregl-ctrl-group basemap-switch';
    this.container.setAttribute('role', 'group');
    this.container.dataset.testid = 'basemap-switch';
    for (const basemap of ['offline', 'online'] as const) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.testid = `basemap-${basemap}`;
      button.addEventListener('click', () => this.choose(basemap));
      this.buttons.set(basemap, button);
      this.container.append(button);
    }
    this.translate();
    this.show();
    return this.container;
  }

  onRemove(): void {
    this.container?.remove();
  }

  translate(): void {
    this.container?.setAttribute('aria-label', t('basemapLabel'));
    for (const [basemap, button] of this.buttons) button.textContent = t(basemap === 'offline' ? 'basemapOffline' : 'basemapOnline');
  }

  /** Follows a basemap chosen elsewhere (an edited address), without calling back. */
  set(basemap: Basemap): void {
    this.current = basemap;
    this.show();
  }

  private choose(basemap: Basemap): void {
    if (basemap === this.current) return;
    this.current = basemap;
    this.show();
    this.onChange(basemap);
  }

  private show(): void {
    for (const [basemap, button] of this.buttons) button.setAttribute('aria-pressed', String(basemap === this.current));
  }
}
