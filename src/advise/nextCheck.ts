/**
 * The next check date of a schedule after an as-of date (docs/advise.md). A named schedule
 * checks on the last trading day of each period (policy/schedule.ts); future trading days are
 * not known, so "trading day" here is Monday–Friday (or every calendar day for data that
 * trades every day, e.g. crypto). An every-n schedule counts rows from the backtest's start,
 * which has no calendar meaning for today: no date, a note instead.
 */
import { dayNumber } from '../dates.js';
import { periodKey } from '../policy/schedule.js';
import type { CheckEvery } from '../policy/types.js';

const DAY_MS = 86_400_000;

function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function tradingDay(day: number, everyDay: boolean): boolean {
  if (everyDay) return true;
  const dow = new Date(day * DAY_MS).getUTCDay();
  return dow !== 0 && dow !== 6;
}

export function nextCheckDate(check: CheckEvery, asOf: string, everyDay = false): { date: string | null; note: string } {
  if (typeof check === 'number') return { date: null, note: `every ${check} periods, counted from the last check` };
  const d0 = dayNumber(asOf);
  if (check === 'daily') {
    let d = d0 + 1;
    while (!tradingDay(d, everyDay)) d++;
    return { date: isoOf(d), note: 'the next trading day' };
  }
  // the last trading day of a period: walk to the period's end, then back to a trading day
  const lastOfPeriod = (day: number): number => {
    const k = periodKey(check, isoOf(day));
    let d = day;
    while (periodKey(check, isoOf(d + 1)) === k) d++;
    while (!tradingDay(d, everyDay)) d--;
    return d;
  };
  let last = lastOfPeriod(d0);
  if (last <= d0) {
    let d = d0 + 1;
    while (periodKey(check, isoOf(d)) === periodKey(check, asOf)) d++;
    last = lastOfPeriod(d);
  }
  return {
    date: isoOf(last),
    note: `the last ${everyDay ? '' : 'weekday '}of the ${check === 'weekly' ? 'week' : check.replace('ly', '').replace('quarter', 'quarter')}`,
  };
}
