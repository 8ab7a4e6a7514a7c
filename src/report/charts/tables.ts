/**
 * The tearsheet's tables, from the daily series: calendar-year returns and the worst drawdown
 * periods (start, trough, recovery, depth, length).
 */
import type { ReportSeries } from '../types.js';

/** Return of each calendar year (first to last value of the year, from the previous year's close). */
export function calendarYearReturns(s: ReportSeries): { year: string; ret: number; partial: boolean }[] {
  const out: { year: string; ret: number; partial: boolean }[] = [];
  let prevClose = s.value[0];
  let year = s.dates[0]?.slice(0, 4);
  let firstIdx = 0;
  for (let t = 1; t <= s.dates.length; t++) {
    const y = t < s.dates.length ? s.dates[t].slice(0, 4) : null;
    if (y !== year) {
      const close = s.value[t - 1];
      out.push({ year: year as string, ret: close / prevClose - 1, partial: firstIdx === 0 || y === null });
      prevClose = close;
      year = y ?? year;
      firstIdx = t;
    }
  }
  return out;
}

export interface DrawdownPeriod {
  start: string;
  trough: string;
  /** Null: not recovered by the end of the window. */
  recovery: string | null;
  depth: number;
  /** Days (rows) from start to recovery (or to the end of the window). */
  length: number;
}

/** The `k` deepest drawdown periods, deepest first (a period runs from a peak to the next new peak). */
export function drawdownPeriods(s: ReportSeries, k = 5): DrawdownPeriod[] {
  const v = s.value;
  const periods: DrawdownPeriod[] = [];
  let peak = 0;
  let trough = 0;
  let inDd = false;
  for (let t = 1; t < v.length; t++) {
    if (v[t] >= v[peak]) {
      if (inDd) periods.push({ start: s.dates[peak], trough: s.dates[trough], recovery: s.dates[t], depth: 1 - v[trough] / v[peak], length: t - peak });
      inDd = false;
      peak = t;
      trough = t;
    } else {
      if (!inDd || v[t] < v[trough]) trough = t;
      inDd = true;
    }
  }
  if (inDd) periods.push({ start: s.dates[peak], trough: s.dates[trough], recovery: null, depth: 1 - v[trough] / v[peak], length: v.length - 1 - peak });
  return periods.sort((a, b) => b.depth - a.depth).slice(0, k);
}
