/**
 * Cash flows (docs/flows-and-taxes.md): hand-worked cases, the generated kernel = the readable
 * path bit for bit, and both = the independent plain reference (test/reference/plain.ts) to 1e-12.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { allocSeries, backtest, simulate } from '../../src/kernel/backtest.js';
import { KernelContext } from '../../src/kernel/context.js';
import { moneyWeightedReturn } from '../../src/kernel/flows.js';
import { METRICS, N_METRICS, type Metrics } from '../../src/kernel/metrics.js';
import type { FlowsSpec } from '../../src/policy/flows.js';
import type { Config } from '../../src/policy/types.js';
import { plainBacktest, plainIrr, type PlainInput, type PlainResult } from '../reference/plain.js';
import { cfg, consecutiveDates } from './helpers.js';

vi.setConfig({ testTimeout: 120_000 });

function run(input: PlainInput, config: Config): { metrics: Metrics; value: number[]; weights: number[][]; trade: boolean[] } {
  const r = backtest({ ...input, prices: Float64Array.from(input.prices), start: input.start ?? 0 }, config, true);
  const s = r.series;
  if (!s) throw new Error('no series');
  const N = input.N;
  return {
    metrics: r.metrics,
    value: Array.from(s.value),
    weights: Array.from({ length: s.value.length }, (_, k) => Array.from(s.weights.subarray(k * N, (k + 1) * N))),
    trade: Array.from(s.trade, (x) => x === 1),
  };
}

const dated = (...xs: [string, number][]): FlowsSpec => ({ periodic: [], dated: xs.map(([date, amount]) => ({ date, amount })) });

// two assets at 100, targets 50/50, capital 1000 (5 units each); on row 1 A is at 140:
// A 700, B 500, V 1200, w_A = 0.5833 — outside an absolute ±5% band
const D = consecutiveDates(3);
const breached = (flows: FlowsSpec): PlainInput => ({
  prices: [100, 100, 140, 100, 140, 100],
  T: 3,
  N: 2,
  dates: D,
  targets: [0.5, 0.5],
  periodsPerYear: 252,
  initialCapital: 1000,
  flows,
});
const band = cfg({ band: 'absolute', width: 0.05, check: 'daily', mode: 'target' });

describe('flows: hand-worked', () => {
  it('a contribution that fully rebalances a breached portfolio, with zero trades', () => {
    // +200 on row 1, mode rebalance: V1 = 1400, d_A = 700/1400 − 0.5 = 0, d_B = 500/1400 − 0.5 = −1/7,
    // f = 200/1400 = 1/7: the level L = 0 is reached by buying 200 of B alone → A 700, B 700:
    // on target, so the band does not trade
    const r = run(breached(dated([D[1], 200])), { ...band, flowMode: 'rebalance' });
    expect(r.metrics.rebalances).toBe(0);
    expect(r.value[1]).toBeCloseTo(1400, 9);
    expect(r.weights[1][0]).toBeCloseTo(0.5, 12);
    expect(r.weights[1][1]).toBeCloseTo(0.5, 12);
    // all the rebalancing was done by the flow: drift 1/12 (½·(|0.5833 − 0.5| + |0.4167 − 0.5|)) removed, no turnover
    expect(r.metrics.flowRebalanceShare).toBe(1);
    // pro rata instead: +100 each → A 800, B 600, w_A = 0.5714 > 0.55: the band trades
    const p = run(breached(dated([D[1], 200])), { ...band, flowMode: 'pro-rata' });
    expect(p.metrics.rebalances).toBe(1);
    expect(p.metrics.flowRebalanceShare).toBeGreaterThan(0);
    expect(p.metrics.flowRebalanceShare).toBeLessThan(1);
  });

  it('a withdrawal is taken from the overweight asset (and costed like a trade)', () => {
    // −200 on row 1, zero cost: V1 = 1000, d_A = 0.7 − 0.5 = 0.2, d_B = 0: sell 200 of A → A 500, B 500
    const r = run(breached(dated([D[1], -200])), { ...band, flowMode: 'rebalance' });
    expect(r.metrics.rebalances).toBe(0);
    expect(r.value[1]).toBeCloseTo(1000, 9);
    expect(r.weights[1][0]).toBeCloseTo(0.5, 12);
    // 10 bp: C = 200·0.001 = 0.2 and V1 = 1200 − 200 − 0.2 = 999.8. Selling 200.2 of A alone would leave
    // A 499.8 < B 500, so the level passes B's: both end on the same deviation, i.e. on target at 999.8:
    // A 499.9 (sells 200.1), B 499.9 (sells 0.1)
    const c = run(breached(dated([D[1], -200])), { ...band, flowMode: 'rebalance', feeBps: 10 });
    expect(c.value[1]).toBeCloseTo(999.8, 9);
    expect(c.weights[1][0] * c.value[1]).toBeCloseTo(499.9, 9);
    expect(c.weights[1][1] * c.value[1]).toBeCloseTo(499.9, 9);
    // the flow's cost joins the cost drag: 0.2/1200 of value over 2/252 years, in bp/yr
    expect(c.metrics.costDrag).toBeCloseTo((0.2 / 1200 / (2 / 252)) * 1e4, 9);
  });

  it('TWR (cagr) equals the no-flow CAGR when flows are pro rata at zero cost (daily calendar)', () => {
    const T = 60;
    const dates = consecutiveDates(T, '2023-01-02');
    const prices: number[] = [];
    for (let t = 0; t < T; t++) prices.push(100 * (1 + 0.01 * Math.sin(t)), 50 * (1 + 0.004 * t), 20 * Math.exp(0.002 * t * ((t % 3) - 1)));
    const base: PlainInput = { prices, T, N: 3, dates, targets: [0.5, 0.3, 0.2], periodsPerYear: 252 };
    const c = cfg({ band: 'calendar', check: 'daily' });
    const none = run(base, c);
    const flows: FlowsSpec = {
      periodic: [
        { amount: 5000, every: 'weekly' },
        { amount: -0.03, percent: true, every: 'monthly' },
      ],
      dated: [],
    };
    const withFlows = run({ ...base, flows }, c);
    expect(withFlows.metrics.finalValue).not.toBeCloseTo(none.metrics.finalValue, 0);
    expect(withFlows.metrics.cagr).toBeCloseTo(none.metrics.cagr, 12);
    expect(withFlows.metrics.volatility).toBeCloseTo(none.metrics.volatility, 12);
    expect(withFlows.metrics.maxDrawdown).toBeCloseTo(none.metrics.maxDrawdown, 12);
    expect(none.metrics.mwr).toBe(none.metrics.cagr);
    expect(none.metrics.flowRebalanceShare).toBe(0);
  });

  it('IRR of a known cash-flow series: 1000 in, +1000 after a year, 2310 after two → 10%', () => {
    // 1000·1.1² + 1000·1.1 = 1210 + 1100 = 2310
    const fl = Float64Array.from([0, 1000, 0]);
    expect(moneyWeightedReturn(1000, 2310, Int32Array.from([1, 3]), fl, 0, 3, 1)).toBeCloseTo(0.1, 14);
    expect(
      plainIrr([
        [0, -1000],
        [1, -1000],
        [2, 2310],
      ]),
    ).toBeCloseTo(0.1, 12);
    // the same through the backtest: one asset growing 10% a year, yearly rows (ppy 1)
    const input: PlainInput = {
      prices: [1, 1.1, 1.21],
      T: 3,
      N: 1,
      dates: ['2020-12-31', '2021-12-31', '2022-12-31'],
      targets: [1],
      periodsPerYear: 1,
      initialCapital: 1000,
      flows: dated(['2021-12-31', 1000]),
    };
    const r = run(input, cfg());
    expect(r.metrics.finalValue).toBeCloseTo(2310, 9);
    expect(r.metrics.mwr).toBeCloseTo(0.1, 12);
    expect(r.metrics.cagr).toBeCloseTo(0.1, 12);
  });

  it('a withdrawal that takes the value below zero is an error naming the date', () => {
    expect(() => run(breached(dated([D[1], -1300])), band)).toThrow(/on 2024-01-02 takes the portfolio value \(1200 before it\) to zero or below/);
  });

  it('periodic flows: schedule rows, start/end, growth per year', () => {
    // yearly on the last row of each year, 2020..2024 data, from 2021-06-01: 2021-12-31, 2022-12-30 (Fri), 2023-12-29 (Fri)
    const dates: string[] = [];
    for (let d = Date.UTC(2020, 0, 1); d <= Date.UTC(2024, 11, 31); d += 86400000) {
      const x = new Date(d);
      if (x.getUTCDay() !== 0 && x.getUTCDay() !== 6) dates.push(x.toISOString().slice(0, 10));
    }
    const T = dates.length;
    const input: PlainInput = {
      prices: Array.from({ length: T }, () => 10),
      T,
      N: 1,
      dates,
      targets: [1],
      periodsPerYear: 252,
      initialCapital: 1000,
      flows: { periodic: [{ amount: 100, every: 'yearly', start: '2021-06-01', growth: 0.1 }], dated: [] },
    };
    // amounts: 100 (0 whole years from 2021-06-01), 110 (1), 121 (2); 2024-12-31 is the last row: never a flow row
    const r = run(input, cfg());
    expect(r.metrics.finalValue).toBeCloseTo(1000 + 100 + 110 + 121, 9);
    const ctx = new KernelContext({ ...input, prices: Float64Array.from(input.prices), start: 0 });
    const rows = Array.from(ctx.flows?.rows ?? [])
      .slice(0, -1)
      .map((t) => dates[t]);
    expect(rows).toEqual(['2021-12-31', '2022-12-30', '2023-12-29']);
  });
});

// ------------------------------------------------------------------ random cases

const caseArb = fc
  .record({
    N: fc.integer({ min: 1, max: 5 }),
    T: fc.integer({ min: 12, max: 90 }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
    band: fc.constantFrom('none', 'calendar', 'absolute', 'relative', 'volatility', 'drift', 'risk'),
    width: fc.double({ min: 0.005, max: 0.2, noNaN: true }),
    check: fc.constantFrom('daily', 'weekly', 'monthly', 3),
    mode: fc.constantFrom('target', 'edge', 'inner', 'partial'),
    cooldown: fc.integer({ min: 0, max: 3 }),
    feeBps: fc.constantFrom(0, 5, 30),
    fixedFee: fc.constantFrom(0, 0.5),
    minTrade: fc.constantFrom(0, 50),
    flowMode: fc.constantFrom('pro-rata', 'rebalance'),
    amount: fc.double({ min: -300, max: 2000, noNaN: true }),
    every: fc.constantFrom('daily', 'weekly', 'monthly'),
    pct: fc.constantFrom(0, 0.02, -0.01),
    growth: fc.constantFrom(0, 0.05),
  })
  .map((g) => {
    let s = g.seed >>> 0;
    const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    const prices: number[] = [];
    for (let i = 0; i < g.N; i++) prices.push(10 + 100 * rnd());
    for (let t = 1; t < g.T; t++) for (let i = 0; i < g.N; i++) prices.push(prices[(t - 1) * g.N + i] * Math.exp((rnd() - 0.5) * 0.12));
    const parts = Array.from({ length: g.N }, () => 1 + rnd());
    const sum = parts.reduce((a, b) => a + b, 0);
    const lookback = g.band === 'volatility' || g.band === 'risk' ? 4 : undefined;
    const flows: FlowsSpec = { periodic: [{ amount: g.amount, every: g.every as 'daily', growth: g.growth || undefined }], dated: [] };
    if (g.pct !== 0) flows.periodic.push({ amount: g.pct, percent: true, every: 'weekly' });
    const input: PlainInput = {
      prices,
      T: g.T,
      N: g.N,
      dates: consecutiveDates(g.T, '2023-12-20'),
      targets: parts.map((p) => p / sum),
      periodsPerYear: 252,
      start: lookback ?? 0,
      initialCapital: 10_000,
      flows,
    };
    const config: Config = {
      band: g.band as Config['band'],
      width: g.band === 'volatility' ? g.width * 10 : g.width,
      check: g.check as Config['check'],
      mode: g.mode as Config['mode'],
      cooldown: g.cooldown,
      feeBps: g.feeBps,
      halfSpreadBps: 0,
      fixedFee: g.fixedFee,
      minTrade: g.minTrade,
      flowMode: g.flowMode as Config['flowMode'],
      ...(lookback ? { lookback } : {}),
      ...(g.mode === 'inner' ? { depth: 0.5 } : {}),
      ...(g.mode === 'partial' ? { fraction: 0.5 } : {}),
    };
    return { input, config };
  });

const agree = (a: number, b: number, tol = 1e-12): boolean =>
  !Number.isFinite(a) || !Number.isFinite(b)
    ? Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))
    : Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe('flows: kernel = generated kernel = plain reference', () => {
  it('random cases: the readable path agrees with the reference to 1e-12 (metrics, value path, trades)', () => {
    let flowsSeen = 0;
    let rebalancedByFlows = 0;
    fc.assert(
      fc.property(caseArb, ({ input, config }) => {
        let ref: PlainResult;
        try {
          ref = plainBacktest(input, config);
        } catch {
          // a withdrawal larger than the value: the kernel must refuse it too
          expect(() => run(input, config)).toThrow(/zero or below/);
          return;
        }
        fc.pre(ref.value.every((v) => v > 0));
        const k = run(input, config);
        if (ref.flow.some((f) => f !== 0)) flowsSeen++;
        if (ref.metrics.flowRebalanceShare > 0) rebalancedByFlows++;
        if (process.env.FLOW_DEBUG && !agree(k.metrics.trackingError, ref.metrics.trackingError)) {
          console.log(JSON.stringify({ N: input.N, T: input.T, flows: input.flows, config }));
          console.log(JSON.stringify({ kv: k.value, rv: ref.value, f: ref.flow }));
        }
        for (const m of METRICS)
          expect(agree(k.metrics[m], ref.metrics[m]), `${m}: kernel ${k.metrics[m]} ref ${ref.metrics[m]} ${JSON.stringify(config)}`).toBe(true);
        for (let t = 0; t < ref.value.length; t++) {
          expect(k.trade[t]).toBe(ref.trade[t]);
          expect(agree(k.value[t], ref.value[t]), `value[${t}]`).toBe(true);
        }
      }),
      { seed: 7, numRuns: 400 },
    );
    expect(flowsSeen).toBeGreaterThan(200);
    expect(rebalancedByFlows).toBeGreaterThan(100);
  });

  it('random cases: the generated kernel equals the readable path bit for bit', () => {
    fc.assert(
      fc.property(caseArb, ({ input, config }) => {
        const ctx = new KernelContext({ ...input, prices: Float64Array.from(input.prices), start: input.start ?? 0 });
        const fast = new Float64Array(N_METRICS);
        const slow = new Float64Array(N_METRICS);
        let fastErr = '';
        let slowErr = '';
        try {
          simulate(ctx, config, fast, 0, null);
        } catch (e) {
          fastErr = String(e);
        }
        try {
          simulate(ctx, config, slow, 0, allocSeries(input.T - (input.start ?? 0), input.N, false));
        } catch (e) {
          slowErr = String(e);
        }
        expect(fastErr).toBe(slowErr);
        METRICS.forEach((m, j) =>
          expect(Object.is(fast[j], slow[j]) || (Number.isNaN(fast[j]) && Number.isNaN(slow[j])), `${m}: ${fast[j]} vs ${slow[j]}`).toBe(true),
        );
      }),
      { seed: 11, numRuns: 400 },
    );
  });
});
