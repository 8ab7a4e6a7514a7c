/**
 * The SIMD kernel's driver: loads dist/kernel/simd.wasm (built from assembly/kernel.ts by
 * `npm run build`), lays out a context's prices, targets and benchmark returns in its memory
 * once, and runs configurations four at a time (two groups of two f64x2 lanes) when they share a kind:
 * band kind (none, calendar, static = absolute/relative/hybrid, volatility + lookback, drift),
 * mode and check schedule. Each lane computes exactly what the generated JS kernel and its two
 * passes compute (bit-identical, test/kernel/simd.test.ts), so results do not depend on which
 * configuration shares a pass with which. Not covered here (the JS kernel runs them): the risk
 * band (its T×N×N covariance table), series output, and any configuration the wasm file is
 * missing for.
 *
 * Issue 16's border-tie rule holds here as in the JS kernel: a rebalance whose Σ|w' − w| ≤
 * TRADE_EPS is no rebalance (the calendar baseline keeps its zero-turnover events).
 */
import { staticHalfWidths } from '../policy/bands.js';
import { costRate } from '../policy/costs.js';
import type { BandType, Config } from '../policy/types.js';
import type { KernelContext } from './context.js';
import { finishTotals, simulate } from './backtest.js';
import { N_METRICS } from './metrics.js';
import { stdFromShifted } from './stats.js';
import { compileWasm, findWasm, WA, type WasmMemory, type WasmModule } from '../wasm.js';

type RunFn = (
  P: number,
  W: number,
  VOL: number,
  checks: number,
  BR: number,
  G0: number,
  G1: number,
  start: number,
  T: number,
  N: number,
  band: number,
  mode: number,
  rfp: number,
) => void;

const BAND_KIND: { readonly [K in BandType]: number } = {
  none: 0,
  calendar: 1,
  absolute: 2,
  relative: 2,
  hybrid: 2,
  volatility: 3,
  drift: 4,
  risk: -1,
};
const MODE_CODE = { target: 0, edge: 1, inner: 2, partial: 3 } as const;
/** The Config fields the SIMD kernel implements; a configuration with any other field set runs on the JS kernel. */
const KNOWN_FIELDS = new Set([
  'band',
  'width',
  'relWidth',
  'lookback',
  'minWidth',
  'check',
  'cooldown',
  'mode',
  'depth',
  'fraction',
  'feeBps',
  'halfSpreadBps',
  'fixedFee',
  'minTrade',
]);

/** The interface version of assembly/kernel.ts this driver speaks (its `abi()` export). */
const SIMD_ABI = 4;

/** Configurations per pass: two groups of two f64x2 lanes (assembly/kernel.ts). */
export const SIMD_WIDTH = 4;

let wasmModule: WasmModule | null | undefined;
const SIMD_FALLBACK = 'the JS kernel runs instead (same results, slower)';

/** The compiled wasm module, or null when dist/kernel/simd.wasm is not there (run `npm run build`). */
export function simdModule(): WasmModule | null {
  if (wasmModule === undefined) wasmModule = findWasm(import.meta.url, 'kernel/simd.wasm', SIMD_FALLBACK);
  return wasmModule;
}

/**
 * Compile a wasm file, or null with a warning when it cannot be read or compiled (a truncated
 * file from an interrupted build, …): the JS kernel then runs everything (same numbers, slower).
 */
export function compileSimd(file: string): WasmModule | null {
  return compileWasm(file, SIMD_FALLBACK);
}

/** One context's SIMD state: its wasm instance and memory layout. */
export class SimdKernel {
  private readonly run: RunFn;
  private readonly mem: WasmMemory;
  private f64!: Float64Array;
  private i32!: Int32Array;
  private top: number;
  private readonly P: number;
  private readonly W: number;
  private readonly BR: number;
  /** The two group blocks (assembly/kernel.ts layout) and their slot offsets in f64 units. */
  private readonly G: [number, number];
  private readonly off: { B: number; PRM: number; OUT: number };
  private readonly rowsAt = new Map<Int32Array, number>();
  private readonly volAt = new Map<number, number>();
  private readonly wB: Float64Array;

  constructor(
    private readonly ctx: KernelContext,
    mod: WasmModule,
  ) {
    const inst = new WA.Instance(mod, {});
    // a module of another interface version (a stale dist/ from an older build) would read its
    // parameters from the wrong slots: refuse it (simdFor then runs the JS kernel, with a warning)
    const abi = typeof inst.exports.abi === 'function' ? (inst.exports.abi as () => number)() : 0;
    if (abi !== SIMD_ABI) throw new Error(`simd.wasm has interface version ${abi}, this code needs ${SIMD_ABI} (a stale build)`);
    this.run = inst.exports.run as RunFn;
    this.mem = inst.exports.memory as WasmMemory;
    const { T, N } = ctx;
    this.top = 4096;
    this.P = this.alloc(T * N * 8);
    this.W = this.alloc(N * 8);
    this.BR = this.alloc(T * 8);
    const block = (inst.exports.blockBytes as (n: number, t: number) => number)(N, T);
    this.G = [this.alloc(block), this.alloc(block)];
    // the block's areas as the module lays them out (assembly/kernel.ts), in f64 units
    const at = (name: string): number => (inst.exports[name] as (n: number) => number)(N) / 8;
    this.off = { B: at('offB'), PRM: at('offPRM'), OUT: at('offOUT') };
    this.f64.set(ctx.prices, this.P / 8);
    this.f64.set(ctx.targets, this.W / 8);
    this.f64.set(ctx.benchRet, this.BR / 8);
    this.wB = new Float64Array(N);
  }

  private alloc(bytes: number): number {
    const need = this.top + bytes + 16;
    const have = this.mem.buffer.byteLength;
    if (need > have) this.mem.grow(Math.ceil((need - have) / 65536));
    if (!this.f64 || this.f64.buffer !== this.mem.buffer) {
      this.f64 = new Float64Array(this.mem.buffer);
      this.i32 = new Int32Array(this.mem.buffer);
    }
    const a = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    return a;
  }

  private checksFor(rows: Int32Array): number {
    let a = this.rowsAt.get(rows);
    if (a === undefined) {
      a = this.alloc(rows.length * 4);
      this.i32.set(rows, a / 4);
      this.rowsAt.set(rows, a);
    }
    return a;
  }

  private volFor(L: number): number {
    let a = this.volAt.get(L);
    if (a === undefined) {
      const v = this.ctx.volatility(L);
      a = this.alloc(v.length * 8);
      this.f64.set(v, a / 8);
      this.volAt.set(L, a);
    }
    return a;
  }

  /**
   * A grouping key: configurations with equal keys (and the same check schedule) may share a
   * pass: band kind, mode and, for the volatility band, lookback. −1 when the SIMD kernel does not
   * run this configuration (the JS kernel does).
   */
  kind(cfg: Config): number {
    // a field this kernel does not know (cash flows, taxes, … added later) means the JS kernel
    for (const key in cfg) if (!KNOWN_FIELDS.has(key) && (cfg as unknown as Record<string, unknown>)[key] !== undefined) return -1;
    const b = BAND_KIND[cfg.band];
    if (b < 0) return -1;
    let L = 0;
    if (b === 3) {
      L = cfg.lookback ?? 0;
      if (!(Number.isInteger(L) && L >= 2 && this.ctx.start >= L)) return -1; // the JS kernel throws the user-facing error
    }
    return (L * 8 + b) * 4 + MODE_CODE[cfg.mode];
  }

  /** How tight a band is, to sort configurations of one kind: the narrowest static half-width, else the width parameter. */
  tightness(cfg: Config): number {
    if (BAND_KIND[cfg.band] !== 2) return cfg.width;
    staticHalfWidths(cfg, this.ctx.targets, this.wB);
    let b = Infinity;
    for (let i = 0; i < this.wB.length; i++) b = Math.min(b, this.wB[i]);
    return b;
  }

  /**
   * Run the first n (1 to SIMD_WIDTH) configurations of cfgs, of one kind and check schedule, in
   * one pass (empty lanes repeat the first), and write their metrics to out at offs[j].
   */
  batch(cfgs: readonly Config[], out: Float64Array, offs: readonly number[], n = cfgs.length): void {
    const { ctx, off } = this;
    const { T, N, start, ppy, riskFree } = ctx;
    const a = cfgs[0];
    const checks = this.checksFor(ctx.checkRows(a.check));
    const band = BAND_KIND[a.band];
    const vol = band === 3 ? this.volFor(a.lookback ?? 0) : 0;
    const f = this.f64; // after the allocations above: growing the memory replaces the view
    for (let lane = 0; lane < SIMD_WIDTH; lane++) {
      const c = lane < n ? cfgs[lane] : a;
      const g = this.G[lane >> 1] / 8;
      const l = lane & 1;
      if (band === 2) {
        staticHalfWidths(c, ctx.targets, this.wB);
        for (let i = 0; i < N; i++) f[g + off.B + 2 * i + l] = this.wB[i];
      }
      const p = g + off.PRM + l;
      f[p] = ctx.capital;
      f[p + 2] = c.width;
      f[p + 4] = c.mode === 'inner' ? (c.depth ?? NaN) : c.mode === 'partial' ? (c.fraction ?? NaN) : 0;
      f[p + 6] = costRate(c);
      f[p + 8] = c.fixedFee;
      f[p + 10] = c.minTrade;
      f[p + 12] = c.cooldown ?? 0;
      f[p + 14] = c.minWidth ?? 0;
    }
    this.run(this.P, this.W, vol, checks, this.BR, this.G[0], this.G[1], start, T, N, band, MODE_CODE[a.mode], riskFree / ppy);
    for (let lane = 0; lane < n; lane++) this.finish(cfgs[lane], out, offs[lane], this.G[lane >> 1] / 8 + off.OUT + (lane & 1));
  }

  /** fastSimulate's last steps (kernel/backtest.ts) from one lane's totals at f64 index q (stride 2). */
  private finish(cfg: Config, out: Float64Array, o: number, q: number): void {
    const { ctx, f64: f } = this;
    const { T, start, ppy } = ctx;
    const from = start + 1;
    const n = T - from;
    const meanr = f[q + 10] / n;
    const sdr = stdFromShifted(f[q + 12], f[q + 16], n);
    const sdd = stdFromShifted(f[q + 30], f[q + 18], n);
    const down = f[q + 22];
    if (!Number.isFinite(down)) {
      // the branch-free downside sum is not finite (an infinite return): the JS path's S.sortino
      // needs the return series, so this configuration runs on the JS kernel
      simulate(ctx, cfg, out, o);
      return;
    }
    const t = ctx.totals;
    t.events = f[q];
    t.turnSum = f[q + 2];
    t.costSum = f[q + 4];
    t.driftSum = f[q + 6];
    t.driftMax = f[q + 8];
    t.maxDD = f[q + 14];
    t.meanR = meanr;
    t.sdR = sdr;
    t.sdD = sdd;
    t.sortino = (f[q + 20] / n / Math.sqrt(down / n)) * Math.sqrt(ppy);
    t.totalCost = f[q + 26];
    t.assetTrades = f[q + 28];
    finishTotals(ctx, f[q + 24], out, o);
  }
}

const kernels = new WeakMap<KernelContext, SimdKernel | null>();

/** The SIMD kernel of ctx (built once), or null when the wasm file is not available. */
export function simdFor(ctx: KernelContext): SimdKernel | null {
  // cash flows and taxes (issue 13) run only on the JS kernels (generated / readable path)
  if (ctx.flows !== null || ctx.taxRate !== null) return null;
  let k = kernels.get(ctx);
  if (k === undefined) {
    const mod = simdModule();
    try {
      k = mod ? new SimdKernel(ctx, mod) : null;
    } catch (e) {
      // a wasm file without the expected exports, or memory that cannot grow to the matrix: JS kernel
      process.emitWarning(`SIMD kernel unavailable: ${e instanceof Error ? e.message : String(e)}; the JS kernel runs instead`);
      k = null;
    }
    kernels.set(ctx, k);
  }
  return k;
}

/**
 * Run cfgs[j] (null = skip) into out at j·N_METRICS, grouping configurations of the same kind
 * and schedule into SIMD pairs; those the SIMD kernel does not cover run on the JS kernel.
 * Results are in j order and do not depend on the grouping. A configuration that throws is
 * reported through onError (its row is NaN) and does not stop the others. `simd` null: the JS
 * kernel only.
 */
export function simulateMany(
  ctx: KernelContext,
  cfgs: readonly (Config | null)[],
  out: Float64Array,
  onError: (j: number, e: unknown) => void,
  simd: SimdKernel | null = simdFor(ctx),
): void {
  const one = (j: number): void => {
    const c = cfgs[j];
    if (c === null) return;
    try {
      simulate(ctx, c, out, j * N_METRICS);
    } catch (e) {
      out.fill(NaN, j * N_METRICS, (j + 1) * N_METRICS);
      onError(j, e);
    }
  };
  if (simd === null) {
    for (let j = 0; j < cfgs.length; j++) one(j);
    return;
  }
  // pending[kind and schedule] = the indices of the configurations of that kind and schedule
  const pending = new Map<number, number[]>();
  const rowsKey = new Map<Int32Array, number>();
  const lanes: Config[] = new Array<Config>(SIMD_WIDTH);
  const offs: number[] = new Array<number>(SIMD_WIDTH).fill(0);
  const runBatch = (w: readonly number[], from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      lanes[i - from] = cfgs[w[i]] as Config;
      offs[i - from] = w[i] * N_METRICS;
    }
    try {
      simd.batch(lanes, out, offs, to - from);
    } catch {
      // attribute the error to the configuration that has it
      for (let i = from; i < to; i++) one(w[i]);
    }
  };
  for (let j = 0; j < cfgs.length; j++) {
    const c = cfgs[j];
    if (c === null) continue;
    let kind: number;
    let rows: Int32Array;
    try {
      kind = simd.kind(c);
      rows = ctx.checkRows(c.check);
    } catch {
      kind = -1;
      rows = new Int32Array(0);
    }
    if (kind < 0) {
      one(j);
      continue;
    }
    let r = rowsKey.get(rows);
    if (r === undefined) rowsKey.set(rows, (r = rowsKey.size));
    const key = kind * 65536 + r;
    let w = pending.get(key);
    if (w === undefined) pending.set(key, (w = []));
    w.push(j);
  }
  // A pass runs the exact check on a check row when any of its four lanes may trade (the quiet
  // test, assembly/kernel.ts): four configurations that trade about as often share a pass when
  // each kind is taken in order of its narrowest half-width (measured on W1's daily checks: 738 →
  // 304 exact check rows per pass in order of width). The lanes are independent, so the grouping
  // changes no result.
  const tightness = new Float64Array(cfgs.length);
  for (const w of pending.values()) {
    for (const j of w) tightness[j] = simd.tightness(cfgs[j] as Config);
    w.sort((x, y) => tightness[x] - tightness[y] || x - y);
    for (let i = 0; i < w.length; i += SIMD_WIDTH) runBatch(w, i, Math.min(w.length, i + SIMD_WIDTH));
  }
}
