/**
 * The day loop generated per asset count must compute exactly what the plain loop computes:
 * the plain loop runs when a series is requested, so comparing simulate() with and without a
 * series compares the two, bit for bit, on random prices and configurations.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { KernelContext } from '../../src/kernel/context.js';
import { allocSeries, simulate } from '../../src/kernel/backtest.js';
import { N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';

const config = fc.record({
  band: fc.constantFrom('none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'),
  width: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
  relWidth: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
  lookback: fc.integer({ min: 2, max: 8 }),
  check: fc.constantFrom('daily', 'weekly', 'monthly', 3),
  mode: fc.constantFrom('target', 'edge', 'inner', 'partial'),
  depth: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  fraction: fc.double({ min: 0.05, max: 1, noNaN: true }),
  cooldown: fc.integer({ min: 0, max: 4 }),
  feeBps: fc.double({ min: 0, max: 50, noNaN: true }),
  halfSpreadBps: fc.double({ min: 0, max: 20, noNaN: true }),
  fixedFee: fc.double({ min: 0, max: 20, noNaN: true }),
  minTrade: fc.double({ min: 0, max: 2000, noNaN: true }),
}) as fc.Arbitrary<Config>;

describe('generated day loop', () => {
  it('is bit-identical to the plain loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 12, max: 90 }), fc.integer(), config, (N, T, seed, cfg) => {
        let s = seed >>> 0;
        const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
        const prices = new Float64Array(T * N);
        for (let i = 0; i < N; i++) prices[i] = 10 + 100 * rnd();
        for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * Math.exp((rnd() - 0.5) * 0.1);
        const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2021, 0, 1 + t * 2)).toISOString().slice(0, 10));
        const raw = Array.from({ length: N }, () => 0.2 + rnd());
        const sum = raw.reduce((a, b) => a + b, 0);
        const targets = raw.map((x) => x / sum);
        const ctx = new KernelContext({ prices, T, N, dates, targets, periodsPerYear: 252, start: 8 });
        const fast = new Float64Array(N_METRICS);
        const slow = new Float64Array(N_METRICS);
        simulate(ctx, cfg, fast, 0, null);
        simulate(ctx, cfg, slow, 0, allocSeries(T - 8, N, true));
        expect(Array.from(fast)).toEqual(Array.from(slow));
      }),
      { seed: 20261124, numRuns: 400 },
    );
  });
});
