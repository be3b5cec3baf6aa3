// Drawing and reshaping one geometry by hand: click to place vertices, drag the vertex handles to move or reshape.
// (terra-draw was the alternative; a few dozen lines do what the editor needs and keep the tests deterministic.)
import { Marker, type GeoJSONSource, type Map as MapLibreMap } from 'maplibre-gl';
import type { GeometryFamily } from '../catalog.ts';

type Position = [number, number];
export type EditableGeometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] };

const SOURCE = 'draft';

export class GeometryDraft {
  private family: GeometryFamily | null = null;
  private vertices: Position[] = [];
  private markers: Marker[] = [];
  drawing = false;
  onChange: () => void = () => {};

  constructor(private readonly map: MapLibreMap) {
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'draft-fill', type: 'fill', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#e4572e', 'fill-opacity': 0.25 } });
    map.addLayer({ id: 'draft-line', type: 'line', source: SOURCE, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#e4572e', 'line-width': 3 } });
    map.addLayer({ id: 'draft-point', type: 'circle', source: SOURCE, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#e4572e', 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  }

  /** Starts a new drawing: the next map clicks place vertices. */
  start(family: GeometryFamily): void {
    this.clear();
    this.family = family;
    this.drawing = true;
    this.map.getCanvas().style.cursor = 'crosshair';
  }

  /** A map click while drawing. Returns true when the point is complete (a point needs one click). */
  addVertex(p: Position): boolean {
    if (!this.drawing || !this.family) return false;
    this.vertices.push(p);
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

  /** An existing geometry made editable: its vertices get drag handles. */
  edit(geometry: EditableGeometry | null): void {
    this.clear();
    if (!geometry) return;
    this.family = geometry.type === 'Point' ? 'point' : geometry.type === 'LineString' ? 'line' : 'polygon';
    this.vertices = geometry.type === 'Point' ? [geometry.coordinates]
      : geometry.type === 'LineString' ? [...geometry.coordinates] : geometry.coordinates[0]!.slice(0, -1);
    this.render();
    this.showHandles();
  }

  private showHandles(): void {
    this.vertices.forEach((v, i) => {
      const el = document.createElement('div');
      el.className = 'vertex-handle';
      const marker = new Marker({ element: el, draggable: true }).setLngLat(v).addTo(this.map);
      marker.on('drag', () => {
        const ll = marker.getLngLat();
        this.vertices[i] = [ll.lng, ll.lat];
        this.render();
      });
      this.markers.push(marker);
    });
  }

  geometry(): EditableGeometry | null {
    const v = this.vertices;
    if (this.family === 'point' && v.length >= 1) return { type: 'Point', coordinates: v[0]! };
    if (this.family === 'line' && v.length >= 2) return { type: 'LineString', coordinates: v };
    if (this.family === 'polygon' && v.length >= 3) return { type: 'Polygon', coordinates: [[...v, v[0]!]] };
    return null;
  }

  clear(): void {
    for (const m of this.markers) m.remove();
    this.markers = [];
    this.vertices = [];
    this.family = null;
    this.drawing = false;
    this.map.getCanvas().style.cursor = '';
    this.render();
  }

  private render(): void {
    const g = this.geometry();
    const features: GeoJSON.Feature[] = [];
    if (g) features.push({ type: 'Feature', geometry: g, properties: {} });
    else if (this.vertices.length > 0) {
      features.push({ type: 'Feature', geometry: { type: this.vertices.length > 1 ? 'LineString' : 'Point', coordinates: this.vertices.length > 1 ? this.vertices : this.vertices[0]! } as GeoJSON.Geometry, properties: {} });
    }
    (this.map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    this.onChange();
  }
}
