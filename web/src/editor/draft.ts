// Drawing and reshaping one geometry by hand: click to place vertices, drag the vertex handles to move or reshape.
// (terra-draw was the alternative; a few dozen lines do what the editor needs and keep the tests deterministic.)
// Every placed or dragged vertex goes through `snap`, which the page points at the layer's features (snap.ts).
import { Marker, type ExpressionSpecification, type GeoJSONSource, type Map as MapLibreMap } from 'maplibre-gl';
import type { GeometryFamily } from '../catalog.ts';
import type { Position } from './snap.ts';
import { t } from './strings.ts';
export type EditableGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

const SOURCE = 'draft';
const FAMILY: Record<EditableGeometry['type'], GeometryFamily> = {
  Point: 'point', MultiPoint: 'point', LineString: 'line', MultiLineString: 'line', Polygon: 'polygon', MultiPolygon: 'polygon',
};
/** Filters for a layer family that also take the Multi* kinds (the layers store lines and areas as Multi*). */
export const IS_POLYGON: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]];
export const IS_POINT: ExpressionSpecification = ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]];
export const NOT_POINT: ExpressionSpecification = ['!', IS_POINT];

/**
 * The geometry as editable paths: a point is a one-vertex path, a line its vertices, a ring its vertices without
 * the closing one. `type` and `rings` (rings per polygon of a MultiPolygon) rebuild the same kind of geometry.
 */
interface Paths {
  type: EditableGeometry['type'];
  paths: Position[][];
  rings?: number[];
}

function toPaths(g: EditableGeometry): Paths {
  const open = (ring: Position[]) => ring.slice(0, -1);
  switch (g.type) {
    case 'Point':
      return { type: g.type, paths: [[g.coordinates]] };
    case 'MultiPoint':
      return { type: g.type, paths: g.coordinates.map((p) => [p]) };
    case 'LineString':
      return { type: g.type, paths: [[...g.coordinates]] };
    case 'MultiLineString':
      return { type: g.type, paths: g.coordinates.map((l) => [...l]) };
    case 'Polygon':
      return { type: g.type, paths: g.coordinates.map(open) };
    case 'MultiPolygon':
      return { type: g.type, paths: g.coordinates.flatMap((poly) => poly.map(open)), rings: g.coordinates.map((poly) => poly.length) };
  }
}

function fromPaths({ type, paths, rings }: Paths): EditableGeometry {
  const close = (ring: Position[]) => [...ring, ring[0]!];
  switch (type) {
    case 'Point':
      return { type, coordinates: paths[0]![0]! };
    case 'MultiPoint':
      return { type, coordinates: paths.map((p) => p[0]!) };
    case 'LineString':
      return { type, coordinates: paths[0]! };
    case 'MultiLineString':
      return { type, coordinates: paths };
    case 'Polygon':
      return { type, coordinates: paths.map(close) };
    case 'MultiPolygon': {
      let at = 0;
      return { type, coordinates: rings!.map((n) => paths.slice(at, (at += n)).map(close)) };
    }
  }
}

export class GeometryDraft {
  private family: GeometryFamily | null = null;
  private shape: Paths | null = null;
  private markers: Marker[] = [];
  drawing = false;
  onChange: () => void = () => {};
  /** Where a vertex at this screen point goes: the page snaps it to existing features (or leaves it). */
  snap: (p: Position, screen: { x: number; y: number }) => Position = (p) => p;

  constructor(private readonly map: MapLibreMap) {
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'draft-fill', type: 'fill', source: SOURCE, filter: IS_POLYGON, paint: { 'fill-color': '#e4572e', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'draft-line', type: 'line', source: SOURCE, filter: NOT_POINT, paint: { 'line-color': '#e4572e', 'line-width': 3 } });
    map.addLayer({ id: 'draft-point', type: 'circle', source: SOURCE, filter: IS_POINT, paint: { 'circle-color': '#e4572e', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  }

  /** Starts a new drawing: the next map clicks place vertices. */
  start(family: GeometryFamily): void {
    this.clear();
    this.family = family;
    this.shape = { type: family === 'point' ? 'Point' : family === 'line' ? 'LineString' : 'Polygon', paths: [[]] };
    this.drawing = true;
    this.map.getCanvas().style.cursor = 'crosshair';
  }

  /** A map click while drawing. Returns true when the point is complete (a point needs one click). */
  addVertex(p: Position, screen: { x: number; y: number }): boolean {
    if (!this.drawing || !this.shape) return false;
    this.shape.paths[0]!.push(this.snap(p, screen));
    const done = this.family === 'point';
    if (done) this.finish();
    this.render();
    return done;
  }

  finish(): void {
    this.drawing = false;
    this.map.getCanvas().style.cursor = '';
    this.render();
  }

  /** An existing geometry made editable: each of its vertices gets a drag handle. */
  edit(geometry: EditableGeometry | null): void {
    this.clear();
    if (!geometry) return;
    this.family = FAMILY[geometry.type];
    this.shape = toPaths(geometry);
    this.render();
    this.showHandles();
  }

  private showHandles(): void {
    let n = 0;
    this.shape!.paths.forEach((path) => path.forEach((v, i) => {
      const el = document.createElement('div');
      el.className = 'vertex-handle';
      // Keyboard too: Tab to a handle, arrows move it a pixel (Shift: ten), snapping as a drag does.
      el.tabIndex = 0;
      el.setAttribute('role', 'button');
      const number = ++n;
      el.dataset.tLabel = 'vertexN';
      el.dataset.tArgs = JSON.stringify({ n: number });
      el.setAttribute('aria-label', t('vertexN', { n: number }));
      const marker = new Marker({ element: el, draggable: true }).setLngLat(v).addTo(this.map);
      marker.on('drag', () => {
        const ll = marker.getLngLat();
        path[i] = this.snap([ll.lng, ll.lat], this.map.project(ll));
        this.render();
      });
      // The handle sits where the vertex went (on the snapped vertex, not under the pointer).
      marker.on('dragend', () => marker.setLngLat(path[i]!));
      el.addEventListener('keydown', (e) => {
        const step = e.shiftKey ? 10 : 1;
        const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
        if (!delta) return;
        // The map's own keyboard handler would pan (or, with Shift, pitch) the map on the same keys.
        e.preventDefault();
        e.stopPropagation();
        const at = this.map.project(path[i]!);
        const screen = { x: at.x + delta[0]!, y: at.y + delta[1]! };
        const ll = this.map.unproject([screen.x, screen.y]);
        path[i] = this.snap([ll.lng, ll.lat], screen);
        marker.setLngLat(path[i]!);
        this.render();
      });
      this.markers.push(marker);
    }));
  }

  /** Whether a geometry is being drawn or reshaped. */
  get active(): boolean {
    return this.shape !== null;
  }

  /** The drawn or reshaped geometry, or null while it has too few vertices to be one. */
  geometry(): EditableGeometry | null {
    const s = this.shape;
    if (!s) return null;
    const least = this.family === 'point' ? 1 : this.family === 'line' ? 2 : 3;
    if (s.paths.length === 0 || s.paths.some((p) => p.length < least)) return null;
    return fromPaths(s);
  }

  clear(): void {
    for (const m of this.markers) m.remove();
    this.markers = [];
    this.shape = null;
    this.family = null;
    this.drawing = false;
    this.map.getCanvas().style.cursor = '';
    this.render();
  }

  private render(): void {
    const g = this.geometry();
    const features: GeoJSON.Feature[] = [];
    const partial = this.shape?.paths[0] ?? [];
    if (g) features.push({ type: 'Feature', geometry: g, properties: {} });
    else if (partial.length > 0) {
      features.push({ type: 'Feature', geometry: (partial.length > 1 ? { type: 'LineString', coordinates: partial } : { type: 'Point', coordinates: partial[0]! }), properties: {} });
    }
    (this.map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    this.onChange();
  }
}
