// The coordinate reference systems features can be read in (and bounding boxes and filter geometries given in):
// WGS 84 both ways round, Web Mercator, and VN-2000 in the province's TM-3 zone and in UTM 48N. Storage is always
// EPSG:4326 in longitude, latitude order. Axis order is the trap: EPSG:4326 *as EPSG defines it* is latitude
// first, CRS84 is longitude first, and the same number means either depending on how a client spells it.
export interface CrsDefinition {
  srid: number;
  /** OGC API (Part 2) identifier. */
  uri: string;
  /** WFS 2.0 / GML identifier. */
  urn: string;
  title: string;
  /** Coordinates are written latitude (northing) first. */
  latLon: boolean;
  geographic: boolean;
  /** Decimals written: 7 for degrees (about 1 cm), 3 for metres (1 mm). */
  decimals: number;
}

export const CRS84: CrsDefinition = {
  srid: 4326,
  uri: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  urn: 'urn:ogc:def:crs:OGC:1.3:CRS84',
  title: 'WGS 84 (longitude, latitude)',
  latLon: false,
  geographic: true,
  decimals: 7,
};

export const EPSG_4326: CrsDefinition = {
  srid: 4326,
  uri: 'http://www.opengis.net/def/crs/EPSG/0/4326',
  urn: 'urn:ogc:def:crs:EPSG::4326',
  title: 'WGS 84 (latitude, longitude)',
  latLon: true,
  geographic: true,
  decimals: 7,
};

const projected = (srid: number, title: string): CrsDefinition => ({
  srid,
  uri: `http://www.opengis.net/def/crs/EPSG/0/${srid}`,
  urn: `urn:ogc:def:crs:EPSG::${srid}`,
  title,
  latLon: false,
  geographic: false,
  decimals: 3,
});

export const EPSG_3857 = projected(3857, 'WGS 84 / Pseudo-Mercator');
/** Cao Bằng's provincial projection (DESIGN.md): VN-2000 / TM-3 105°45′. */
export const EPSG_9210 = projected(9210, 'VN-2000 / TM-3 105-45 (Cao Bằng)');
export const EPSG_3405 = projected(3405, 'VN-2000 / UTM zone 48N');

export const SUPPORTED_CRS: readonly CrsDefinition[] = [CRS84, EPSG_4326, EPSG_3857, EPSG_9210, EPSG_3405];

const bySrid = new Map(SUPPORTED_CRS.filter((c) => c !== CRS84).map((c) => [c.srid, c]));

/** Whether a definition is the storage CRS with the storage axis order (no transform, no swap). */
export const isStorageCrs = (crs: CrsDefinition) => crs.srid === 4326 && !crs.latLon;

/**
 * An OGC API CRS URI (Part 2): `http://www.opengis.net/def/crs/EPSG/0/9210`, `…/OGC/1.3/CRS84`. The header form
 * `<uri>` (Content-Crs) and https are accepted too. Null when it is none of ours.
 */
export function crsFromUri(text: string): CrsDefinition | null {
  const t = text.trim().replace(/^<(.*)>$/, '$1').replace(/^https:/i, 'http:').replace(/\/$/, '');
  if (/^http:\/\/www\.opengis\.net\/def\/crs\/OGC\/(?:1\.3|0)\/CRS84$/i.test(t)) return CRS84;
  const m = /^http:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[0-9.]+\/(\d{1,6})$/i.exec(t);
  return m ? (bySrid.get(Number(m[1])) ?? null) : null;
}

/**
 * A WFS / GML srsName. `urn:ogc:def:crs:EPSG::4326` and the http URI follow EPSG (latitude first); the legacy
 * forms `EPSG:4326` and `http://www.opengis.net/gml/srs/epsg.xml#4326` have always meant longitude first, and
 * clients (GDAL, QGIS, GeoServer) still read them that way.
 */
export function crsFromSrsName(text: string): CrsDefinition | null {
  const t = text.trim();
  if (/^urn:ogc:def:crs:OGC:(?:1\.3)?:CRS84$/i.test(t)) return CRS84;
  const urn = /^urn:(?:ogc|x-ogc):def:crs:EPSG:[0-9.]*:(\d{1,6})$/i.exec(t);
  if (urn) return bySrid.get(Number(urn[1])) ?? null;
  const legacy = /^(?:EPSG:|http:\/\/www\.opengis\.net\/gml\/srs\/epsg\.xml#)(\d{1,6})$/i.exec(t);
  if (legacy) {
    const srid = Number(legacy[1]);
    if (srid === 4326) return CRS84;
    return bySrid.get(srid) ?? null;
  }
  return crsFromUri(t);
}

/** [x, y] in the CRS's own axis order → storage order (longitude or easting first). */
export function toXy(crs: CrsDefinition, a: number, b: number): [number, number] {
  return crs.latLon ? [b, a] : [a, b];
}
