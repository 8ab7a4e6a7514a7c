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
import { N_METRICS, rowToMetrics, type Metrics } from './metrics.js';
import * as S from './stats.js';
import { ACC, metricsFromTotals } from './totals.js';
import { applyFlow, FA_COST, FA_REBAL, FA_TWR, moneyWeightedReturn } from './flows.js';
import { payTax, settleTrades, TX_COST, TX_FRAC, TX_GAIN, TX_LOSS } from './tax.js';
import {
  kernelFor,
  MAX_GENERATED_N,
  K_ASSET_TRADES,
  K_COST_SUM,
  K_COST_TOTAL,
  K_EVENTS,
  K_TURN,
  PRM_FIXED,
  PRM_K,
  PRM_MIN_TRADE,
  PRM_MIN_WIDTH,
  PRM_MODE,
  PRM_PPY,
  PRM_RATE,
  PRM_V0,
} from './generated.js';

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
  /** Units bought (+) or sold (−) per asset on the row (Tw×N): h_after − h_before, 0 without a trade. */
  units: Float64Array;
  /** Traded notional per asset on the row (Tw×N): V_pre·(w'_i − w_i), signed; Σ_i |·| = Q. */
  notional: Float64Array;
  /** Scratch: the holdings before the row's check (N). */
  hPrev: Float64Array;
  /** Benchmark value index, 1 at the window start. */
  benchmark: Float64Array;
  /** Per-asset band half-width b_i,t (Tw×N) for per-asset bands, else null. */
  halfWidth: Float64Array | null;
}

/**
 * The trade decision of one check day (trigger, mode, costs) of the readable path; the
 * generated kernels (kernel/generated.ts) inline the same operations. Reads the holdings from
 * ctx.h, and on a trade rewrites ctx.h and returns the post-cost value; st[0] = 1 if it traded,
 * st[1] = cost.
 */
export type CheckDay = (t: number, V: number) => number;

/** Slots of ctx.state (TRADED and COST are read by advise/, which runs the same check day). */
export const TRADED = 0;
export const COST = 1;
const EVENTS = 2;
const TURN = 3;
const COSTSUM = 4;
const COSTTOTAL = 5;
const ASSETTRADES = 6;

export function makeCheckDay(ctx: KernelContext, cfg: Config): CheckDay {
  const { prices: P, N, targets: W, ppy } = ctx;
  const scope = BANDS[cfg.band].scope;
  const isVol = cfg.band === 'volatility';
  const isRisk = cfg.band === 'risk';
  const isDrift = cfg.band === 'drift';
  const isCalendar = scope === 'always';
  const L = checkLookback(ctx, cfg);
  const b = ctx.b;
  staticHalfWidths(cfg, W, b);
  const vol = isVol ? ctx.volatility(L) : null;
  const cov = isRisk ? ctx.covariance(L) : null;
  const k = cfg.width;
  const minW = cfg.minWidth ?? 0;
  const modeCode = MODE_SPECS[cfg.mode].code;
  const modeParam = cfg.mode === 'inner' ? (cfg.depth ?? NaN) : cfg.mode === 'partial' ? (cfg.fraction ?? NaN) : 0;
  const cRate = costRate(cfg);
  const fixedFee = cfg.fixedFee;
  const minTrade = cfg.minTrade;
  const { h, w, wp, dev, state: st, basis } = ctx;
  // tax-aware (kernel/tax.ts): a rebalance that would sell an asset standing at a gain goes only to the band edge
  const taxAware = ctx.taxAware && scope !== 'always';
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
      // volatility: b_i = max(minWidth, k·σ_i,t·w*_i) (minWidth defaults to 0)
      if (vol !== null) for (let i = 0; i < N; i++) b[i] = Math.max(minW, k * vol[row + i] * W[i]);
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
    let scale = modeScale(modeCode, modeParam, s);
    if (taxAware && scale < s)
      for (let i = 0; i < N; i++)
        if (W[i] + scale * dev[i] < w[i] && h[i] * P[row + i] > basis[i]) {
          scale = s;
          break;
        }
    let sumAbs = 0;
    let nTraded = 0;
    for (let i = 0; i < N; i++) {
      const x = W[i] + scale * dev[i];
      wp[i] = x;
      const dl = x > w[i] ? x - w[i] : w[i] - x;
      sumAbs += dl;
      if (dl > TRADE_EPS) nTraded++;
    }
    // the border-tie rule (NOTES-interpretations.md 15): a rebalance that moves no weight by more
    // than float noise (Σ|w' − w| ≤ TRADE_EPS) is no rebalance: no event, no cost, no turnover,
    // the cooldown is not reset. Calendar keeps its documented zero-turnover events.
    if (sumAbs <= TRADE_EPS && !isCalendar) return V;
    const Q = V * sumAbs;
    if (Q < minTrade) return V;
    const cost = Q * cRate + fixedFee * nTraded;
    st[COSTSUM] += cost / V;
    st[COSTTOTAL] += cost;
    st[ASSETTRADES] += nTraded;
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
 * runs the readable path below (makeCheckDay + genericDayLoop + kernel/stats.ts); otherwise the
 * kernel generated for (ctx.N, band, mode) (kernel/generated.ts), which computes the same
 * numbers bit for bit, several times faster.
 */
export function simulate(ctx: KernelContext, cfg: Config, out: Float64Array, offset = 0, series: BacktestSeries | null = null): void {
  // taxes run only on the readable path (kernel/tax.ts)
  if (series === null && ctx.N <= MAX_GENERATED_N && ctx.taxRate === null) fastSimulate(ctx, cfg, out, offset);
  else readableSimulate(ctx, cfg, out, offset, series);
}

function checkLookback(ctx: KernelContext, cfg: Config): number {
  const L = cfg.lookback ?? 0;
  if ((cfg.band === 'volatility' || cfg.band === 'risk') && !(L >= 2 && ctx.start >= L)) {
    throw new RangeError(`lookback ${L} needs at least 2 returns and a window start ≥ lookback (start ${ctx.start})`);
  }
  return L;
}

/**
 * The generated kernel (the value path, its trades and drifts), then the rest of
 * genericDayLoop's bookkeeping and the sums of the statistics in one shared pass (pathPass).
 * Together they compute exactly what
 * readableSimulate computes (test/kernel/generated.test.ts checks it bit for bit).
 */
function fastSimulate(ctx: KernelContext, cfg: Config, out: Float64Array, o: number): void {
  const { N, T, start, ppy, riskFree, acc, rets, values } = ctx;
  const band = cfg.band;
  const L = checkLookback(ctx, cfg);
  staticHalfWidths(cfg, ctx.targets, ctx.b);
  const mode = cfg.mode;
  const modeParam = mode === 'inner' ? (cfg.depth ?? NaN) : mode === 'partial' ? (cfg.fraction ?? NaN) : 0;
  const prm = ctx.kernelParams;
  prm[PRM_V0] = ctx.capital;
  prm[PRM_K] = cfg.width;
  prm[PRM_PPY] = ppy;
  prm[PRM_MODE] = modeParam;
  prm[PRM_RATE] = costRate(cfg);
  prm[PRM_FIXED] = cfg.fixedFee;
  prm[PRM_MIN_TRADE] = cfg.minTrade;
  prm[PRM_MIN_WIDTH] = cfg.minWidth ?? 0;
  const flows = ctx.flows !== null;
  let fx = null;
  if (flows) {
    ctx.flowAcc.fill(0);
    ctx.flowPrm[0] = cfg.flowMode === 'rebalance' ? 1 : 0;
    ctx.flowPrm[1] = prm[PRM_RATE];
    ctx.flowPrm[2] = cfg.fixedFee;
    fx = ctx.flowHook();
  }
  kernelFor(N, band, mode, flows)(
    ctx.prices,
    ctx.targets,
    ctx.b,
    band === 'volatility' ? ctx.volatility(L) : null,
    band === 'risk' ? ctx.covariance(L) : null,
    ctx.dev,
    ctx.checkRows(cfg.check),
    values,
    ctx.drift,
    start,
    T,
    cfg.cooldown ?? 0,
    prm,
    acc,
    fx,
  );
  const rfp = riskFree / ppy;
  if (flows) pathPassFlows(values, ctx.drift, ctx.fl, ctx.benchRet, rets, rfp, start, T, acc, ctx.flowAcc);
  else pathPass(values, ctx.drift, ctx.benchRet, rets, rfp, start, T, acc);
  // kernel/stats.ts's statistics from the same sums in the same order: mean = Σx/n (S.mean),
  // sample std from the shifted sums (S.sampleStd), sortino (S.sortino)
  const from = start + 1;
  const n = T - from;
  const down = acc[ACC.DOWN];
  const t = ctx.totals;
  t.events = acc[K_EVENTS];
  t.turnSum = acc[K_TURN];
  t.costSum = acc[K_COST_SUM];
  t.driftSum = acc[ACC.DRIFT_SUM];
  t.driftMax = acc[ACC.DRIFT_MAX];
  t.maxDD = acc[ACC.MAX_DD];
  t.meanR = acc[ACC.SUM_R] / n;
  t.sdR = S.stdFromShifted(acc[ACC.A_R], acc[ACC.Q_R], n);
  t.sdD = S.stdFromShifted(acc[ACC.A_D], acc[ACC.Q_D], n);
  t.sortino = Number.isFinite(down) ? (acc[ACC.SUM_EXCESS] / n / Math.sqrt(down / n)) * Math.sqrt(ppy) : S.sortino(rets, from, T, ppy, riskFree);
  t.totalCost = acc[K_COST_TOTAL];
  t.assetTrades = acc[K_ASSET_TRADES];
  finishTotals(ctx, values[T - 1], out, o);
}

/**
 * genericDayLoop's per-day bookkeeping from the value path V_t = vals[t] and the drifts the
 * kernel wrote, with the same operations in the same order: r_t = V_t/V_{t−1} − 1 (written to
 * rets for S.sortino's fallback) and d_t = r_t − r^b_t; and, in the same pass, the sums behind
 * kernel/stats.ts's statistics, each accumulated in t order from 0 exactly as stats.ts does (the
 * chains are independent):
 *   Σ drift, max drift, Σ r, max_t (1 − V_t / max_{s≤t} V_s)
 *   Σ(r − K_r), Σ(r − K_r)², Σ(d − K_d), Σ(d − K_d)²   (S.sampleStd; K: shifts below)
 *   Σ(r − rfp), Σ min(r − rfp, 0)²   (S.sortino's sums)
 * The peak's branch is the one mispredicted branch left (~2 µs a configuration); every
 * branch-free form of the running maximum made it a chain of dependent operations through the
 * days, which measured slower. Sortino's `if (e < 0) down += e·e` is written without a branch
 * (the sign of a daily return is a coin flip): m = (e − |e|)·0.5 is exactly e for e < 0 (e + e
 * and the halving are exact) and +0 otherwise, so down += m·m adds exactly the same terms. It
 * differs only when some e is infinite (inf − inf = NaN); the downside sum is then not finite,
 * and so it is whenever the branchy sum is not finite: the caller then uses S.sortino instead.
 */
function pathPass(
  vals: Float64Array,
  drifts: Float64Array,
  benchRet: Float64Array,
  rets: Float64Array,
  rfp: number,
  start: number,
  T: number,
  out: Float64Array,
): void {
  let Vprev = vals[start];
  let peak = Vprev;
  let maxDD = 0;
  let driftSum = 0;
  let driftMax = 0;
  let sumR = 0;
  let aR = 0;
  let qR = 0;
  let aD = 0;
  let qD = 0;
  let s = 0;
  let down = 0;
  const kr = shift(vals, null, null, start, T);
  const kd = shift(vals, null, benchRet, start, T);
  for (let t = start + 1; t < T; t++) {
    const V = vals[t];
    const drift = drifts[t];
    driftSum += drift;
    if (drift > driftMax) driftMax = drift;
    const r = V / Vprev - 1;
    rets[t] = r;
    const d = r - benchRet[t];
    sumR += r;
    const y = r - kr;
    aR += y;
    qR += y * y;
    const z = d - kd;
    aD += z;
    qD += z * z;
    const e = r - rfp;
    s += e;
    const m = (e - Math.abs(e)) * 0.5;
    down += m * m;
    if (V > peak) peak = V;
    else if (1 - V / peak > maxDD) maxDD = 1 - V / peak;
    Vprev = V;
  }
  storeSums(out, driftSum, driftMax, sumR, maxDD, aR, qR, aD, qD, s, down);
}

/**
 * S.sampleStd's shift (S.shiftOf) of the series pathPass computes, from its first rows computed as
 * pathPass computes them: the returns r_t (bench null) or the differences r_t − bench[t].
 */
function shift(vals: Float64Array, fl: Float64Array | null, bench: Float64Array | null, start: number, T: number): number {
  const f = start + 1;
  if (T - f >= 3) return S.median3(seriesAt(vals, fl, bench, f), seriesAt(vals, fl, bench, f + 1), seriesAt(vals, fl, bench, f + 2));
  return f < T ? seriesAt(vals, fl, bench, f) : 0;
}

/** r_t as pathPass computes it, V_t/V_{t−1} − 1 or (V_t − F_t)/V_{t−1} − 1 with cash flows; minus bench[t] when given. */
function seriesAt(vals: Float64Array, fl: Float64Array | null, bench: Float64Array | null, t: number): number {
  const r = (fl === null ? vals[t] : vals[t] - fl[t]) / vals[t - 1] - 1;
  return bench === null ? r : r - bench[t];
}

/** pathPass's totals into KernelContext.acc (its ACC slots). */
function storeSums(
  out: Float64Array,
  driftSum: number,
  driftMax: number,
  sumR: number,
  maxDD: number,
  aR: number,
  qR: number,
  aD: number,
  qD: number,
  s: number,
  down: number,
): void {
  out[ACC.DRIFT_SUM] = driftSum;
  out[ACC.DRIFT_MAX] = driftMax;
  out[ACC.SUM_R] = sumR;
  out[ACC.MAX_DD] = maxDD;
  out[ACC.A_R] = aR;
  out[ACC.Q_R] = qR;
  out[ACC.A_D] = aD;
  out[ACC.Q_D] = qD;
  out[ACC.SUM_EXCESS] = s;
  out[ACC.DOWN] = down;
}

/**
 * pathPass with cash flows: the same sums, with the period return leaving the flow out,
 * r_t = (V_t − F_t)/V_{t−1} − 1, and the drawdown measured on the time-weighted index
 * I_t = I_{t−1}·(1 + r_t) (I_start = 1), written to fa[FA_TWR] at the end; the same operations
 * in the same order as genericDayLoop's flow branch. A function of its own rather than a flag
 * of pathPass: one loop testing `fl === null` each row measured 4% slower on W1's JS kernel.
 */
function pathPassFlows(
  vals: Float64Array,
  drifts: Float64Array,
  fl: Float64Array,
  benchRet: Float64Array,
  rets: Float64Array,
  rfp: number,
  start: number,
  T: number,
  out: Float64Array,
  fa: Float64Array,
): void {
  let Vprev = vals[start];
  let twr = 1;
  let peak = 1;
  let maxDD = 0;
  let driftSum = 0;
  let driftMax = 0;
  let sumR = 0;
  let aR = 0;
  let qR = 0;
  let aD = 0;
  let qD = 0;
  let s = 0;
  let down = 0;
  const kr = shift(vals, fl, null, start, T);
  const kd = shift(vals, fl, benchRet, start, T);
  for (let t = start + 1; t < T; t++) {
    const V = vals[t];
    const drift = drifts[t];
    driftSum += drift;
    if (drift > driftMax) driftMax = drift;
    const r = (V - fl[t]) / Vprev - 1;
    rets[t] = r;
    const d = r - benchRet[t];
    sumR += r;
    const y = r - kr;
    aR += y;
    qR += y * y;
    const z = d - kd;
    aD += z;
    qD += z * z;
    const e = r - rfp;
    s += e;
    const m = (e - Math.abs(e)) * 0.5;
    down += m * m;
    twr = twr * (1 + r);
    if (twr > peak) peak = twr;
    else if (1 - twr / peak > maxDD) maxDD = 1 - twr / peak;
    Vprev = V;
  }
  storeSums(out, driftSum, driftMax, sumR, maxDD, aR, qR, aD, qD, s, down);
  fa[FA_TWR] = twr;
}

/** The readable path: the CheckDay closure, the plain day loop and kernel/stats.ts. */
function readableSimulate(ctx: KernelContext, cfg: Config, out: Float64Array, o: number, series: BacktestSeries | null): void {
  const check = makeCheckDay(ctx, cfg);
  const mask = ctx.mask(cfg.check);
  const cooldown = cfg.cooldown ?? 0;
  const st = ctx.state;
  st.fill(0);
  const V0 = allocate(ctx);
  ctx.values[ctx.start] = V0;
  const acc = ctx.acc;
  ctx.flowAcc.fill(0);
  const flow = ctx.flows ? { rebalance: cfg.flowMode === 'rebalance', cRate: costRate(cfg), fixedFee: cfg.fixedFee } : null;
  if (ctx.taxRate !== null) {
    // the initial allocation is bought at the start prices: its basis
    ctx.taxAcc.fill(0);
    for (let i = 0; i < ctx.N; i++) ctx.basis[i] = ctx.h[i] * ctx.prices[ctx.start * ctx.N + i];
  }
  const tax = ctx.taxRate !== null ? { rate: ctx.taxRate, cRate: costRate(cfg), fixedFee: cfg.fixedFee } : null;
  genericDayLoop(ctx, mask, cooldown, check, series, flow, tax);
  if (series?.halfWidth && BANDS[cfg.band].scope === 'asset') fillHalfWidths(ctx, cfg, series.halfWidth);
  const { start, T, ppy, rets, diff, riskFree } = ctx;
  // rets[t] = V_t/V_{t−1} − 1 and diff[t] = rets[t] − r^b_t were filled by the day loop;
  // maxDD = max_t (1 − V_t / max_{s≤t} V_s) was tracked there too (same as S.maxDrawdown).
  const from = start + 1;
  const t = ctx.totals;
  t.events = st[EVENTS];
  t.turnSum = st[TURN];
  t.costSum = st[COSTSUM];
  t.driftSum = acc[ACC.DRIFT_SUM];
  t.driftMax = acc[ACC.DRIFT_MAX];
  t.maxDD = acc[ACC.MAX_DD];
  t.meanR = S.mean(rets, from, T);
  t.sdR = S.sampleStd(rets, from, T);
  t.sdD = S.sampleStd(diff, from, T);
  t.sortino = S.sortino(rets, from, T, ppy, riskFree);
  t.totalCost = st[COSTTOTAL];
  t.assetTrades = st[ASSETTRADES];
  finishTotals(ctx, ctx.values[T - 1], out, o);
}

/**
 * The window's fixed totals into ctx.totals (the caller has set the accumulated ones), then the
 * metrics (kernel/totals.ts). Shared by both paths here and by the SIMD kernel (kernel/simd.ts).
 */
export function finishTotals(ctx: KernelContext, vEnd: number, out: Float64Array, o: number): void {
  const t = ctx.totals;
  t.rows = ctx.T - ctx.start;
  t.ppy = ctx.ppy;
  t.riskFree = ctx.riskFree;
  t.vStart = ctx.capital;
  t.vEnd = vEnd;
  t.benchCagr = ctx.benchCagr;
  // cash flows and taxes (kernel/flows.ts, kernel/tax.ts): their costs join costSum
  const flows = ctx.flows;
  t.hasFlows = flows !== null;
  if (flows === null) {
    t.twr = NaN;
    t.mwr = NaN;
    t.flowRebal = 0;
  } else {
    t.costSum += ctx.flowAcc[FA_COST];
    t.twr = ctx.flowAcc[FA_TWR];
    t.mwr = moneyWeightedReturn(ctx.capital, vEnd, flows.rows, ctx.fl, ctx.start, ctx.T, ctx.ppy);
    t.flowRebal = ctx.flowAcc[FA_REBAL];
  }
  t.taxed = ctx.taxRate !== null;
  if (ctx.taxRate === null) {
    t.taxFrac = 0;
    t.unrealisedGain = NaN;
    t.afterTaxValue = NaN;
  } else {
    const ta = ctx.taxAcc;
    t.costSum += ta[TX_COST];
    // liquidation at the last close: tax on this year's realised gain plus the unrealised gain, less the carried loss
    const { N, T, prices: P, h, basis } = ctx;
    let U = 0;
    for (let i = 0; i < N; i++) U += h[i] * P[(T - 1) * N + i] - basis[i];
    const due = ta[TX_GAIN] + U - ta[TX_LOSS];
    t.taxFrac = ta[TX_FRAC];
    t.unrealisedGain = U;
    t.afterTaxValue = vEnd - (due > 0 ? ctx.taxRate * due : 0);
  }
  metricsFromTotals(t, out, o);
}

/** How the readable day loop applies the context's flows (null: no flows). */
interface FlowArgs {
  rebalance: boolean;
  cRate: number;
  fixedFee: number;
}

/** b_i,t over the window for a per-asset band (the report draws the band around each weight). */
function fillHalfWidths(ctx: KernelContext, cfg: Config, out: Float64Array): void {
  const { N, T, start, targets: W } = ctx;
  const vol = cfg.band === 'volatility' ? ctx.volatility(cfg.lookback ?? 0) : null;
  if (!vol) staticHalfWidths(cfg, W, ctx.b);
  for (let t = start; t < T; t++)
    for (let i = 0; i < N; i++) out[(t - start) * N + i] = vol ? Math.max(cfg.minWidth ?? 0, cfg.width * vol[t * N + i] * W[i]) : ctx.b[i];
}

/** The readable day loop (and the one that records series). */
function genericDayLoop(
  ctx: KernelContext,
  mask: Uint8Array,
  cooldown: number,
  check: CheckDay,
  series: BacktestSeries | null,
  flow: FlowArgs | null = null,
  tax: { rate: number; cRate: number; fixedFee: number } | null = null,
): void {
  const { prices: P, N, T, start, targets: W, h, values: vals, rets, diff, benchRet, state: st, acc } = ctx;
  const flows = flow ? ctx.flows : null;
  const { hPrev, basis, taxAcc, taxYearEnd } = ctx;
  let twr = 1; // the time-weighted index (flows only; drawdown is measured on it)
  let V = vals[start];
  let driftSum = 0;
  let driftMax = 0;
  let lastTrade = -1;
  let peak = flows === null ? V : 1;
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
    let F = 0;
    if (flows !== null && flow !== null && flows.mask[t] === 1) {
      // the flow first, then the check sees the post-flow holdings (kernel/flows.ts)
      if (tax !== null) hPrev.set(h);
      V = applyFlow(h, P, row, N, W, V, t, flows.abs, flows.pct, ctx.fl, flow.rebalance, flow.cRate, flow.fixedFee, ctx.flowX, ctx.flowAcc, ctx.dates);
      F = ctx.fl[t];
      if (tax !== null) settleTrades(h, hPrev, basis, P, row, N, taxAcc);
    }
    let traded = false;
    const Vpre = V;
    if (mask[t] === 1 && (lastTrade < 0 || t - lastTrade > cooldown)) {
      if (tax !== null) hPrev.set(h);
      if (series) for (let i = 0; i < N; i++) series.hPrev[i] = h[i];
      V = check(t, V);
      if (st[TRADED] === 1) {
        traded = true;
        lastTrade = t;
        if (tax !== null) settleTrades(h, hPrev, basis, P, row, N, taxAcc);
      }
    }
    // the year end: tax on the year's net realised gains, paid by a pro-rata sale (kernel/tax.ts)
    if (tax !== null && taxYearEnd[t] === 1) V = payTax(h, hPrev, basis, P, row, N, V, tax.rate, tax.cRate, tax.fixedFee, taxAcc, ctx.dates[t]);
    // drift of the end-of-day weights: ½·Σ|h_i·P_i − w*_i·V| / V
    let ds = 0;
    for (let i = 0; i < N; i++) {
      const x = h[i] * P[row + i] - W[i] * V;
      ds += x < 0 ? -x : x;
    }
    const drift = (0.5 * ds) / (V < 0 ? -V : V); // ½·Σ|h_i·P_i/V − w*_i|, literal even if fees drove V below 0
    driftSum += drift;
    if (drift > driftMax) driftMax = drift;
    if (flows === null) {
      const r = V / vals[t - 1] - 1;
      rets[t] = r;
      diff[t] = r - benchRet[t];
      if (V > peak) peak = V;
      else if (1 - V / peak > maxDD) maxDD = 1 - V / peak;
    } else {
      // with flows: the period return excludes the flow, r_t = (V_t − F_t)/V_{t−1} − 1
      const r = (V - F) / vals[t - 1] - 1;
      rets[t] = r;
      diff[t] = r - benchRet[t];
      twr = twr * (1 + r);
      if (twr > peak) peak = twr;
      else if (1 - twr / peak > maxDD) maxDD = 1 - twr / peak;
    }
    vals[t] = V;
    if (series) {
      const j = t - start;
      series.value[j] = V;
      series.trade[j] = traded ? 1 : 0;
      series.cost[j] = traded ? st[COST] : 0;
      series.benchmark[j] = ctx.benchValue[t];
      for (let i = 0; i < N; i++) series.weights[j * N + i] = (h[i] * P[row + i]) / V;
      // per-asset trades (ctx.w, ctx.wp hold this row's pre- and post-trade weights on a trade)
      for (let i = 0; i < N; i++) {
        series.units[j * N + i] = traded ? h[i] - series.hPrev[i] : 0;
        series.notional[j * N + i] = traded ? Vpre * (ctx.wp[i] - ctx.w[i]) : 0;
      }
    }
  }
  acc[ACC.DRIFT_SUM] = driftSum;
  acc[ACC.DRIFT_MAX] = driftMax;
  acc[ACC.MAX_DD] = maxDD;
  ctx.flowAcc[FA_TWR] = twr;
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
    units: new Float64Array(Tw * N),
    notional: new Float64Array(Tw * N),
    hPrev: new Float64Array(N),
    benchmark: new Float64Array(Tw),
    halfWidth: withBands ? new Float64Array(Tw * N).fill(NaN) : null,
  };
}

/** One configuration, in-process, with readable output. For sweeps use KernelContext + simulate. */
export function backtest(input: BacktestInput, config: Config, wantSeries = false): { metrics: Metrics; series?: BacktestSeries } {
  const start = input.start ?? (BANDS[config.band].usesLookback ? (config.lookback ?? 0) : 0);
  const ctx = new KernelContext({ ...input, start });
  const out = new Float64Array(N_METRICS);
  const series = wantSeries ? allocSeries(input.T - start, input.N, BANDS[config.band].scope === 'asset') : null;
  simulate(ctx, config, out, 0, series);
  return series ? { metrics: rowToMetrics(out), series } : { metrics: rowToMetrics(out) };
}
