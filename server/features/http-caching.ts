// Conditional GET for feature responses: weak ETags (the body carries a timeStamp, so bytes differ while the
// data is the same) and If-None-Match.
import { createHash } from 'node:crypto';

/** A short stable digest of what a response depends on, for an ETag. */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}

export const weakEtag = (opaque: string) => `W/"${opaque.replace(/["\\]/g, '')}"`;

/** If-None-Match: `*` or a list of (weak or strong) tags; compared weakly, as RFC 9110 wants for GET. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  const wanted = bare(etag);
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === wanted);
}
