import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDate, formatDateTime, formatValue } from './format.ts';

describe('value formatting', () => {
  it('writes times as dd/mm/yyyy HH:mm in Vietnam time, whatever the machine zone', () => {
    assert.equal(formatDateTime('2024-05-12T07:30:00Z'), '12/05/2024 14:30');
    assert.equal(formatDateTime('2024-12-31T18:05:00Z'), '01/01/2025 01:05');
  });

  it('writes calendar dates without shifting the day', () => {
    assert.equal(formatDate('2018-04-12'), '12/04/2018');
    assert.equal(formatValue('2018-04-12', 'date'), '12/04/2018');
  });

  it('groups numbers the Vietnamese way and says yes/no in words', () => {
    assert.equal(formatValue(1234567.5, 'number'), '1.234.567,5');
    assert.equal(formatValue('1234.25', 'number'), '1.234,25');
    assert.equal(formatValue(15000, 'integer'), '15.000');
    assert.equal(formatValue(true, 'boolean'), 'Có');
    assert.equal(formatValue(null, 'text'), '—');
    assert.equal(formatValue('Thác nước', 'text'), 'Thác nước');
  });
});
