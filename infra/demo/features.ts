// The whole demo data set, generated in memory from one seed. Pure: no database, no clock, no Math.random, so
// every run (and every machine) produces exactly the same layers and features.
import { buildCity, buildTownZones } from './city.ts';
import { communeLocator, placeCommunes } from './communes.ts';
import { buildFarmingZones } from './farming.ts';
import { PROVINCE_OUTLINE } from './geography.ts';
import { pointInRing, ringArea, roundGeometry } from './geometry.ts';
import * as specs from './layers.ts';
import { pointFeature, round, type DemoData, type DemoFeature, type DemoLayer, type Value } from './model.ts';
import { buildBaseStations, buildGeosites, buildMarkets, buildMonitoringStations } from './places.ts';
import { createRandom } from './random.ts';
import { buildLocalRoads, buildNationalRoads, buildProvincialRoads, placeVillages } from './roads.ts';
import { PointIndex } from './spatial-index.ts';
import { buildLakes, buildRivers, buildStreams, type WaterPath } from './water.ts';

export const DEMO_SEED = 'non-nuoc-cao-bang/2024';

export function generateDemoData(seed: string = DEMO_SEED): DemoData {
  const root = createRandom(seed);
  const communes = placeCommunes(root.fork('communes'));
  const communeAt = communeLocator(communes);

  const rivers = buildRivers(root.fork('rivers'));
  const streams = buildStreams(root.fork('streams'), rivers.paths, 1000);
  const allWater = [...rivers.paths, ...streams.paths];
  const lakes = buildLakes(root.fork('lakes'), rivers.paths, streams.paths, communeAt, 90);

  const national = buildNationalRoads(root.fork('national-roads'));
  const provincial = buildProvincialRoads(root.fork('provincial-roads'), communeAt);
  const waterIndex = new PointIndex<WaterPath>(2000);
  for (const w of allWater) for (let i = 0; i < w.path.length; i += 4) waterIndex.add(w.path[i]!, w);
  const villages = placeVillages(root.fork('villages'), 4800, waterIndex, communeAt);
  const localRoads = buildLocalRoads(root.fork('local-roads'), villages, [...national.paths, ...provincial.paths], communeAt);

  const city = buildCity(root.fork('city'), { rivers: allWater, roads: national.paths, lakes: lakes.discs, communeAt });
  const townZones = buildTownZones(root.fork('towns'), { rivers: allWater, lakes: lakes.discs });

  const province = {
    geometry: { type: 'MultiPolygon', coordinates: [[PROVINCE_OUTLINE]] },
    properties: {
      ten: 'Tỉnh Cao Bằng',
      ma_tinh: '04',
      tinh_ly: 'Thành phố Cao Bằng',
      dan_so: communes.reduce((s, c) => s + c.population, 0),
      dien_tich_km2: round(ringArea(PROVINCE_OUTLINE) / 1e6, 1),
    },
  } satisfies DemoFeature;
  const communeSeeds = communes.map((c) =>
    pointFeature(c.seed, { ten: c.name, loai: c.kind, ma_xa: c.code, huyen: c.district, dan_so: c.population, dien_tich_km2: null }),
  );

  const layers: DemoLayer[] = [
    { spec: specs.provinceBoundary, features: [province] },
    { spec: specs.communeBoundaries, features: communeSeeds, voronoiCells: { areaAttribute: 'dien_tich_km2' } },
    { spec: specs.rivers, features: [...rivers.features, ...streams.features] },
    { spec: specs.lakes, features: lakes.features },
    { spec: specs.monitoringStations, features: buildMonitoringStations(root.fork('monitoring'), rivers.paths, communeAt) },
    { spec: specs.nationalRoads, features: national.features },
    { spec: specs.localRoads, features: [...provincial.features, ...localRoads] },
    { spec: specs.landUsePlanning, features: [...city.zones, ...townZones] },
    { spec: specs.urbanStreets, features: city.streets },
    { spec: specs.streetLights, features: city.lights },
    { spec: specs.geosites, features: buildGeosites(root.fork('geosites'), 160, communeAt) },
    { spec: specs.baseStations, features: buildBaseStations(root.fork('bts'), 420, villages, communeAt) },
    { spec: specs.markets, features: buildMarkets(root.fork('markets'), communes, communeAt) },
    { spec: specs.farmingZones, features: buildFarmingZones(root.fork('farming'), communeAt, lakes.discs) },
  ];
  return { outline: PROVINCE_OUTLINE, layers: layers.map(finish) };
}

/**
 * Rounds coordinates, normalises text to NFC and checks every value against the layer's attribute schema, so a
 * slip in a generator fails here, with the layer and attribute named, rather than as a database error.
 */
function finish(layer: DemoLayer): DemoLayer {
  const { spec } = layer;
  const names = new Set(spec.attributes.map((a) => a.name));
  const features: DemoFeature[] = [];
  for (const f of layer.features) {
    const geometry = roundGeometry(f.geometry);
    if (!geometry) continue;
    const expected = spec.geometryFamily === 'point' || layer.voronoiCells ? 'Point' : spec.geometryFamily === 'line' ? 'MultiLineString' : 'MultiPolygon';
    if (geometry.type !== expected) throw new Error(`${spec.id}: a ${geometry.type} in a ${expected} layer`);
    if (geometry.type === 'Point' && !pointInRing(geometry.coordinates, PROVINCE_OUTLINE)) {
      throw new Error(`${spec.id}: point ${geometry.coordinates.join(' ')} is outside the province`);
    }
    for (const key of Object.keys(f.properties)) if (!names.has(key)) throw new Error(`${spec.id}: unknown attribute ${key}`);
    const properties: Record<string, Value> = {};
    for (const a of spec.attributes) {
      let v = f.properties[a.name] ?? null;
      if (typeof v === 'string') v = v.normalize('NFC');
      const bad = (why: string) => new Error(`${spec.id}.${a.name} = ${JSON.stringify(v)}: ${why}`);
      if (v === null) {
        if (a.required && !(layer.voronoiCells && a.name === layer.voronoiCells.areaAttribute)) throw bad('required');
      } else if (a.type === 'text' && typeof v !== 'string') throw bad('not text');
      else if (a.type === 'integer' && !Number.isInteger(v)) throw bad('not an integer');
      else if (a.type === 'number' && !(typeof v === 'number' && Number.isFinite(v))) throw bad('not a number');
      else if (a.type === 'boolean' && typeof v !== 'boolean') throw bad('not a boolean');
      else if (a.allowed && !a.allowed.includes(v as string | number)) throw bad('not an allowed value');
      else if (a.max_length && typeof v === 'string' && v.length > a.max_length) throw bad('too long');
      properties[a.name] = v;
    }
    features.push({ geometry, properties });
  }
  return { ...layer, features };
}
