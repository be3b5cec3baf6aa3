// What a citizen's error report may say (POST /api/reports), checked field by field with a reason a person can
// act on. A report is about a feature (layer + fid) or about a point of the map (lon/lat inside the province);
// a report on a feature may also carry the place on it the reporter clicked (clicked_lon/clicked_lat), which is
// where it is shown on the map, or a place of its own (lon/lat: "it really is here"); the category, a description and, optionally, a way to reach the reporter (an e-mail address or a phone number).
import { createHash } from 'node:crypto';
import { AppError, badRequest } from '../errors.ts';
import { layerIdPattern } from '../catalog/catalog.ts';
import { PROVINCE_BOUNDS } from '../features/validate-feature.ts';

export const reportCategories = ['wrong_position', 'wrong_attribute', 'missing_feature', 'should_not_exist', 'other'] as const;
export type ReportCategory = (typeof reportCategories)[number];

export const DESCRIPTION_MIN = 10;
export const DESCRIPTION_MAX = 2000;
export const CONTACT_MAX = 200;
/** The form's hidden field. People never see it; a bot that fills every field fills it. */
export const HONEYPOT_FIELD = 'website';

export type ReportTarget =
  | {
    kind: 'feature'; layerId: string; fid: number; lon: number | null; lat: number | null;
    /** Where on the feature's card the reporter clicked: the report is shown at the feature's point nearest to it. */
    clicked: { lon: number; lat: number } | null;
  }
  | { kind: 'point'; lon: number; lat: number; agencyCode: string | null };

export interface NewReport {
  target: ReportTarget;
  category: ReportCategory;
  description: string;
  contact: string | null;
  /** The honeypot was filled: stored, held out of every inbox, answered like any other report. */
  honeypot: boolean;
}

const known = new Set(['layer', 'fid', 'lon', 'lat', 'clicked_lon', 'clicked_lat', 'agency', 'category', 'description', 'contact', HONEYPOT_FIELD]);

function text(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest('invalid_body', `${field} must be text.`);
  // Windows-1258 keyboards and some phones send decomposed tone marks: store what a search or a person compares.
  return value.normalize('NFC').replace(/\u0000/g, '').trim();
}

function coordinate(value: unknown, field: 'lon' | 'lat' | 'clicked_lon' | 'clicked_lat'): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badRequest('invalid_location', `${field} must be a number (degrees, WGS 84).`);
  }
  return value;
}

function checkInProvince(lon: number, lat: number): void {
  const b = PROVINCE_BOUNDS;
  if (lon < b.west || lon > b.east || lat < b.south || lat > b.north) {
    throw badRequest('outside_province',
      `The point ${lon}, ${lat} is outside Cao Bằng province (lon ${b.west}–${b.east}, lat ${b.south}–${b.north}).`);
  }
}

const emailPattern = /^[^\s@<>()",;]{1,64}@[^\s@<>()",;]+\.[a-z]{2,}$/i;
// Vietnamese numbers: 0 or +84 / 84 / 0084, then 9–10 digits (mobile 9, landline with area code up to 10).
const phonePattern = /^(?:\+84|0084|84|0)[1-9][0-9]{7,9}$/;

/** An e-mail address or a phone number, as the reporter wrote it (spaces tidied), or null. */
export function parseContact(value: string | null): string | null {
  if (value === null || value === '') return null;
  const contact = value.replace(/\s+/g, ' ');
  if (contact.length > CONTACT_MAX) throw badRequest('invalid_contact', `A contact may have at most ${CONTACT_MAX} characters.`);
  if (contact.includes('@')) {
    if (!emailPattern.test(contact)) throw badRequest('invalid_contact', 'The e-mail address does not look right (name@example.vn).');
    return contact;
  }
  const digits = contact.replace(/[\s.\-()]/g, '');
  if (!phonePattern.test(digits)) {
    throw badRequest('invalid_contact', 'The contact must be an e-mail address or a Vietnamese phone number (e.g. 0912 345 678).');
  }
  return contact;
}

export function parseNewReport(body: unknown): NewReport {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('invalid_body', 'Send the report as a JSON object.');
  }
  const b = body as Record<string, unknown>;
  const unknownField = Object.keys(b).find((k) => !known.has(k));
  if (unknownField) throw badRequest('invalid_body', `Unknown field '${unknownField.slice(0, 40)}'.`);

  const category = b.category;
  if (typeof category !== 'string' || !(reportCategories as readonly string[]).includes(category)) {
    throw badRequest('invalid_category', `category must be one of ${reportCategories.join(', ')}.`);
  }
  const description = text(b.description, 'description') ?? '';
  // Counted in characters as the database counts them (an emoji is one, not two UTF-16 units).
  const length = [...description].length;
  if (length < DESCRIPTION_MIN) {
    throw badRequest('description_too_short', `Describe what is wrong in at least ${DESCRIPTION_MIN} characters.`);
  }
  if (length > DESCRIPTION_MAX) {
    throw badRequest('description_too_long', `A description may have at most ${DESCRIPTION_MAX} characters.`);
  }
  const contact = parseContact(text(b.contact, 'contact'));
  const honeypotValue = b[HONEYPOT_FIELD];
  const honeypot = honeypotValue !== undefined && honeypotValue !== null && honeypotValue !== '';

  const lon = coordinate(b.lon, 'lon');
  const lat = coordinate(b.lat, 'lat');
  if ((lon === null) !== (lat === null)) throw badRequest('invalid_location', 'Give both lon and lat, or neither.');
  if (lon !== null && lat !== null) checkInProvince(lon, lat);
  const clickedLon = coordinate(b.clicked_lon, 'clicked_lon');
  const clickedLat = coordinate(b.clicked_lat, 'clicked_lat');
  if ((clickedLon === null) !== (clickedLat === null)) {
    throw badRequest('invalid_location', 'Give both clicked_lon and clicked_lat, or neither.');
  }
  // Only a place on the globe is asked of a click: a card opened at the province's edge may be clicked just
  // outside it, and a click that is no use (far from the feature) is simply not used, never a failed report.
  if (clickedLon !== null && clickedLat !== null && (Math.abs(clickedLon) > 180 || Math.abs(clickedLat) > 90)) {
    throw badRequest('invalid_location', `The clicked place ${clickedLon}, ${clickedLat} is not a longitude and latitude (WGS 84 degrees).`);
  }
  const clicked = clickedLon !== null && clickedLat !== null ? { lon: clickedLon, lat: clickedLat } : null;

  let target: ReportTarget;
  if (b.layer !== undefined || b.fid !== undefined) {
    if (typeof b.layer !== 'string' || b.fid === undefined) {
      throw badRequest('feature_incomplete', 'A report on a feature names both its layer and its fid.');
    }
    if (!layerIdPattern.test(b.layer)) throw new AppError(404, 'layer_not_found', `Layer '${b.layer.slice(0, 80)}' does not exist or is not visible to you.`);
    if (typeof b.fid !== 'number' || !Number.isSafeInteger(b.fid) || b.fid < 1) {
      throw badRequest('invalid_fid', 'fid must be a positive whole number.');
    }
    target = { kind: 'feature', layerId: b.layer, fid: b.fid, lon, lat, clicked };
  } else {
    if (clicked) {
      throw badRequest('invalid_location', 'clicked_lon and clicked_lat say where a feature was clicked: send them with its layer and fid, or send a point as lon and lat.');
    }
    if (lon === null || lat === null) {
      throw badRequest('location_required', 'Say where: a feature (layer and fid) or a point (lon and lat).');
    }
    const agency = text(b.agency, 'agency');
    if (agency !== null && agency !== '' && !/^[a-z][a-z0-9_]{1,40}$/.test(agency)) {
      throw badRequest('unknown_agency', `There is no agency with code '${agency.slice(0, 40)}'.`);
    }
    target = { kind: 'point', lon, lat, agencyCode: agency || null };
  }
  return { target, category: category as ReportCategory, description, contact, honeypot };
}

/** What makes two descriptions "the same text": case, spacing and punctuation aside. */
export function descriptionHash(description: string): string {
  const canonical = description.normalize('NFC').toLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
  return createHash('sha256').update(canonical).digest('hex');
}
