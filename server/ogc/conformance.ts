// The conformance classes this API declares: each is implemented in full (and proven by ogc.test.ts, gdal.test.ts
// and tiles-conformance.test.ts). Nothing is listed that only partly works.
import type { FastifyInstance } from 'fastify';
import { servesOgcTiles } from './collections.ts';

/** OGC API - Features, by the routes in this folder. */
export const FEATURES_CONFORMANCE = [
  // Part 1: Core
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  // Part 2: Coordinate Reference Systems by Reference
  'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
  // Part 3: Filtering, with CQL2
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-json',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
  'http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/property-property',
  // Part 4: Create, Replace, Update and Delete (draft), with ETag optimistic locking
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features',
  'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags',
] as const;

/**
 * OGC API - Tiles Part 1 (OGC 20-057) and the Tile Matrix Set standard 2.0 (OGC 17-083r4), by the sibling plugin
 * tiles/ogc-tiles.ts: tiles of each collection at …/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol} (core),
 * tileset metadata with the tiling-scheme link and an `item` template (tileset), the …/tiles list of a collection
 * (tilesets-list), collections linking their tilesets with rel tilesets-vector (geodata-tilesets), Mapbox Vector
 * Tiles (mvt), the tiles paths in /ogc/api (oas30), and the WebMercatorQuad definition at /ogc/tileMatrixSets/… as
 * TMS 2.0 JSON. Not declared: dataset-tilesets (no /ogc/tiles of the whole dataset), collections-selection,
 * datetime, and any raster format.
 */
export const TILES_CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt',
  'http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/tms/2.0/conf/tilematrixset',
  'http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset',
] as const;

/** What /ogc/conformance declares for this app: the tiles classes only when the tiles plugin serves it. */
export function conformanceClasses(app: FastifyInstance): string[] {
  return [...FEATURES_CONFORMANCE, ...(servesOgcTiles(app) ? TILES_CONFORMANCE : [])];
}
