// The public web map: the catalog and the server's style (GET /styles/default.json) → map, with the layer tree,
// identify popups, the URL hash, the basemap switch and the VI/EN switch wired together.
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles.css';
import {
  AttributionControl,
  Map as MapLibreMap,
  Marker,
  NavigationControl,
  ScaleControl,
  setWorkerUrl,
  type IControl,
  type LngLatLike,
  type MapGeoJSONFeature,
  type PointLike,
} from 'maplibre-gl';
// The worker is a separate self-contained module; bundling moves the main file, so point MapLibre at the copy.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { BasemapSwitch } from './basemap-switch.ts';
import { fetchCatalog, type Catalog, type CatalogLayer } from './catalog.ts';
import { dialogOpen } from './dialog.ts';
import { escapeHtml, formatDateTime } from './format.ts';
import { language, localized, onLanguageChange, setLanguage, t, type Lang } from './i18n.ts';
import { LayerTree } from './layer-tree.ts';
import { mountMaintenanceBanner } from './maintenance-banner.ts';
import { ModeSwitch } from './map-mode.ts';
import { StyleError, StyleIndex, fetchMapStyle } from './map-style.ts';
import { MapTools, type ToolName } from './map-tools.ts';
import { MeasureTool } from './measure.ts';
import { PointPicker } from './point-picker.ts';
import { FeaturePopup, type Hit } from './popup.ts';
import { openReportForm } from './report-form.ts';
import { openReportLookup } from './report-lookup.ts';
import { SearchBox, type SearchResult } from './search-box.ts';
import { download, openShareDialog, renderMapImage } from './share-export.ts';
import { formatHash, parseHash, writeHash, type Basemap, type UrlState } from './url-state.ts';

declare global {
  interface Window {
    cbMap?: MapLibreMap;
    cbCatalog?: Catalog;
    /** True once the catalog is read and the map's style has loaded: the browser tests wait for it. */
    cbReady?: boolean;
  }
}

const PROVINCE_BOUNDS: [number, number, number, number] = [105.25, 22.3, 106.85, 23.15];
// Room to pan around the province without getting lost in the rest of the world (there is no basemap there).
const MAX_BOUNDS: [number, number, number, number] = [101.5, 19.5, 110.5, 26];
const PICK_TOLERANCE_PX = 5;
/** Dragging the opacity slider writes the address once it rests (browsers throttle frequent history updates). */
const OPACITY_HASH_DELAY_MS = 300;
const phoneQuery = window.matchMedia('(max-width: 767px)');
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

setWorkerUrl(workerUrl);

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html lacks #${id}`);
  return node as T;
}

const panel = byId<HTMLElement>('panel');
const menuButton = byId<HTMLButtonElement>('menu-button');
const treeContainer = byId<HTMLElement>('layer-tree');
const searchContainer = byId<HTMLElement>('search');
const lookupButton = byId<HTMLButtonElement>('lookup-button');

function applyStaticTexts(): void {
  document.documentElement.lang = language();
  document.title = t('documentTitle');
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n as Parameters<typeof t>[0]);
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n-short]')) {
    node.dataset.short = t(node.dataset.i18nShort as Parameters<typeof t>[0]);
  }
  for (const node of document.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) {
    node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel as Parameters<typeof t>[0]));
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('.lang-switch button')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === language()));
  }
  lookupButton.title = t('lookupReports');
  setPanelOpen(panel.dataset.open === 'true');
}

function setPanelOpen(open: boolean): void {
  panel.dataset.open = String(open);
  menuButton.setAttribute('aria-expanded', String(open));
  menuButton.setAttribute('aria-label', t(open ? 'closeLayers' : 'openLayers'));
}

menuButton.addEventListener('click', () => {
  const open = panel.dataset.open !== 'true';
  setPanelOpen(open);
  if (open) treeContainer.querySelector<HTMLElement>('input, summary')?.focus();
});
for (const button of document.querySelectorAll<HTMLButtonElement>('.lang-switch button')) {
  button.addEventListener('click', () => setLanguage(button.dataset.lang as Lang));
}
onLanguageChange(applyStaticTexts);
applyStaticTexts();

function showPanelMessage(text: string, retry?: () => void): void {
  const message = document.createElement('p');
  message.className = 'panel-message';
  message.setAttribute('role', 'status');
  message.textContent = text;
  treeContainer.replaceChildren(message);
  if (retry) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'text-button';
    button.textContent = t('retry');
    button.addEventListener('click', retry);
    treeContainer.append(button);
  }
}

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

/** A "whole province" button beside the zoom buttons. */
class HomeControl implements IControl {
  private container: HTMLElement | null = null;
  private button: HTMLButtonElement | null = null;

  onAdd(map: MapLibreMap): HTMLElement {
    this.container = document.createElement('div');
    this.container.className = 'maplibregl-ctrl maplibregl-ctrl-group';
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.className = 'home-button';
    this.button.dataset.testid = 'home-button';
    this.button.innerHTML =
      '<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true"><path d="M3 9.5 10 4l7 5.5M5.5 8v8h9V8" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>';
    this.button.addEventListener('click', () => map.fitBounds(PROVINCE_BOUNDS, { padding: 24 }));
    this.container.append(this.button);
    this.translate();
    return this.container;
  }

  onRemove(): void {
    this.container?.remove();
  }

  translate(): void {
    this.button?.setAttribute('title', t('wholeProvince'));
    this.button?.setAttribute('aria-label', t('wholeProvince'));
  }
}

/** MapLibre labels its own buttons once, at creation: relabel them when the language changes. */
function translateMapControls(container: HTMLElement): void {
  const labels: Array<[string, Parameters<typeof t>[0]]> = [
    ['.maplibregl-ctrl-zoom-in', 'zoomIn'],
    ['.maplibregl-ctrl-zoom-out', 'zoomOut'],
    ['.maplibregl-ctrl-compass', 'resetBearing'],
  ];
  for (const [selector, key] of labels) {
    const button = container.querySelector<HTMLElement>(selector);
    button?.setAttribute('title', t(key));
    button?.setAttribute('aria-label', t(key));
  }
}

/** A short message over the map (an export that failed), read out by screen readers too. */
function announce(text: string): void {
  const toast = document.getElementById('toast') ?? Object.assign(document.createElement('p'), { id: 'toast', className: 'toast' });
  toast.setAttribute('role', 'status');
  toast.dataset.testid = 'toast';
  toast.textContent = text;
  document.body.append(toast);
  window.setTimeout(() => {
    if (toast.textContent === text) toast.remove();
  }, 5000);
}

function inProvince(lng: number, lat: number): boolean {
  const [w, s, e, n] = PROVINCE_BOUNDS;
  return lng >= w && lng <= e && lat >= s && lat <= n;
}

function startMap(catalog: Catalog, styles: StyleIndex, initial: UrlState): void {
  const byCatalogId = new Map(catalog.layers.map((l) => [l.id, l]));
  const visible = new Set(
    initial.layers === null ? catalog.layers.map((l) => l.id) : initial.layers.filter((id) => byCatalogId.has(id)),
  );
  /** Percent of each faded layer's served opacity; the others are at 100. */
  const opacity = new Map([...initial.opacity].filter(([id]) => byCatalogId.has(id)));
  // An address asking for the online basemap gets it only where the server offers one.
  let basemap: Basemap = styles.hasOnlineBasemap ? initial.basemap : 'offline';
  const view = initial.view;
  const map = new MapLibreMap({
    container: 'map',
    style: styles.initial({ isVisible: (id) => visible.has(id), opacity: (id) => (opacity.get(id) ?? 100) / 100, online: basemap === 'online' }),
    ...(view
      ? { center: [view.lon, view.lat] as [number, number], zoom: view.zoom, bearing: view.bearing }
      : { bounds: PROVINCE_BOUNDS, fitBoundsOptions: { padding: 24 } }),
    maxBounds: MAX_BOUNDS,
    attributionControl: false,
  });
  // The owners of the layers shown, in the page's language, redone whenever those change (MapLibre's control
  // cannot change its text). Source and last update are on every card and data page (Điều 8.1c).
  let attribution: AttributionControl | null = null;
  const showAttribution = () => {
    if (attribution) map.removeControl(attribution);
    const owners = new Set(catalog.layers.filter((l) => visible.has(l.id)).map((l) => localized(l.owner, 'name')));
    const credit = owners.size ? t('dataBy', { owners: [...owners].join(', ') }) : '';
    attribution = new AttributionControl({ compact: true, customAttribution: escapeHtml(credit) });
    map.addControl(attribution);
  };
  showAttribution();
  const modes = new ModeSwitch(map);
  window.cbMap = map;
  window.cbCatalog = catalog;

  map.addControl(new NavigationControl({ visualizePitch: false }), 'top-right');
  const home = new HomeControl();
  map.addControl(home, 'top-right');
  map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
  translateMapControls(map.getContainer());

  // One marker for the place a report is about (being chosen, or looked up).
  let placeMarker: Marker | null = null;
  const markPlace = (lngLat: LngLatLike | null) => {
    placeMarker?.remove();
    placeMarker = lngLat ? new Marker({ color: '#d9480f', className: 'place-marker' }).setLngLat(lngLat).addTo(map) : null;
  };
  const lookUp = (ticket?: string) =>
    openReportLookup({
      ticket,
      onShowOnMap: (lon, lat) => {
        markPlace([lon, lat]);
        map.easeTo({ center: [lon, lat], zoom: Math.max(map.getZoom(), 15), duration: reducedMotion.matches ? 0 : 600 });
      },
    });
  lookupButton.addEventListener('click', () => lookUp());

  const popup = new FeaturePopup(map, {
    onReport: (hit, title, at) => {
      if (hit.feature.id === undefined) return;
      openReportForm({ kind: 'feature', layer: hit.layer, fid: hit.feature.id, title, clicked: { lon: at.lng, lat: at.lat } }, { onLookup: lookUp });
    },
    sourceOf: (layer) => styles.sourceOf(layer.id),
  });
  let opacityHashTimer = 0;
  const saveHash = () => {
    window.clearTimeout(opacityHashTimer);
    const center = map.getCenter();
    const ids = catalog.layers.filter((l) => visible.has(l.id)).map((l) => l.id);
    const view = { zoom: map.getZoom(), lat: center.lat, lon: center.lng, bearing: map.getBearing() };
    writeHash(formatHash({ view, layers: ids, opacity, basemap }));
  };

  const applyVisibility = (layer: CatalogLayer, show: boolean) => {
    if (show) visible.add(layer.id);
    else visible.delete(layer.id);
    styles.setVisible(map, layer.id, show);
    showAttribution();
    tree.setChecked(layer.id, show);
    if (!show) popup.close();
  };

  const applyOpacity = (layer: CatalogLayer, percent: number) => {
    if (percent >= 100) opacity.delete(layer.id);
    else opacity.set(layer.id, percent);
    styles.setOpacity(map, layer.id, percent / 100);
  };

  const applyBasemap = (chosen: Basemap) => {
    basemap = styles.hasOnlineBasemap ? chosen : 'offline';
    styles.setOnlineBasemap(map, basemap === 'online');
  };

  const tree = new LayerTree({
    container: treeContainer,
    filterContainer: document.getElementById('layer-filter-box') ?? undefined,
    catalog,
    isVisible: (id) => visible.has(id),
    onToggle: (layer, show) => {
      applyVisibility(layer, show);
      saveHash();
    },
    onZoomTo: (layer) => {
      if (!layer.extent) return;
      const [w, s, e, n] = layer.extent;
      map.fitBounds([w, s, e, n], { padding: 40, maxZoom: Math.max(14, layer.min_zoom) });
      if (phoneQuery.matches) setPanelOpen(false);
    },
    opacity: (id) => opacity.get(id) ?? 100,
    onOpacity: (layer, percent) => {
      applyOpacity(layer, percent);
      window.clearTimeout(opacityHashTimer);
      opacityHashTimer = window.setTimeout(saveHash, OPACITY_HASH_DELAY_MS);
    },
  });
  tree.render();

  const basemapSwitch = styles.hasOnlineBasemap
    ? new BasemapSwitch(basemap, (chosen) => {
        applyBasemap(chosen);
        saveHash();
      })
    : null;
  if (basemapSwitch) map.addControl(basemapSwitch, 'top-left');
  tree.setZoom(map.getZoom());

  const queryLayers = (onlyThematic: boolean) =>
    catalog.layers
      .filter((l) => visible.has(l.id) && !(onlyThematic && styles.isBase(l.id)))
      .flatMap((l) => styles.styleLayerIds(l.id))
      .filter((id) => map.getLayer(id) !== undefined);

  const hitsAt = (point: { x: number; y: number }, onlyThematic: boolean): Hit[] => {
    const layers = queryLayers(onlyThematic);
    if (layers.length === 0) return [];
    const box: [PointLike, PointLike] = [
      [point.x - PICK_TOLERANCE_PX, point.y - PICK_TOLERANCE_PX],
      [point.x + PICK_TOLERANCE_PX, point.y + PICK_TOLERANCE_PX],
    ];
    const seen = new Set<string>();
    const hits: Hit[] = [];
    for (const feature of map.queryRenderedFeatures(box, { layers }) as MapGeoJSONFeature[]) {
      const layer = byCatalogId.get(styles.catalogIdFor(feature.layer.id) ?? '');
      // A polygon answers through its fill and its outline, and a feature cut by tile edges more than once.
      const id = `${layer?.id}/${String(feature.id ?? JSON.stringify(feature.properties))}`;
      if (!layer || seen.has(id)) continue;
      seen.add(id);
      hits.push({ layer, feature });
    }
    return hits;
  };

  // --- search ---------------------------------------------------------------------------------------------
  /** Zooms to a search result and opens its card, drawing its layer first if it was hidden. */
  const showResult = (result: SearchResult) => {
    const layer = byCatalogId.get(result.layer.id);
    if (!layer) return;
    modes.end();
    popup.close();
    if (phoneQuery.matches) setPanelOpen(false);
    if (!visible.has(layer.id)) {
      applyVisibility(layer, true);
      saveHash();
    }
    const [w, s, e, n] = result.bbox;
    const point = result.point;
    const camera = e - w < 1e-6 && n - s < 1e-6
      ? { center: point, zoom: 16 }
      : (() => {
          const fit = map.cameraForBounds([w, s, e, n], { padding: 60, maxZoom: 17 });
          return { center: fit?.center ?? point, zoom: fit?.zoom ?? 15 };
        })();
    // A layer drawn only from a closer zoom must be drawn for its card to open on it.
    const zoom = Math.max(camera.zoom, layer.min_zoom);
    const center = zoom > camera.zoom ? point : camera.center;
    map.easeTo({ center, zoom, bearing: map.getBearing(), duration: reducedMotion.matches ? 0 : 700 });
    let opened = false;
    const openCard = () => {
      if (opened) return;
      opened = true;
      const p = map.project(point);
      const box: [PointLike, PointLike] = [[p.x - 8, p.y - 8], [p.x + 8, p.y + 8]];
      const layers = styles.styleLayerIds(layer.id).filter((id) => map.getLayer(id) !== undefined);
      const rendered = layers.length > 0
        ? (map.queryRenderedFeatures(box, { layers }) as MapGeoJSONFeature[]).find((f) => String(f.id) === String(result.fid))
        : undefined;
      const feature = rendered ?? { id: result.fid, properties: layer.name_attribute ? { [layer.name_attribute]: result.name } : {} };
      popup.show(point, [{ layer, feature }]);
    };
    // Once the view is drawn; but a slow connection need not wait for every tile of every layer: the card reads
    // the feature's attributes from the API anyway, so it opens shortly after the camera arrives at the latest.
    map.once('idle', openCard);
    map.once('moveend', () => window.setTimeout(openCard, CARD_WAIT_MS));
    map.triggerRepaint();
  };
  const search = new SearchBox(searchContainer, showResult);

  // --- tools ----------------------------------------------------------------------------------------------
  const startPicking = () => {
    popup.close();
    const picker: PointPicker = new PointPicker(
      map,
      (lngLat) => {
        if (!inProvince(lngLat.lng, lngLat.lat)) {
          picker.warn(t('error_outside_province'));
          return;
        }
        modes.end(picker);
        markPlace(lngLat);
        openReportForm({ kind: 'point', lon: lngLat.lng, lat: lngLat.lat }, { onLookup: lookUp, onClose: () => markPlace(null) });
      },
      () => modes.end(picker),
    );
    modes.start(picker);
  };

  const exportView = async (button: HTMLButtonElement) => {
    button.disabled = true;
    announce(t('exporting'));
    try {
      saveHash();
      const owners = catalog.layers
        .filter((l) => visible.has(l.id))
        .map((l) => localized(l.owner, 'name'));
      const blob = await renderMapImage(map, {
        title: t('appName'),
        // The view, without the list of layers (the caption names their sources instead).
        line: t('exportLine', { time: formatDateTime(new Date()), url: window.location.href.replace(/^https?:\/\//, '').replace(/&layers=.*$/, '') }),
        credit: t('exportCredit', { sources: [...new Set(owners)].join('; ') || '—' }),
      });
      const stamp = formatDateTime(new Date()).replace(/(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})/, '$3$2$1-$4$5');
      download(blob, `ban-do-cao-bang-${stamp}.png`);
      document.getElementById('toast')?.remove();
    } catch {
      announce(t('exportFailed'));
    } finally {
      button.disabled = false;
    }
  };

  const tools = new MapTools((name: ToolName, button) => {
    if (name === 'share') {
      saveHash();
      openShareDialog(window.location.href);
      return;
    }
    if (name === 'export') {
      void exportView(button);
      return;
    }
    if (modes.active?.name === name) {
      modes.end();
      return;
    }
    if (name === 'report-point') {
      startPicking();
      return;
    }
    popup.close();
    const tool: MeasureTool = new MeasureTool(map, name === 'measure-area' ? 'area' : 'distance', () => modes.end(tool));
    modes.start(tool);
  });
  map.addControl(tools, 'top-right');
  modes.onChange((mode) => tools.setActive(mode?.name ?? null));

  map.on('load', () => {
    saveHash();
    window.cbReady = true;
    document.body.dataset.ready = 'true';
  });
  map.on('moveend', saveHash);
  map.on('zoomend', () => tree.setZoom(map.getZoom()));
  map.on('click', (event) => {
    if (modes.active) {
      modes.active.click(event);
      return;
    }
    if (phoneQuery.matches && panel.dataset.open === 'true') {
      setPanelOpen(false);
      return;
    }
    // A click on a road names the road, not also the commune it runs through; the basemap answers only alone.
    const thematic = hitsAt(event.point, true);
    popup.show(event.lngLat, thematic.length > 0 ? thematic : hitsAt(event.point, false));
  });

  map.on('dblclick', (event) => modes.active?.dblclick?.(event));

  let hoverFrame = 0;
  map.on('mousemove', (event) => {
    if (modes.active) {
      modes.active.move?.(event);
      return;
    }
    if (hoverFrame) return;
    hoverFrame = requestAnimationFrame(() => {
      hoverFrame = 0;
      if (modes.active) return;
      map.getCanvas().style.cursor = hitsAt(event.point, true).length > 0 ? 'pointer' : '';
    });
  });

  window.addEventListener('hashchange', () => {
    // Someone edited the address bar: follow it.
    const state = parseHash(window.location.hash);
    if (state.view) map.jumpTo({ center: [state.view.lon, state.view.lat], zoom: state.view.zoom, bearing: state.view.bearing });
    if (state.layers) {
      const wanted = new Set(state.layers);
      for (const layer of catalog.layers) if (wanted.has(layer.id) !== visible.has(layer.id)) applyVisibility(layer, wanted.has(layer.id));
    }
    for (const layer of catalog.layers) {
      const percent = state.opacity.get(layer.id) ?? 100;
      if (percent !== (opacity.get(layer.id) ?? 100)) applyOpacity(layer, percent);
    }
    if (state.basemap !== basemap) {
      applyBasemap(state.basemap);
      basemapSwitch?.set(basemap);
    }
    tree.render();
  });

  document.addEventListener('keydown', (event) => {
    // A dialog handles its own keys; so do text fields, and buttons their Enter and Space.
    if (dialogOpen()) return;
    const target = event.target as HTMLElement | null;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    const pressing = (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) && (event.key === 'Enter' || event.key === ' ');
    if (modes.active && !typing && !pressing && modes.active.key?.(event)) {
      event.preventDefault();
      return;
    }
    if (event.key !== 'Escape') return;
    if (popup.isOpen) popup.close();
    else if (phoneQuery.matches && panel.dataset.open === 'true') {
      setPanelOpen(false);
      menuButton.focus();
    }
  });

  onLanguageChange(() => {
    tree.render();
    popup.rerender();
    home.translate();
    tools.translate();
    basemapSwitch?.translate();
    showAttribution();
    search.translate();
    modes.active?.translate?.();
    translateMapControls(map.getContainer());
  });
}

/** What the panel says while there is no layer tree yet, kept so a language switch can say it again. */
let pendingMessage: (() => void) | null = null;
onLanguageChange(() => pendingMessage?.());

function say(message: () => void): void {
  pendingMessage = message;
  message();
}

/** How long a search result's card waits for the map to finish drawing after the camera arrives. */
const CARD_WAIT_MS = 1500;

async function boot(): Promise<void> {
  if (!webglAvailable()) {
    say(() => showPanelMessage(t('webglError')));
    return;
  }
  let catalog: Catalog;
  let styles: StyleIndex;
  try {
    // The same session cookie goes with both, so the tree and the map list the same layers.
    [catalog, styles] = await Promise.all([fetchCatalog(), fetchMapStyle().then((style) => new StyleIndex(style))]);
  } catch (error) {
    const retry = () => {
      say(() => showPanelMessage(t('loading')));
      void boot();
    };
    say(() => showPanelMessage(t(error instanceof StyleError ? 'styleError' : 'catalogError'), retry));
    return;
  }
  pendingMessage = null;
  startMap(catalog, styles, parseHash(window.location.hash));
}

// Announced maintenance (Điều 10.2) shows whether or not the map itself loads.
mountMaintenanceBanner();
void boot();
