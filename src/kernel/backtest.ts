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
 * Run one configuration over ctx's window and write its metrics (METRICS order) into
 * out[offset .. offset + N_METRICS). Optionally fills `series`.
 */
export function simulate(
  ctx: KernelContext,
  cfg: Config,
  out: Float64Array,
  offset = 0,
  series: BacktestSeries | null = null,
): void {
  const { prices: P, N, T, start, targets: W, ppy } = ctx;
  const spec = BANDS[cfg.band];
  const scope = spec.scope;
  const isVol = cfg.band === 'volatility';
  const isRisk = cfg.band === 'risk';
  const isDrift = cfg.band === 'drift';
  const L = cfg.lookback ?? 0;
  if ((isVol || isRisk) && !(L >= 2 && start >= L)) {
    throw new RangeError(`lookback ${L} needs at least 2 returns and a window start ≥ lookback (start ${start})`);
  }
  const mask = ctx.mask(cfg.check);
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
  const cooldown = cfg.cooldown ?? 0;
  const h = ctx.h;
  const w = ctx.w;
  const wp = ctx.wp;
  const dev = ctx.dev;
  const vals = ctx.values;

  let V = ctx.capital;
  const row0 = start * N;
  for (let i = 0; i < N; i++) h[i] = (W[i] * V) / P[row0 + i];
  vals[start] = V;
  let driftSum = 0;
  let driftMax = 0;
  let events = 0;
  let turnSum = 0;
  let costSum = 0;
  let lastTrade = -1;
  if (series) {
    const sw = series.weights;
    for (let i = 0; i < N; i++) sw[i] = W[i];
    series.value[0] = V;
    series.benchmark[0] = 1;
  }

  for (let t = start + 1; t < T; t++) {
    const row = t * N;
    V = 0;
    for (let i = 0; i < N; i++) V += h[i] * P[row + i];
    let traded = false;
    let cost = 0;
    if (mask[t] === 1 && (lastTrade < 0 || t - lastTrade > cooldown)) {
      for (let i = 0; i < N; i++) {
        w[i] = (h[i] * P[row + i]) / V;
        dev[i] = w[i] - W[i];
      }
      let trigger = false;
      let s = 0;
      if (scope === 'always') {
        trigger = true;
      } else if (scope === 'asset') {
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
        let D = 0;
        for (let i = 0; i < N; i++) D += dev[i] < 0 ? -dev[i] : dev[i];
        D *= 0.5;
        if (D > k) {
          trigger = true;
          s = k / D;
        }
      } else if (cov !== null) {
        // ex-ante tracking error sqrt(devᵀ Σ_t dev · ppy)
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
      if (trigger) {
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
        if (!(Q < minTrade)) {
          cost = Q * cRate + fixedFee * nTraded;
          costSum += cost / V;
          turnSum += 0.5 * sumAbs;
          events++;
          V -= cost;
          for (let i = 0; i < N; i++) h[i] = (wp[i] * V) / P[row + i];
          lastTrade = t;
          traded = true;
        }
      }
    }
    // drift of the end-of-day weights: ½·Σ|h_i·P_i − w*_i·V| / V
    let ds = 0;
    for (let i = 0; i < N; i++) {
      const x = h[i] * P[row + i] - W[i] * V;
      ds += x < 0 ? -x : x;
    }
    const drift = (0.5 * ds) / V;
    driftSum += drift;
    if (drift > driftMax) driftMax = drift;
    vals[t] = V;
    if (series) {
      const j = t - start;
      series.value[j] = V;
      series.trade[j] = traded ? 1 : 0;
      series.cost[j] = cost;
      series.benchmark[j] = ctx.benchValue[t];
      for (let i = 0; i < N; i++) series.weights[j * N + i] = (h[i] * P[row + i]) / V;
      if (series.halfWidth && scope === 'asset') {
        for (let i = 0; i < N; i++) series.halfWidth[j * N + i] = vol !== null ? k * vol[row + i] * W[i] : b[i];
      }
    }
  }

  writeMetrics(ctx, out, offset, events, turnSum, costSum, driftSum, driftMax);
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
): void {
  const { start, T, ppy, values, rets, diff, benchRet, riskFree } = ctx;
  S.simpleReturns(values, start, T, rets);
  for (let t = start + 1; t < T; t++) diff[t] = rets[t] - benchRet[t];
  const years = (T - 1 - start) / ppy;
  const from = start + 1;
  const c = S.cagr(values[start], values[T - 1], years);
  out[o + M.turnover] = turnSum / years;
  out[o + M.trackingError] = S.trackingError(diff, from, T, ppy);
  out[o + M.maxDrawdown] = S.maxDrawdown(values, start, T);
  out[o + M.cagr] = c;
  out[o + M.volatility] = S.annualizedVolatility(rets, from, T, ppy);
  out[o + M.sharpe] = S.sharpe(rets, from, T, ppy, riskFree);
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
