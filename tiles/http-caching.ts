// The HTTP side of serving tiles: content coding, entity tags, cache lifetimes.
import { createHash } from 'node:crypto';
import type { Layer } from '../server/catalog/catalog.ts';

/** Whether Accept-Encoding allows gzip: named (or `*`) with a quality above zero. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const quality = Number.isFinite(q) ? q : 0;
    if (coding.trim() === 'gzip' || coding.trim() === 'x-gzip') gzip = quality;
    else if (coding.trim() === '*') any = quality;
  }
  return (gzip ?? any ?? 0) > 0;
}

/**
 * Strong, from the tile's content (the digests of its layers' MVT bytes, in order), and different per content
 * coding: the gzip bytes and the plain bytes are two representations. A tile an edit did not change keeps its
 * tag, and two nodes that rendered the same bytes give the same tag.
 */
export function tileEtag(digests: readonly string[], gzip: boolean): string {
  const digest = digests.length === 1 ? digests[0]! : createHash('sha1').update(digests.join('\n')).digest('base64url');
  return `"${digest.slice(0, 27)}${gzip ? '-gz' : ''}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored, `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const wanted = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === wanted;
  });
}

/**
 * Public layers may sit in shared caches for a minute. Restricted ones must not be stored by shared caches and
 * are revalidated on every use, so a reader whose access was withdrawn gets nothing more from the browser cache.
 */
export function cacheControl(layer: Pick<Layer, 'visibility'>): string {
  return layer.visibility === 'public' ? 'public, max-age=60' : 'private, max-age=0, must-revalidate';
}
