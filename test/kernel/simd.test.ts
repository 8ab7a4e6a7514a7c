/**
 * The SIMD kernel (assembly/kernel.ts via kernel/simd.ts; needs `npm run build` for
 * dist/kernel/simd.wasm) must compute exactly what the JS kernel computes, configuration by
 * configuration: each f64x2 lane performs the JS kernel's IEEE operations in the same order,
 * so the comparison is Object.is on every metric (bit-identical, not a tolerance). The JS side
 * is simulate() one configuration at a time (the generated kernel up to MAX_GENERATED_N assets,
 * the readable path above it).
 *
 * The price paths here are random walks that move every asset every day, so no triggered
 * rebalance has Σ|w' − w| ≤ TRADE_EPS: the one rule where the two may differ on this branch
 * (issue 16's, implemented in the SIMD kernel, not yet in the JS one) cannot fire; the
 * flat-price case at the end checks that rule on its own.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { KernelContext } from '../../src/kernel/context.js';
import { simulate } from '../../src/kernel/backtest.js';
import { simdModule, simulateMany, SIMD_WIDTH } from '../../src/kernel/simd.js';
import { METRICS, M, N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';

const config = fc.record({
  band: fc.constantFrom('none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'),
  width: fc.double({ min: 0.001, max: 0.3, noNaN: true }),
  relWidth: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
  lookback: fc.constantFrom(3, 5),
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

function randomContext(N: number, T: number, seed: number, vol = 0.1): KernelContext {
  let s = seed >>> 0;
  const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const prices = new Float64Array(T * N);
  for (let i = 0; i < N; i++) prices[i] = 10 + 100 * rnd();
  for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = prices[(t - 1) * N + i] * Math.exp((rnd() - 0.5) * vol);
  const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2021, 0, 1 + t * 2)).toISOString().slice(0, 10));
  const raw = Array.from({ length: N }, () => 0.2 + rnd());
  const sum = raw.reduce((a, b) => a + b, 0);
  return new KernelContext({ prices, T, N, dates, targets: raw.map((x) => x / sum), periodsPerYear: 252, start: 8 });
}

function jsRows(ctx: KernelContext, cfgs: Config[]): Float64Array {
  const out = new Float64Array(cfgs.length * N_METRICS);
  cfgs.forEach((c, j) => simulate(ctx, c, out, j * N_METRICS));
  return out;
}

function simdRows(ctx: KernelContext, cfgs: Config[]): Float64Array {
  const out = new Float64Array(cfgs.length * N_METRICS);
  simulateMany(ctx, cfgs, out, (j, e) => {
    throw new Error(`configuration ${j} failed: ${String(e)}`);
  });
  return out;
}

/** "config j metric: js vs simd" for every differing value (Object.is). */
function differences(a: Float64Array, b: Float64Array): string[] {
  const d: string[] = [];
  for (let x = 0; x < a.length; x++) if (!Object.is(a[x], b[x])) d.push(`config ${Math.floor(x / N_METRICS)} ${METRICS[x % N_METRICS]}: ${a[x]} vs ${b[x]}`);
  return d;
}

describe('SIMD kernel', () => {
  it('is built (dist/kernel/simd.wasm; run npm run build)', () => {
    expect(simdModule()).not.toBeNull();
  });

  it.each([1, 2, 5, 9, 40, 70])('is bit-identical to the JS kernel for %i assets on random configurations', (N) => {
    const ctx = randomContext(N, 160, 1000 + N);
    const cfgs = fc.sample(config, { numRuns: N >= 40 ? 100 : 240, seed: 42 + N });
    const js = jsRows(ctx, cfgs);
    const simd = simdRows(ctx, cfgs);
    // issue 16's rule: where every JS "rebalance" moved nothing (turnover exactly 0: one asset,
    // whose weight is always 1, on calendar checks), the SIMD kernel counts none; the rest of the
    // row is the same (those events cost 0 and moved nothing)
    let zeroMove = 0;
    for (let j = 0; j < cfgs.length; j++) {
      const o = j * N_METRICS;
      if (js[o + M.turnover] === 0 && js[o + M.rebalances] > 0) {
        zeroMove++;
        expect([simd[o + M.rebalances], simd[o + M.rebalancesPerYear]]).toEqual([0, 0]);
        js[o + M.rebalances] = 0;
        js[o + M.rebalancesPerYear] = 0;
      }
    }
    if (N > 1) expect(zeroMove).toBe(0);
    expect(differences(js, simd)).toEqual([]);
    // the sample exercised trades on the SIMD side (not only buy-and-hold rows)
    let traded = 0;
    for (let j = 0; j < cfgs.length; j++) if (simd[j * N_METRICS + M.rebalances] > 0) traded++;
    if (N > 1) expect(traded).toBeGreaterThan(cfgs.length / 3);
  }, 120_000);

  it('gives every configuration the same row whatever shares its pass (order, chunks, duplicates)', () => {
    const ctx = randomContext(5, 200, 7);
    // many configurations of one kind and schedule so that passes are full and mixed differently
    const cfgs = fc.sample(config.map((c) => ({ ...c, band: 'relative' as const, check: 'weekly' as const, mode: 'edge' as const })), { numRuns: 37, seed: 3 });
    const all = simdRows(ctx, cfgs);
    const order = cfgs.map((_, j) => j).reverse();
    const reversed = simdRows(ctx, order.map((j) => cfgs[j]));
    for (let k = 0; k < order.length; k++) {
      expect(Array.from(reversed.subarray(k * N_METRICS, (k + 1) * N_METRICS))).toEqual(Array.from(all.subarray(order[k] * N_METRICS, (order[k] + 1) * N_METRICS)));
    }
    for (let j = 0; j < cfgs.length; j++) {
      // alone in a pass (the other lanes repeat it)
      const one = simdRows(ctx, [cfgs[j]]);
      expect(differences(all.subarray(j * N_METRICS, (j + 1) * N_METRICS), one)).toEqual([]);
    }
    expect(cfgs.length % SIMD_WIDTH).not.toBe(0); // a partly filled pass was among them
  });

  it('does not count a rebalance that moves nothing (Σ|w′ − w| ≤ 1e-12): flat prices, calendar checks', () => {
    // prices never move, so the weights stay exactly at the targets: every monthly check finds
    // nothing to trade; with minTrade 0 and a fixed fee, a counted "rebalance" would be an event
    // with zero turnover. Expected by hand: 0 rebalances, 0 turnover, 0 cost, the capital kept.
    const T = 120;
    const N = 3;
    const prices = new Float64Array(T * N).fill(50);
    const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2021, 0, 1 + t)).toISOString().slice(0, 10));
    const ctx = new KernelContext({ prices, T, N, dates, targets: [0.5, 0.3, 0.2], periodsPerYear: 252, start: 0, initialCapital: 1000 });
    const cfg: Config = { band: 'calendar', width: 0, check: 'monthly', mode: 'target', feeBps: 10, halfSpreadBps: 0, fixedFee: 1, minTrade: 0 };
    const row = simdRows(ctx, [cfg]);
    expect(row[M.rebalances]).toBe(0);
    expect(row[M.turnover]).toBe(0);
    expect(row[M.costDrag]).toBe(0);
    expect(row[M.finalValue]).toBe(1000);
  });

  it('leaves the risk band and unknown configuration fields to the JS kernel, with the same rows', () => {
    const ctx = randomContext(4, 120, 11);
    const risk: Config = { band: 'risk', width: 0.01, lookback: 5, check: 'daily', mode: 'edge', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    const other = { band: 'absolute', width: 0.02, check: 'daily', mode: 'target', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0, flows: [1] } as unknown as Config;
    expect(differences(jsRows(ctx, [risk, other]), simdRows(ctx, [risk, other]))).toEqual([]);
  });

  it('reports a failing configuration through onError without losing the others', () => {
    const ctx = randomContext(3, 60, 5);
    const ok: Config = { band: 'absolute', width: 0.02, check: 'daily', mode: 'target', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    // lookback 20 > window start 8: the JS kernel's RangeError
    const bad: Config = { band: 'volatility', width: 1, lookback: 20, check: 'daily', mode: 'target', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    const out = new Float64Array(3 * N_METRICS);
    const errors: number[] = [];
    simulateMany(ctx, [ok, bad, ok], out, (j) => errors.push(j));
    expect(errors).toEqual([1]);
    expect(Number.isNaN(out[N_METRICS + M.finalValue])).toBe(true);
    expect(differences(out.subarray(0, N_METRICS), jsRows(ctx, [ok]))).toEqual([]);
  });
});
