import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// MapLibre's own style validator (a dependency of maplibre-gl): what the browser would reject, this rejects.
import { validateStyleMin, type StyleSpecification as SpecStyle } from '@maplibre/maplibre-gl-style-spec';
import type { StyleSpecification } from 'maplibre-gl';
import type { Layer } from '../../server/catalog/catalog.ts';
// The style the server serves is built here; the app must understand exactly what it builds.
import { buildStyle } from '../../tiles/map-style.ts';
import { ONLINE_BASEMAP_LAYER_ID, StyleIndex, catalogIdOf, opacityPaint, scaleOpacity } from './map-style.ts';

function layer(id: string, geometryFamily: Layer['geometryFamily'], style: Record<string, unknown>): Layer {
  const [sector = ''] = id.split('.');
  return {
    id, geometryFamily, style,
    sector: { code: sector, titleVi: sector, titleEn: sector },
    owner: { id: '1', code: 'o', nameVi: 'Sở', nameEn: 'Department' },
    titleVi: id, titleEn: id, descriptionVi: '', descriptionEn: '',
    attributes: [], nameAttribute: null, visibility: 'public', source: 's', legalBasis: '', licence: 'CC BY 4.0',
    dataUpdatedAt: new Date('2024-01-01T00:00:00Z'), dataVersion: 1, featureCount: 1, minZoom: 0, maxZoom: 22, sort: 0,
  };
}

const layers = [
  layer('van_hoa.diem_di_san', 'point', { color: '#8c2d04' }),
  layer('xay_dung.quy_hoach', 'polygon', { color: '#fdae6b', fillOpacity: 0.4 }),
  layer('giao_thong.quoc_lo', 'line', { color: '#d7301f' }),
  layer('tai_nguyen.song_suoi', 'line', { color: '#3182bd' }),
  layer('tai_nguyen.ranh_gioi_tinh', 'polygon', { color: '#54278f', fillOpacity: 0 }),
].map((l) => ({ layer: l, extent: null }));

const served = (onlineBasemap: { tiles: string; attribution: string } | null = null) =>
  buildStyle({ name: 'test', sources: [{ id: 'cb', tiles: 'http://x/tiles/composite/{z}/{x}/{y}.mvt', layers }], onlineBasemap }) as unknown as StyleSpecification;

describe('the served map style, as the app reads it', () => {
  const index = new StyleIndex(served());

  it('finds the style layers of each catalog layer, its source and whether it is basemap', () => {
    assert.deepEqual(index.styleLayerIds('xay_dung.quy_hoach'), ['xay_dung.quy_hoach:fill', 'xay_dung.quy_hoach:outline']);
    assert.deepEqual(index.styleLayerIds('tai_nguyen.ranh_gioi_tinh').sort(),
      ['tai_nguyen.ranh_gioi_tinh:fill', 'tai_nguyen.ranh_gioi_tinh:land', 'tai_nguyen.ranh_gioi_tinh:outline']);
    assert.deepEqual(index.styleLayerIds('khong.co'), []);
    assert.equal(index.sourceOf('giao_thong.quoc_lo'), 'cb');
    assert.equal(index.sourceOf('khong.co'), null);
    assert.equal(index.isBase('tai_nguyen.song_suoi'), true);
    assert.equal(index.isBase('tai_nguyen.ranh_gioi_tinh'), true);
    assert.equal(index.isBase('giao_thong.quoc_lo'), false);
    assert.equal(catalogIdOf({ metadata: { 'cb:layer': 'a.b' } }), 'a.b');
    assert.equal(catalogIdOf({ id: 'background' } as { metadata?: unknown }), null);
    assert.equal(index.hasOnlineBasemap, false);
  });

  it('starts the map with hidden layers hidden and faded layers faded, and stays a valid style', () => {
    const style = index.initial({ isVisible: (id) => id !== 'giao_thong.quoc_lo', opacity: (id) => (id === 'xay_dung.quy_hoach' ? 0.5 : 1), online: false });
    assert.deepEqual(validateStyleMin(style as unknown as SpecStyle), []);
    const byId = new Map(style.layers.map((l) => [l.id, l as { layout?: { visibility?: string }; paint?: Record<string, unknown> }]));
    assert.equal(byId.get('giao_thong.quoc_lo:line')?.layout?.visibility, 'none');
    assert.equal(byId.get('van_hoa.diem_di_san:circle')?.layout?.visibility, 'visible');
    const fill = byId.get('xay_dung.quy_hoach:fill')!.paint!['fill-opacity'] as unknown[];
    assert.deepEqual(fill, ['*', ['case', ['boolean', ['feature-state', 'selected'], false], 0.65, 0.4], 0.5]);
    assert.equal(byId.get('xay_dung.quy_hoach:outline')!.paint!['line-opacity'], 0.5);
    // A layer at full opacity keeps the served paint untouched, and nothing unset is set.
    assert.deepEqual(byId.get('van_hoa.diem_di_san:circle')!.paint, (served().layers.find((l) => l.id === 'van_hoa.diem_di_san:circle') as { paint: unknown }).paint);
    assert.ok(!('line-opacity' in byId.get('giao_thong.quoc_lo:line')!.paint!));
  });

  it('the online basemap is there only when the server offers one, hidden until asked for, over the land', () => {
    const online = new StyleIndex(served({ tiles: 'http://127.0.0.1:1/{z}/{x}/{y}.png', attribution: '© Nền' }));
    assert.equal(online.hasOnlineBasemap, true);
    const ids = online.style.layers.map((l) => l.id);
    assert.deepEqual(ids.slice(0, 3), ['background', 'tai_nguyen.ranh_gioi_tinh:land', ONLINE_BASEMAP_LAYER_ID]);
    assert.equal((online.style.layers[2] as { layout: { visibility: string } }).layout.visibility, 'none');
    const shown = online.initial({ isVisible: () => true, opacity: () => 1, online: true });
    assert.equal((shown.layers[2] as { layout: { visibility: string } }).layout.visibility, 'visible');
    assert.deepEqual(validateStyleMin(shown as unknown as SpecStyle), []);
    assert.deepEqual(online.style.sources[ONLINE_BASEMAP_LAYER_ID], { type: 'raster', tiles: ['http://127.0.0.1:1/{z}/{x}/{y}.png'], tileSize: 256, maxzoom: 19, attribution: '© Nền' });
  });
});

describe('fading a layer', () => {
  it('multiplies numbers, scales zoom curves stop by stop, wraps other expressions, and treats unset as 1', () => {
    assert.equal(scaleOpacity(0.8, 0.5), 0.4);
    assert.equal(scaleOpacity(undefined, 0.25), 0.25);
    assert.equal(scaleOpacity(0.8, 1), 0.8);
    assert.equal(scaleOpacity(undefined, 1), undefined);
    assert.deepEqual(scaleOpacity(['interpolate', ['linear'], ['zoom'], 8, 0.2, 14, 1], 0.5), ['interpolate', ['linear'], ['zoom'], 8, 0.1, 14, 0.5]);
    assert.deepEqual(scaleOpacity(['step', ['zoom'], 0.4, 10, 1], 0.5), ['step', ['zoom'], 0.2, 10, 0.5]);
    assert.deepEqual(scaleOpacity(['get', 'o'], 0), ['*', ['get', 'o'], 0]);
    // A data-driven curve may sit under a `*`.
    assert.deepEqual(scaleOpacity(['interpolate', ['linear'], ['get', 'n'], 0, 0.2, 9, 1], 0.5), ['*', ['interpolate', ['linear'], ['get', 'n'], 0, 0.2, 9, 1], 0.5]);
  });

  it('touches the opacity properties of each layer type, and only those', () => {
    assert.deepEqual(opacityPaint({ id: 'c', type: 'circle', source: 's', paint: { 'circle-opacity': 0.95 } }, 0.5), [['circle-opacity', 0.475], ['circle-stroke-opacity', 0.5]]);
    assert.deepEqual(opacityPaint({ id: 's', type: 'symbol', source: 's' }, 0.5), [['icon-opacity', 0.5], ['text-opacity', 0.5]]);
    assert.deepEqual(opacityPaint({ id: 'l', type: 'line', source: 's' }, 0.3).map(([p]) => p), ['line-opacity']);
    assert.deepEqual(opacityPaint({ id: 'b', type: 'background' }, 0.3), []);
  });
});
