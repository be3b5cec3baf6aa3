// The map's view, visible layers, faded layers and basemap live in the URL hash —
// `#map=zoom/lat/lon[/bearing]&layers=a.b,c.d&opacity=a.b:40&basemap=online` — so a link or a reload shows
// exactly what the sender saw. `opacity` lists only the layers not at 100 %, `basemap` appears only when online.

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
  /** Percent (0…100) of each faded layer's own opacity; a layer not listed is at 100. */
  opacity: Map<string, number>;
  /** 'online' only asks; the map shows it only when the server offers an online basemap. */
  basemap: Basemap;
}

export type Basemap = 'offline' | 'online';

export function parseHash(hash: string): UrlState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return {
    view: parseView(params.get('map')),
    layers: parseLayers(params.get('layers')),
    opacity: parseOpacity(params.get('opacity')),
    basemap: params.get('basemap') === 'online' ? 'online' : 'offline',
  };
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

/** `id:percent` pairs; a pair that is not one (no colon, not a whole number from 0 to 100) is left out. */
function parseOpacity(value: string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const pair of (value ?? '').split(',')) {
    const colon = pair.lastIndexOf(':');
    const id = pair.slice(0, colon).trim();
    const text = pair.slice(colon + 1).trim();
    if (colon <= 0 || !/^\d{1,3}$/.test(text) || Number(text) > 100) continue;
    if (Number(text) < 100) out.set(id, Number(text));
  }
  return out;
}

/** Precision that keeps a link short yet puts the centre within about a metre. */
export function formatHash(state: { view: MapView; layers: readonly string[]; opacity?: ReadonlyMap<string, number>; basemap?: Basemap }): string {
  const { zoom, lat, lon, bearing } = state.view;
  const b = Math.round(((bearing % 360) + 360) % 360);
  const view = [zoom.toFixed(2), lat.toFixed(5), lon.toFixed(5), ...(b !== 0 && b !== 360 ? [String(b)] : [])].join('/');
  const faded = [...(state.opacity ?? new Map<string, number>())]
    .map(([id, percent]) => [id, Math.round(Math.min(100, Math.max(0, percent)))] as const)
    .filter(([, percent]) => percent < 100);
  return [
    `#map=${view}&layers=${state.layers.map(encodeURIComponent).join(',')}`,
    ...(faded.length ? [`&opacity=${faded.map(([id, percent]) => `${encodeURIComponent(id)}:${percent}`).join(',')}`] : []),
    ...(state.basemap === 'online' ? ['&basemap=online'] : []),
  ].join('');
}

/** replaceState, not location.hash: moving the map must not fill the back button's history. */
export function writeHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
}
