import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TICKET_PATTERN, normalizeTicket } from './ticket.ts';

test('a ticket typed back in any reasonable way is the same ticket', () => {
  for (const typed of ['CB-7K3M-9QXA', 'cb-7k3m-9qxa', 'CB 7K3M 9QXA', '7K3M9QXA', ' cb7k3m-9qxa ', 'CB_7K3M_9QXA']) {
    assert.equal(normalizeTicket(typed), 'CB-7K3M-9QXA', typed);
  }
});

test('O, I and L are read as the digits they look like', () => {
  assert.equal(normalizeTicket('CB-O0IL-1234'), 'CB-0011-1234');
  assert.match(normalizeTicket('cb-oooo-iiii')!, TICKET_PATTERN);
});

test('anything else is not a ticket', () => {
  for (const typed of ['', 'CB-7K3M-9QX', 'CB-7K3M-9QXAA', 'CB-7K3M-9QXU', 'XX-7K3M-9QXA', '7K3M 9QX!', 'CB-7K3M-9QXA'.repeat(4), '\u0000']) {
    assert.equal(normalizeTicket(typed), null, JSON.stringify(typed));
  }
});
