// One tool at a time owns the map's clicks: measuring, or choosing the place of a report. While a tool is active
// the identify card stays shut, and Escape ends the tool first.
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';

export interface MapMode {
  readonly name: string;
  click(event: MapMouseEvent): void;
  dblclick?(event: MapMouseEvent): void;
  move?(event: MapMouseEvent): void;
  /** Returns true when it used the key. */
  key?(event: KeyboardEvent): boolean;
  /** Remove everything the mode drew or showed. */
  stop(): void;
  translate?(): void;
}

export class ModeSwitch {
  private current: MapMode | null = null;
  private readonly listeners: Array<(mode: MapMode | null) => void> = [];

  constructor(private readonly map: MapLibreMap) {}

  get active(): MapMode | null {
    return this.current;
  }

  start(mode: MapMode): void {
    this.end();
    this.current = mode;
    // A double click finishes a measurement: it must not also zoom.
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = 'crosshair';
    for (const l of this.listeners) l(mode);
  }

  /** Ends the given mode (or whichever is active). */
  end(mode?: MapMode): void {
    if (!this.current || (mode && mode !== this.current)) return;
    const ending = this.current;
    this.current = null;
    ending.stop();
    this.map.doubleClickZoom.enable();
    this.map.getCanvas().style.cursor = '';
    for (const l of this.listeners) l(null);
  }

  onChange(listener: (mode: MapMode | null) => void): void {
    this.listeners.push(listener);
  }
}
