// Zone-aware deadline arithmetic with luxon. Calendar days keep the wall-clock time in the
// jurisdiction's zone (so 30 days across a DST change is 719 or 721 hours); hours are elapsed
// time; business days skip Saturdays and Sundays (public holidays are not known, and a note
// says so).

import { DateTime } from 'luxon';
import type { Deadline } from './schema.ts';

export interface Due {
  /** ISO date-time with offset, or null when the law sets no fixed time. */
  dueBy: string | null;
  dueText: string;
  deadlineDays: number | null;
  notes: string[];
}

/** Parses an ISO date-time keeping its own offset, then moves it to `zone` (or keeps it). */
export function at(iso: string, zone: string | null): DateTime {
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) throw new Error(`invalid date-time: ${iso}`);
  return zone === null ? t : t.setZone(zone);
}

export function addBusinessDays(start: DateTime, days: number): DateTime {
  let t = start;
  let left = days;
  while (left > 0) {
    t = t.plus({ days: 1 });
    if (t.weekday <= 5) left -= 1;
  }
  return t;
}

/**
 * When a notice is due, given when its clock starts (already in the jurisdiction's zone) and,
 * for notices tied to the individuals' notice, when that is due.
 */
export function computeDue(deadline: Deadline, start: DateTime, individualsDue: DateTime | null): Due {
  const iso = (t: DateTime) => t.toISO({ suppressMilliseconds: true });
  switch (deadline.kind) {
    case 'days': {
      const t =
        deadline.calendar === 'business' ? addBusinessDays(start, deadline.days) : start.plus({ days: deadline.days });
      const notes =
        deadline.calendar === 'business'
          ? ['business days counted Monday to Friday; public holidays are not taken into account, so check the date']
          : [];
      return { dueBy: iso(t), dueText: deadline.text, deadlineDays: deadline.days, notes };
    }
    case 'hours':
      return {
        dueBy: iso(start.plus({ hours: deadline.hours })),
        dueText: deadline.text,
        deadlineDays: deadline.hours / 24,
        notes: [],
      };
    case 'before_individuals':
    case 'with_individuals':
      return {
        dueBy: individualsDue === null ? null : iso(individualsDue),
        dueText: deadline.text,
        deadlineDays: null,
        notes: individualsDue === null ? [] : ['due no later than the notice to individuals'],
      };
    case 'after_individuals':
      return {
        dueBy: individualsDue === null ? null : iso(individualsDue.plus({ days: deadline.days })),
        dueText: deadline.text,
        deadlineDays: null,
        notes:
          individualsDue === null
            ? [`due ${deadline.days} days after the individuals are notified`]
            : [
                'counted from the latest date the individuals may be notified; count from the actual date of their notice',
              ],
      };
    case 'without_unreasonable_delay':
    case 'unknown':
      return { dueBy: null, dueText: deadline.text, deadlineDays: null, notes: [] };
  }
}
