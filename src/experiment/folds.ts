/**
 * Fold boundaries for out-of-sample validation (issue 5), in row indices of the price matrix.
 *
 * A window is a half-open row range [from, to) run by the kernel as `start = from`, `T = to`:
 * the portfolio is allocated at the close of row `from` and its returns are those of rows
 * from+1 .. to−1. So a window "sees" prices of rows < to only (and, for lookbacks, rows before
 * `from`), never a row ≥ to.
 *
 * Walk-forward { train, test, step = test }, with D0 the date of the evaluation window's first
 * row (after the lookback warm-up) and fold k = 0, 1, …:
 *   train dates  [D0 + k·step, D0 + k·step + train)
 *   test dates   [D0 + k·step + train, D0 + k·step + train + test)
 * Rows: trainFrom = first row dated ≥ D0 + k·step; e = first row dated ≥ the train end;
 * train = [trainFrom, e) (returns of rows dated before the train end); test = [e − 1, f) with
 * f = first row dated ≥ the test end: the configuration chosen at the close of the last training
 * row e − 1 is held from there, so the test returns are exactly those of rows e .. f − 1, dated in
 * [train end, test end). With step = test, the test windows tile the data without gap or overlap.
 * Only complete folds are used: a fold whose test end lies after the last date is dropped.
 *
 * Split { at }: train = [start, s), test = [s − 1, T) with s = first row dated ≥ at.
 *
 * Durations are calendar based: y = 12 months, m = months (the day clamped to the month's
 * length: 2020-01-31 + 1m = 2020-02-29), w = 7 days, d = days. Offsets are added as
 * (months, days) pairs from D0, so fold k's test end equals fold k+1's train end exactly.
 */
import { daysFromCivil, daysInMonth, formatDayNumber } from '../dates.js';
import { UserError } from '../errors.js';
import type { ValidationSpec } from '../spec/schema.js';

export interface Window {
  /** First row (the allocation row); returns start at from + 1. */
  from: number;
  /** One past the last row. */
  to: number;
}

export interface Fold {
  index: number;
  train: Window;
  test: Window;
}

interface Offset {
  months: number;
  days: number;
}

export function parseDuration(s: string): Offset {
  const m = /^([1-9]\d*)(y|m|w|d)$/.exec(s);
  if (!m) throw new RangeError(`not a duration: ${s}`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'y':
      return { months: 12 * n, days: 0 };
    case 'm':
      return { months: n, days: 0 };
    case 'w':
      return { months: 0, days: 7 * n };
    default:
      return { months: 0, days: n };
  }
}

const add = (a: Offset, b: Offset, k = 1): Offset => ({ months: a.months + k * b.months, days: a.days + k * b.days });

/** iso + months (day clamped to the target month's length) + days, as ISO YYYY-MM-DD. */
export function addOffset(iso: string, off: Offset): string {
  const y = +iso.slice(0, 4);
  const m = +iso.slice(5, 7) - 1 + off.months;
  const d = +iso.slice(8, 10);
  const yy = y + Math.floor(m / 12);
  const mm = (((m % 12) + 12) % 12) + 1;
  return formatDayNumber(daysFromCivil(yy, mm, Math.min(d, daysInMonth(yy, mm))) + off.days);
}

/** First row r ≥ lo with dates[r] ≥ iso (dates strictly increasing); dates.length if none. */
export function firstRowOnOrAfter(dates: readonly string[], iso: string, lo = 0): number {
  let a = lo;
  let b = dates.length;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (dates[mid] < iso) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** Fewest rows of a window: 3 rows = 2 returns, the least a sample standard deviation needs. */
export const MIN_WINDOW_ROWS = 3;

/**
 * The folds of `spec` over rows start..T−1 of `dates`. Throws a UserError naming `file` and the
 * field when no fold fits or a window would be too short.
 */
export function makeFolds(dates: readonly string[], start: number, spec: ValidationSpec, file = 'experiment'): Fold[] {
  const T = dates.length;
  const first = dates[start];
  const last = dates[T - 1];
  const where = `${file}: validation`;
  const rows = (w: Window): string =>
    w.to > w.from ? `${dates[w.from]} to ${dates[w.to - 1]} (${w.to - w.from} rows)` : `no rows (at ${dates[Math.min(w.from, T - 1)]})`;
  if (spec.kind === 'split') {
    if (!(spec.at > first && spec.at <= last)) {
      throw new UserError(`${where}.at: ${spec.at} is outside the evaluation window ${first} to ${last} (after the lookback warm-up); pick a date inside it`);
    }
    const s = firstRowOnOrAfter(dates, spec.at, start);
    const train = { from: start, to: s };
    const test = { from: s - 1, to: T };
    if (train.to - train.from < MIN_WINDOW_ROWS)
      throw new UserError(`${where}.at: the training window ${rows(train)} needs at least ${MIN_WINDOW_ROWS} rows; pick a later date`);
    if (test.to - test.from < MIN_WINDOW_ROWS)
      throw new UserError(`${where}.at: the test window ${rows(test)} needs at least ${MIN_WINDOW_ROWS} rows; pick an earlier date`);
    return [{ index: 0, train, test }];
  }
  const train = parseDuration(spec.train);
  const test = parseDuration(spec.test);
  const step = parseDuration(spec.step ?? spec.test);
  const folds: Fold[] = [];
  for (let k = 0; ; k++) {
    const off = { months: k * step.months, days: k * step.days };
    const trainEnd = addOffset(first, add(off, train));
    const testEnd = addOffset(first, add(add(off, train), test));
    if (testEnd > last) break;
    const from = firstRowOnOrAfter(dates, addOffset(first, off), start);
    const e = firstRowOnOrAfter(dates, trainEnd, from);
    const f = firstRowOnOrAfter(dates, testEnd, e);
    const fold = { index: k, train: { from, to: e }, test: { from: e - 1, to: f } };
    if (fold.train.to - fold.train.from < MIN_WINDOW_ROWS)
      throw new UserError(`${where}.train: fold ${k + 1}'s training window ${rows(fold.train)} needs at least ${MIN_WINDOW_ROWS} rows; use a longer train`);
    if (fold.test.to - fold.test.from < MIN_WINDOW_ROWS)
      throw new UserError(`${where}.test: fold ${k + 1}'s test window ${rows(fold.test)} needs at least ${MIN_WINDOW_ROWS} rows; use a longer test`);
    // overlapping test windows would count some days twice in the stitched out-of-sample record
    const prev = folds[folds.length - 1];
    if (prev && fold.test.from < prev.test.to - 1) {
      throw new UserError(`${where}.step: ${spec.step} is shorter than test ${spec.test}, so test windows would overlap; use a step of at least ${spec.test}`);
    }
    folds.push(fold);
  }
  if (folds.length === 0) {
    throw new UserError(
      `${where}: train ${spec.train} + test ${spec.test} do not fit in the evaluation window ${first} to ${last} ` +
        `(after the lookback warm-up); use shorter windows, a longer data range, or a split`,
    );
  }
  return folds;
}
