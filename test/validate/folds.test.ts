/**
 * Fold boundaries (src/experiment/folds.ts), worked out by hand on small calendars, the errors a
 * user gets, and no look-ahead: poisoning every price from a fold's training end on leaves that
 * fold's training choice and in-sample metrics bit for bit unchanged (and poisoning one row
 * earlier does change them, so the check can fail).
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { ValidationSpec } from '../../src/spec/schema.js';
import { addOffset, firstRowOnOrAfter, makeFolds, parseDuration } from '../../src/experiment/folds.js';
import { walkForward } from '../../src/validate/walkforward.js';
import { ParameterSpace } from '../../src/search/space.js';
import { consecutiveDates } from '../kernel/helpers.js';

const wf = (train: string, test: string, step?: string): ValidationSpec => ({ kind: 'walk-forward', train, test, step, maxConfigs: 20_000 });

/** First day of every month from 2020-01 for n months. */
function monthly(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `${2020 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}-01`);
}

describe('calendar durations', () => {
  it('parses y, m, w, d', () => {
    expect(parseDuration('3y')).toEqual({ months: 36, days: 0 });
    expect(parseDuration('18m')).toEqual({ months: 18, days: 0 });
    expect(parseDuration('2w')).toEqual({ months: 0, days: 14 });
    expect(parseDuration('30d')).toEqual({ months: 0, days: 30 });
  });

  it('adds months with the day clamped to the month, then days', () => {
    expect(addOffset('2020-01-31', { months: 1, days: 0 })).toBe('2020-02-29'); // leap year
    expect(addOffset('2019-01-31', { months: 1, days: 0 })).toBe('2019-02-28');
    expect(addOffset('2020-02-29', { months: 12, days: 0 })).toBe('2021-02-28');
    expect(addOffset('2020-11-15', { months: 3, days: 0 })).toBe('2021-02-15');
    expect(addOffset('2020-12-31', { months: 0, days: 1 })).toBe('2021-01-01');
    expect(addOffset('2020-02-20', { months: 0, days: 10 })).toBe('2020-03-01');
  });

  it('finds the first row on or after a date', () => {
    const d = ['2020-01-02', '2020-01-03', '2020-01-06'];
    expect(firstRowOnOrAfter(d, '2020-01-01')).toBe(0);
    expect(firstRowOnOrAfter(d, '2020-01-03')).toBe(1);
    expect(firstRowOnOrAfter(d, '2020-01-04')).toBe(2);
    expect(firstRowOnOrAfter(d, '2020-01-07')).toBe(3);
  });
});

describe('walk-forward folds by hand', () => {
  // rows 0..35 = 2020-01-01 .. 2022-12-01 (first of each month)
  const dates = monthly(36);

  it('train 12m, test 6m: three complete folds, test returns tile rows 12..29', () => {
    // fold 0: train [2020-01-01, 2021-01-01) → rows [0, 12); test end 2021-07-01 = row 18 → test [11, 18)
    // fold 1: start 2020-07-01 = row 6; train end 2021-07-01 = row 18; test end 2022-01-01 = row 24
    // fold 2: start row 12; train end row 24; test end 2022-07-01 = row 30
    // fold 3 would test until 2023-01-01, after the last date 2022-12-01: dropped
    const f = makeFolds(dates, 0, wf('12m', '6m'));
    expect(f).toEqual([
      { index: 0, train: { from: 0, to: 12 }, test: { from: 11, to: 18 } },
      { index: 1, train: { from: 6, to: 18 }, test: { from: 17, to: 24 } },
      { index: 2, train: { from: 12, to: 24 }, test: { from: 23, to: 30 } },
    ]);
    // the test return rows (from+1 .. to−1) of successive folds are contiguous and disjoint
    const rows = f.flatMap((x) => Array.from({ length: x.test.to - x.test.from - 1 }, (_, k) => x.test.from + 1 + k));
    expect(rows).toEqual(Array.from({ length: 18 }, (_, k) => 12 + k));
  });

  it('1y = 12m, and a step longer than the test leaves gaps', () => {
    expect(makeFolds(dates, 0, wf('1y', '6m'))).toEqual(makeFolds(dates, 0, wf('12m', '6m')));
    // step 9m: fold starts 2020-01, 2020-10 (row 9); fold 1 trains [9, 21), tests [20, 27) (2021-10 .. 2022-04);
    // fold 2 would start 2021-07 and test until 2023-01-01, after the last date: dropped
    const f = makeFolds(dates, 0, wf('12m', '6m', '9m'));
    expect(f.map((x) => [x.train, x.test])).toEqual([
      [
        { from: 0, to: 12 },
        { from: 11, to: 18 },
      ],
      [
        { from: 9, to: 21 },
        { from: 20, to: 27 },
      ],
    ]);
  });

  it('counts from the evaluation window start (after the lookback warm-up)', () => {
    // start row 3 = 2020-04-01: train [2020-04-01, 2021-04-01) = rows [3, 15), test to 2021-10-01 = row 21
    const f = makeFolds(dates, 3, wf('12m', '6m'));
    expect(f[0]).toEqual({ index: 0, train: { from: 3, to: 15 }, test: { from: 14, to: 21 } });
    expect(f.length).toBe(3);
  });

  it('on daily dates with gaps, boundaries snap to the next trading day', () => {
    // weekdays only: 2021-01-01 is a Friday, so the row of 2021-01-01 is itself; 2022-01-01 is a Saturday → Monday 2022-01-03
    const all = consecutiveDates(900, '2020-01-01');
    const days = all.filter((d) => {
      const w = new Date(d + 'T00:00:00Z').getUTCDay();
      return w !== 0 && w !== 6;
    });
    const f = makeFolds(days, 0, wf('1y', '1y'));
    expect(f.length).toBe(1); // a second fold would test to 2023-01-01, past 2022-06-18
    expect(days[f[0].train.to]).toBe('2021-01-01');
    expect(days[f[0].test.to]).toBe('2022-01-03');
    expect(days[f[0].test.from]).toBe('2020-12-31');
  });

  it('split at a date: train before it, test from the row before it to the end', () => {
    // 2021-03-15 → first row on or after = 2021-04-01 = row 15
    expect(makeFolds(dates, 0, { kind: 'split', at: '2021-03-15', maxConfigs: 1 })).toEqual([
      { index: 0, train: { from: 0, to: 15 }, test: { from: 14, to: 36 } },
    ]);
  });
});

describe('fold errors name the file, the field and the fix', () => {
  const dates = monthly(36);
  const err = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('split date outside the data', () => {
    expect(err(() => makeFolds(dates, 0, { kind: 'split', at: '2024-01-01', maxConfigs: 1 }, 'x.ts'))).toMatch(
      /^x\.ts: validation\.at: 2024-01-01 is outside the evaluation window 2020-01-01 to 2022-12-01/,
    );
    expect(err(() => makeFolds(dates, 0, { kind: 'split', at: '2019-01-01', maxConfigs: 1 }, 'x.ts'))).toMatch(/validation\.at/);
    expect(err(() => makeFolds(dates, 0, { kind: 'split', at: '2020-02-01', maxConfigs: 1 }, 'x.ts'))).toMatch(
      /training window .* needs at least 3 rows; pick a later date/,
    );
  });

  it('windows that do not fit', () => {
    expect(err(() => makeFolds(dates, 0, wf('3y', '1y'), 'x.ts'))).toMatch(
      /^x\.ts: validation: train 3y \+ test 1y do not fit in the evaluation window 2020-01-01 to 2022-12-01/,
    );
  });

  it('a step shorter than the test (overlapping test windows)', () => {
    expect(err(() => makeFolds(dates, 0, wf('12m', '6m', '3m'), 'x.ts'))).toMatch(/^x\.ts: validation\.step: 3m is shorter than test 6m/);
  });

  it('a window too short for a standard deviation', () => {
    expect(err(() => makeFolds(dates, 0, wf('12m', '1m'), 'x.ts'))).toMatch(
      /validation\.test: fold 1's test window .* needs at least 3 rows; use a longer test/,
    );
  });
});

describe('no look-ahead: a training window never sees a test day', () => {
  // 3 assets, 4 years of weekdays, a space with per-asset, drift and risk bands (risk uses a
  // rolling covariance: the kind of computation that could leak a later price)
  const all = consecutiveDates(1500, '2018-01-01').filter((d) => {
    const w = new Date(d + 'T00:00:00Z').getUTCDay();
    return w !== 0 && w !== 6;
  });
  const T = all.length;
  const N = 3;
  const prices = new Float64Array(T * N);
  let s = 12345;
  const u = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < N; i++) prices[i] = 100;
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * (1 + 0.012 * (i + 1) * (u() - 0.5));
  const space = new ParameterSpace(
    {
      bands: {
        absolute: { width: [0.01, 0.03, 0.08] },
        drift: { width: [0.01, 0.04] },
        risk: { width: [0.002, 0.01], lookback: [20] },
        calendar: {},
        none: {},
      },
      check: ['daily', 'monthly'],
      mode: ['target', 'edge'],
    },
    { kind: 'grid' },
    { costs: { feeBps: 10, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 } },
  );
  const start = space.maxLookback;
  const folds = makeFolds(all, start, wf('1y', '6m'));
  const base = {
    N,
    T,
    dates: all,
    periodsPerYear: 252,
    targets: [0.5, 0.3, 0.2],
    space,
    scoreWeights: { trackingError: 1, costDrag: 1e-3 },
    constraints: [],
    baselines: [],
  };
  const clean = walkForward({ ...base, prices, folds });

  function poisoned(fromRow: number): Float64Array {
    const p = Float64Array.from(prices);
    // NaN everywhere after, and a huge jump on the first poisoned row: any use would show
    for (let t = fromRow; t < T; t++) for (let i = 0; i < N; i++) p[t * N + i] = t === fromRow ? prices[t * N + i] * (i === 0 ? 50 : 0.02) : NaN;
    return p;
  }

  it('has several folds and the choice varies (the comparison is not vacuous)', () => {
    expect(folds.length).toBeGreaterThanOrEqual(4);
    expect(new Set(clean.folds.map((f) => f.chosen.id)).size).toBeGreaterThan(1);
  });

  it('poisoning every row from train.to on leaves the training choice and metrics of the fold unchanged', () => {
    folds.forEach((fold, k) => {
      const r = walkForward({ ...base, prices: poisoned(fold.train.to), folds: [fold] }).folds[0];
      expect(r.chosen.id).toBe(clean.folds[k].chosen.id);
      expect(Array.from(r.inSample.metrics)).toEqual(Array.from(clean.folds[k].inSample.metrics));
      expect(r.feasibleCount).toBe(clean.folds[k].feasibleCount);
    });
  });

  it('poisoning from the last training row on does change them (the check can fail)', () => {
    folds.forEach((fold, k) => {
      const r = walkForward({ ...base, prices: poisoned(fold.train.to - 1), folds: [fold] }).folds[0];
      expect(Array.from(r.inSample.metrics)).not.toEqual(Array.from(clean.folds[k].inSample.metrics));
    });
  });

  it('test windows start where training ends: the first test return is the row after the last training row', () => {
    for (const f of folds) {
      expect(f.test.from).toBe(f.train.to - 1);
      expect(all[f.test.from + 1] > all[f.train.to - 1]).toBe(true);
    }
  });
});
