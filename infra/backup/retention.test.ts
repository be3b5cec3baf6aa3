import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backupName, backupTime } from './backup.ts';
import { periodKeys, planRetention, type RetentionCandidate } from './retention.ts';

const policy = { daily: 14, weekly: 8, monthly: 12 };

/** One verified backup a day at 02:30 Vietnam time (19:30 UTC the day before), for `days` days up to `last`. */
function daily(last: Date, days: number): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (let i = 0; i < days; i++) {
    const at = new Date(last.getTime() - i * 86_400_000);
    out.push({ name: backupName(at), takenAt: at, verified: true });
  }
  return out;
}

describe('backup names', () => {
  test('are the UTC start time to the second and read back', () => {
    const at = new Date('2025-03-04T19:30:05.789Z');
    assert.equal(backupName(at), '20250304T193005Z');
    assert.equal(backupTime('20250304T193005Z').toISOString(), '2025-03-04T19:30:05.000Z');
  });
});

describe('calendar periods are Vietnam time', () => {
  test('19:30 UTC is already the next day in Cao Bằng', () => {
    assert.equal(periodKeys(new Date('2025-03-04T19:30:00Z')).day, '2025-03-05');
    assert.equal(periodKeys(new Date('2025-03-04T16:59:59Z')).day, '2025-03-04');
  });
  test('ISO weeks belong to the year of their Thursday', () => {
    assert.equal(periodKeys(new Date('2024-12-30T05:00:00Z')).week, '2025-W01');
    assert.equal(periodKeys(new Date('2021-01-03T05:00:00Z')).week, '2020-W53');
    assert.equal(periodKeys(new Date('2025-03-05T05:00:00Z')).week, '2025-W10');
  });
});

describe('retention: 14 daily, 8 weekly, 12 monthly', () => {
  const now = new Date('2025-06-30T20:00:00Z');
  const all = daily(new Date('2025-06-30T19:30:00Z'), 400);
  const plan = planRetention(all, policy, now);
  const kept = [...plan.keep.keys()].sort();

  test('keeps the last 14 days', () => {
    for (const c of all.slice(0, 14)) assert.ok(plan.keep.get(c.name)?.includes('daily'), c.name);
    assert.ok(!plan.keep.get(all[14]!.name)?.includes('daily'));
  });

  test('keeps the newest of each of the last 8 ISO weeks and 12 months', () => {
    const weekly = kept.filter((n) => plan.keep.get(n)!.includes('weekly'));
    const monthly = kept.filter((n) => plan.keep.get(n)!.includes('monthly'));
    assert.equal(weekly.length, 8);
    assert.equal(monthly.length, 12);
    assert.equal(new Set(weekly.map((n) => periodKeys(backupTime(n)).week)).size, 8);
    assert.deepEqual(monthly.map((n) => periodKeys(backupTime(n)).month),
      ['2024-08', '2024-09', '2024-10', '2024-11', '2024-12', '2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07']);
    // The newest backup of a month is its last day's, in Vietnam time: 19:30 UTC on 30 June is 1 July there.
    assert.equal(periodKeys(backupTime(monthly[0]!)).day, '2024-08-31');
    assert.equal(periodKeys(backupTime(monthly[11]!)).day, '2025-07-01');
  });

  test('deletes everything else, and keeps and deletes every backup exactly once', () => {
    assert.equal(plan.delete.length + plan.keep.size, all.length);
    assert.ok(plan.keep.size <= 14 + 8 + 12);
    assert.ok(plan.keep.size >= 14 + 12 - 1);
    for (const name of plan.delete) assert.ok(!plan.keep.has(name));
  });

  test('a backup that failed its drill is not a keeper, and goes once it is old and a newer good one exists', () => {
    const failedOld = { name: '20250501T193000Z', takenAt: backupTime('20250501T193000Z'), verified: false };
    const failedNew = { name: '20250629T203000Z', takenAt: backupTime('20250629T203000Z'), verified: false };
    const p = planRetention([...all.slice(0, 3), failedOld, failedNew], policy, now);
    assert.deepEqual(p.delete, [failedOld.name]);
    assert.deepEqual(p.keep.get(failedNew.name), ['failed_drill_kept_for_inspection']);
  });

  test('failing drills never delete the last backups there are', () => {
    const onlyFailed = daily(new Date('2025-06-30T19:30:00Z'), 60).map((c) => ({ ...c, verified: false }));
    const p = planRetention(onlyFailed, policy, now);
    assert.deepEqual(p.delete, []);
  });

  test('smaller policies keep fewer', () => {
    const p = planRetention(all, { daily: 2, weekly: 0, monthly: 1 }, now);
    assert.deepEqual([...p.keep.keys()], [all[0]!.name, all[1]!.name]);
    assert.deepEqual(p.keep.get(all[0]!.name), ['daily', 'monthly']);
  });
});
