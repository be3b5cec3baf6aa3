// The change history's periods (GET /api/layers/:id/changes returns only days or months with changes) laid out as
// a continuous time axis for the chart: quiet periods between two busy ones are bars of height zero, so the gaps
// in the chart are gaps in time.

export type Interval = 'day' | 'month';

export interface PeriodCounts {
  period: string;
  inserted: number;
  updated: number;
  deleted: number;
}

function parse(period: string, interval: Interval): number {
  const [y, m, d] = period.split('-').map(Number);
  return Date.UTC(y!, (m ?? 1) - 1, interval === 'day' ? (d ?? 1) : 1);
}

function label(time: number, interval: Interval): string {
  const iso = new Date(time).toISOString();
  return interval === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

function previous(time: number, interval: Interval): number {
  const d = new Date(time);
  if (interval === 'day') d.setUTCDate(d.getUTCDate() - 1);
  else d.setUTCMonth(d.getUTCMonth() - 1);
  return d.getTime();
}

/**
 * Every period from the first to the last given (in order, empty ones as zeros), at most the latest `max` of them.
 * Periods are 'YYYY-MM-DD' (day) or 'YYYY-MM' (month) calendar labels: worked out in UTC, which has no daylight
 * saving to skip or repeat a day.
 */
export function continuousPeriods(periods: PeriodCounts[], interval: Interval, max: number): PeriodCounts[] {
  if (periods.length === 0 || max < 1) return [];
  const byLabel = new Map(periods.map((p) => [p.period, p]));
  const times = periods.map((p) => parse(p.period, interval));
  const first = Math.min(...times);
  const out: PeriodCounts[] = [];
  for (let time = Math.max(...times); time >= first && out.length < max; time = previous(time, interval)) {
    const key = label(time, interval);
    const p = byLabel.get(key);
    out.push(p ? { period: key, inserted: p.inserted, updated: p.updated, deleted: p.deleted } : { period: key, inserted: 0, updated: 0, deleted: 0 });
  }
  return out.reverse();
}

/** '2024-03-02' → '02/03/2024', '2024-03' → '03/2024': how dates read in Vietnam. */
export function periodLabel(period: string): string {
  const [y, m, d] = period.split('-');
  return d ? `${d}/${m}/${y}` : `${m}/${y}`;
}
