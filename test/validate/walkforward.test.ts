/**
 * Walk-forward (src/validate/walkforward.ts) against a second, simple implementation: every
 * configuration run by the plain reference backtest (test/reference/plain.ts, no shared code with
 * the kernel) on each training window, scored and filtered by hand, the best picked by brute force;
 * the stitched out-of-sample metrics recomputed from the plain test-window value paths.
 */
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/kernel/backtest.js';
import { METRICS, type Metrics } from '../../src/kernel/metrics.js';
import { parseConstraints } from '../../src/results/score.js';
import { ParameterSpace } from '../../src/search/space.js';
import { makeFolds, type Fold } from '../../src/experiment/folds.js';
import { walkForward, type WalkInput } from '../../src/validate/walkforward.js';
import { plainBacktest } from '../reference/plain.js';
import { consecutiveDates, expectClose } from '../kernel/helpers.js';

const weekdays = (n: number, first: string): string[] =>
  consecutiveDates(n, first).filter((d) => {
    const w = new Date(d + 'T00:00:00Z').getUTCDay();
    return w !== 0 && w !== 6;
  });

const dates = weekdays(1300, '2019-01-01');
const T = dates.length;
const N = 3;
const targets = [0.5, 0.3, 0.2];
const prices = new Float64Array(T * N);
{
  let s = 987;
  const u = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < N; i++) prices[i] = 40 + 30 * i;
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * (1 + 0.0002 * i + 0.011 * (i + 1) * (u() - 0.5));
}
const PPY = 252;
const RF = 0.02;
const CAPITAL = 50_000;
const costs = { feeBps: 8, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 };
const space = new ParameterSpace(
  {
    bands: {
      absolute: { width: [0.01, 0.02, 0.04, 0.08] },
      relative: { width: [0.05, 0.2] },
      drift: { width: [0.01, 0.03] },
      volatility: { width: [0.5, 2], lookback: [15] },
      calendar: {},
      none: {},
    },
    check: ['daily', 'weekly', 'monthly'],
    mode: ['target', 'edge'],
  },
  { kind: 'grid' },
  { costs },
);
const start = space.maxLookback;
const weights = { trackingError: 1, costDrag: 5e-4, turnover: 1e-4 };
const constraintText = ['trackingError <= 0.003'];
const baselines = [
  { id: 'calendar-monthly', config: { band: 'calendar' as const, width: 0, check: 'monthly' as const, mode: 'target' as const, cooldown: 0, ...costs } },
  { id: 'none', config: { band: 'none' as const, width: 0, check: 'daily' as const, mode: 'target' as const, cooldown: 0, ...costs } },
];

function input(folds: Fold[], over: Partial<WalkInput> = {}): WalkInput {
  return {
    prices,
    T,
    N,
    dates,
    periodsPerYear: PPY,
    targets,
    initialCapital: CAPITAL,
    riskFree: RF,
    space,
    scoreWeights: weights,
    constraints: parseConstraints(constraintText),
    folds,
    baselines,
    ...over,
  };
}

/** The plain reference on window [from, to): only rows < to are given to it. */
function plainOn(w: { from: number; to: number }, config: ReturnType<ParameterSpace['config']>) {
  return plainBacktest(
    {
      prices: Array.from(prices.subarray(0, w.to * N)),
      T: w.to,
      N,
      dates: dates.slice(0, w.to),
      targets,
      periodsPerYear: PPY,
      start: w.from,
      initialCapital: CAPITAL,
      riskFree: RF,
    },
    config,
  );
}

const handScore = (m: Metrics, ws: Record<string, number> = weights): number => Object.entries(ws).reduce((a, [k, w]) => a + w * m[k as keyof Metrics], 0);

/** Brute force: feasible first, then the lowest score, then the lowest id. */
function brutePick(w: { from: number; to: number }, feasible: (m: Metrics) => boolean, ws?: Record<string, number>): { id: number; feasible: boolean } {
  let best = { id: -1, score: Infinity, feasible: false };
  for (let id = 0; id < space.size; id++) {
    const m = plainOn(w, space.config(id)).metrics;
    const s = handScore(m, ws);
    const ok = feasible(m);
    const better = best.id < 0 || (ok && !best.feasible) || (ok === best.feasible && s < best.score);
    if (better) best = { id, score: s, feasible: ok };
  }
  return { id: best.id, feasible: best.feasible };
}

const folds = makeFolds(dates, start, { kind: 'walk-forward', train: '1y', test: '6m', maxConfigs: 20_000 });

describe('the training choice', () => {
  const r = walkForward(input(folds));

  it('matches a brute-force pick over plain-reference backtests, fold by fold', () => {
    expect(folds.length).toBeGreaterThanOrEqual(5);
    const picks = folds.map((f) => brutePick(f.train, (m) => m.trackingError <= 0.003));
    expect(r.folds.map((f) => f.chosen.id)).toEqual(picks.map((p) => p.id));
    expect(r.folds.map((f) => f.chosen.feasibleInSample)).toEqual(picks.map((p) => p.feasible));
    // not vacuous: the choice changes across folds, and some configurations are infeasible
    expect(new Set(picks.map((p) => p.id)).size).toBeGreaterThan(1);
    expect(r.folds.some((f) => f.feasibleCount < space.size)).toBe(true);
  });

  it('in-sample metrics are the plain reference metrics of the chosen configuration on the training window', () => {
    r.folds.forEach((f) => {
      const m = plainOn(f.fold.train, f.chosen.config).metrics;
      METRICS.forEach((k, i) => expectClose(f.inSample.metrics[i], m[k], 1e-9, `fold ${f.fold.index} ${k}`));
      expectClose(f.inSample.score, handScore(m), 1e-9);
    });
  });

  it('ties go to the lowest id; with no feasible configuration the lowest score is taken and flagged', () => {
    // score = rebalances only: every never-trading configuration (none, and wide bands) ties at 0
    const tie = walkForward(input(folds.slice(0, 1), { scoreWeights: { rebalances: 1 }, constraints: [] })).folds[0];
    const zeros: number[] = [];
    for (let id = 0; id < space.size; id++) if (plainOn(folds[0].train, space.config(id)).metrics.rebalances === 0) zeros.push(id);
    expect(zeros.length).toBeGreaterThan(1);
    expect(tie.chosen.id).toBe(zeros[0]);
    // an impossible constraint: nothing is feasible, the choice is the best score regardless
    const none = walkForward(input(folds.slice(0, 1), { constraints: parseConstraints(['trackingError < 0']) })).folds[0];
    expect(none.chosen.feasibleInSample).toBe(false);
    expect(none.feasibleCount).toBe(0);
    expect(none.chosen.id).toBe(brutePick(folds[0].train, () => false).id);
  });
});

describe('the stitched out-of-sample record', () => {
  const r = walkForward(input(folds));

  /** Design §4 metrics of the concatenated test windows, computed here from plain value paths. */
  function handStitch(configs: ReturnType<ParameterSpace['config']>[]): Metrics {
    const rets: number[] = [];
    const bench: number[] = [];
    let turn = 0;
    let events = 0;
    let cost = 0;
    let drift = 0;
    let maxDrift = 0;
    let costTotal = 0;
    let assetTrades = 0;
    let chained = CAPITAL; // the stitched value at the start of the fold's test window
    folds.forEach((f, k) => {
      const p = plainOn(f.test, configs[k]);
      // the fold's costs in currency were paid by a window starting at CAPITAL; stitched, it
      // starts at `chained`, so they scale by chained/CAPITAL
      costTotal += p.metrics.totalCost * (chained / CAPITAL);
      assetTrades += p.metrics.assetTrades;
      chained *= p.value[p.value.length - 1] / p.value[0];
      const fy = (f.test.to - 1 - f.test.from) / PPY;
      for (let j = 1; j < p.value.length; j++) {
        rets.push(p.value[j] / p.value[j - 1] - 1);
        const t = f.test.from + j;
        let rb = 0;
        for (let i = 0; i < N; i++) rb += targets[i] * (prices[t * N + i] / prices[(t - 1) * N + i] - 1);
        bench.push(rb);
      }
      turn += p.metrics.turnover * fy;
      events += p.metrics.rebalances;
      cost += (p.metrics.costDrag / 1e4) * fy;
      drift += p.metrics.meanDrift * (f.test.to - f.test.from);
      maxDrift = Math.max(maxDrift, p.metrics.maxDrift);
    });
    const n = rets.length;
    const years = n / PPY;
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    const sd = (x: number[]) => {
      const m = mean(x);
      return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
    };
    const v = [CAPITAL];
    for (const x of rets) v.push(v[v.length - 1] * (1 + x));
    let peak = -Infinity;
    let dd = 0;
    for (const x of v) {
      peak = Math.max(peak, x);
      dd = Math.max(dd, 1 - x / peak);
    }
    const ex = rets.map((x) => x - RF / PPY);
    const down = Math.sqrt(mean(ex.map((x) => Math.min(x, 0) ** 2)));
    const cagr = (v[n] / CAPITAL) ** (1 / years) - 1;
    const bv = bench.reduce((a, x) => a * (1 + x), 1);
    return {
      turnover: turn / years,
      trackingError: sd(rets.map((x, k) => x - bench[k])) * Math.sqrt(PPY),
      maxDrawdown: dd,
      cagr,
      volatility: sd(rets) * Math.sqrt(PPY),
      sharpe: (mean(ex) / sd(rets)) * Math.sqrt(PPY),
      sortino: (mean(ex) / down) * Math.sqrt(PPY),
      rebalances: events,
      rebalancesPerYear: events / years,
      costDrag: (cost / years) * 1e4,
      meanDrift: drift / (n + 1),
      maxDrift,
      excessReturn: cagr - (bv ** (1 / years) - 1),
      finalValue: v[n],
      totalCost: costTotal,
      assetTrades,
      mwr: cagr,
      flowRebalanceShare: 0,
      taxPaid: 0,
      afterTaxCagr: cagr,
      afterTaxValue: v[n],
      unrealisedGain: NaN,
    };
  }

  it('the chosen configurations: every metric matches the hand stitch (1e-9)', () => {
    const want = handStitch(r.folds.map((f) => f.chosen.config));
    METRICS.forEach((k, i) => expectClose(r.stitched.metrics[i], want[k], 1e-9, `stitched ${k}`));
    expectClose(r.stitched.score, handScore(want), 1e-9);
    expect(r.stitched.rets.length).toBe(r.rows.length);
    // the stitched returns are those of consecutive matrix rows: no day twice, none missing
    for (let k = 1; k < r.rows.length; k++) expect(r.rows[k]).toBe(r.rows[k - 1] + 1);
    expect(r.rows[0]).toBe(folds[0].train.to);
  });

  it('the baselines are stitched over the same test windows', () => {
    baselines.forEach((b, j) => {
      const want = handStitch(folds.map(() => b.config));
      METRICS.forEach((k, i) => expectClose(r.baselines[j].metrics[i], want[k], 1e-9, `${b.id} ${k}`));
    });
  });

  it('a split is one fold: its out-of-sample metrics are the backtest of the test window itself', () => {
    const split = makeFolds(dates, start, { kind: 'split', at: '2021-06-01', maxConfigs: 1 });
    const s = walkForward(input(split));
    const f = s.folds[0];
    const direct = backtest(
      { prices: prices.subarray(0, T * N), T, N, dates, targets, periodsPerYear: PPY, start: split[0].test.from, initialCapital: CAPITAL, riskFree: RF },
      f.chosen.config,
    ).metrics;
    METRICS.forEach((k, i) => {
      expectClose(f.outOfSample.metrics[i], direct[k], 1e-12, `window ${k}`);
      expectClose(s.stitched.metrics[i], direct[k], 1e-10, `stitched ${k}`);
    });
  });
});
