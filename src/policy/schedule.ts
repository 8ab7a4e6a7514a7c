/**
 * Check schedules (design §3): which window rows are check days.
 *
 * A named period's check day is its last trading day in the data: row t is a check when
 * dates[t] and dates[t+1] fall in different periods. Every-n: rows start+n, start+2n, ….
 * The first window row (the initial allocation) and the last row (a trade there could only
 * pay costs) are never checks.
 */
import { dayNumber } from '../dates.js';
import type { CheckEvery, NamedSchedule } from './types.js';
import { NAMED_SCHEDULES } from './types.js';

/** Monday-based week number: equal for two dates exactly when they share an ISO week. */
export function weekIndex(iso: string): number {
  // 1970-01-01 was a Thursday; shifting by 3 days makes weeks start on Monday.
  return Math.floor((dayNumber(iso) + 3) / 7);
}

/** A key equal for two dates exactly when they share the period. */
export function periodKey(schedule: NamedSchedule, iso: string): number {
  const y = +iso.slice(0, 4);
  const m = +iso.slice(5, 7);
  switch (schedule) {
    case 'daily':
      return dayNumber(iso);
    case 'weekly':
      return weekIndex(iso);
    case 'monthly':
      return y * 12 + (m - 1);
    case 'quarterly':
      return y * 4 + Math.floor((m - 1) / 3);
    case 'yearly':
      return y;
  }
}

export function isNamedSchedule(s: unknown): s is NamedSchedule {
  return typeof s === 'string' && (NAMED_SCHEDULES as readonly string[]).includes(s);
}

export function scheduleKey(check: CheckEvery): string {
  return typeof check === 'number' ? `every-${check}` : check;
}

/** 1 on the check rows of the window start..T-1, 0 elsewhere (length T). */
export function checkMask(dates: readonly string[], start: number, check: CheckEvery): Uint8Array {
  const T = dates.length;
  const mask = new Uint8Array(T);
  if (typeof check === 'number') {
    for (let t = start + check; t < T - 1; t += check) mask[t] = 1;
    return mask;
  }
  if (check === 'daily') {
    for (let t = start + 1; t < T - 1; t++) mask[t] = 1;
    return mask;
  }
  let next = T > start + 1 ? periodKey(check, dates[start + 1]) : 0;
  for (let t = start + 1; t < T - 1; t++) {
    const cur = next;
    next = periodKey(check, dates[t + 1]);
    if (cur !== next) mask[t] = 1;
  }
  return mask;
}

/** Human text: "monthly", "every 20 periods". */
export function describeSchedule(check: CheckEvery): string {
  return typeof check === 'number' ? `every ${check} periods` : check;
}
