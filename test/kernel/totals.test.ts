/**
 * Named totals (src/kernel/totals.ts): the one totals → metrics function, by hand; and the kernel's
 * totals reach walk-forward stitching as they are (no metric is de-annualized and re-annualized).
 */
import { describe, expect, it } from 'vitest';
import { KernelContext } from '../../src/kernel/context.js';
import { M, N_METRICS } from '../../src/kernel/metrics.js';
import { emptyTotals, metricsFromTotals } from '../../src/kernel/totals.js';
import { ParameterSpace } from '../../src/search/space.js';
import { runPiece, stitchMetrics } from '../../src/validate/walkforward.js';
import { consecutiveDates } from './helpers.js';

describe('metricsFromTotals', () => {
  it('turns a window of 253 rows at 252 periods a year (exactly 1 year) into the metrics by hand', () => {
    const t = {
      ...emptyTotals(),
      rows: 253,
      ppy: 252,
      riskFree: 0.0252,
      vStart: 100,
      vEnd: 110,
      benchCagr: 0.04,
      events: 6,
      turnSum: 0.75,
      costSum: 0.002,
      driftSum: 5.06,
      driftMax: 0.07,
      maxDD: 0.12,
      meanR: 0.0005,
      sdR: 0.01,
      sdD: 0.002,
      sortino: 1.5,
    };
    const out = new Float64Array(N_METRICS + 2).fill(-1);
    metricsFromTotals(t, out, 1);
    expect(out[0]).toBe(-1);
    expect(out[N_METRICS + 1]).toBe(-1);
    const m = (name: keyof typeof M): number => out[1 + M[name]];
    expect(m('turnover')).toBe(0.75); // 0.75 / 1 year
    expect(m('rebalances')).toBe(6);
    expect(m('rebalancesPerYear')).toBe(6);
    expect(m('costDrag')).toBeCloseTo(20, 12); // 0.002 a year = 20 bp
    expect(m('cagr')).toBeCloseTo(0.1, 14); // 110/100 over one year
    expect(m('excessReturn')).toBeCloseTo(0.06, 14);
    expect(m('volatility')).toBeCloseTo(0.01 * Math.sqrt(252), 14);
    expect(m('trackingError')).toBeCloseTo(0.002 * Math.sqrt(252), 14);
    // (0.0005 − 0.0252/252) / 0.01 · √252 = 0.04 · √252
    expect(m('sharpe')).toBeCloseTo(0.04 * Math.sqrt(252), 12);
    expect(m('sortino')).toBe(1.5);
    expect(m('meanDrift')).toBeCloseTo(0.02, 15); // 5.06 / 253 rows
    expect(m('maxDrift')).toBe(0.07);
    expect(m('maxDrawdown')).toBe(0.12);
    expect(m('finalValue')).toBe(110);
  });
});

describe('kernel totals reach stitching unchanged', () => {
  const T = 400;
  const N = 3;
  const prices = new Float64Array(T * N);
  let s = 31;
  const u = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < N; i++) prices[i] = 50 + 20 * i;
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * (1 + 0.013 * (i + 1) * (u() - 0.5));
  const ctx = new KernelContext({ prices, T, N, dates: consecutiveDates(T), targets: [0.5, 0.3, 0.2], periodsPerYear: 252, start: 20 });
  const space = new ParameterSpace(
    {
      bands: {
        absolute: { width: [0.005, 0.01, 0.03] },
        relative: { width: [0.07, 0.15] },
        drift: { width: [0.013] },
        volatility: { width: [0.9], lookback: [20] },
      },
      check: ['daily', 'weekly', 3],
      mode: ['target', 'edge', 'partial'],
      fraction: [0.3],
      cooldown: [0, 2],
    },
    { kind: 'grid' },
    { costs: { feeBps: 7, halfSpreadBps: 3, fixedFee: 0.7, minTrade: 0 } },
  );

  it("one stitched piece has exactly the kernel's turnover, rebalances, cost drag and drift, for every configuration", () => {
    const out = new Float64Array(N_METRICS);
    for (let id = 0; id < space.size; id++) {
      const piece = runPiece(ctx, space.config(id), out);
      const st = stitchMetrics([piece], 252);
      for (const name of ['turnover', 'rebalances', 'rebalancesPerYear', 'costDrag', 'meanDrift', 'maxDrift'] as const)
        expect(st[M[name]], `${name} of ${id}`).toBe(out[M[name]]);
    }
  });
});
