// Which encoding a request wants: `f=json|html` (GeoJSON for features), else the Accept header, where a browser's
// text/html wins and everything else (GDAL, QGIS, curl's */*) gets JSON. And which language, for titles.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

export type Encoding = 'json' | 'html';

export function requestedEncoding(request: FastifyRequest, f: string | undefined): Encoding {
  if (f !== undefined) {
    const v = f.trim().toLowerCase();
    if (v === 'json' || v === 'geojson' || v === 'application/json' || v === 'application/geo+json') return 'json';
    if (v === 'html' || v === 'text/html') return 'html';
    throw new AppError(400, 'invalid_format', `f is json or html; got '${f.slice(0, 30)}'.`);
  }
  const accept = (request.headers.accept ?? '').toLowerCase();
  const html = accept.indexOf('text/html');
  if (html < 0) return 'json';
  const json = accept.search(/application\/(?:geo\+)?json|application\/vnd\.oai\.openapi\+json|application\/schema\+json/);
  return json >= 0 && json < html ? 'json' : 'html';
}

export type Language = 'vi' | 'en';

/** Vietnamese unless the client prefers English (Accept-Language). */
export function requestedLanguage(request: FastifyRequest): Language {
  const header = (request.headers['accept-language'] ?? '').toLowerCase();
  const vi = header.search(/\bvi\b/);
  const en = header.search(/\ben\b/);
  return en >= 0 && (vi < 0 || en < vi) ? 'en' : 'vi';
}

/** The raw query string's parameters, in order and repeated as sent. */
export function queryParameters(url: string): [string, string][] {
  const i = url.indexOf('?');
  return i < 0 ? [] : [...new URLSearchParams(url.slice(i + 1))];
}
