/**
 * Random inputs shared by the kernel suites that compare two kernels configuration by
 * configuration (generated vs readable, SIMD vs JS): a random-walk context and a configuration
 * arbitrary over every band, mode, schedule and cost feature.
 */
import fc from 'fast-check';
import { KernelContext } from '../../src/kernel/context.js';
import type { Config } from '../../src/policy/types.js';

/** A configuration arbitrary; lookbacks and minimum widths differ between suites (the SIMD suite keeps lookbacks within its start row). */
export function randomConfig(lookback: fc.Arbitrary<number>, minWidth: fc.Arbitrary<number>): fc.Arbitrary<Config> {
  return fc.record({
    band: fc.constantFrom('none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'),
    width: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
    relWidth: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    lookback,
    minWidth,
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
}

/** A random-walk context (prices moving up to ±vol/2 a day), 2-day date steps, start row 8. */
export function randomContext(N: number, T: number, seed: number, vol = 0.1, initialCapital?: number): KernelContext {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const prices = new Float64Array(T * N);
  for (let i = 0; i < N; i++) prices[i] = 10 + 100 * rnd();
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * Math.exp((rnd() - 0.5) * vol);
  const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2021, 0, 1 + t * 2)).toISOString().slice(0, 10));
  const raw = Array.from({ length: N }, () => 0.2 + rnd());
  const sum = raw.reduce((a, b) => a + b, 0);
  const targets = raw.map((x) => x / sum);
  return new KernelContext({ prices, T, N, dates, targets, periodsPerYear: 252, start: 8, initialCapital });
}
