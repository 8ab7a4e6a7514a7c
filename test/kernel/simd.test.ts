/**
 * The SIMD kernel (assembly/kernel.ts via kernel/simd.ts; needs `npm run build` for
 * dist/kernel/simd.wasm) must compute exactly what the JS kernel computes, configuration by
 * configuration: each f64x2 lane performs the JS kernel's IEEE operations in the same order,
 * so the comparison is Object.is on every metric (bit-identical, not a tolerance). The JS side
 * is simulate() one configuration at a time (the generated kernel up to MAX_GENERATED_N assets,
 * the readable path above it).
 *
 * Issue 16's border-tie rule (Σ|w' − w| ≤ TRADE_EPS is no rebalance, except for calendar) is in
 * both kernels; two hand-worked cases check it on the SIMD side.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { KernelContext } from '../../src/kernel/context.js';
import { simulate } from '../../src/kernel/backtest.js';
import { compileSimd, SimdKernel, simdModule, simulateMany, SIMD_WIDTH } from '../../src/kernel/simd.js';
import { QUIET_MARGIN, QUIET_MIN_VALUE } from '../../src/kernel/quiet.js';
import { METRICS, M, N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';
import { randomConfig, randomContext } from './random.js';

const config = randomConfig(fc.constantFrom(3, 5), fc.constantFrom(0, 0, 0.01, 0.05));

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

  it.each([1, 2, 5, 9, 40, 70])(
    'is bit-identical to the JS kernel for %i assets on random configurations',
    (N) => {
      const ctx = randomContext(N, 160, 1000 + N);
      const cfgs = fc.sample(config, { numRuns: N >= 40 ? 100 : 240, seed: 42 + N });
      const js = jsRows(ctx, cfgs);
      const simd = simdRows(ctx, cfgs);
      expect(differences(js, simd)).toEqual([]);
      // the sample exercised trades on the SIMD side (not only buy-and-hold rows)
      let traded = 0;
      for (let j = 0; j < cfgs.length; j++) if (simd[j * N_METRICS + M.rebalances] > 0) traded++;
      if (N > 1) expect(traded).toBeGreaterThan(cfgs.length / 3);
    },
    120_000,
  );

  it('gives every configuration the same row whatever shares its pass (order, chunks, duplicates)', () => {
    const ctx = randomContext(5, 200, 7);
    // many configurations of one kind and schedule so that passes are full and mixed differently
    const cfgs = fc.sample(
      config.map((c) => ({ ...c, band: 'relative' as const, check: 'weekly' as const, mode: 'edge' as const })),
      { numRuns: 37, seed: 3 },
    );
    const all = simdRows(ctx, cfgs);
    const order = cfgs.map((_, j) => j).reverse();
    const reversed = simdRows(
      ctx,
      order.map((j) => cfgs[j]),
    );
    for (let k = 0; k < order.length; k++) {
      expect(Array.from(reversed.subarray(k * N_METRICS, (k + 1) * N_METRICS))).toEqual(
        Array.from(all.subarray(order[k] * N_METRICS, (order[k] + 1) * N_METRICS)),
      );
    }
    for (let j = 0; j < cfgs.length; j++) {
      // alone in a pass (the other lanes repeat it)
      const one = simdRows(ctx, [cfgs[j]]);
      expect(differences(all.subarray(j * N_METRICS, (j + 1) * N_METRICS), one)).toEqual([]);
    }
    expect(cfgs.length % SIMD_WIDTH).not.toBe(0); // a partly filled pass was among them
  });

  it('decides like the JS kernel when a weight sits on the band edge, a unit in the last place or a margin away (the quiet check)', () => {
    // The quiet check skips the divisions of a check row only when no lane can trigger; a weight
    // within QUIET_MARGIN of its band edge must go to the exact test. Half-widths taken from the
    // JS weights of real rows: exactly |w − w*| (strict >: no breach), one ulp either side, and
    // QUIET_MARGIN / 2 either side (inside the margin: the exact test decides).
    const ctx = randomContext(5, 300, 21, 0.02);
    const { N, T, start, targets, prices } = ctx;
    // buy-and-hold weights from the start row, in the JS kernel's order of operations
    const h = Array.from({ length: N }, (_, i) => (targets[i] * ctx.capital) / prices[start * N + i]);
    const edges: number[] = [];
    for (const t of [start + 1, start + 7, start + 40, T - 2]) {
      let V = 0;
      for (let i = 0; i < N; i++) V += h[i] * prices[t * N + i];
      let e = 0;
      for (let i = 0; i < N; i++) e = Math.max(e, Math.abs((h[i] * prices[t * N + i]) / V - targets[i]));
      edges.push(e);
    }
    const up = (x: number): number => x + x * Number.EPSILON;
    const down = (x: number): number => x - x * Number.EPSILON;
    const widths = edges.flatMap((e) => [e, up(e), down(e), e + QUIET_MARGIN / 2, e - QUIET_MARGIN / 2]);
    const cfgs: Config[] = widths.flatMap((width) =>
      (['target', 'edge'] as const).map(
        (mode) => ({ band: 'absolute', width, check: 'daily', mode, feeBps: 10, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 }) as Config,
      ),
    );
    const js = jsRows(ctx, cfgs);
    expect(differences(js, simdRows(ctx, cfgs))).toEqual([]);
    // one check row only (row start + 1; the last row is never a check): on the edge no trade
    // (strict >), an ulp or half a margin inside it one
    const short = randomContext(5, 11, 21, 0.02);
    const t = short.start + 1;
    const hs = Array.from({ length: N }, (_, i) => (short.targets[i] * short.capital) / short.prices[short.start * N + i]);
    let V = 0;
    for (let i = 0; i < N; i++) V += hs[i] * short.prices[t * N + i];
    let e = 0;
    for (let i = 0; i < N; i++) e = Math.max(e, Math.abs((hs[i] * short.prices[t * N + i]) / V - short.targets[i]));
    const one = (width: number): Config => ({
      band: 'absolute',
      width,
      check: 'daily',
      mode: 'target',
      feeBps: 10,
      halfSpreadBps: 0,
      fixedFee: 0,
      minTrade: 0,
    });
    const pair = [one(e), one(down(e)), one(e - QUIET_MARGIN / 2), one(e + QUIET_MARGIN / 2)];
    const rows = simdRows(short, pair);
    expect(pair.map((_, j) => rows[j * N_METRICS + M.rebalances])).toEqual([0, 1, 1, 0]);
    expect(differences(jsRows(short, pair), rows)).toEqual([]);
  });

  it('follows the border-tie rule: an edge trade then a row where nothing moved is one rebalance (issue 16)', () => {
    // test/kernel/border-tie.test.ts's hand-worked case: A, B at 100, targets ½/½, capital 100000.
    // Row 1: A → 80: w_A = 4/9, |w_A − ½| = 1/18 > 0.02 → edge trade to (0.48, 0.52), Σ|w' − w|
    // = 0.64/9. Row 2: nothing moved; w_A = 0.48 sits on the border (in doubles it breaches by
    // 1e-17 and the edge trade moves ~1e-17): no rebalance. Row 3 is the last row.
    // years = 3/252 → turnover = (0.32/9)/(3/252) = 0.32·252/27.
    const prices = Float64Array.from([100, 100, 80, 100, 80, 100, 80, 100]);
    const dates = ['2021-01-04', '2021-01-05', '2021-01-06', '2021-01-07'];
    const ctx = new KernelContext({ prices, T: 4, N: 2, dates, targets: [0.5, 0.5], periodsPerYear: 252, start: 0, initialCapital: 100_000 });
    const cfg: Config = { band: 'absolute', width: 0.02, check: 'daily', mode: 'edge', feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    const row = simdRows(ctx, [cfg]);
    expect(row[M.rebalances]).toBe(1);
    expect(Math.abs(row[M.turnover] - (0.32 * 252) / 27)).toBeLessThan(1e-10);
  });

  it("keeps the calendar baseline's zero-turnover checks as events (interpretation 15), like the JS kernel", () => {
    // Flat prices: the weights never leave the targets. Monthly checks on daily dates from
    // 2021-01-01 (rows 0–119): the last days of January (row 30), February (58) and March (89);
    // April's (row 119) is the last row, never a check. So 3 events, each moving nothing: turnover
    // 0, cost 0 (no asset traded, so no fixed fee), the capital kept.
    const T = 120;
    const N = 3;
    const prices = new Float64Array(T * N).fill(50);
    const dates = Array.from({ length: T }, (_, t) => new Date(Date.UTC(2021, 0, 1 + t)).toISOString().slice(0, 10));
    const ctx = new KernelContext({ prices, T, N, dates, targets: [0.5, 0.3, 0.2], periodsPerYear: 252, start: 0, initialCapital: 1000 });
    const cfg: Config = { band: 'calendar', width: 0, check: 'monthly', mode: 'target', feeBps: 10, halfSpreadBps: 0, fixedFee: 1, minTrade: 0 };
    const row = simdRows(ctx, [cfg]);
    expect([row[M.rebalances], row[M.turnover], row[M.costDrag], row[M.finalValue]]).toEqual([3, 0, 0, 1000]);
    expect(differences(jsRows(ctx, [cfg]), row)).toEqual([]);
  });

  it('leaves the risk band and unknown configuration fields to the JS kernel, with the same rows', () => {
    const ctx = randomContext(4, 120, 11);
    const risk: Config = { band: 'risk', width: 0.01, lookback: 5, check: 'daily', mode: 'edge', feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 };
    const other = {
      band: 'absolute',
      width: 0.02,
      check: 'daily',
      mode: 'target',
      feeBps: 5,
      halfSpreadBps: 0,
      fixedFee: 0,
      minTrade: 0,
      flows: [1],
    } as unknown as Config;
    expect(differences(jsRows(ctx, [risk, other]), simdRows(ctx, [risk, other]))).toEqual([]);
  });

  it('a truncated wasm file (an interrupted build) means the JS kernel, not a crash of every task', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-simd-'));
    const bad = path.join(dir, 'simd.wasm');
    // the wasm magic and version, then a type section that claims more bytes than there are
    await writeFile(bad, Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x01]));
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    const mod = compileSimd(bad);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(mod).toBeNull();
    expect(warnings.join('\n')).toContain('the JS kernel runs instead');
  });

  it('a ruined portfolio (V at or below QUIET_MIN_VALUE) takes the exact test, like the JS kernel', () => {
    // fixed fees larger than the capital: the first trade leaves V < 0; half-widths of 1e-13 and
    // 0 make the quiet thresholds b·(1 − m) − m negative, where V < 0 would flip the test
    const ctx = randomContext(3, 40, 9, 0.05);
    const cfgs: Config[] = [1e-13, 0, 0.01].map((width) => ({
      band: 'absolute',
      width,
      check: 'daily',
      mode: 'target',
      feeBps: 0,
      halfSpreadBps: 0,
      fixedFee: ctx.capital,
      minTrade: 0,
    }));
    const js = jsRows(ctx, cfgs);
    expect(js[M.finalValue]).toBeLessThanOrEqual(QUIET_MIN_VALUE); // ruined
    expect(differences(js, simdRows(ctx, cfgs))).toEqual([]);
  });

  it('refuses a kernel module of another interface version (a stale build) instead of reading the wrong slots', async () => {
    // a hand-written module exporting only memory and abi() = 2 (this driver speaks version 4)
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'rl-simd-')), 'simd.wasm');
    const exports = [2, 6, ...Buffer.from('memory'), 2, 0, 3, ...Buffer.from('abi'), 0, 0];
    await writeFile(
      file,
      Uint8Array.from([
        ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
        ...[1, 5, 1, 0x60, 0, 1, 0x7f],
        ...[3, 2, 1, 0],
        ...[5, 3, 1, 0, 1],
        ...[7, exports.length, ...exports],
        ...[10, 6, 1, 4, 0, 0x41, 2, 0x0b],
      ]),
    );
    const mod = compileSimd(file);
    expect(mod).not.toBeNull(); // it compiles: only its version shows it is stale
    expect(() => new SimdKernel(randomContext(3, 40, 2), mod as NonNullable<typeof mod>)).toThrow(/interface version 2, this code needs 4/);
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
