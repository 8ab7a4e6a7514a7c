/**
 * A backtest window's named totals — what the kernel accumulates, nothing annualized yet — and
 * the ONE function that turns totals into the metrics of design §4 (docs/definitions.md §3). The
 * sweep's kernels (both paths of kernel/backtest.ts) and walk-forward stitching
 * (validate/walkforward.ts) all end in metricsFromTotals.
 *
 * Also the slots of KernelContext.acc (the kernels' scratch accumulators), named in one place.
 */
import { M } from './metrics.js';
import * as S from './stats.js';
import { K_SLOTS } from './generated.js';

export interface Totals {
  /** Window rows: the allocation row plus the return rows (T − start). */
  rows: number;
  /** Periods per year and the annual risk-free rate. */
  ppy: number;
  riskFree: number;
  /** Value at the allocation row and at the last row. */
  vStart: number;
  vEnd: number;
  /** CAGR of the benchmark (targets rebalanced every period, no cost) over the same rows. */
  benchCagr: number;
  /** Rebalance events; Σ over trades of ½Σ|w' − w|; Σ over trades of C/V_pre. */
  events: number;
  turnSum: number;
  costSum: number;
  /** Σ over trades of C (currency) and the number of (asset, trade) pairs that moved. */
  totalCost: number;
  assetTrades: number;
  /** Σ and max of the end-of-day drift ½Σ|w_i − w*_i| over the window rows. */
  driftSum: number;
  driftMax: number;
  /** max_t (1 − V_t / max_{s≤t} V_s). */
  maxDD: number;
  /** mean(r_t), sample std(r_t), sample std(r_t − r^b_t), and the Sortino ratio. */
  meanR: number;
  sdR: number;
  sdD: number;
  sortino: number;
  /**
   * Cash flows (kernel/flows.ts; hasFlows false: none): the time-weighted index at the window
   * end (the CAGR is measured on it), the money-weighted return, and Σ drift removed by flows.
   * Their Σ C/V is already in costSum.
   */
  hasFlows: boolean;
  twr: number;
  mwr: number;
  flowRebal: number;
  /**
   * Taxes (kernel/tax.ts; taxed false: none): Σ tax paid / V, the unrealised gain at the last
   * close and the value after liquidating then. Their Σ C/V is already in costSum.
   */
  taxed: boolean;
  taxFrac: number;
  unrealisedGain: number;
  afterTaxValue: number;
}

export function emptyTotals(): Totals {
  return {
    rows: 0,
    ppy: 0,
    riskFree: 0,
    vStart: 0,
    vEnd: 0,
    benchCagr: 0,
    events: 0,
    turnSum: 0,
    costSum: 0,
    totalCost: 0,
    assetTrades: 0,
    driftSum: 0,
    driftMax: 0,
    maxDD: 0,
    meanR: 0,
    sdR: 0,
    sdD: 0,
    sortino: 0,
    hasFlows: false,
    twr: NaN,
    mwr: NaN,
    flowRebal: 0,
    taxed: false,
    taxFrac: 0,
    unrealisedGain: NaN,
    afterTaxValue: NaN,
  };
}

/** The metrics (METRICS order) of a window's totals, written to out[o .. o + N_METRICS). */
export function metricsFromTotals(t: Totals, out: Float64Array, o: number): void {
  const { ppy } = t;
  const years = (t.rows - 1) / ppy;
  // with flows, cagr is the time-weighted return (kernel/flows.ts); without, V_end/V_0
  const c = t.hasFlows ? S.cagr(1, t.twr, years) : S.cagr(t.vStart, t.vEnd, years);
  const rootPpy = Math.sqrt(ppy);
  out[o + M.turnover] = t.turnSum / years;
  out[o + M.trackingError] = t.sdD * rootPpy;
  out[o + M.maxDrawdown] = t.maxDD;
  out[o + M.cagr] = c;
  out[o + M.volatility] = t.sdR * rootPpy;
  out[o + M.sharpe] = ((t.meanR - t.riskFree / ppy) / t.sdR) * rootPpy;
  out[o + M.sortino] = t.sortino;
  out[o + M.rebalances] = t.events;
  out[o + M.rebalancesPerYear] = t.events / years;
  out[o + M.costDrag] = (t.costSum / years) * 1e4;
  out[o + M.meanDrift] = t.driftSum / t.rows;
  out[o + M.maxDrift] = t.driftMax;
  out[o + M.excessReturn] = c - t.benchCagr;
  out[o + M.finalValue] = t.vEnd;
  out[o + M.totalCost] = t.totalCost;
  out[o + M.assetTrades] = t.assetTrades;
  if (t.hasFlows) {
    out[o + M.mwr] = t.mwr;
    const byFlows = t.flowRebal;
    out[o + M.flowRebalanceShare] = byFlows + t.turnSum > 0 ? byFlows / (byFlows + t.turnSum) : 0;
  } else {
    out[o + M.mwr] = c;
    out[o + M.flowRebalanceShare] = 0;
  }
  if (t.taxed) {
    const after = t.afterTaxValue;
    out[o + M.taxPaid] = (t.taxFrac / years) * 1e4;
    out[o + M.unrealisedGain] = t.unrealisedGain;
    out[o + M.afterTaxValue] = after;
    // the time-weighted index scaled by the liquidation's haircut after / V_end
    out[o + M.afterTaxCagr] = t.hasFlows ? S.cagr(1, t.twr * (after / t.vEnd), years) : S.cagr(t.vStart, after, years);
  } else {
    out[o + M.taxPaid] = 0;
    out[o + M.afterTaxCagr] = c;
    out[o + M.afterTaxValue] = t.vEnd;
    out[o + M.unrealisedGain] = NaN;
  }
}

/**
 * Slots of KernelContext.acc. The generated kernel writes its event totals to K_EVENTS, K_TURN,
 * K_COST_SUM (kernel/generated.ts, slots 0 … K_SLOTS − 1); then fastSimulate's pathPass writes
 * its sums; the readable day loop writes DRIFT_SUM, DRIFT_MAX and MAX_DD.
 */
export const ACC = {
  /** pathPass: Σ drift, max drift, Σ r, max drawdown. */
  DRIFT_SUM: K_SLOTS,
  DRIFT_MAX: K_SLOTS + 1,
  SUM_R: K_SLOTS + 2,
  MAX_DD: K_SLOTS + 3,
  /** pathPass: the shifted sums of S.sampleStd, Σ(r − K_r), Σ(r − K_r)², Σ(d − K_d), Σ(d − K_d)². */
  A_R: K_SLOTS + 4,
  Q_R: K_SLOTS + 5,
  A_D: K_SLOTS + 6,
  Q_D: K_SLOTS + 7,
  /** pathPass: S.sortino's sums, Σ(r − rf/ppy), Σ min(r − rf/ppy, 0)². */
  SUM_EXCESS: K_SLOTS + 8,
  DOWN: K_SLOTS + 9,
  /** Slots used (KernelContext.acc is this long). */
  SIZE: K_SLOTS + 10,
} as const;
