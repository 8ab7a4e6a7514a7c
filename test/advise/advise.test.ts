/** advise (docs/advise.md): the decision and the orders, worked out by hand. */
import { describe, expect, it } from 'vitest';
import { advise, type AdviseInput } from '../../src/advise/advise.js';
import { allocSeries, simulate } from '../../src/kernel/backtest.js';
import { KernelContext } from '../../src/kernel/context.js';
import { N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';
import { loadPrices } from '../../src/data/load.js';
import { ETF } from '../runner/fixture.js';

const cfg = (over: Partial<Config> = {}): Config => ({
  band: 'absolute',
  width: 0.05,
  check: 'monthly',
  mode: 'edge',
  cooldown: 0,
  feeBps: 0,
  halfSpreadBps: 0,
  fixedFee: 0,
  minTrade: 0,
  ...over,
});

// A at 100, B at 50, targets 50/50, absolute band ±5 points
const base = (holdings: [number, number], over: Partial<AdviseInput> = {}, c: Partial<Config> = {}): AdviseInput => ({
  config: cfg(c),
  assets: ['A', 'B'],
  targets: [0.5, 0.5],
  holdings,
  cash: 0,
  prices: Float64Array.from([100, 50]),
  dates: ['2024-05-15'],
  periodsPerYear: 252,
  ...over,
});

describe('advise: hand-worked', () => {
  it('holdings inside every band → no trade, weights unchanged, next check at the month end', () => {
    // A 52 × 100 = 5200, B 96 × 50 = 4800: V = 10000, w = 0.52 / 0.48, |dev| = 0.02 ≤ 0.05
    const r = advise(base([52, 96]));
    expect(r.trade).toBe(false);
    expect(r.reason).toBe('every asset inside its band');
    expect(r.orders).toEqual([]);
    expect(r.weights.A).toBeCloseTo(0.52, 15);
    expect(r.postTradeWeights).toEqual(r.weights);
    expect(r.lines.map((l) => l.breach)).toEqual([false, false]);
    expect(r.lines[0].excess).toBeCloseTo(0.02 - 0.05, 15);
    // 2024-05-31 is a Friday, the last weekday of May
    expect(r.nextCheck).toBe('2024-05-31');
  });

  it('one breach under edge → the exact units (zero costs)', () => {
    // A 60 × 100 = 6000, B 80 × 50 = 4000: V = 10000, w_A = 0.6, dev = +0.1 > 0.05 (breach by 0.05)
    // edge: s = 0.05/0.1 = 0.5 → w'_A = 0.5 + 0.5·0.1 = 0.55, w'_B = 0.45
    // units: A 0.55·10000/100 = 55 → sell 5; B 0.45·10000/50 = 90 → buy 10
    const r = advise(base([60, 80]));
    expect(r.trade).toBe(true);
    expect(r.lines[0].breach).toBe(true);
    expect(r.lines[0].excess).toBeCloseTo(0.05, 15);
    expect(r.orders.map((o) => [o.asset, o.side])).toEqual([
      ['A', 'sell'],
      ['B', 'buy'],
    ]);
    expect(r.orders[0].units).toBeCloseTo(5, 12);
    expect(r.orders[1].units).toBeCloseTo(10, 12);
    expect(r.orders[0].notional).toBeCloseTo(500, 10);
    expect(r.postTradeWeights.A).toBeCloseTo(0.55, 12);
    expect(r.cashAfter).toBe(0);
  });

  it('with a 10 bp fee: the kernel cost, order costs and lot rounding', () => {
    // Q = V·Σ|w' − w| = 10000·(0.05 + 0.05) = 1000; kernel cost = 1000·0.001 = 1; V' = 9999
    // A: 0.55·9999/100 = 54.9945 → sell 5.0055; B: 0.45·9999/50 = 89.991 → buy 9.991
    const r = advise(base([60, 80], {}, { feeBps: 10 }));
    expect(r.kernelCost).toBeCloseTo(1, 12);
    expect(r.orders[0].units).toBeCloseTo(5.0055, 10);
    expect(r.orders[1].units).toBeCloseTo(9.991, 10);
    // order costs: 500.55·0.001 + 499.55·0.001 = 1.0001
    expect(r.cost).toBeCloseTo(1.0001, 10);
    // lots of 1: a sell to the nearest lot (5), a buy down to a whole lot (9)
    const l = advise(base([60, 80], { lots: [1, 1] }, { feeBps: 10 }));
    expect(l.orders.map((o) => o.units)).toEqual([5, 9]);
    // cash: +500 − 450 − 0.5 − 0.45 = 49.05
    expect(l.cashAfter).toBeCloseTo(49.05, 10);
  });

  it('minimum trade suppresses a small rebalance (the kernel rule) and a small leg', () => {
    // the breach above trades Q = 1000 of notional: under minTrade 1500 the whole rebalance is skipped
    const r = advise(base([60, 80], {}, { minTrade: 1500 }));
    expect(r.trade).toBe(false);
    expect(r.orders).toEqual([]);
    expect(r.reason).toMatch(/below the minimum trade 1,500\.00/);
    expect(r.reason).toMatch(/1,000\.00/);
    // three assets: C's leg is small. A 0.6 (breach +0.1), B 0.25, C 0.15 vs targets 0.5/0.3/0.2
    // to target: A sells 1000, B buys 500, C buys 500 — with minTrade 600 the rebalance
    // (Q = 2000) passes but B's and C's legs (500 each) are dropped
    const t = advise({
      config: cfg({ mode: 'target', minTrade: 600 }),
      assets: ['A', 'B', 'C'],
      targets: [0.5, 0.3, 0.2],
      holdings: [60, 50, 15],
      cash: 0,
      prices: Float64Array.from([100, 50, 100]),
      dates: ['2024-05-15'],
      periodsPerYear: 252,
    });
    expect(t.orders.map((o) => [o.asset, o.side, o.units])).toEqual([['A', 'sell', 10]]);
    expect(t.suppressed.map((s) => s.asset)).toEqual(['B', 'C']);
    expect(t.cashAfter).toBeCloseTo(1000, 10);
  });

  it('cash counts in the value and a trade to target invests it', () => {
    // A 50 × 100 = 5000, B 80 × 50 = 4000, cash 1000: V = 10000, w = 0.5 / 0.4, B under by 0.1 → breach
    // to target: A 5000/100 = 50 (no order), B 5000/50 = 100 → buy 20, cash 0
    const r = advise(base([50, 80], { cash: 1000 }, { mode: 'target' }));
    expect(r.orders.map((o) => [o.asset, o.side])).toEqual([['B', 'buy']]);
    expect(r.orders[0].units).toBeCloseTo(20, 12);
    expect(r.cashAfter).toBe(0);
  });
});

describe('advise agrees with the backtest on its check rows', () => {
  for (const c of [
    cfg({ band: 'relative', width: 0.1, check: 'weekly', feeBps: 10, fixedFee: 1, minTrade: 100 }),
    cfg({ band: 'volatility', width: 0.5, lookback: 20, check: 'monthly', mode: 'inner', depth: 0.5, feeBps: 5 }),
    cfg({ band: 'drift', width: 0.03, check: 'daily', mode: 'target', feeBps: 5 }),
  ]) {
    it(`${c.band}: trade or not, post-trade weights and cost, on every check row`, async () => {
      const { matrix } = await loadPrices(ETF, { assets: ['SPY', 'TLT', 'GLD'], start: '2015-01-01', end: '2017-12-31' });
      const { N, T, dates } = matrix;
      const targets = [0.5, 0.3, 0.2];
      const start = c.lookback ?? 0;
      const ctx = new KernelContext({ prices: matrix.prices, T, N, dates, targets, periodsPerYear: matrix.periodsPerYear, start });
      const series = allocSeries(T - start, N, false);
      simulate(ctx, c, new Float64Array(N_METRICS), 0, series);
      const mask = ctx.mask(c.check);
      let checks = 0;
      let trades = 0;
      for (let t = start + 1; t < T; t++) {
        if (mask[t] !== 1) continue;
        checks++;
        // holdings before the check: yesterday's end-of-day weights and value at yesterday's prices
        const j = t - start;
        const V = series.value[j - 1];
        const holdings = Array.from({ length: N }, (_, i) => (series.weights[(j - 1) * N + i] * V) / matrix.prices[(t - 1) * N + i]);
        const L = c.lookback ?? 0;
        const from = Math.max(0, t - L - 1);
        const r = advise({
          config: c,
          assets: ['SPY', 'TLT', 'GLD'],
          targets,
          holdings,
          cash: 0,
          prices: matrix.prices.slice(from * N, (t + 1) * N),
          dates: dates.slice(from, t + 1),
          periodsPerYear: matrix.periodsPerYear,
        });
        const traded = series.trade[j] === 1;
        expect(r.kernelTrade, `row ${t} ${dates[t]}`).toBe(traded);
        if (r.suppressed.length === 0) expect(r.trade).toBe(traded);
        if (traded) {
          trades++;
          expect(r.kernelCost).toBeCloseTo(series.cost[j], 8);
          for (let i = 0; i < N; i++) {
            const a = ['SPY', 'TLT', 'GLD'][i];
            expect(r.kernelWeights[a]).toBeCloseTo(series.weights[j * N + i], 12);
            // the orders reach the same weights unless a leg fell under the minimum trade
            if (r.suppressed.length === 0) expect(r.postTradeWeights[a]).toBeCloseTo(series.weights[j * N + i], 6);
          }
        }
      }
      expect(checks).toBeGreaterThan(10);
      expect(trades).toBeGreaterThan(0);
    });
  }
});
