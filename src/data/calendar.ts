/**
 * Calendar helpers of the data edge (design §2): ISO date validation, the median gap and the
 * periods-per-year detection. Pure functions over `YYYY-MM-DD` strings; day arithmetic is
 * src/dates.ts's (the one date implementation; check-schedule periods are policy/schedule.ts's).
 */

import { medianSorted } from 'simple-statistics';
import { dayNumber, daysInMonth, isoWeekdayOfDay } from '../dates.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Why `s` is not a valid ISO calendar date, or `null` when it is one.
 * The reason is a phrase to embed in an error message, e.g.
 * `"2021-02-30" is not a real date (February 2021 has 28 days)`.
 */
export function isoDateProblem(s: string): string | null {
  const m = ISO_DATE.exec(s);
  if (!m) return `${shortJson(s)} is not an ISO date YYYY-MM-DD`;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year === 0)
    return `${shortJson(s)} has year 0000, a placeholder (databases write it for "no date"; the calendar has no year 0): remove the row or give its real date`;
  if (month < 1 || month > 12) return `${JSON.stringify(s)} is not a real date (month ${m[2]} does not exist)`;
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) {
    return `${JSON.stringify(s)} is not a real date (${MONTH_NAMES[month - 1]} ${m[1]} has ${dim} days)`;
  }
  return null;
}

/** JSON-quoted, cut for an error message (a "date" may be a megabyte of garbage). */
function shortJson(s: string): string {
  const q = JSON.stringify(s);
  return q.length <= 40 ? q : `${q.slice(0, 30)}…" (${s.length} chars)`;
}

/** True when `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  return isoDateProblem(s) === null;
}

/** ISO weekday of a `YYYY-MM-DD` date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return isoWeekdayOfDay(dayNumber(date));
}

/** Median of the gaps, in calendar days, between consecutive sorted dates (NaN for < 2 dates). */
export function medianGapDays(dates: readonly string[]): number {
  if (dates.length < 2) return NaN;
  const gaps = new Float64Array(dates.length - 1);
  let prev = dayNumber(dates[0]);
  for (let t = 1; t < dates.length; t++) {
    const d = dayNumber(dates[t]);
    gaps[t - 1] = d - prev;
    prev = d;
  }
  gaps.sort();
  // gaps are whole days: the type-7 median equals the mean of the two middle values exactly
  return medianSorted(gaps as unknown as readonly number[]); // reads only .length and indices
}

/**
 * The share of dates that fall on a Saturday or Sunday must reach this, for each of the two
 * days, before daily data counts as trading every day (24/7 data has 1/7 ≈ 14% of each). A
 * stray weekend session (a special Saturday or Diwali session) or the NYSE's pre-1952 Saturday
 * trading (Saturdays only) then does not turn a trading-day calendar into 365 periods a year.
 */
export const WEEKEND_SHARE = 0.05;

/** Result of periods-per-year detection. */
export interface PeriodsPerYear {
  periodsPerYear: number;
  /** e.g. "median gap 1 day, weekend dates present (Sat 14.3%, Sun 14.3%) → 365". */
  reason: string;
  /** NaN when there are fewer than two dates. */
  medianGapDays: number;
}

/**
 * Periods per year from the median gap between consecutive sorted dates (design §2):
 * ≤ 3 days → daily (365 when Saturdays and Sundays each make up at least 5% of the dates,
 * else 252); ≤ 10 → 52; ≤ 45 → 12; ≤ 135 → 4; longer → 1. `override` (a positive number)
 * wins, and the reason says so and what would have been detected.
 */
export function detectPeriodsPerYear(dates: readonly string[], override?: number): PeriodsPerYear {
  const gap = medianGapDays(dates);
  const detected = classifyGap(dates, gap);
  if (override !== undefined) {
    return {
      periodsPerYear: override,
      reason: `set to ${override} by the periodsPerYear option (detected: ${detected.reason})`,
      medianGapDays: gap,
    };
  }
  return { ...detected, medianGapDays: gap };
}

function classifyGap(dates: readonly string[], gap: number): { periodsPerYear: number; reason: string } {
  if (Number.isNaN(gap)) return { periodsPerYear: NaN, reason: 'fewer than two dates, no gap to measure' };
  const g = `median gap ${formatGap(gap)}`;
  if (gap <= 3) {
    const { sat, sun } = weekendShares(dates);
    const shares = `Sat ${pct(sat)}, Sun ${pct(sun)} of dates`;
    if (sat >= WEEKEND_SHARE && sun >= WEEKEND_SHARE) {
      return { periodsPerYear: 365, reason: `${g}, weekend dates present (${shares}) → 365` };
    }
    if (sat === 0 && sun === 0) return { periodsPerYear: 252, reason: `${g}, no weekend dates → 252` };
    return { periodsPerYear: 252, reason: `${g}, too few weekend dates for 24/7 data (${shares}) → 252` };
  }
  if (gap <= 10) return { periodsPerYear: 52, reason: `${g} → 52` };
  if (gap <= 45) return { periodsPerYear: 12, reason: `${g} → 12` };
  if (gap <= 135) return { periodsPerYear: 4, reason: `${g} → 4` };
  return { periodsPerYear: 1, reason: `${g} → 1` };
}

function weekendShares(dates: readonly string[]): { sat: number; sun: number } {
  let sat = 0;
  let sun = 0;
  for (const d of dates) {
    const wd = isoWeekday(d);
    if (wd === 6) sat++;
    else if (wd === 7) sun++;
  }
  return { sat: sat / dates.length, sun: sun / dates.length };
}

function formatGap(gap: number): string {
  return `${gap} ${gap === 1 ? 'day' : 'days'}`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Measured density of a date list: rows per calendar year over its span (first to last date). */
export interface RowsPerYear {
  /** (rows − 1) / span in years of 365.25 days; NaN for fewer than two dates. */
  rowsPerCalendarYear: number;
  /** (last − first) in days / 365.25. */
  calendarYears: number;
}

export function rowsPerCalendarYear(dates: readonly string[]): RowsPerYear {
  if (dates.length < 2) return { rowsPerCalendarYear: NaN, calendarYears: 0 };
  const days = dayNumber(dates[dates.length - 1]) - dayNumber(dates[0]);
  const calendarYears = days / 365.25;
  return { rowsPerCalendarYear: (dates.length - 1) / calendarYears, calendarYears };
}

/** Beyond this relative difference between measured rows per calendar year and periods per year, warn. */
export const PPY_MISMATCH = 0.1;

/**
 * A warning when the rows per calendar year measured over `dates` differ from periodsPerYear by
 * more than 10% (PPY_MISMATCH), else null. Measured only over a span of at least one calendar
 * year (a few weeks around holidays would mislead). The convention (years = returns/ppy) is kept;
 * the warning says what it does to the annualized numbers and how to change it.
 */
export function periodsPerYearWarning(dates: readonly string[], ppy: number, where: string): string | null {
  const m = rowsPerCalendarYear(dates);
  if (!(m.calendarYears >= 1) || !(ppy > 0)) return null;
  const rel = m.rowsPerCalendarYear / ppy - 1;
  if (!(Math.abs(rel) > PPY_MISMATCH)) return null;
  const years = (dates.length - 1) / ppy;
  return (
    `${where}: ${m.rowsPerCalendarYear.toFixed(1)} rows per calendar year (${dates[0]} .. ${dates[dates.length - 1]}), ` +
    `${rel > 0 ? '+' : ''}${(100 * rel).toFixed(0)}% from ${ppy} periods per year; annualized metrics count ` +
    `${years.toFixed(2)} years where the calendar spans ${m.calendarYears.toFixed(2)}. ` +
    `Set --periods-per-year ${Math.round(m.rowsPerCalendarYear)} (or periodsPerYear) to annualize by the calendar`
  );
}
