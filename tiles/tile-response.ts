// A tile response from the parts of its layers: 204 when none has anything, 304 when the client has these bytes,
// else gzip (assembled from the cached parts) or plain MVT.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip, etagMatches, tileEtag } from './http-caching.ts';
import { compressPart, gzipOf, plainOf } from './tile-bytes.ts';
import type { RenderedPart } from './tile-service.ts';

export const MVT_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';
/** Composites and styles differ by caller (restricted layers are left out for those who may not read them). */
export const VARY_BY_CALLER = 'Accept-Encoding, Cookie, Authorization, X-API-Key';
/**
 * A tile rendered just now (not cached) and smaller than this goes uncompressed even to a client that takes gzip:
 * with its headers it is about one TCP segment on the Internet (1 460 bytes) either way, so compressing would cost
 * the request time and save the client no round trip. A cached part is sent as the gzip it is kept as.
 */
export const GZIP_FROM_BYTES = 1024;

export interface TileResponseOptions {
  cacheControl: string;
  vary?: string;
  /** Several layers: the tag covers which layers are in it, not only their bytes. */
  composite?: boolean;
}

export async function sendTile(
  request: FastifyRequest,
  reply: FastifyReply,
  parts: readonly RenderedPart[],
  options: TileResponseOptions,
): Promise<FastifyReply> {
  reply.header('cache-control', options.cacheControl).header('vary', options.vary ?? 'Accept-Encoding');
  const present = parts.filter((p) => p.size > 0);
  if (present.length === 0) return reply.status(204).send();
  const small = present.every((p) => !p.part) && present.reduce((sum, p) => sum + p.size, 0) < GZIP_FROM_BYTES;
  const gzip = !small && acceptsGzip(request.headers['accept-encoding']);
  const etag = tileEtag(options.composite ? present.map((p) => `${p.layer.id}:${p.digest}`) : present.map((p) => p.digest), gzip);
  reply.header('etag', etag);
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.status(304).send();
  reply.type(MVT_CONTENT_TYPE);
  if (gzip) {
    const compressed = await Promise.all(present.map((p) => p.part ?? compressPart(p.mvt!, p.digest)));
    return reply.header('content-encoding', 'gzip').send(gzipOf(compressed));
  }
  const plain = await Promise.all(present.map((p) => p.mvt ?? plainOf([p.part!])));
  return reply.send(plain.length === 1 ? plain[0] : Buffer.concat(plain));
}
