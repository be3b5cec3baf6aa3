// Which coordinate system a dataset is in: from its .prj (an EPSG code, or ESRI / OGC WKT recognised by its datum
// and projection parameters), from a GeoJSON `crs` member, or, when there is none or it contradicts the coordinates,
// from where the coordinates fall: Cao Bằng is small, so its extent in each candidate CRS is a narrow window.
import type { CrsGuess } from './source.ts';

export type Bbox = [number, number, number, number];

export interface KnownCrs {
  srid: number;
  name: string;
  datum: 'vn2000' | 'wgs84';
  /** Transverse Mercator parameters; absent for geographic CRSs. */
  tm?: { lon0: number; k: number; fe: number; fn: number };
}

const tm = (lon0: number, k: number) => ({ lon0, k, fe: 500_000, fn: 0 });

/**
 * The CRSs we recognise. Parameters read from PROJ's EPSG database (`projinfo EPSG:<code> -o PROJ` for 9205..9218,
 * 5896..5899, 3405, 3406, 4756, 32648, 32649), not from memory: note that 9205–9218 are not contiguous meridians.
 */
export const RECOGNISED_CRS: KnownCrs[] = [
  { srid: 4326, name: 'WGS 84', datum: 'wgs84' },
  { srid: 4756, name: 'VN-2000', datum: 'vn2000' },
  { srid: 9210, name: 'VN-2000 / TM-3 105-45', datum: 'vn2000', tm: tm(105.75, 0.9999) },
  { srid: 9205, name: 'VN-2000 / TM-3 103-00', datum: 'vn2000', tm: tm(103, 0.9999) },
  { srid: 9206, name: 'VN-2000 / TM-3 104-00', datum: 'vn2000', tm: tm(104, 0.9999) },
  { srid: 9207, name: 'VN-2000 / TM-3 104-30', datum: 'vn2000', tm: tm(104.5, 0.9999) },
  { srid: 9208, name: 'VN-2000 / TM-3 104-45', datum: 'vn2000', tm: tm(104.75, 0.9999) },
  { srid: 9209, name: 'VN-2000 / TM-3 105-30', datum: 'vn2000', tm: tm(105.5, 0.9999) },
  { srid: 9211, name: 'VN-2000 / TM-3 106-00', datum: 'vn2000', tm: tm(106, 0.9999) },
  { srid: 9212, name: 'VN-2000 / TM-3 106-15', datum: 'vn2000', tm: tm(106.25, 0.9999) },
  { srid: 9213, name: 'VN-2000 / TM-3 106-30', datum: 'vn2000', tm: tm(106.5, 0.9999) },
  { srid: 9214, name: 'VN-2000 / TM-3 107-00', datum: 'vn2000', tm: tm(107, 0.9999) },
  { srid: 9215, name: 'VN-2000 / TM-3 107-15', datum: 'vn2000', tm: tm(107.25, 0.9999) },
  { srid: 9216, name: 'VN-2000 / TM-3 107-30', datum: 'vn2000', tm: tm(107.5, 0.9999) },
  { srid: 9217, name: 'VN-2000 / TM-3 108-15', datum: 'vn2000', tm: tm(108.25, 0.9999) },
  { srid: 9218, name: 'VN-2000 / TM-3 108-30', datum: 'vn2000', tm: tm(108.5, 0.9999) },
  { srid: 5896, name: 'VN-2000 / TM-3 zone 481', datum: 'vn2000', tm: tm(102, 0.9999) },
  { srid: 5897, name: 'VN-2000 / TM-3 zone 482', datum: 'vn2000', tm: tm(105, 0.9999) },
  { srid: 5898, name: 'VN-2000 / TM-3 zone 491', datum: 'vn2000', tm: tm(108, 0.9999) },
  { srid: 5899, name: 'VN-2000 / TM-3 107-45', datum: 'vn2000', tm: tm(107.75, 0.9999) },
  { srid: 3405, name: 'VN-2000 / UTM zone 48N', datum: 'vn2000', tm: tm(105, 0.9996) },
  { srid: 3406, name: 'VN-2000 / UTM zone 49N', datum: 'vn2000', tm: tm(111, 0.9996) },
  { srid: 32648, name: 'WGS 84 / UTM zone 48N', datum: 'wgs84', tm: tm(105, 0.9996) },
  { srid: 32649, name: 'WGS 84 / UTM zone 49N', datum: 'wgs84', tm: tm(111, 0.9996) },
];

const bySrid = new Map(RECOGNISED_CRS.map((c) => [c.srid, c]));
export const knownCrs = (srid: number): KnownCrs | undefined => bySrid.get(srid);

/** VN-2000 → WGS 84 (Decision 05/2007/QĐ-BTNMT), rotations in the proj4 (position vector) sign convention. */
export const VN2000_TOWGS84 = '-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278';

/** The proj4 definition PROJ gives for a recognised CRS (for spatial_ref_sys rows PostGIS lacks). */
export function proj4Of(c: KnownCrs): string {
  const datum = c.datum === 'wgs84' ? '+datum=WGS84' : `+ellps=WGS84 +towgs84=${VN2000_TOWGS84}`;
  if (!c.tm) return `+proj=longlat ${datum} +no_defs`;
  return `+proj=tmerc +lat_0=0 +lon_0=${c.tm.lon0} +k=${c.tm.k} +x_0=${c.tm.fe} +y_0=${c.tm.fn} ${datum} +units=m +no_defs`;
}

// --- Transverse Mercator, forward only, on the WGS 84 ellipsoid (which VN-2000 uses too) ---------------------
// Snyder, Map Projections: A Working Manual (USGS PP 1395), eq. 8-9 and 8-10: centimetres within a few degrees of
// the central meridian, far more than deciding which CRS a bbox is in needs.

const A = 6378137;
const F = 1 / 298.257223563;
const E2 = F * (2 - F);
const EP2 = E2 / (1 - E2);

function meridianArc(phi: number): number {
  const e4 = E2 * E2;
  const e6 = e4 * E2;
  return A * ((1 - E2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * phi
    - ((3 * E2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * phi)
    + ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * phi)
    - ((35 * e6) / 3072) * Math.sin(6 * phi));
}

export function transverseMercator(lon: number, lat: number, p: { lon0: number; k: number; fe: number; fn: number }): [number, number] {
  const phi = (lat * Math.PI) / 180;
  const sin = Math.sin(phi);
  const cos = Math.cos(phi);
  const tan = Math.tan(phi);
  const n = A / Math.sqrt(1 - E2 * sin * sin);
  const t = tan * tan;
  const c = EP2 * cos * cos;
  const a = cos * (((lon - p.lon0) * Math.PI) / 180);
  const x = p.k * n * (a + ((1 - t + c) * a ** 3) / 6 + ((5 - 18 * t + t * t + 72 * c - 58 * EP2) * a ** 5) / 120);
  const y = p.k * (meridianArc(phi) + n * tan * ((a * a) / 2 + ((5 - t + 9 * c + 4 * c * c) * a ** 4) / 24
    + ((61 - 58 * t + t * t + 600 * c - 330 * EP2) * a ** 6) / 720));
  return [x + p.fe, y + p.fn];
}

// --- Where Cao Bằng is in each CRS ---------------------------------------------------------------------------

/** The province, WGS 84, padded (DESIGN.md: lon 105.27–106.84, lat 22.35–23.12). */
export const PROVINCE_LONLAT: Bbox = [105.25, 22.3, 106.85, 23.15];
/** Northern Vietnam and its borders: data that reaches beyond the province but is still plausibly ours. */
const REGION_LONLAT: Bbox = [102, 20, 110, 24.5];

/** A lon/lat box in a CRS: the box of its projected outline, padded by `padMetres` (datum shift, rounding). */
function boxIn(c: KnownCrs, ll: Bbox, padMetres: number): Bbox {
  if (!c.tm) {
    const pad = padMetres / 111_000;
    return [ll[0] - pad, ll[1] - pad, ll[2] + pad, ll[3] + pad];
  }
  const out: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const steps = 16;
  for (let i = 0; i <= steps; i++) {
    for (const [lon, lat] of [
      [ll[0] + ((ll[2] - ll[0]) * i) / steps, ll[1]],
      [ll[0] + ((ll[2] - ll[0]) * i) / steps, ll[3]],
      [ll[0], ll[1] + ((ll[3] - ll[1]) * i) / steps],
      [ll[2], ll[1] + ((ll[3] - ll[1]) * i) / steps],
    ] as [number, number][]) {
      const [x, y] = transverseMercator(lon, lat, c.tm);
      out[0] = Math.min(out[0], x);
      out[1] = Math.min(out[1], y);
      out[2] = Math.max(out[2], x);
      out[3] = Math.max(out[3], y);
    }
  }
  return [out[0] - padMetres, out[1] - padMetres, out[2] + padMetres, out[3] + padMetres];
}

export function provinceBoxIn(srid: number): Bbox | null {
  const c = bySrid.get(srid);
  return c ? boxIn(c, PROVINCE_LONLAT, 1_000) : null;
}

const within = (b: Bbox, box: Bbox) => b[0] >= box[0] && b[1] >= box[1] && b[2] <= box[2] && b[3] <= box[3];
const swap = (b: Bbox): Bbox => [b[1], b[0], b[3], b[2]];

type Fit = 'province' | 'region' | 'valid' | 'invalid';

function fitOf(c: KnownCrs, b: Bbox): Fit {
  if (within(b, boxIn(c, PROVINCE_LONLAT, 1_000))) return 'province';
  if (within(b, boxIn(c, REGION_LONLAT, 5_000))) return 'region';
  const valid = c.tm ? within(b, [-2_000_000, -10_000_000, 3_000_000, 10_000_000]) : within(b, [-180, -90, 180, 90]);
  return valid ? 'valid' : 'invalid';
}

// What the coordinates alone can tell, in order of preference. Cao Bằng in VN-2000 / TM-3 105°45′ (EPSG:9210):
// easting ≈ 448 000–614 000, northing ≈ 2 466 000–2 562 000 (padded box, provinceBoxIn). In VN-2000 / UTM 48N
// (EPSG:3405, meridian 105°, k = 0.9996) the same ground has easting ≈ 525 000–692 000, because the province lies 0.27°–1.84° east of 105°
// instead of 0.48° west to 1.09° east of 105.75°; northings differ by only ~0.03 % (≈ 750 m) and cannot tell them
// apart. So eastings below ≈ 525 000 can only be TM-3 105°45′, above ≈ 614 000 only UTM 48N, and a dataset wholly in
// between fits both: we then pick 9210 (the province's own projection) at lower confidence and say so. WGS 84 / UTM
// 48N and VN-2000 / TM-3 105° (5897) are within a few hundred metres of 3405 and cannot be told from it either; 4326
// and 4756 differ by ~0.002°. The user confirms every CRS that came from coordinates.
const INFERENCE_ORDER = [4326, 9210, 3405, 3406];

interface Inference {
  crs: KnownCrs;
  swapXY: boolean;
  tier: 'province' | 'region';
  alsoFits: KnownCrs[];
}

function inferFromCoordinates(b: Bbox): Inference | null {
  for (const tier of ['province', 'region'] as const) {
    for (const swapped of [false, true]) {
      const box = swapped ? swap(b) : b;
      const fits = INFERENCE_ORDER.map((s) => bySrid.get(s) as KnownCrs).filter((c) => fitOf(c, box) === tier);
      if (fits.length > 0) {
        return { crs: fits[0] as KnownCrs, swapXY: swapped, tier, alsoFits: fits.slice(1) };
      }
    }
  }
  return null;
}

// --- Reading a .prj ------------------------------------------------------------------------------------------

interface WktNode {
  keyword: string;
  args: (string | number | WktNode)[];
}

class WktSyntaxError extends Error {}

export function parseWkt(text: string): WktNode {
  const tokens = text.match(/"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[[\](),]|\S/g) ?? [];
  let i = 0;
  const node = (depth: number): WktNode => {
    if (depth > 32) throw new WktSyntaxError('nested too deeply');
    const keyword = tokens[i++];
    if (!keyword || !/^[A-Za-z_]/.test(keyword)) throw new WktSyntaxError('expected a keyword');
    const open = tokens[i++];
    if (open !== '[' && open !== '(') throw new WktSyntaxError(`expected [ after ${keyword}`);
    const args: WktNode['args'] = [];
    for (;;) {
      const t = tokens[i];
      if (t === undefined) throw new WktSyntaxError('unexpected end');
      if (t === ']' || t === ')') {
        i++;
        break;
      }
      if (t === ',') {
        i++;
        continue;
      }
      if (t.startsWith('"')) {
        args.push(t.slice(1, -1).replace(/""/g, '"'));
        i++;
      } else if (/^[-+.\d]/.test(t)) {
        args.push(Number(t));
        i++;
      } else if (tokens[i + 1] === '[' || tokens[i + 1] === '(') {
        args.push(node(depth + 1));
      } else {
        args.push(t); // enumerations such as AXIS["Easting",EAST]
        i++;
      }
    }
    return { keyword: keyword.toUpperCase(), args };
  };
  const root = node(0);
  if (i !== tokens.length) throw new WktSyntaxError('text after the definition');
  return root;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const children = (n: WktNode, ...keywords: string[]) =>
  n.args.filter((a): a is WktNode => typeof a === 'object' && keywords.includes(a.keyword));
const child = (n: WktNode, ...keywords: string[]) => children(n, ...keywords)[0];
const allNodes = (n: WktNode): WktNode[] => [n, ...n.args.flatMap((a) => (typeof a === 'object' ? allNodes(a) : []))];

export interface PrjDescription {
  /** An EPSG code the .prj states for the whole CRS. */
  epsg?: number;
  /** What its parameters match in RECOGNISED_CRS. */
  recognised?: KnownCrs;
  /** For people: what the .prj describes. */
  summary: string;
}

const PARAMETER_NAMES: Record<string, 'lon0' | 'k' | 'fe' | 'fn' | 'lat0'> = {
  centralmeridian: 'lon0', longitudeofnaturalorigin: 'lon0', longitudeoforigin: 'lon0', longitudeofcenter: 'lon0',
  scalefactor: 'k', scalefactoratnaturalorigin: 'k', scalefactoratcentralmeridian: 'k',
  falseeasting: 'fe', falsenorthing: 'fn',
  latitudeoforigin: 'lat0', latitudeofnaturalorigin: 'lat0', latitudeofcenter: 'lat0',
};

export function describePrj(text: string): PrjDescription {
  const t = text.replace(/^\uFEFF/, '').trim();
  const bare = /^(?:EPSG|urn:ogc:def:crs:EPSG:[\d.]*):(\d+)$/i.exec(t);
  if (bare) return { epsg: Number(bare[1]), recognised: bySrid.get(Number(bare[1])), summary: `EPSG:${bare[1]}` };
  let root: WktNode;
  try {
    root = parseWkt(t);
  } catch (e) {
    return { summary: `a .prj that is not readable WKT (${(e as Error).message})` };
  }
  const name = typeof root.args[0] === 'string' ? root.args[0] : root.keyword;
  const authority = child(root, 'AUTHORITY', 'ID');
  const epsg = authority && typeof authority.args[0] === 'string' && authority.args[0].toUpperCase() === 'EPSG'
    ? Number(authority.args[1])
    : undefined;
  if (epsg !== undefined && Number.isInteger(epsg)) return { epsg, recognised: bySrid.get(epsg), summary: `"${name}" (EPSG:${epsg})` };

  const nodes = allNodes(root);
  const names = nodes.filter((n) => ['DATUM', 'GEOGCS', 'GEOGCRS', 'BASEGEOGCRS', 'GEODCRS'].includes(n.keyword))
    .map((n) => norm(String(n.args[0] ?? '')));
  const towgs = nodes.find((n) => n.keyword === 'TOWGS84');
  const datum = names.some((n) => n.includes('vietnam2000') || n.includes('vn2000')) || (towgs && Math.abs(Number(towgs.args[0]) + 191.904) < 0.01)
    ? 'vn2000'
    : names.some((n) => n.includes('wgs84') || n.includes('wgs1984')) && !towgs ? 'wgs84' : null;
  const isProjected = ['PROJCS', 'PROJCRS', 'PROJECTEDCRS'].includes(root.keyword);
  const summary = `"${name}"`;
  if (!datum) return { summary };
  if (!isProjected) {
    return { recognised: bySrid.get(datum === 'vn2000' ? 4756 : 4326), summary };
  }
  const method = nodes.find((n) => n.keyword === 'PROJECTION' || n.keyword === 'METHOD');
  const methodName = norm(String(method?.args[0] ?? ''));
  if (methodName !== 'transversemercator' && methodName !== 'gausskruger') return { summary };
  const params: Partial<Record<'lon0' | 'k' | 'fe' | 'fn' | 'lat0', number>> = {};
  for (const p of nodes.filter((n) => n.keyword === 'PARAMETER')) {
    const key = PARAMETER_NAMES[norm(String(p.args[0] ?? ''))];
    if (key && typeof p.args[1] === 'number') params[key] = p.args[1];
  }
  // A projected CRS in feet or any other unit is not one of ours.
  const unit = child(root, 'UNIT', 'LENGTHUNIT');
  if (unit && typeof unit.args[1] === 'number' && Math.abs(unit.args[1] - 1) > 1e-9) return { summary };
  const match = RECOGNISED_CRS.find((c) => c.datum === datum && c.tm
    && Math.abs(c.tm.lon0 - (params.lon0 ?? NaN)) < 1e-6 && Math.abs(c.tm.k - (params.k ?? 1)) < 1e-7
    && Math.abs(c.tm.fe - (params.fe ?? 0)) < 1e-3 && Math.abs(c.tm.fn - (params.fn ?? 0)) < 1e-3 && Math.abs(params.lat0 ?? 0) < 1e-9);
  const detail = `Transverse Mercator, meridian ${params.lon0}, scale ${params.k}, false easting ${params.fe}`;
  return { recognised: match, summary: `${summary} (${datum === 'vn2000' ? 'VN-2000' : 'WGS 84'}, ${detail})` };
}

// --- Putting it together -------------------------------------------------------------------------------------

export interface CrsInput {
  /** The .prj text, if any. */
  prjText?: string;
  /** A CRS the file itself names by code (GeoJSON `crs` member). */
  declaredSrid?: number;
  /** What the format means when nothing is said (GeoJSON: 4326). */
  defaultSrid?: number;
  /** Coordinates' extent as in the file (x = first ordinate). */
  bbox: Bbox | null;
}

const label = (c: KnownCrs) => `${c.name} (EPSG:${c.srid})`;
const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US').replace(/,/g, ' ') : String(Math.round(n * 1e6) / 1e6));
const describeBbox = (b: Bbox) => `x ${fmt(b[0])}–${fmt(b[2])}, y ${fmt(b[1])}–${fmt(b[3])}`;

function fromInference(inf: Inference, lead: string, b: Bbox, extra = 1): CrsGuess {
  const place = inf.tier === 'province' ? 'inside Cao Bằng' : 'in northern Vietnam (not all inside Cao Bằng)';
  let evidence = `${lead}; the coordinates (${describeBbox(b)}) lie ${place} in ${label(inf.crs)}`;
  if (inf.swapXY) evidence += ' once X and Y are swapped (the first column holds northings)';
  if (inf.alsoFits.length > 0) evidence += `; they would also fit ${inf.alsoFits.map(label).join(', ')}`;
  evidence += '. Please confirm.';
  const base = inf.tier === 'region' ? 0.3 : inf.alsoFits.length > 0 ? 0.5 : inf.crs.tm ? 0.7 : 0.8;
  return { srid: inf.crs.srid, confidence: base * extra, evidence, source: 'coordinates', needsConfirmation: true, swapXY: inf.swapXY };
}

export function guessCrs(input: CrsInput): CrsGuess {
  const b = input.bbox && input.bbox.every(Number.isFinite) ? input.bbox : null;
  const prjText = input.prjText?.trim() ? input.prjText : undefined;
  const withPrj = (g: CrsGuess): CrsGuess => (prjText ? { ...g, prjText } : g);

  let declared: { srid: number; crs?: KnownCrs; source: 'prj-epsg' | 'prj-wkt'; what: string } | null = null;
  let unrecognised: string | null = null;
  if (input.declaredSrid !== undefined) {
    declared = { srid: input.declaredSrid, crs: bySrid.get(input.declaredSrid), source: 'prj-epsg', what: `The file's crs member says EPSG:${input.declaredSrid}` };
  } else if (prjText) {
    const d = describePrj(prjText);
    if (d.epsg !== undefined) declared = { srid: d.epsg, crs: d.recognised, source: 'prj-epsg', what: `The .prj says ${d.summary}` };
    else if (d.recognised) declared = { srid: d.recognised.srid, crs: d.recognised, source: 'prj-wkt', what: `The .prj describes ${d.summary}, which is ${label(d.recognised)}` };
    else unrecognised = `The .prj describes ${d.summary}, which matches no coordinate system we recognise`;
  }

  if (declared) {
    const strong = declared.source === 'prj-epsg' ? 0.99 : 0.95;
    if (!b) {
      return withPrj({ srid: declared.srid, confidence: strong - 0.1, evidence: `${declared.what}; there are no coordinates to check it against.`, source: declared.source, needsConfirmation: false, swapXY: false });
    }
    if (!declared.crs) {
      // An EPSG code we have no parameters for: trust it, PostGIS knows it or the preview will say so.
      return withPrj({ srid: declared.srid, confidence: 0.8, evidence: `${declared.what}.`, source: declared.source, needsConfirmation: false, swapXY: false });
    }
    const fit = fitOf(declared.crs, b);
    if (fit === 'province') {
      return withPrj({ srid: declared.srid, confidence: strong, evidence: `${declared.what}, and in it the coordinates (${describeBbox(b)}) lie inside Cao Bằng.`, source: declared.source, needsConfirmation: false, swapXY: false });
    }
    if (fitOf(declared.crs, swap(b)) === 'province') {
      return withPrj({ srid: declared.srid, confidence: 0.8, evidence: `${declared.what}; the coordinates (${describeBbox(b)}) lie inside Cao Bằng in it once X and Y are swapped (the first column holds northings). Please confirm.`, source: declared.source, needsConfirmation: true, swapXY: true });
    }
    const inf = inferFromCoordinates(b);
    if (inf && inf.tier === 'province' && inf.crs.srid !== declared.srid) {
      const why = fit === 'invalid' ? 'the coordinates are impossible in it' : 'in it the coordinates lie outside Cao Bằng';
      return withPrj(fromInference(inf, `${declared.what}, but ${why}`, b, 0.9));
    }
    if (fit === 'region' || fit === 'valid') {
      const where = fit === 'region' ? 'in northern Vietnam but not all inside Cao Bằng' : 'outside Cao Bằng';
      return withPrj({ srid: declared.srid, confidence: fit === 'region' ? strong - 0.05 : 0.7, evidence: `${declared.what}; in it the coordinates (${describeBbox(b)}) lie ${where}.`, source: declared.source, needsConfirmation: false, swapXY: false });
    }
    if (inf) return withPrj(fromInference(inf, `${declared.what}, but the coordinates are impossible in it`, b, 0.9));
    return withPrj({ srid: null, confidence: 0, evidence: `${declared.what}, but the coordinates (${describeBbox(b)}) are impossible in it and fit no coordinate system we know. Please choose one.`, source: declared.source, needsConfirmation: true, swapXY: false });
  }

  const lead = unrecognised ?? 'No .prj';
  if (!b) {
    if (input.defaultSrid !== undefined && !unrecognised) {
      return withPrj({ srid: input.defaultSrid, confidence: 0.8, evidence: `No crs member: GeoJSON is EPSG:${input.defaultSrid} unless it says otherwise; there are no coordinates to check.`, source: 'default', needsConfirmation: false, swapXY: false });
    }
    return withPrj({ srid: null, confidence: 0, evidence: `${lead}, and no coordinates to infer one from. Please choose one.`, source: 'default', needsConfirmation: true, swapXY: false });
  }
  if (input.defaultSrid !== undefined && !unrecognised) {
    const def = bySrid.get(input.defaultSrid);
    if (def && fitOf(def, b) === 'province') {
      return { srid: input.defaultSrid, confidence: 0.95, evidence: `No crs member, so ${label(def)} as GeoJSON requires, and in it the coordinates (${describeBbox(b)}) lie inside Cao Bằng.`, source: 'default', needsConfirmation: false, swapXY: false };
    }
  }
  const inf = inferFromCoordinates(b);
  if (inf) return withPrj(fromInference(inf, input.defaultSrid !== undefined && !unrecognised ? 'No crs member' : lead, b));
  if (input.defaultSrid !== undefined && !unrecognised) {
    const def = bySrid.get(input.defaultSrid);
    if (def && fitOf(def, b) === 'valid') {
      return { srid: input.defaultSrid, confidence: 0.7, evidence: `No crs member, so ${label(def)} as GeoJSON requires; the coordinates (${describeBbox(b)}) lie outside Cao Bằng.`, source: 'default', needsConfirmation: false, swapXY: false };
    }
  }
  return withPrj({ srid: null, confidence: 0, evidence: `${lead}, and the coordinates (${describeBbox(b)}) fit no coordinate system we know around Cao Bằng. Please choose one.`, source: 'default', needsConfirmation: true, swapXY: false });
}
