/**
 * Shared helpers for the kernel suites: build small inputs by hand, run either the fast
 * kernel or the plain reference behind one interface, and compare numbers.
 */
import { expect } from 'vitest';
import { matrixOf } from '../../src/kernel/context.js';
import { backtest } from '../../src/kernel/backtest.js';
import type { Config } from '../../src/policy/types.js';
import type { Metrics } from '../../src/kernel/metrics.js';
import { plainBacktest, type PlainInput } from '../reference/plain.js';

export interface Run {
  metrics: Metrics;
  /** Per window row. */
  value: number[];
  weights: number[][];
  trade: boolean[];
  cost: number[];
  benchmark: number[];
}

export type Impl = (input: PlainInput, config: Config) => Run;

/** The kernel's input for a hand-built PlainInput. */
function kernelInput(input: PlainInput): Parameters<typeof backtest>[0] {
  return {
    ...matrixOf({ ...input, prices: Float64Array.from(input.prices) }),
    targets: input.targets,
    start: input.start,
    initialCapital: input.initialCapital,
    riskFree: input.riskFree,
  };
}

/** The generated kernel (no series requested): metrics only. */
export function kernelMetrics(input: PlainInput, config: Config): Metrics {
  return backtest(kernelInput(input), config, false).metrics;
}

export const kernelImpl: Impl = (input, config) => {
  const out = backtest(kernelInput(input), config, true);
  const s = out.series;
  if (s === undefined) throw new Error('kernel returned no series although wantSeries = true');
  const Tw = s.value.length;
  const weights: number[][] = [];
  for (let k = 0; k < Tw; k++) weights.push(Array.from(s.weights.subarray(k * input.N, (k + 1) * input.N)));
  return {
    metrics: out.metrics,
    value: Array.from(s.value),
    weights,
    trade: Array.from(s.trade, (x) => x !== 0),
    cost: Array.from(s.cost),
    benchmark: Array.from(s.benchmark),
  };
};

export const referenceImpl: Impl = (input, config) => {
  const r = plainBacktest(input, config);
  return { metrics: r.metrics, value: r.value, weights: r.weights, trade: r.trade, cost: r.cost, benchmark: r.benchmark };
};

export const IMPLS: [string, Impl][] = [
  ['kernel', kernelImpl],
  ['reference', referenceImpl],
];

/** Consecutive calendar days from `first` (ISO), `n` of them. */
export function consecutiveDates(n: number, first = '2024-01-01'): string[] {
  const t0 = Date.parse(first + 'T00:00:00Z');
  return Array.from({ length: n }, (_, k) => new Date(t0 + k * 86400000).toISOString().slice(0, 10));
}

export interface ScenarioOptions {
  dates?: string[];
  targets?: number[];
  ppy?: number;
  start?: number;
  initialCapital?: number;
  riskFree?: number;
}

/** An input from price rows (rows[t][i] = price of asset i on row t). */
export function scenario(rows: number[][], opts: ScenarioOptions = {}): PlainInput {
  const T = rows.length;
  const N = rows[0].length;
  const prices: number[] = [];
  for (const row of rows) {
    if (row.length !== N) throw new Error('ragged price rows');
    prices.push(...row);
  }
  return {
    prices,
    T,
    N,
    dates: opts.dates ?? consecutiveDates(T),
    targets: opts.targets ?? Array.from({ length: N }, () => 1 / N),
    periodsPerYear: opts.ppy ?? 252,
    start: opts.start,
    initialCapital: opts.initialCapital,
    riskFree: opts.riskFree,
  };
}

/** A configuration: buy-and-hold, daily, target mode and zero costs unless overridden. */
export function cfg(over: Partial<Config> = {}): Config {
  return {
    band: 'none',
    width: 0,
    check: 'daily',
    mode: 'target',
    feeBps: 0,
    halfSpreadBps: 0,
    fixedFee: 0,
    minTrade: 0,
    ...over,
  };
}

/** |a − b| ≤ tol·max(1, |b|): relative for large numbers, absolute near zero. */
export function close(actual: number, expected: number, tol = 1e-10): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
}

export function expectClose(actual: number, expected: number, tol = 1e-10, label = ''): void {
  if (!close(actual, expected, tol)) {
    expect.fail(`${label} expected ${expected}, got ${actual} (tol ${tol})`);
  }
}

export function expectPath(actual: number[], expected: number[], tol = 1e-10, label = 'path'): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) expectClose(actual[k], expected[k], tol, `${label}[${k}]`);
}

/** Window-row indices where a rebalance event happened. */
export function tradeRows(run: Run): number[] {
  const rows: number[] = [];
  run.trade.forEach((x, k) => {
    if (x) rows.push(k);
  });
  return rows;
}

/** A seeded uniform generator on [0, 1) (mulberry32) and standard normal draws from it (Box–Muller). */
export function seeded(seed: number): { u: () => number; gauss: () => number } {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { u, gauss: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
}
