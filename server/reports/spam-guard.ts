// Spam is held back without puzzles for honest people: a per-address rate limit on this node, a per-address daily
// limit in the database (holds across nodes), size limits, a hidden honeypot field, and the same text from the
// same address within minutes dropped. Failed ticket lookups are limited too, so tickets cannot be guessed.
import { RateLimiter } from '../auth/rate-limit.ts';

export interface ReportLimits {
  /** Reports one address may send per window on one node. */
  perWindow: number;
  windowMs: number;
  /** Reports one address may send per 24 hours, counted in the database. */
  daily: number;
  /** The same text from the same address within this is a duplicate (a PostgreSQL interval). */
  duplicateWindow: string;
  /** Unknown tickets one address may ask for per lookup window. */
  lookupMisses: number;
  lookupWindowMs: number;
  /** Largest request body of a report, in bytes (a description of 2 000 characters is at most ~8 KB of UTF-8). */
  bodyBytes: number;
}

export const defaultReportLimits: ReportLimits = {
  perWindow: 5,
  windowMs: 10 * 60_000,
  daily: 30,
  duplicateWindow: '10 minutes',
  lookupMisses: 30,
  lookupWindowMs: 10 * 60_000,
  bodyBytes: 16 * 1024,
};

export class ReportGuard {
  readonly limits: ReportLimits;
  private readonly submissions: RateLimiter;
  private readonly misses: RateLimiter;

  constructor(limits: Partial<ReportLimits> = {}) {
    this.limits = { ...defaultReportLimits, ...limits };
    this.submissions = new RateLimiter(this.limits.perWindow, this.limits.windowMs);
    this.misses = new RateLimiter(this.limits.lookupMisses, this.limits.lookupWindowMs);
  }

  /** Counts a submission; the seconds to wait when the address is over its limit, else 0. */
  submission(address: string): number {
    const wait = this.submissions.wait(address);
    if (wait > 0) return wait;
    this.submissions.hit(address);
    return 0;
  }

  /** Seconds an address must wait before looking up tickets again (0: go on). */
  lookupWait(address: string): number {
    return this.misses.wait(address);
  }

  lookupMissed(address: string): void {
    this.misses.hit(address);
  }
}
