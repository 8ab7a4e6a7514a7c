/**
 * The backtest kernel (design §3–§4): one pass over the window per configuration.
 *
 * Arrays in, numbers out: it imports nothing beyond policy/. The day loop allocates
 * nothing and creates no objects; everything lives in the KernelContext's scratch buffers.
 */
import { BANDS, staticHalfWidths } from '../policy/bands.js';
import { MODE_SPECS, modeScale } from '../policy/modes.js';
import { costRate, TRADE_EPS } from '../policy/costs.js';
import type { Config } from '../policy/types.js';
import { KernelContext, type ContextInput } from './context.js';
import { M, N_METRICS, rowToMetrics, type Metrics } from './metrics.js';
import * as S from './stats.js';
import { dayLoopFor, MAX_GENERATED_N } from './generated.js';

/** Per-row series of one configuration (for --series and the report); index 0 = window start. */
export interface BacktestSeries {
  /** Post-cost portfolio value. */
  value: Float64Array;
  /** End-of-day (post-trade) weights, Tw×N row-major. */
  weights: Float64Array;
  /** 1 where a rebalance event happened. */
  trade: Uint8Array;
  /** Cost paid on the row. */
  cost: Float64Array;
  /** Benchmark value index, 1 at the window start. */
  benchmark: Float64Array;
  /** Per-asset band half-width b_i,t (Tw×N) for per-asset bands, else null. */
  halfWidth: Float64Array | null;
}

/**
 * The trade decision of one check day (trigger, mode, costs), shared by the generic and the
 * generated day loops so the trading logic exists once. Reads the holdings from ctx.h, and on a
 * trade rewrites ctx.h and returns the post-cost value; st[0] = 1 if it traded, st[1] = cost.
 */
export type CheckDay = (t: number, V: number) => number;

/** Slots of ctx.state. */
const TRADED = 0;
const COST = 1;
const EVENTS = 2;
const TURN = 3;
const COSTSUM = 4;

function makeCheckDay(ctx: KernelContext, cfg: Config): CheckDay {
  const { prices: P, N, targets: W, ppy } = ctx;
  const scope = BANDS[cfg.band].scope;
  const isVol = cfg.band === 'volatility';
  const isRisk = cfg.band === 'risk';
  const isDrift = cfg.band === 'drift';
  const L = cfg.lookback ?? 0;
  if ((isVol || isRisk) && !(L >= 2 && ctx.start >= L)) {
    throw new RangeError(`lookback ${L} needs at least 2 returns and a window start ≥ lookback (start ${ctx.start})`);
  }
  const b = ctx.b;
  staticHalfWidths(cfg, W, b);
  const vol = isVol ? ctx.volatility(L) : null;
  const cov = isRisk ? ctx.covariance(L) : null;
  const k = cfg.width;
  const modeCode = MODE_SPECS[cfg.mode].code;
  const modeParam = cfg.mode === 'inner' ? (cfg.depth ?? NaN) : cfg.mode === 'partial' ? (cfg.fraction ?? NaN) : 0;
  const cRate = costRate(cfg);
  const fixedFee = cfg.fixedFee;
  const minTrade = cfg.minTrade;
  const { h, w, wp, dev, state: st } = ctx;
  return (t: number, V: number): number => {
    st[TRADED] = 0;
    st[COST] = 0;
    const row = t * N;
    for (let i = 0; i < N; i++) {
      // a division, not a multiplication by 1/V: w_i = h_i·P_i/V exactly as design §3 writes it
      // (one asset then has w = 1 exactly, and nothing-moved means exactly zero turnover)
      const x = (h[i] * P[row + i]) / V;
      w[i] = x;
      dev[i] = x - W[i];
    }
    let trigger = false;
    let s = 0;
    if (scope === 'always') {
      trigger = true;
    } else if (scope === 'asset') {
      // per-asset bands: breach when |w_i − w*_i| > b_i; edge scale s = min_i b_i/|w_i − w*_i|
      if (vol !== null) for (let i = 0; i < N; i++) b[i] = k * vol[row + i] * W[i];
      s = 1;
      for (let i = 0; i < N; i++) {
        const d = dev[i] < 0 ? -dev[i] : dev[i];
        if (d > b[i]) trigger = true;
        if (d > 0) {
          const q = b[i] / d;
          if (q < s) s = q;
        }
      }
    } else if (isDrift) {
      // D = ½·Σ|w_i − w*_i| > d; s = d/D
      let D = 0;
      for (let i = 0; i < N; i++) D += dev[i] < 0 ? -dev[i] : dev[i];
      D *= 0.5;
      if (D > k) {
        trigger = true;
        s = k / D;
      }
    } else if (cov !== null) {
      // ex-ante tracking error sqrt(devᵀ Σ_t dev · ppy) > τ; s = τ/TE
      const base = t * N * N;
      let q = 0;
      for (let i = 0; i < N; i++) {
        let acc = 0;
        for (let j = 0; j < N; j++) acc += cov[base + i * N + j] * dev[j];
        q += dev[i] * acc;
      }
      const te = Math.sqrt((q > 0 ? q : 0) * ppy);
      if (te > k) {
        trigger = true;
        s = k / te;
      }
    }
    if (!trigger) return V;
    const scale = modeScale(modeCode, modeParam, s);
    let sumAbs = 0;
    let nTraded = 0;
    for (let i = 0; i < N; i++) {
      const x = W[i] + scale * dev[i];
      wp[i] = x;
      const dl = x > w[i] ? x - w[i] : w[i] - x;
      sumAbs += dl;
      if (dl > TRADE_EPS) nTraded++;
    }
    const Q = V * sumAbs;
    if (Q < minTrade) return V;
    const cost = Q * cRate + fixedFee * nTraded;
    st[COSTSUM] += cost / V;
    st[TURN] += 0.5 * sumAbs;
    st[EVENTS] += 1;
    st[TRADED] = 1;
    st[COST] = cost;
    const Vpost = V - cost;
    for (let i = 0; i < N; i++) h[i] = (wp[i] * Vpost) / P[row + i];
    return Vpost;
  };
}

/** Holdings at the window start: fully invested at the targets, costless. */
function allocate(ctx: KernelContext): number {
  const { prices: P, N, targets: W, h, start } = ctx;
  const V = ctx.capital;
  for (let i = 0; i < N; i++) h[i] = (W[i] * V) / P[start * N + i];
  return V;
}

/**
 * Run one configuration over ctx's window and write its metrics (METRICS order) into
 * out[offset .. offset + N_METRICS). With `series` (or more than MAX_GENERATED_N assets) it
 * runs the plain day loop below; otherwise the loop generated for ctx.N (kernel/generated.ts),
 * which computes the same numbers bit for bit, about 3–5× faster.
 */
export function simulate(
  ctx: KernelContext,
  cfg: Config,
  out: Float64Array,
  offset = 0,
  series: BacktestSeries | null = null,
): void {
  const check = makeCheckDay(ctx, cfg);
  const mask = ctx.mask(cfg.check);
  const cooldown = cfg.cooldown ?? 0;
  const st = ctx.state;
  st.fill(0);
  const V0 = allocate(ctx);
  ctx.values[ctx.start] = V0;
  const acc = ctx.acc; // driftSum, driftMax, maxDD
  if (series === null && ctx.N <= MAX_GENERATED_N) {
    dayLoopFor(ctx.N)(ctx.prices, ctx.targets, ctx.h, mask, ctx.values, ctx.rets, ctx.diff, ctx.benchRet, ctx.start, ctx.T, cooldown, check, st, acc);
  } else {
    genericDayLoop(ctx, mask, cooldown, check, series);
    if (series?.halfWidth && BANDS[cfg.band].scope === 'asset') fillHalfWidths(ctx, cfg, series.halfWidth);
  }
  writeMetrics(ctx, out, offset, st[EVENTS], st[TURN], st[COSTSUM], acc[0], acc[1], acc[2]);
}

/** b_i,t over the window for a per-asset band (the report draws the band around each weight). */
function fillHalfWidths(ctx: KernelContext, cfg: Config, out: Float64Array): void {
  const { N, T, start, targets: W } = ctx;
  const vol = cfg.band === 'volatility' ? ctx.volatility(cfg.lookback ?? 0) : null;
  if (!vol) staticHalfWidths(cfg, W, ctx.b);
  for (let t = start; t < T; t++)
    for (let i = 0; i < N; i++) out[(t - start) * N + i] = vol ? cfg.width * vol[t * N + i] * W[i] : ctx.b[i];
}

/** The readable day loop (and the one that records series). */
function genericDayLoop(ctx: KernelContext, mask: Uint8Array, cooldown: number, check: CheckDay, series: BacktestSeries | null): void {
  const { prices: P, N, T, start, targets: W, h, values: vals, rets, diff, benchRet, state: st, acc } = ctx;
  let V = vals[start];
  let driftSum = 0;
  let driftMax = 0;
  let lastTrade = -1;
  let peak = V;
  let maxDD = 0;
  if (series) {
    for (let i = 0; i < N; i++) series.weights[i] = W[i];
    series.value[0] = V;
    series.benchmark[0] = 1;
  }
  for (let t = start + 1; t < T; t++) {
    const row = t * N;
    V = 0;
    for (let i = 0; i < N; i++) V += h[i] * P[row + i];
    let traded = false;
    if (mask[t] === 1 && (lastTrade < 0 || t - lastTrade > cooldown)) {
      V = check(t, V);
      if (st[TRADED] === 1) {
        traded = true;
        lastTrade = t;
      }
    }
    // drift of the end-of-day weights: ½·Σ|h_i·P_i − w*_i·V| / V
    let ds = 0;
    for (let i = 0; i < N; i++) {
      const x = h[i] * P[row + i] - W[i] * V;
      ds += x < 0 ? -x : x;
    }
    const drift = (0.5 * ds) / (V < 0 ? -V : V); // ½·Σ|h_i·P_i/V − w*_i|, literal even if fees drove V below 0
    driftSum += drift;
    if (drift > driftMax) driftMax = drift;
    const r = V / vals[t - 1] - 1;
    rets[t] = r;
    diff[t] = r - benchRet[t];
    if (V > peak) peak = V;
    else if (1 - V / peak > maxDD) maxDD = 1 - V / peak;
    vals[t] = V;
    if (series) {
      const j = t - start;
      series.value[j] = V;
      series.trade[j] = traded ? 1 : 0;
      series.cost[j] = traded ? st[COST] : 0;
      series.benchmark[j] = ctx.benchValue[t];
      for (let i = 0; i < N; i++) series.weights[j * N + i] = (h[i] * P[row + i]) / V;
    }
  }
  acc[0] = driftSum;
  acc[1] = driftMax;
  acc[2] = maxDD;
}

/** Metrics of design §4 from the value path in ctx.values and the event totals. */
function writeMetrics(
  ctx: KernelContext,
  out: Float64Array,
  o: number,
  events: number,
  turnSum: number,
  costSum: number,
  driftSum: number,
  driftMax: number,
  maxDD: number,
): void {
  const { start, T, ppy, values, rets, diff, riskFree } = ctx;
  // rets[t] = V_t/V_{t−1} − 1 and diff[t] = rets[t] − r^b_t were filled by the day loop;
  // maxDD = max_t (1 − V_t / max_{s≤t} V_s) was tracked there too (same as S.maxDrawdown).
  const years = (T - 1 - start) / ppy;
  const from = start + 1;
  const c = S.cagr(values[start], values[T - 1], years);
  const sdr = S.sampleStd(rets, from, T);
  const meanr = S.mean(rets, from, T);
  out[o + M.turnover] = turnSum / years;
  out[o + M.trackingError] = S.trackingError(diff, from, T, ppy);
  out[o + M.maxDrawdown] = maxDD;
  out[o + M.cagr] = c;
  out[o + M.volatility] = sdr * Math.sqrt(ppy);
  out[o + M.sharpe] = ((meanr - riskFree / ppy) / sdr) * Math.sqrt(ppy);
  out[o + M.sortino] = S.sortino(rets, from, T, ppy, riskFree);
  out[o + M.rebalances] = events;
  out[o + M.rebalancesPerYear] = events / years;
  out[o + M.costDrag] = (costSum / years) * 1e4;
  out[o + M.meanDrift] = driftSum / (T - start);
  out[o + M.maxDrift] = driftMax;
  out[o + M.excessReturn] = c - ctx.benchCagr;
  out[o + M.finalValue] = values[T - 1];
}

export interface BacktestInput extends Omit<ContextInput, 'start'> {
  /** First window row; default: the configuration's lookback, or 0. */
  start?: number;
}

export function allocSeries(Tw: number, N: number, withBands: boolean): BacktestSeries {
  return {
    value: new Float64Array(Tw),
    weights: new Float64Array(Tw * N),
    trade: new Uint8Array(Tw),
    cost: new Float64Array(Tw),
    benchmark: new Float64Array(Tw),
    halfWidth: withBands ? new Float64Array(Tw * N).fill(NaN) : null,
  };
}

/** One configuration, in-process, with readable output. For sweeps use KernelContext + simulate. */
export function backtest(
  input: BacktestInput,
  config: Config,
  wantSeries = false,
): { metrics: Metrics; series?: BacktestSeries } {
  const start = input.start ?? (BANDS[config.band].usesLookback ? (config.lookback ?? 0) : 0);
  const ctx = new KernelContext({ ...input, start });
  const out = new Float64Array(N_METRICS);
  const series = wantSeries ? allocSeries(input.T - start, input.N, BANDS[config.band].scope === 'asset') : null;
  simulate(ctx, config, out, 0, series);
  return series ? { metrics: rowToMetrics(out), series } : { metrics: rowToMetrics(out) };
}
