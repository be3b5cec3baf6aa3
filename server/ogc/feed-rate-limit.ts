// Rate limits of the standard feeds (OGC API Features and WFS): per API key or signed-in user, and per address for
// anonymous callers, counted in this node's memory over one-minute windows (server/auth/rate-limit.ts). Both
// protocols share the budgets, so a client cannot double its share by switching. Over the limit: 429 with
// Retry-After, in the protocol's own error shape (the caller throws; its error handler renders).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { RateLimiter } from '../auth/rate-limit.ts';

const WINDOW_MS = 60_000;

interface FeedLimiters {
  byAddress: RateLimiter | null;
  byKey: RateLimiter | null;
}

// One set per configuration object, i.e. per app: the OGC and WFS plugins get the same limiters.
const limiters = new WeakMap<Config, FeedLimiters>();

function limitersFor(config: Config): FeedLimiters {
  let l = limiters.get(config);
  if (!l) {
    l = {
      byAddress: config.FEED_RATE_LIMIT_PER_MINUTE > 0 ? new RateLimiter(config.FEED_RATE_LIMIT_PER_MINUTE, WINDOW_MS) : null,
      byKey: config.FEED_KEY_RATE_LIMIT_PER_MINUTE > 0 ? new RateLimiter(config.FEED_KEY_RATE_LIMIT_PER_MINUTE, WINDOW_MS) : null,
    };
    limiters.set(config, l);
  }
  return l;
}

/** Counts the request; throws a 429 (with Retry-After set) when its caller is over the limit. */
export function enforceFeedRateLimit(request: FastifyRequest, reply: FastifyReply): void {
  const l = limitersFor(request.server.config);
  const caller = request.caller;
  const id = caller.apiClientId ? `key:${caller.apiClientId}` : caller.userId ? `user:${caller.userId}` : null;
  const limiter = id ? l.byKey : l.byAddress;
  const key = id ?? `ip:${request.ip}`;
  // Asked before counting, so exactly the configured number of requests gets through in a window.
  const wait = limiter?.wait(key) ?? 0;
  if (wait === 0) limiter?.hit(key);
  if (wait > 0) {
    reply.header('retry-after', String(wait));
    throw new AppError(429, 'rate_limited',
      `Too many requests ${id ? 'with this key' : 'from this address'}; try again in ${wait} s. ` +
      'Consuming systems that need more can ask the operator for an API key.');
  }
}
