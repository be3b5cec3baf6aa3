// The map's view and visible layers live in the URL hash — `#map=zoom/lat/lon[/bearing]&layers=a.b,c.d` — so a
// link or a reload shows exactly what the sender saw.

export interface MapView {
  zoom: number;
  lat: number;
  lon: number;
  bearing: number;
}

export interface UrlState {
  view: MapView | null;
  /** null: the hash says nothing about layers, so the defaults apply. */
  layers: string[] | null;
}

export function parseHash(hash: string): UrlState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return { view: parseView(params.get('map')), layers: parseLayers(params.get('layers')) };
}

function parseView(value: string | null): MapView | null {
  if (!value) return null;
  const parts = value.split('/').map(Number);
  const [zoom, lat, lon, bearing = 0] = parts;
  if (parts.length < 3 || parts.length > 4 || zoom === undefined || lat === undefined || lon === undefined) return null;
  if (![zoom, lat, lon, bearing].every(Number.isFinite)) return null;
  if (zoom < 0 || zoom > 24 || Math.abs(lat) > 85.06 || Math.abs(lon) > 180) return null;
  return { zoom, lat, lon, bearing };
}

function parseLayers(value: string | null): string[] | null {
  if (value === null) return null;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Precision that keeps a link short yet puts the centre within about a metre. */
export function formatHash(state: { view: MapView; layers: readonly string[] }): string {
  const { zoom, lat, lon, bearing } = state.view;
  const b = Math.round(((bearing % 360) + 360) % 360);
  const view = [zoom.toFixed(2), lat.toFixed(5), lon.toFixed(5), ...(b !== 0 && b !== 360 ? [String(b)] : [])].join('/');
  return `#map=${view}&layers=${state.layers.map(encodeURIComponent).join(',')}`;
}

/** replaceState, not location.hash: moving the map must not fill the back button's history. */
export function writeHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
}
