/**
 * The one-pass sample standard deviation every kernel uses (src/kernel/stats.ts): against the
 * textbook two-pass formula written out here and simple-statistics, on the series a backtest
 * produces, on the series that break an unshifted one-pass formula, and on its edge cases.
 */
import { sampleStandardDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { sampleStd, stdFromShifted } from '../../src/kernel/stats.js';

/** Two passes: the mean first, then Σ(x − mean)²/(n − 1). */
function twoPass(x: number[]): number {
  const m = x.reduce((s, v) => s + v, 0) / x.length;
  return Math.sqrt(x.reduce((s, v) => s + (v - m) * (v - m), 0) / (x.length - 1));
}

/** A small deterministic generator (mulberry32) and normal draws by Box–Muller. */
function normals(seed: number, n: number, mean: number, sd: number): number[] {
  let a = seed >>> 0;
  const u = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()));
  return out;
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('sampleStd (one pass, shifted by the first value)', () => {
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

  it('stdFromShifted clamps a rounding below zero to 0', () => {
    // q − a²/n = 1e-20 − 1e-20·(1 + 1e-15)… < 0 by rounding: 0, not NaN
    expect(stdFromShifted(1e-10 * 3, 3e-20 * (1 - 2e-16), 3)).toBe(0);
    expect(stdFromShifted(0, 8, 5)).toBe(Math.sqrt(2));
    expect(stdFromShifted(1, 1, 1)).toBeNaN();
  });
});
