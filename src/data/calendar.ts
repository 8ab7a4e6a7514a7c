/**
 * Calendar helpers (design §2–§3): ISO date validation, day arithmetic, period keys for check
 * schedules and the periods-per-year detection. Pure functions over `YYYY-MM-DD` strings; the
 * only import is simple-statistics (small, no dependencies), so the kernel side (and workers)
 * may use them without pulling in the loader.
 *
 * Day numbers are days since 1970-01-01 in the proleptic Gregorian calendar, computed with
 * integer arithmetic (Howard Hinnant's civil-date algorithms), so years before 1970 (Shiller
 * starts in 1871) and years below 100 behave (unlike `Date.UTC`, which maps 0–99 to 1900–1999).
 */

import { medianSorted } from 'simple-statistics';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

/** True for Gregorian leap years. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Number of days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

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

/** Days since 1970-01-01 of a civil date (Hinnant's `days_from_civil`). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (Hinnant's `civil_from_days`). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day number of a `YYYY-MM-DD` string (assumed valid: check with `isoDateProblem` first). */
export function dayNumber(date: string): number {
  return daysFromCivil(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));
}

/** `YYYY-MM-DD` of a day number. */
export function formatDayNumber(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekdayOfDay(days: number): number {
  return (((days + 3) % 7) + 7) % 7 + 1;
}

/** ISO weekday of a `YYYY-MM-DD` date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return isoWeekdayOfDay(dayNumber(date));
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * ISO-8601 week key `YYYY-Www` (weeks run Monday to Sunday; week 1 is the week holding the
 * year's first Thursday, so the key's year can differ from the calendar year near 1 January:
 * 2020-12-31 and 2021-01-03 are `2020-W53`, 2019-12-30 is `2020-W01`).
 */
export function isoWeekKey(date: string): string {
  const days = dayNumber(date);
  const thursday = days - isoWeekdayOfDay(days) + 4;
  const isoYear = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1;
  return `${String(isoYear).padStart(4, '0')}-W${pad2(week)}`;
}

/** Calendar month key `YYYY-MM`. */
export function monthKey(date: string): string {
  return date.slice(0, 7);
}

/** Calendar quarter key `YYYY-Qn` (Q1 = January–March). */
export function quarterKey(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Calendar year key `YYYY`. */
export function yearKey(date: string): string {
  return date.slice(0, 4);
}

/** Calendar periods with a key function, named as in the `checkEvery` schedules. */
export type CalendarPeriod = 'weekly' | 'monthly' | 'quarterly' | 'yearly';

/** The key of the period (ISO week, month, quarter, year) that `date` falls in. */
export function periodKey(date: string, period: CalendarPeriod): string {
  switch (period) {
    case 'weekly':
      return isoWeekKey(date);
    case 'monthly':
      return monthKey(date);
    case 'quarterly':
      return quarterKey(date);
    case 'yearly':
      return yearKey(date);
  }
}

/**
 * Rows that are the last trading day of their period: `out[t]` is true when `dates[t]` and
 * `dates[t+1]` fall in different periods, and for the last row. `dates` must be sorted.
 */
export function periodEnds(dates: readonly string[], period: CalendarPeriod): boolean[] {
  const keys = dates.map((d) => periodKey(d, period));
  return keys.map((k, t) => t === keys.length - 1 || k !== keys[t + 1]);
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
