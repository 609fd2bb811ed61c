// Zone-aware deadline arithmetic: calendar days keep the local wall-clock time across daylight
// saving changes, hours are elapsed time, business days skip weekends.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { addBusinessDays, at, computeDue } from '../../../src/obligations/index.ts';

test('30 calendar days across the end of US daylight saving keep the wall-clock time (721 hours)', () => {
  const start = at('2026-10-20T10:00:00-07:00', 'America/Los_Angeles');
  const due = computeDue({ kind: 'days', days: 30, calendar: 'calendar', text: '' }, start, null);
  assert.equal(due.dueBy, '2026-11-19T10:00:00-08:00');
  assert.equal(DateTime.fromISO(due.dueBy ?? '').diff(start, 'hours').hours, 721);
});

test('30 calendar days across the start of US daylight saving (719 hours)', () => {
  const start = at('2026-03-01T09:00:00-05:00', 'America/New_York');
  const due = computeDue({ kind: 'days', days: 30, calendar: 'calendar', text: '' }, start, null);
  assert.equal(due.dueBy, '2026-03-31T09:00:00-04:00');
  assert.equal(DateTime.fromISO(due.dueBy ?? '').diff(start, 'hours').hours, 719);
});

test('72 hours are elapsed time across the end of EU summer time', () => {
  // EU summer time ends on 2026-10-25 at 03:00 local.
  const start = at('2026-10-24T12:00:00+02:00', 'Europe/Berlin');
  const due = computeDue({ kind: 'hours', hours: 72, text: '' }, start, null);
  assert.equal(due.dueBy, '2026-10-27T11:00:00+01:00');
  assert.equal(due.deadlineDays, 3);
});

test('a discovery time given in one zone is converted to the jurisdiction zone', () => {
  const start = at('2026-11-02T09:30:00-05:00', 'America/Los_Angeles');
  assert.equal(start.toISO({ suppressMilliseconds: true }), '2026-11-02T06:30:00-08:00');
  const late = at('2026-11-02T23:30:00-05:00', 'Pacific/Honolulu');
  assert.equal(late.toISO({ suppressMilliseconds: true }), '2026-11-02T18:30:00-10:00');
});

test('business days skip weekends', () => {
  const friday = at('2026-11-06T10:00:00-05:00', 'America/New_York');
  assert.equal(addBusinessDays(friday, 1).toISODate(), '2026-11-09');
  assert.equal(addBusinessDays(friday, 14).toISODate(), '2026-11-26');
  const due = computeDue({ kind: 'days', days: 14, calendar: 'business', text: '' }, friday, null);
  assert.ok(due.notes.some((n) => n.includes('holidays')));
});

test('deadlines tied to the individuals notice', () => {
  const start = at('2026-01-10T08:00:00-08:00', 'America/Los_Angeles');
  const ind = at('2026-02-09T08:00:00-08:00', 'America/Los_Angeles');
  assert.equal(
    computeDue({ kind: 'after_individuals', days: 15, text: '' }, start, ind).dueBy,
    '2026-02-24T08:00:00-08:00',
  );
  assert.equal(computeDue({ kind: 'before_individuals', text: '' }, start, ind).dueBy, '2026-02-09T08:00:00-08:00');
  assert.equal(computeDue({ kind: 'after_individuals', days: 15, text: '' }, start, null).dueBy, null);
  assert.equal(computeDue({ kind: 'without_unreasonable_delay', text: 'x' }, start, null).dueBy, null);
});
