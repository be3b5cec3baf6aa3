import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// MapLibre's own style validator (a dependency of maplibre-gl): what the browser would reject, this rejects.
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import type { Catalog, CatalogLayer } from './catalog.ts';
import { buildStyle, catalogIdOf, colorExpression, styleLayerIds } from './map-style.ts';

function layer(id: string, family: CatalogLayer['geometry_family'], style: CatalogLayer['style'], minZoom = 0): CatalogLayer {
  const [sector = ''] = id.split('.');
  return {
    id,
    sector: { code: sector, title_vi: sector, title_en: sector },
    owner: { code: 'o', name_vi: 'Sở', name_en: 'Department' },
    title_vi: id,
    title_en: id,
    geometry_family: family,
    attributes: [],
    name_attribute: null,
    visibility: 'public',
    source: 's',
    legal_basis: '',
    licence: 'CC BY 4.0',
    data_updated_at: '2024-01-01T00:00:00Z',
    feature_count: 1,
    extent: [106, 22.5, 106.5, 22.9],
    min_zoom: minZoom,
    max_zoom: 22,
    style,
    links: { self: '', features: '', tiles: `http://x/tiles/${id}/{z}/{x}/{y}.mvt`, tilejson: '' },
  };
}

// Catalog order puts thematic layers first on purpose: the draw order must not follow it.
const catalog: Catalog = {
  sectors: [],
  layers: [
    layer('van_hoa.diem_di_san_dia_chat', 'point', { color: '#8c2d04', radius: 6, categories: { attribute: 'loai', colors: { 'Hang động': '#525252', 'Thác nước': '#2171b5' } } }, 6),
    layer('xay_dung.quy_hoach', 'polygon', { color: '#fdae6b' }),
    layer('giao_thong.quoc_lo', 'line', { color: '#d7301f', width: 3.5 }),
    layer('tai_nguyen.song_suoi', 'line', { color: '#3182bd' }),
    layer('tai_nguyen.ranh_gioi_xa', 'polygon', { color: '#bcbddc', fillOpacity: 0.05 }),
    layer('tai_nguyen.ranh_gioi_tinh', 'polygon', { color: '#54278f', fillOpacity: 0 }),
  ],
};

describe('the map style built from the catalog', () => {
  const style = buildStyle(catalog, new Set(catalog.layers.map((l) => l.id).filter((id) => id !== 'xay_dung.quy_hoach')));

  it('is a valid MapLibre style that needs nothing from the internet', () => {
    assert.deepEqual(validateStyleMin(style), []);
    assert.equal(style.glyphs, undefined);
    assert.equal(style.sprite, undefined);
    assert.ok(style.layers.every((l) => l.type !== 'symbol' && l.type !== 'raster'));
  });

  it('has one vector source per catalog layer with its tiles and zoom range', () => {
    const source = style.sources['van_hoa.diem_di_san_dia_chat'];
    assert.ok(source && source.type === 'vector');
    assert.deepEqual(source.tiles, ['http://x/tiles/van_hoa.diem_di_san_dia_chat/{z}/{x}/{y}.mvt']);
    assert.equal(source.minzoom, 6);
    assert.equal(source.maxzoom, 22);
    assert.equal(Object.keys(style.sources).length, catalog.layers.length);
  });

  it('draws the basemap (land, boundaries, water) under areas, areas under lines, lines under points', () => {
    assert.deepEqual(
      style.layers.map((l) => l.id),
      [
        'background',
        'tai_nguyen.ranh_gioi_tinh:land',
        'tai_nguyen.ranh_gioi_tinh:fill',
        'tai_nguyen.ranh_gioi_xa:fill',
        'tai_nguyen.ranh_gioi_xa:outline',
        'tai_nguyen.song_suoi:line',
        'tai_nguyen.ranh_gioi_tinh:outline',
        'xay_dung.quy_hoach:fill',
        'xay_dung.quy_hoach:outline',
        'giao_thong.quoc_lo:line',
        'van_hoa.diem_di_san_dia_chat:circle',
      ],
    );
    for (const l of style.layers.slice(1)) {
      assert.ok('source-layer' in l && l['source-layer'] === catalogIdOf(l.id), `${l.id} reads the MVT layer named after its catalog id`);
    }
  });

  it('hides the layers that are not visible and names every MapLibre layer after its catalog layer', () => {
    const hidden = style.layers.filter((l) => l.layout?.visibility === 'none').map((l) => l.id);
    assert.deepEqual(hidden, ['xay_dung.quy_hoach:fill', 'xay_dung.quy_hoach:outline']);
    assert.deepEqual(styleLayerIds(catalog.layers[1]!), ['xay_dung.quy_hoach:fill', 'xay_dung.quy_hoach:outline']);
    assert.equal(catalogIdOf('van_hoa.diem_di_san_dia_chat:circle'), 'van_hoa.diem_di_san_dia_chat');
  });

  it('turns categories into a match on the attribute, with the layer colour for anything else', () => {
    assert.deepEqual(colorExpression(catalog.layers[0]!.style), ['match', ['to-string', ['get', 'loai']], 'Hang động', '#525252', 'Thác nước', '#2171b5', '#8c2d04']);
    assert.equal(colorExpression({ color: '#d7301f' }), '#d7301f');
    assert.equal(colorExpression({ color: '#d7301f', categories: { attribute: 'loai', colors: {} } }), '#d7301f');
  });
});
