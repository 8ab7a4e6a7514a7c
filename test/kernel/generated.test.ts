/**
 * The kernels generated per (asset count, band, mode) (kernel/generated.ts, with the passes in
 * kernel/backtest.ts fastSimulate) must compute exactly what the readable path computes
 * (makeCheckDay + genericDayLoop + kernel/stats.ts). The readable path runs when a series is
 * requested, so comparing simulate() with and without a series compares the two.
 *
 * "Exactly" is checked with Object.is on every metric: equal doubles, +0 ≠ −0, NaN = NaN
 * (the sign of a NaN is not a result).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { KernelContext } from '../../src/kernel/context.js';
import { allocSeries, simulate } from '../../src/kernel/backtest.js';
import { kernelSource } from '../../src/kernel/generated.js';
import { METRICS, N_METRICS, M } from '../../src/kernel/metrics.js';
import { BAND_TYPES, MODES, type BandType, type CheckEvery, type Config, type Mode } from '../../src/policy/types.js';
import { randomConfig, randomContext } from './random.js';

const config = randomConfig(fc.integer({ min: 2, max: 8 }), fc.constantFrom(0, 0.002, 0.02));

function fastAndReadable(ctx: KernelContext, cfg: Config): { fast: number[]; readable: number[] } {
  const fast = new Float64Array(N_METRICS);
  const slow = new Float64Array(N_METRICS);
  simulate(ctx, cfg, fast, 0, null);
  simulate(ctx, cfg, slow, 0, allocSeries(ctx.T - ctx.start, ctx.N, true));
  return { fast: Array.from(fast), readable: Array.from(slow) };
}

/** Names of the metrics that differ (Object.is), for a readable failure. */
function differing(a: number[], b: number[]): string[] {
  return METRICS.filter((_, m) => !Object.is(a[m], b[m])).map((name) => `${name}: ${a[M[name]]} vs ${b[M[name]]}`);
}

/** The band parameters of a grid cell: `tight` breaches often, the other one now and then. */
function bandParams(band: BandType, tight: boolean): { width: number; relWidth?: number; lookback?: number; minWidth?: number } {
  switch (band) {
    case 'absolute':
      return { width: tight ? 0.01 : 0.05 };
    case 'relative':
      return { width: tight ? 0.05 : 0.3 };
    case 'hybrid':
      return { width: tight ? 0.02 : 0.06, relWidth: tight ? 0.05 : 0.3 };
    case 'volatility':
      return { width: tight ? 0.05 : 0.4, lookback: 5, minWidth: tight ? 0.01 : 0 };
    case 'drift':
      return { width: tight ? 0.01 : 0.05 };
    case 'risk':
      return { width: tight ? 0.002 : 0.02, lookback: 5 };
    default:
      return { width: 0 };
  }
}

describe('generated kernels', () => {
  it('are bit-identical to the readable path (random prices and configurations)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 12, max: 90 }), fc.integer(), config, (N, T, seed, cfg) => {
        const { fast, readable } = fastAndReadable(randomContext(N, T, seed), cfg);
        expect(differing(fast, readable)).toEqual([]);
      }),
      { seed: 20261124, numRuns: 400 },
    );
  });

  // N = 9 runs the risk band's loop form (above MAX_UNROLLED_RISK_N = 8), the others the unrolled one
  for (const N of [1, 2, 5, 9]) {
    it(`are bit-identical on every band × mode × schedule × cooldown × minTrade × fixed fee (N = ${N})`, () => {
      const ctx = randomContext(N, 70, 1000 + N, 0.12);
      const checks: CheckEvery[] = ['daily', 'weekly', 3];
      const failures: string[] = [];
      // rebalances per cell without minTrade and cooldown → per `${minTrade}/${cooldown}`
      const events = new Map<string, Map<string, number>>();
      const tradedBands = new Set<BandType>();
      let cells = 0;
      for (const band of BAND_TYPES)
        for (const mode of MODES)
          for (const check of checks)
            for (const tight of [true, false])
              for (const cooldown of [0, 2])
                for (const minTrade of [0, 300])
                  for (const fixedFee of [0, 2]) {
                    const cfg: Config = {
                      band,
                      mode,
                      check,
                      cooldown,
                      minTrade,
                      fixedFee,
                      feeBps: 10,
                      halfSpreadBps: 2,
                      depth: 0.5,
                      fraction: 0.3,
                      ...bandParams(band, tight),
                    };
                    const { fast, readable } = fastAndReadable(ctx, cfg);
                    cells++;
                    const d = differing(fast, readable);
                    if (d.length > 0) failures.push(`${JSON.stringify(cfg)}: ${d.join('; ')}`);
                    if (fast[M.rebalances] > 0) tradedBands.add(band);
                    const base = JSON.stringify({ ...cfg, minTrade: null, cooldown: null });
                    if (!events.has(base)) events.set(base, new Map());
                    events.get(base)?.set(`${minTrade}/${cooldown}`, fast[M.rebalances]);
                  }
      expect(failures).toEqual([]);
      expect(cells).toBe(BAND_TYPES.length * MODES.length * checks.length * 16);
      // the grid really trades (every band but buy-and-hold, if there is more than one asset to
      // drift apart) and minTrade and the cooldown really skip trades somewhere
      const expected: BandType[] = N === 1 ? ['calendar'] : BAND_TYPES.filter((b) => b !== 'none');
      for (const b of expected) expect(tradedBands.has(b), `band ${b} never traded`).toBe(true);
      if (N > 1) {
        let skippedByMinTrade = false;
        let skippedByCooldown = false;
        for (const e of events.values()) {
          const free = e.get('0/0') ?? -1;
          if ((e.get('300/0') ?? Infinity) < free) skippedByMinTrade = true;
          if ((e.get('0/2') ?? Infinity) < free) skippedByCooldown = true;
        }
        expect(skippedByMinTrade, 'minTrade never skipped a rebalance').toBe(true);
        expect(skippedByCooldown, 'the cooldown never skipped a rebalance').toBe(true);
      }
    });
  }

  it('are bit-identical when fees drive the value below zero', () => {
    // capital 50, a fixed fee of 20 per asset traded: the first daily rebalance costs more than
    // the portfolio is worth, and every value, return and drawdown after it is literal
    const ctx = randomContext(3, 40, 77, 0.1, 50);
    for (const mode of MODES) {
      const cfg: Config = {
        band: 'calendar',
        width: 0,
        check: 'daily',
        mode,
        fraction: 0.5,
        depth: 0.5,
        feeBps: 0,
        halfSpreadBps: 0,
        fixedFee: 20,
        minTrade: 0,
      };
      const { fast, readable } = fastAndReadable(ctx, cfg);
      expect(fast[M.finalValue]).toBeLessThan(0);
      expect(differing(fast, readable)).toEqual([]);
    }
  });

  it('are bit-identical when a return is infinite (sortino then comes from the plain sums)', () => {
    // every price falls to 1e-307 on row 12 and is back near 100 on row 13: r_13 = V_13/V_12 − 1
    // overflows to +inf, the returns around it stay finite, so the readable sortino is +inf
    // while the branch-free sum of min(r, 0)² would be NaN (inf − inf)
    const T = 30;
    for (const N of [1, 2]) {
      const prices = new Float64Array(T * N);
      for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) prices[t * N + i] = t === 12 ? 1e-307 : 100 * (1 + 0.01 * Math.sin(t + i));
      const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2022, 0, 3 + t)).toISOString().slice(0, 10));
      const ctx = new KernelContext({ prices, T, N, dates, targets: Array(N).fill(1 / N), periodsPerYear: 252, start: 2 });
      for (const band of ['none', 'calendar', 'absolute', 'drift'] as BandType[]) {
        const cfg: Config = { band, width: 0.05, check: 'daily', mode: 'target', feeBps: 1, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
        const { fast, readable } = fastAndReadable(ctx, cfg);
        expect(fast[M.sortino]).toBe(Infinity);
        expect(differing(fast, readable)).toEqual([]);
      }
    }
  });

  it('do not depend on what ran before them (scratch buffers, kernel caches)', () => {
    const ctx = randomContext(4, 60, 4242, 0.12);
    const cfgs: Config[] = [];
    for (const band of BAND_TYPES)
      for (const mode of MODES as readonly Mode[])
        cfgs.push({
          band,
          mode,
          check: 'daily',
          cooldown: 1,
          minTrade: 100,
          fixedFee: 1,
          feeBps: 5,
          halfSpreadBps: 1,
          depth: 0.4,
          fraction: 0.6,
          ...bandParams(band, true),
        });
    const run = (order: Config[]): Map<Config, number[]> => {
      const res = new Map<Config, number[]>();
      const out = new Float64Array(N_METRICS);
      for (const c of order) {
        simulate(ctx, c, out, 0);
        res.set(c, Array.from(out));
      }
      return res;
    };
    const forward = run(cfgs);
    const backward = run([...cfgs].reverse());
    for (const c of cfgs) expect(differing(forward.get(c) ?? [], backward.get(c) ?? [])).toEqual([]);
  });

  it('are generated from the asset count, band and mode only', () => {
    // the source embeds no number but indices, sizes and the trade epsilon: user values
    // (widths, fees, capital) arrive at run time through the prm array
    const src = kernelSource(3, 'static', 'inner');
    expect(src).toContain('prm[');
    expect(src).not.toMatch(/0\.0[1-9]|100000/);
    expect(kernelSource(3, 'static', 'inner')).toBe(src);
  });
});
