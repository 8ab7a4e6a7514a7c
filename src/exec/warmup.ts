/**
 * Exercise every branch of the kernel on a small synthetic context before real work, so V8
 * optimises simulate() and the passes after the generated kernels (kernel/backtest.ts) having
 * seen trades, every band scope and every mode (without it, speed was seen to vary up to 2×
 * between processes). Each generated kernel also warms itself up when it is first built
 * (kernel/generated.ts warmKernel), so kernels for (band, mode) pairs not listed here are
 * safe too.
 */
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import { ZERO_COSTS } from '../policy/types.js';

export function warmUp(N: number, rounds = 40): void {
  const T = 120;
  const prices = new Float64Array(T * N);
  const dates: string[] = [];
  let seed = 12345;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < N; i++) prices[i] = 100;
  for (let t = 0; t < T; t++) {
    dates.push(new Date(Date.UTC(2020, 0, 1 + t)).toISOString().slice(0, 10));
    if (t > 0) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * (1 + (rnd() - 0.5) * 0.08);
  }
  const targets = new Float64Array(N).fill(1 / N);
  const ctx = new KernelContext({ prices, T, N, dates, targets, periodsPerYear: 252, start: 10 });
  const out = new Float64Array(N_METRICS);
  const costs = { ...ZERO_COSTS, feeBps: 5, fixedFee: 1 };
  const configs: Config[] = [
    { band: 'absolute', width: 0.01, check: 'daily', mode: 'target', ...costs },
    { band: 'relative', width: 0.05, check: 'weekly', mode: 'edge', ...costs },
    { band: 'hybrid', width: 0.02, relWidth: 0.1, check: 3, mode: 'inner', depth: 0.5, cooldown: 2, ...costs },
    { band: 'volatility', width: 0.2, lookback: 10, check: 'daily', mode: 'partial', fraction: 0.5, ...costs },
    { band: 'drift', width: 0.01, check: 'daily', mode: 'edge', ...costs },
    { band: 'risk', width: 0.001, lookback: 10, check: 'daily', mode: 'target', ...costs },
    { band: 'calendar', width: 0, check: 'monthly', mode: 'target', ...costs, minTrade: 10 },
    { band: 'none', width: 0, check: 'daily', mode: 'target', ...costs },
  ];
  for (let r = 0; r < rounds; r++) for (const c of configs) simulate(ctx, c, out, 0);
}
