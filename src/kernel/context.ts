/**
 * Everything a backtest needs that does not depend on the configuration, prepared once per
 * (price matrix, targets, window) and reused by every configuration a worker runs: the
 * benchmark returns, check masks per schedule, rolling volatilities and covariances per
 * lookback, and scratch buffers (so the per-configuration loop allocates nothing).
 */
import type { CheckEvery } from '../policy/types.js';
import { checkMask, scheduleKey } from '../policy/schedule.js';
import { compileFlows, hasFlows, type CompiledFlows, type FlowsSpec } from '../policy/flows.js';
import { applyFlow, FA_SLOTS } from './flows.js';
import { TX_SLOTS } from './tax.js';
import { PRM_SLOTS, type FlowHook } from './generated.js';
import { ACC, emptyTotals, type Totals } from './totals.js';

export interface ContextInput {
  prices: Float64Array;
  T: number;
  N: number;
  dates: readonly string[];
  targets: ArrayLike<number>;
  periodsPerYear: number;
  /** First window row. */
  start: number;
  initialCapital?: number;
  /** Annual risk-free rate for sharpe and sortino. */
  riskFree?: number;
  /** Cash flows over the window (policy/flows.ts), or none. */
  flows?: FlowsSpec | null;
  /** Capital-gains tax rate on net realised gains (kernel/tax.ts), or none. */
  tax?: number | null;
  /** With tax: a rebalance that would sell an asset with an unrealised gain trades only to the band edge. */
  taxAware?: boolean;
}

/** The part of a context's input that a loaded price matrix provides. */
export type MatrixLike = Pick<ContextInput, 'prices' | 'T' | 'N' | 'dates' | 'periodsPerYear'>;

/** Just the MatrixLike fields of `m` (a loaded matrix, or any input that carries them), to spread into a context's or a worker's input. */
export function matrixOf(m: MatrixLike): MatrixLike {
  return { prices: m.prices, T: m.T, N: m.N, dates: m.dates, periodsPerYear: m.periodsPerYear };
}

export class KernelContext {
  readonly prices: Float64Array;
  readonly T: number;
  readonly N: number;
  readonly dates: readonly string[];
  readonly targets: Float64Array;
  readonly ppy: number;
  readonly start: number;
  readonly capital: number;
  readonly riskFree: number;
  /** r^b_t = Σ w*_i·(P_i,t/P_i,t−1 − 1) for t > start (index t). */
  readonly benchRet: Float64Array;
  /** cagr of the benchmark over the window. */
  readonly benchCagr: number;
  /** Benchmark value index, 1 at start (index t). */
  readonly benchValue: Float64Array;

  // scratch, length T or N, reused by every configuration
  readonly values: Float64Array;
  readonly rets: Float64Array;
  readonly diff: Float64Array;
  /** Drift of the end-of-day weights per row (written by the generated kernels). */
  readonly drift: Float64Array;
  readonly h: Float64Array;
  readonly w: Float64Array;
  readonly wp: Float64Array;
  readonly b: Float64Array;
  readonly dev: Float64Array;
  /** Per-configuration trade state (see kernel/backtest.ts) and loop accumulators. */
  readonly state = new Float64Array(8);
  /** Results of the readable day loop, or of the generated kernel and its passes (slots: kernel/totals.ts ACC). */
  readonly acc = new Float64Array(ACC.SIZE);
  /** The last simulated window's named totals (kernel/totals.ts), reused: no allocation per configuration. */
  readonly totals: Totals = emptyTotals();
  /** The generated kernel's per-configuration scalars (kernel/generated.ts PRM_*). */
  readonly kernelParams = new Float64Array(PRM_SLOTS);

  /** Cash flows of the window (null: none), the flow amount F_t written per flow row, and the flow totals (kernel/flows.ts FA_*). */
  readonly flows: CompiledFlows | null;
  readonly fl: Float64Array;
  readonly flowAcc = new Float64Array(FA_SLOTS);
  readonly flowX: Float64Array;
  /** The current configuration's flow scalars: [rebalance ? 1 : 0, cost rate, fixed fee]. */
  readonly flowPrm = new Float64Array(3);
  /** Tax (null: none): the rate, per-asset cost basis, the holdings before a trade, the year-end rows, the totals (kernel/tax.ts TX_*). */
  readonly taxRate: number | null;
  readonly basis: Float64Array;
  readonly hPrev: Float64Array;
  readonly taxYearEnd: Uint8Array;
  readonly taxAcc = new Float64Array(TX_SLOTS);
  readonly taxAware: boolean;
  private hook: FlowHook | null = null;

  private readonly named = new Map<string, { mask: Uint8Array; rows: Int32Array }>();
  private readonly everyN = new Map<number, { mask: Uint8Array; rows: Int32Array }>();
  private readonly vols = new Map<number, Float64Array>();
  private readonly covs = new Map<number, Float64Array>();
  private logRets: Float64Array | null = null;

  /** A context over a loaded price matrix (data/'s PriceMatrix has this shape): the window's own inputs in `rest`. */
  static forMatrix(m: MatrixLike, rest: Omit<ContextInput, keyof MatrixLike> & { periodsPerYear?: number }): KernelContext {
    return new KernelContext({ ...matrixOf(m), ...rest });
  }

  constructor(inp: ContextInput) {
    const { T, N, start } = inp;
    if (start < 0 || start >= T - 1) throw new RangeError(`window start ${start} leaves fewer than 2 rows of ${T}`);
    // V8 reads a SharedArrayBuffer-backed Float64Array about 2× slower than a private one
    // (measured here), so each context keeps its own copy of the shared matrix: it is small
    // (T×N×8 bytes) and copied once per worker, not per configuration.
    this.prices = inp.prices.buffer instanceof SharedArrayBuffer ? new Float64Array(inp.prices) : inp.prices;
    this.T = T;
    this.N = N;
    this.dates = inp.dates;
    this.targets = Float64Array.from(inp.targets);
    this.ppy = inp.periodsPerYear;
    this.start = start;
    this.capital = inp.initialCapital ?? 100_000;
    this.riskFree = inp.riskFree ?? 0;
    this.values = new Float64Array(T);
    this.rets = new Float64Array(T);
    this.diff = new Float64Array(T);
    this.drift = new Float64Array(T);
    this.h = new Float64Array(N);
    this.w = new Float64Array(N);
    this.wp = new Float64Array(N);
    this.b = new Float64Array(N);
    this.dev = new Float64Array(N);
    this.flows = hasFlows(inp.flows) ? compileFlows(inp.flows, inp.dates, start) : null;
    this.fl = new Float64Array(this.flows ? T : 0);
    this.flowX = new Float64Array(N);
    this.taxRate = inp.tax === undefined || inp.tax === null ? null : inp.tax;
    this.basis = new Float64Array(N);
    this.taxAware = this.taxRate !== null && inp.taxAware === true;
    this.hPrev = new Float64Array(N);
    this.taxYearEnd = this.taxRate === null ? new Uint8Array(0) : checkMask(inp.dates, start, 'yearly');

    const prices = this.prices;
    const br = new Float64Array(T);
    const bv = new Float64Array(T);
    bv[start] = 1;
    for (let t = start + 1; t < T; t++) {
      let r = 0;
      for (let i = 0; i < N; i++) r += this.targets[i] * (prices[t * N + i] / prices[(t - 1) * N + i] - 1);
      br[t] = r;
      bv[t] = bv[t - 1] * (1 + r);
    }
    this.benchRet = br;
    this.benchValue = bv;
    const years = (T - 1 - start) / this.ppy;
    this.benchCagr = Math.pow(bv[T - 1] / bv[start], 1 / years) - 1;
  }

  /**
   * The generated kernels' flow hook (kernel/generated.ts FlowHook), built once per context:
   * its step applies a row's flow to `h` (free scratch on the generated path) with the scalars
   * of flowPrm, through the same applyFlow the readable day loop calls.
   */
  flowHook(): FlowHook {
    const flows = this.flows;
    if (!flows) throw new Error('flowHook: this context has no flows');
    if (!this.hook) {
      const { prices: P, N, targets: W, h, fl, flowX: x, flowAcc: acc, dates, flowPrm: prm } = this;
      const { abs, pct } = flows;
      this.hook = {
        rows: flows.rows,
        hs: h,
        step: (t: number, row: number, V: number): number => applyFlow(h, P, row, N, W, V, t, abs, pct, fl, prm[0] === 1, prm[1], prm[2], x, acc, dates),
      };
    }
    return this.hook;
  }

  /** Check rows for a schedule as a 0/1 mask of length T (cached). */
  mask(check: CheckEvery): Uint8Array {
    return this.schedule(check).mask;
  }

  /**
   * The same check rows as an ascending list of the rows t in (start, T) with mask[t] = 1,
   * followed by T as a sentinel (cached): the generated kernels compare t with the next check
   * row instead of loading mask[t] every day.
   */
  checkRows(check: CheckEvery): Int32Array {
    return this.schedule(check).rows;
  }

  private schedule(check: CheckEvery): { mask: Uint8Array; rows: Int32Array } {
    // numeric schedules get their own map so the per-configuration lookup builds no string
    let s = typeof check === 'number' ? this.everyN.get(check) : this.named.get(check);
    if (!s) {
      const mask = checkMask(this.dates, this.start, check);
      let n = 0;
      for (let t = this.start + 1; t < this.T; t++) n += mask[t] === 1 ? 1 : 0;
      const rows = new Int32Array(n + 1);
      let k = 0;
      for (let t = this.start + 1; t < this.T; t++) if (mask[t] === 1) rows[k++] = t;
      rows[n] = this.T;
      s = { mask, rows };
      if (typeof check === 'number') this.everyN.set(check, s);
      else this.named.set(scheduleKey(check), s);
    }
    return s;
  }

  private logReturns(): Float64Array {
    if (!this.logRets) {
      const { T, N, prices } = this;
      const lr = new Float64Array(T * N);
      for (let t = 1; t < T; t++) for (let i = 0; i < N; i++) lr[t * N + i] = Math.log(prices[t * N + i] / prices[(t - 1) * N + i]);
      this.logRets = lr;
    }
    return this.logRets;
  }

  /**
   * σ_i,t (T×N): annualized sample std (n − 1) of the L log returns ending at t
   * (returns of rows t−L+1..t); defined for t ≥ L, NaN before. Two-pass per window, cached.
   */
  volatility(L: number): Float64Array {
    let v = this.vols.get(L);
    if (v) return v;
    const { T, N } = this;
    const lr = this.logReturns();
    v = new Float64Array(T * N).fill(NaN);
    const annual = Math.sqrt(this.ppy);
    for (let t = Math.max(L, 1); t < T; t++) {
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let u = t - L + 1; u <= t; u++) s += lr[u * N + i];
        const m = s / L;
        let ss = 0;
        for (let u = t - L + 1; u <= t; u++) {
          const d = lr[u * N + i] - m;
          ss += d * d;
        }
        v[t * N + i] = Math.sqrt(ss / (L - 1)) * annual;
      }
    }
    this.vols.set(L, v);
    return v;
  }

  /**
   * Σ_t (T×N×N): sample covariance (n − 1) of the L simple returns ending at t, defined for
   * t ≥ L. Updated incrementally as the window rolls (add the new return, remove the oldest,
   * Welford-style co-moment updates): O(T·N²), never O(T·L·N²). Cached per lookback.
   */
  covariance(L: number): Float64Array {
    let c = this.covs.get(L);
    if (c) return c;
    const { T, N, prices } = this;
    const NN = N * N;
    c = new Float64Array(T * NN).fill(NaN);
    const mu = new Float64Array(N);
    const co = new Float64Array(NN);
    const x = new Float64Array(N);
    const dx = new Float64Array(N);
    let n = 0;
    const ret = (t: number, out: Float64Array): void => {
      for (let i = 0; i < N; i++) out[i] = prices[t * N + i] / prices[(t - 1) * N + i] - 1;
    };
    for (let t = 1; t < T; t++) {
      // add return t
      ret(t, x);
      n++;
      for (let i = 0; i < N; i++) {
        dx[i] = x[i] - mu[i];
        mu[i] += dx[i] / n;
      }
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) co[i * N + j] += dx[i] * (x[j] - mu[j]);
      if (n > L) {
        // remove return t − L
        ret(t - L, x);
        n--;
        for (let i = 0; i < N; i++) {
          dx[i] = x[i] - mu[i];
          mu[i] -= dx[i] / n;
        }
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) co[i * N + j] -= dx[i] * (x[j] - mu[j]);
      }
      if (n === L) for (let k = 0; k < NN; k++) c[t * NN + k] = co[k] / (L - 1);
    }
    this.covs.set(L, c);
    return c;
  }
}
