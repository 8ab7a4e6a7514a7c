/**
 * The one-pass sample standard deviation every kernel uses (src/kernel/stats.ts): against the
 * textbook two-pass formula written out here and simple-statistics, on the series a backtest
 * produces, on the series that break an unshifted one-pass formula, and on its edge cases.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/kernel/backtest.js';
import { matrixOf } from '../../src/kernel/context.js';
import { median3, sampleStd, stdFromShifted } from '../../src/kernel/stats.js';
import type { Config } from '../../src/policy/types.js';
import { plainBacktest } from '../reference/plain.js';
import { consecutiveDates, seeded } from './helpers.js';

/** Two passes: the mean first, then Σ(x − mean)²/(n − 1). */
function twoPass(x: number[]): number {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  return Math.sqrt(x.reduce((s, v) => s + (v - m) * (v - m), 0) / (x.length - 1));
}

/** n seeded normal draws. */
function normals(seed: number, n: number, mean: number, sd: number): number[] {
  const { gauss } = seeded(seed);
  return Array.from({ length: n }, () => mean + sd * gauss());
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('sampleStd (one pass, shifted by the median of the first three values)', () => {
  it('agrees with the two-pass formula to 1e-13 on daily returns and tracking differences', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const r = normals(seed, 2520, 0.0004, 0.011); // daily returns: mean ≪ spread
      const d = normals(seed + 1000, 2520, -2e-6, 3e-5); // a tight band's difference to its benchmark
      const x = Float64Array.from(r);
      expect(rel(sampleStd(x, 0, x.length), twoPass(r))).toBeLessThan(1e-13);
      expect(rel(sampleStd(Float64Array.from(d), 0, d.length), twoPass(d))).toBeLessThan(1e-13);
      expect(rel(sampleStd(x, 0, x.length), sampleStandardDeviation(r))).toBeLessThan(1e-13);
    }
  });

  it('keeps its digits where the mean is far larger than the spread (where Σx² − (Σx)²/n fails)', () => {
    // a steady 2 bp a day with a spread of 1e-7: the unshifted formula's subtraction cancels
    // about six of sixteen digits here ((mean/spread)² ≈ 4e6); the shifted one keeps them
    const x = normals(7, 2520, 2e-4, 1e-7);
    const s = sampleStd(Float64Array.from(x), 0, x.length);
    expect(rel(s, twoPass(x))).toBeLessThan(1e-12);
    const n = x.length;
    const s1 = x.reduce((a, v) => a + v, 0);
    const s2 = x.reduce((a, v) => a + v * v, 0);
    const unshifted = Math.sqrt(Math.max(0, s2 - (s1 * s1) / n) / (n - 1));
    expect(rel(unshifted, twoPass(x))).toBeGreaterThan(1e-10); // the failure the shift avoids
  });

  it('is exactly 0 on a constant series, and works on a slice [from, to)', () => {
    expect(sampleStd(new Float64Array(300).fill(0.000123), 0, 300)).toBe(0);
    // slice: only x[2..5) = 1, 2, 3 counts: sd = 1
    expect(sampleStd(Float64Array.from([99, -50, 1, 2, 3, 1e9]), 2, 5)).toBe(1);
    // 2, 4, 4, 4, 5, 5, 7, 9: Σ(x − 5)² = 32, sd = √(32/7)
    expect(sampleStd(Float64Array.from([2, 4, 4, 4, 5, 5, 7, 9]), 0, 8)).toBeCloseTo(Math.sqrt(32 / 7), 15);
  });

  it('is NaN for fewer than two values or a non-finite value', () => {
    expect(sampleStd(Float64Array.from([1]), 0, 1)).toBeNaN();
    expect(sampleStd(Float64Array.from([]), 0, 0)).toBeNaN();
    expect(sampleStd(Float64Array.from([1, Infinity, 2]), 0, 3)).toBeNaN();
    expect(sampleStd(Float64Array.from([Infinity, 1, 2]), 0, 3)).toBeNaN();
    expect(sampleStd(Float64Array.from([1, NaN, 2]), 0, 3)).toBeNaN();
  });

  it('keeps its digits when the window starts on an outlier (the shift is the median of the first three)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const x = normals(seed, 2520, 0.0004, 0.011);
      x[0] = 0.0004 + 30 * 0.011; // a 30σ first day: K = x[0] would cost ~18·ε·30² ≈ 4e-12
      expect(rel(sampleStd(Float64Array.from(x), 0, x.length), twoPass(x))).toBeLessThan(1e-13);
      const y = normals(seed, 2520, 0.0004, 0.011);
      y[0] = 0.0004 - 10 * 0.011; // two 10σ days among the first three: K is 10σ off
      y[2] = 0.0004 - 10 * 0.011;
      expect(rel(sampleStd(Float64Array.from(y), 0, y.length), twoPass(y))).toBeLessThan(1e-12);
    }
  });

  it('median3 is the median, whatever the order', () => {
    for (const [a, b, c] of [
      [1, 2, 3],
      [1, 3, 2],
      [2, 1, 3],
      [2, 3, 1],
      [3, 1, 2],
      [3, 2, 1],
      [2, 2, 1],
      [1, 2, 2],
      [-5, 7, 7],
    ])
      expect(median3(a, b, c)).toBe([a, b, c].sort((u, v) => u - v)[1]);
  });

  it('is +Infinity when the squares overflow, as the two-pass formula gives, not NaN', () => {
    const x = [1e200, 1, 2, 3];
    expect(twoPass(x)).toBe(Infinity);
    expect(sampleStd(Float64Array.from(x), 0, 4)).toBe(Infinity);
  });

  it('stdFromShifted clamps a rounding below zero to 0', () => {
    // a = 3e-10, q = 3e-20·(1 − 2e-16): q − a·(a/3) rounds to −6e-36: 0, not NaN
    expect(3e-20 * (1 - 2e-16) - 1e-10 * 3 * ((1e-10 * 3) / 3)).toBeLessThan(0);
    expect(stdFromShifted(1e-10 * 3, 3e-20 * (1 - 2e-16), 3)).toBe(0);
    expect(stdFromShifted(0, 8, 5)).toBe(Math.sqrt(2));
    expect(stdFromShifted(1, 1, 1)).toBeNaN();
  });
});

describe("the kernels' volatility and tracking error against the two-pass reference (test/reference/plain.ts)", () => {
  /** Two assets, 2,521 daily rows of N(0, 1.1%) log-returns, asset 0 jumping by `jump` on row 1. */
  function jumpInput(seed: number, jump: number) {
    const { gauss } = seeded(seed);
    const T = 2521;
    const N = 2;
    const prices: number[] = [100, 100];
    for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices.push(prices[(t - 1) * N + i] * (t === 1 && i === 0 ? jump : Math.exp(0.011 * gauss())));
    return { prices, T, N, dates: consecutiveDates(T), targets: [0.6, 0.4], periodsPerYear: 252 };
  }
  const cfg = { band: 'absolute', width: 0.05, check: 'daily', mode: 'target', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 } as Config;

  it('agree to 1e-12 when the window starts with a jump of 30%, 100% or 200% (an outlier first return)', () => {
    for (const jump of [1.3, 2, 3])
      for (let seed = 1; seed <= 5; seed++) {
        const input = jumpInput(seed, jump);
        const k = backtest({ ...matrixOf({ ...input, prices: Float64Array.from(input.prices) }), targets: input.targets }, cfg).metrics;
        const p = plainBacktest(input, cfg).metrics;
        expect(rel(k.volatility, p.volatility)).toBeLessThan(1e-12);
        expect(rel(k.trackingError, p.trackingError)).toBeLessThan(1e-12);
      }
  });

  it('give sharpe and sortino within 1e-12 of the reference on low-drift series (the mean stays Σr/n)', () => {
    // a mean computed as K + Σ(r − K)/n from the deviations' shift lost digits here (1.2e-12)
    for (let seed = 1; seed <= 10; seed++) {
      const { gauss } = seeded(seed);
      const T = 2521;
      const prices = [100, 100];
      for (let t = 1; t < T; t++) for (let i = 0; i < 2; i++) prices.push(prices[(t - 1) * 2 + i] * Math.exp(0.0001 + 0.011 * gauss()));
      const input = { prices, T, N: 2, dates: consecutiveDates(T), targets: [0.6, 0.4], periodsPerYear: 252 };
      const k = backtest({ ...matrixOf({ ...input, prices: Float64Array.from(prices) }), targets: input.targets }, cfg).metrics;
      const p = plainBacktest(input, cfg).metrics;
      expect(rel(k.sharpe, p.sharpe)).toBeLessThan(1e-12);
      expect(rel(k.sortino, p.sortino)).toBeLessThan(1e-12);
    }
  });

  it('give a Sortino of +Infinity with no return below rf/ppy, one of them a unit in the last place above it', () => {
    const prices = [1, 2, 4, 8, 16 * (1 + 2 ** -52)];
    const input = { prices, T: 5, N: 1, dates: consecutiveDates(5), targets: [1], periodsPerYear: 4, riskFree: 4 };
    const none = { ...cfg, band: 'none', width: 0 } as Config;
    const k = backtest({ ...matrixOf({ ...input, prices: Float64Array.from(prices) }), targets: input.targets, riskFree: 4 }, none).metrics;
    expect(plainBacktest(input, none).metrics.sortino).toBe(Infinity);
    expect(k.sortino).toBe(Infinity);
  });

  it('give an infinite volatility where a return overflows the squares, as the reference does', () => {
    const T = 30;
    const prices = Array.from({ length: T }, (_, t) => (t === 12 ? 1e-160 : 100 * (1 + 0.01 * Math.sin(t))));
    const input = { prices, T, N: 1, dates: consecutiveDates(T), targets: [1], periodsPerYear: 252, start: 2 };
    const none = { ...cfg, band: 'none', width: 0 } as Config;
    const k = backtest({ ...matrixOf({ ...input, prices: Float64Array.from(prices) }), targets: input.targets, start: 2 }, none).metrics;
    const p = plainBacktest(input, none).metrics;
    expect(p.volatility).toBe(Infinity);
    expect(k.volatility).toBe(Infinity);
    expect(k.sharpe).toBe(p.sharpe);
  });
});
