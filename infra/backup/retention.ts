// Which backups to keep: the newest verified backup of each of the last N days, ISO weeks and months that have one
// (restic's and borg's --keep-daily/weekly/monthly), in Vietnam's calendar. A backup that failed its drill counts
// for nothing, is kept for inspection as long as daily backups are, and is removed only once a newer verified
// backup exists: a run of failing drills never deletes the last backups there are.

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionCandidate {
  name: string;
  takenAt: Date;
  /** Complete and its restore drill passed. */
  verified: boolean;
}

export interface RetentionPlan {
  /** Kept backups with why (e.g. ['daily', 'weekly']). */
  keep: Map<string, string[]>;
  delete: string[];
}

export const BACKUP_TIME_ZONE = 'Asia/Ho_Chi_Minh';

function localDate(d: Date, timeZone: string): { y: number; m: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { y: get('year'), m: get('month'), day: get('day') };
}

/** ISO 8601 week of a calendar date: the week belongs to the year of its Thursday. */
function isoWeek(y: number, m: number, day: number): string {
  const date = new Date(Date.UTC(y, m - 1, day));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0
  date.setUTCDate(date.getUTCDate() - weekday + 3);
  const weekYear = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(weekYear, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  const week = 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return `${weekYear}-W${String(week).padStart(2, '0')}`;
}

export function periodKeys(d: Date, timeZone = BACKUP_TIME_ZONE): { day: string; week: string; month: string } {
  const { y, m, day } = localDate(d, timeZone);
  const mm = String(m).padStart(2, '0');
  return { day: `${y}-${mm}-${String(day).padStart(2, '0')}`, week: isoWeek(y, m, day), month: `${y}-${mm}` };
}

export function planRetention(
  candidates: RetentionCandidate[], policy: RetentionPolicy, now: Date, timeZone = BACKUP_TIME_ZONE,
): RetentionPlan {
  const newestFirst = [...candidates].sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
  const keep = new Map<string, string[]>();
  const mark = (name: string, why: string) => keep.set(name, [...(keep.get(name) ?? []), why]);
  const rules: [keyof ReturnType<typeof periodKeys>, number, string][] = [
    ['day', policy.daily, 'daily'], ['week', policy.weekly, 'weekly'], ['month', policy.monthly, 'monthly'],
  ];
  for (const [period, count, why] of rules) {
    const seen = new Set<string>();
    for (const c of newestFirst) {
      if (!c.verified) continue;
      const key = periodKeys(c.takenAt, timeZone)[period];
      if (seen.has(key)) continue;
      if (seen.size >= count) break;
      seen.add(key);
      mark(c.name, why);
    }
  }
  const inspectFor = policy.daily * 86_400_000;
  const newestVerified = newestFirst.find((c) => c.verified)?.takenAt.getTime() ?? -Infinity;
  for (const c of newestFirst) {
    if (c.verified || keep.has(c.name)) continue;
    if (now.getTime() - c.takenAt.getTime() < inspectFor || c.takenAt.getTime() > newestVerified) mark(c.name, 'failed_drill_kept_for_inspection');
  }
  return { keep, delete: newestFirst.filter((c) => !keep.has(c.name)).map((c) => c.name) };
}
