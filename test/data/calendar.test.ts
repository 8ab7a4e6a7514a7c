import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { detectPeriodsPerYear, isIsoDate, isoDateProblem, isoWeekday, medianGapDays } from '../../src/data/calendar.js';
import { civilFromDays, dayNumber, daysFromCivil, formatDayNumber } from '../../src/dates.js';
import { periodKey } from '../../src/policy/schedule.js';

/** Every `step`-th day from `first`, `count` dates. */
function days(first: string, count: number, step = 1): string[] {
  const d0 = dayNumber(first);
  return Array.from({ length: count }, (_, i) => formatDayNumber(d0 + i * step));
}

/** Monday–Friday dates from `first` (inclusive) until `count` dates are collected. */
function weekdays(first: string, count: number): string[] {
  return days(first, Math.ceil((count * 7) / 5) + 7)
    .filter((d) => isoWeekday(d) <= 5)
    .slice(0, count);
}

describe('ISO dates', () => {
  it('accepts real dates, including 29 February of leap years', () => {
    for (const d of ['2021-01-31', '2020-02-29', '2000-02-29', '1871-01-01', '2024-12-31']) expect(isIsoDate(d)).toBe(true);
  });

  it('rejects impossible dates and other formats, saying why', () => {
    expect(isoDateProblem('2021-02-30')).toBe('"2021-02-30" is not a real date (February 2021 has 28 days)');
    expect(isoDateProblem('2021-02-29')).toContain('February 2021 has 28 days');
    expect(isoDateProblem('1900-02-29')).toContain('February 1900 has 28 days'); // century, not leap
    expect(isoDateProblem('2021-04-31')).toContain('April 2021 has 30 days');
    expect(isoDateProblem('2021-13-01')).toContain('month 13 does not exist');
    expect(isoDateProblem('2021-00-10')).toContain('month 00 does not exist');
    expect(isoDateProblem('2021-01-00')).toContain('January 2021 has 31 days');
    for (const bad of ['2021/01/05', '05.01.2021', '2021-1-5', '20210105', '', '2021-01-05T00:00']) {
      expect(isoDateProblem(bad)).toContain('is not an ISO date YYYY-MM-DD');
    }
  });

  it('day numbers: 1970-01-01 is 0 and a Thursday; known weekdays', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(dayNumber('2000-03-01') - dayNumber('2000-02-28')).toBe(2);
    expect(isoWeekday('1970-01-01')).toBe(4);
    expect(isoWeekday('2021-01-03')).toBe(7); // Sunday
    expect(isoWeekday('2021-01-04')).toBe(1); // Monday
    expect(isoWeekday('1871-01-01')).toBe(7); // Sunday
  });

  it('day numbers round-trip and agree with Date.UTC (1900–2100)', () => {
    fc.assert(
      fc.property(fc.integer({ min: dayNumber('1900-01-01'), max: dayNumber('2100-12-31') }), (n) => {
        const iso = formatDayNumber(n);
        expect(isIsoDate(iso)).toBe(true);
        expect(dayNumber(iso)).toBe(n);
        expect(new Date(n * 86_400_000).toISOString().slice(0, 10)).toBe(iso);
        const { year, month, day } = civilFromDays(n);
        expect(daysFromCivil(year, month, day)).toBe(n);
      }),
    );
  });
});

describe('check-schedule period keys (policy/schedule.ts, on the one date implementation of src/dates.ts)', () => {
  it('a week is Monday to Sunday: seven consecutive days from a Monday share one key, the next Monday not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (k) => {
        const monday = dayNumber('1800-01-06') + 7 * k; // 1800-01-06 was a Monday
        expect(isoWeekday(formatDayNumber(monday))).toBe(1);
        const keys = new Set(days(formatDayNumber(monday), 7).map((d) => periodKey('weekly', d)));
        expect(keys.size).toBe(1);
        expect(periodKey('weekly', formatDayNumber(monday + 7))).not.toBe(periodKey('weekly', formatDayNumber(monday)));
      }),
    );
  });

  it('2020-12-31 (Thursday) and 2021-01-03 (Sunday) share a week; 2021-01-04 (Monday) starts the next; years below 100 too', () => {
    expect(periodKey('weekly', '2021-01-03')).toBe(periodKey('weekly', '2020-12-31'));
    expect(periodKey('weekly', '2021-01-04')).toBe(periodKey('weekly', '2021-01-03') + 1);
    // 0099-12-31 was a Thursday (proleptic Gregorian): Date.UTC would have read it as 1999
    expect(isoWeekday('0099-12-31')).toBe(4);
    expect(periodKey('daily', '0100-01-01') - periodKey('daily', '0099-12-31')).toBe(1);
  });
});

describe('periodsPerYear detection', () => {
  it('daily with weekends (24/7, like crypto) → 365', () => {
    const r = detectPeriodsPerYear(days('2021-01-01', 120));
    expect(r.periodsPerYear).toBe(365);
    expect(r.medianGapDays).toBe(1);
    expect(r.reason).toMatch(/^median gap 1 day, weekend dates present \(.*\) → 365$/);
  });

  it('daily weekdays only → 252', () => {
    const r = detectPeriodsPerYear(weekdays('2021-01-04', 120));
    expect(r).toEqual({ periodsPerYear: 252, reason: 'median gap 1 day, no weekend dates → 252', medianGapDays: 1 });
  });

  it('a stray weekend session in weekday data stays 252 (decision: weekend share ≥ 5% each)', () => {
    const dates = [...weekdays('2021-01-04', 120), '2021-07-03'].sort();
    const r = detectPeriodsPerYear(dates);
    expect(r.periodsPerYear).toBe(252);
    expect(r.reason).toContain('too few weekend dates');
  });

  it('weekly → 52 (any weekday)', () => {
    expect(detectPeriodsPerYear(days('2021-01-08', 60, 7)).periodsPerYear).toBe(52);
    expect(detectPeriodsPerYear(days('2021-01-08', 60, 7)).reason).toBe('median gap 7 days → 52');
  });

  it('monthly → 12, month-start and month-end labels', () => {
    const starts = Array.from({ length: 36 }, (_, i) => `${2000 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}-01`);
    expect(detectPeriodsPerYear(starts).periodsPerYear).toBe(12);
    const ends = starts.map((d) => formatDayNumber(dayNumber(d) - 1)); // last day of the previous month
    expect(detectPeriodsPerYear(ends).periodsPerYear).toBe(12);
  });

  it('quarterly → 4 and yearly → 1', () => {
    const quarters = Array.from({ length: 20 }, (_, i) => `${2000 + Math.floor(i / 4)}-${String(3 * (i % 4) + 1).padStart(2, '0')}-01`);
    expect(detectPeriodsPerYear(quarters).periodsPerYear).toBe(4);
    const years = Array.from({ length: 30 }, (_, i) => `${1990 + i}-12-31`);
    expect(detectPeriodsPerYear(years)).toEqual({ periodsPerYear: 1, reason: 'median gap 365 days → 1', medianGapDays: 365 });
  });

  it('cut points: ≤3 daily, ≤10 weekly, ≤45 monthly, ≤135 quarterly, else yearly', () => {
    const ppy = (step: number): number => detectPeriodsPerYear(days('2021-01-04', 11, step)).periodsPerYear;
    expect([3, 4, 10, 11, 45, 46, 135, 136].map(ppy)).toEqual([365, 52, 52, 12, 12, 4, 4, 1]);
  });

  it('the median is robust to holidays and gaps', () => {
    expect(medianGapDays(['2021-01-04', '2021-01-05', '2021-01-06', '2021-02-06'])).toBe(1);
    expect(medianGapDays(['2021-01-04', '2021-01-05', '2021-01-08'])).toBe(2); // even count: mean of 1 and 3
    expect(medianGapDays(['2021-01-04'])).toBeNaN();
  });

  it('an override wins and the reason says so, with what was detected', () => {
    const r = detectPeriodsPerYear(weekdays('2021-01-04', 50), 260);
    expect(r.periodsPerYear).toBe(260);
    expect(r.reason).toBe('set to 260 by the periodsPerYear option (detected: median gap 1 day, no weekend dates → 252)');
  });
});
