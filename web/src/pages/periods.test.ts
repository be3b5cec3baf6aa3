import assert from 'node:assert/strict';
import { test } from 'node:test';
import { continuousPeriods, periodLabel } from './periods.ts';

const p = (period: string, inserted = 0, updated = 0, deleted = 0) => ({ period, inserted, updated, deleted });

test('quiet days between busy ones become zeros, across a month end and a leap day', () => {
  const out = continuousPeriods([p('2024-02-28', 5), p('2024-03-02', 0, 2, 1)], 'day', 100);
  assert.deepEqual(out.map((x) => x.period), ['2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02']);
  assert.deepEqual(out[0], p('2024-02-28', 5));
  assert.deepEqual(out[1], p('2024-02-29'));
  assert.deepEqual(out[3], p('2024-03-02', 0, 2, 1));
});

test('months across a year end; only the latest `max` periods are kept', () => {
  const out = continuousPeriods([p('2023-11', 1), p('2024-02', 3)], 'month', 3);
  assert.deepEqual(out.map((x) => [x.period, x.inserted]), [['2023-12', 0], ['2024-01', 0], ['2024-02', 3]]);
});

test('nothing in, nothing out; one period is itself', () => {
  assert.deepEqual(continuousPeriods([], 'day', 10), []);
  assert.deepEqual(continuousPeriods([p('2025-07-01', 2)], 'day', 10), [p('2025-07-01', 2)]);
});

test('labels read day/month/year', () => {
  assert.equal(periodLabel('2024-03-02'), '02/03/2024');
  assert.equal(periodLabel('2024-03'), '03/2024');
});
