/**
 * A deliberately plain reference implementation of one backtest (design §3–§4, read with
 * NOTES-interpretations.md). It exists only to check the fast kernel: plain number[] arrays,
 * one obvious step after another, two-pass statistics, no cleverness and no shared code
 * with src/kernel or src/policy (only the Config and Metrics *types* are imported).
 *
 * Reading notes (numbers refer to NOTES-interpretations.md):
 *  - window = rows start..T-1; row `start` is the costless initial allocation (1).
 *  - check days are start < t < T-1 (2); cooldown counts rows since the last trade (3).
 *  - a rebalance event is a trade for the cooldown, even with zero turnover (calendar);
 *    a rebalance skipped by minTrade is not (3); a non-calendar rebalance with
 *    Σ|w' − w| ≤ 1e-12 is not a rebalance at all (15).
 *  - edge: s = min_i b_i/|w_i - w*_i| over assets with w_i != w*_i, clamped to [0,1];
 *    drift s = d/D, risk s = tau/TE, calendar s = 0 (5).
 *  - returns r_t = V_t/V_{t-1} - 1 for t = start+1..T-1, years = (T-1-start)/ppy (§4).
 */
import type { Config } from '../../src/policy/types.js';
import type { FlowsSpec } from '../../src/policy/flows.js';
import type { Metrics } from '../../src/kernel/metrics.js';

/** The same shape as the kernel's BacktestInput (kept separate so the reference stands alone). */
export interface PlainInput {
  prices: ArrayLike<number>; // row-major T×N
  T: number;
  N: number;
  dates: readonly string[];
  targets: ArrayLike<number>;
  periodsPerYear: number;
  start?: number;
  initialCapital?: number;
  riskFree?: number;
  /** Cash flows (docs/flows-and-taxes.md); their rows and amounts are worked out here from scratch. */
  flows?: FlowsSpec;
  /** Capital-gains tax rate (docs/flows-and-taxes.md), average-cost basis. */
  tax?: number;
  /** With tax: a rebalance that would sell an asset at a gain trades only to the band edge. */
  taxAware?: boolean;
}

export interface PlainResult {
  metrics: Metrics;
  /** Per window row (length Tw = T - start). */
  value: number[];
  /** End-of-day (post-trade) weights, value.length rows of N. */
  weights: number[][];
  /** true on rows where a rebalance event happened. */
  trade: boolean[];
  /** Cost C paid on each row. */
  cost: number[];
  /** Benchmark value index, 1 at the window start. */
  benchmark: number[];
  /** End-of-day drift ½Σ|w − w*| per row. */
  drift: number[];
  /** ½Σ|w' − w| per row (0 where nothing traded). */
  oneWayTurnover: number[];
  /** Flow F_t per row (0 where none). */
  flow: number[];
}

// ---------------------------------------------------------------- small statistics helpers

export function plainMean(xs: number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Two-pass sample standard deviation (n − 1). Fewer than two values gives NaN (0/0). */
export function plainSampleStd(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = plainMean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (n - 1));
}

/** Two-pass sample covariance (n − 1) of two equally long series. */
export function plainSampleCov(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = plainMean(xs);
  const my = plainMean(ys);
  let s = 0;
  for (let k = 0; k < n; k++) s += (xs[k] - mx) * (ys[k] - my);
  return s / (n - 1);
}

// ---------------------------------------------------------------- calendar helpers

function parseDate(iso: string): Date {
  const d = new Date(iso + 'T00:00:00Z');
  if (Number.isNaN(d.getTime())) throw new Error(`bad date ${iso}`);
  return d;
}

/** The Monday (as YYYY-MM-DD) of the ISO week (Monday..Sunday) holding this date. */
export function mondayOf(iso: string): string {
  const d = parseDate(iso);
  const weekday = d.getUTCDay(); // 0 = Sunday, 1 = Monday, ..., 6 = Saturday
  const daysSinceMonday = (weekday + 6) % 7; // Monday → 0, Sunday → 6
  const monday = new Date(d.getTime() - daysSinceMonday * 86400000);
  return monday.toISOString().slice(0, 10);
}

function monthKey(iso: string): string {
  return iso.slice(0, 7); // YYYY-MM
}

function quarterKey(iso: string): string {
  const year = iso.slice(0, 4);
  const month = Number(iso.slice(5, 7));
  return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
}

function yearKey(iso: string): string {
  return iso.slice(0, 4);
}

/** Is row t a check day? (interpretation 2) */
export function plainIsCheckDay(t: number, start: number, T: number, dates: readonly string[], check: Config['check']): boolean {
  if (t <= start || t >= T - 1) return false; // first row = allocation, last row never trades
  if (typeof check === 'number') return (t - start) % check === 0;
  switch (check) {
    case 'daily':
      return true;
    case 'weekly':
      return mondayOf(dates[t]) !== mondayOf(dates[t + 1]);
    case 'monthly':
      return monthKey(dates[t]) !== monthKey(dates[t + 1]);
    case 'quarterly':
      return quarterKey(dates[t]) !== quarterKey(dates[t + 1]);
    case 'yearly':
      return yearKey(dates[t]) !== yearKey(dates[t + 1]);
    default:
      throw new Error(`unknown check schedule ${String(check)}`);
  }
}

// ---------------------------------------------------------------- rolling band statistics

/** σ_i,t: annualized sample std (n − 1) of the last L log returns ln(P_s/P_{s−1}), s = t−L+1..t. */
export function plainSigma(input: PlainInput, t: number, i: number, L: number): number {
  const N = input.N;
  const P = (row: number, col: number): number => input.prices[row * N + col];
  if (t - L < 0) throw new Error(`volatility band needs prices from row ${t - L}`);
  const logReturns: number[] = [];
  for (let s = t - L + 1; s <= t; s++) logReturns.push(Math.log(P(s, i) / P(s - 1, i)));
  return plainSampleStd(logReturns) * Math.sqrt(input.periodsPerYear);
}

/**
 * Ex-ante tracking error of weights w at row t: sqrt((w − w*)ᵀ Σ_t (w − w*) · ppy), Σ_t the
 * sample covariance (n − 1) of the L simple returns s = t−L+1..t, built entry by entry.
 */
export function plainExAnteTE(input: PlainInput, t: number, w: number[], L: number): number {
  const N = input.N;
  const P = (row: number, col: number): number => input.prices[row * N + col];
  if (t - L < 0) throw new Error(`risk band needs prices from row ${t - L}`);
  const returns: number[][] = []; // returns[i] = the L simple returns of asset i
  for (let i = 0; i < N; i++) {
    const ri: number[] = [];
    for (let s = t - L + 1; s <= t; s++) ri.push(P(s, i) / P(s - 1, i) - 1);
    returns.push(ri);
  }
  const d = w.map((wi, i) => wi - input.targets[i]);
  let quad = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      quad += d[i] * plainSampleCov(returns[i], returns[j]) * d[j];
    }
  }
  return Math.sqrt(quad * input.periodsPerYear);
}

// ---------------------------------------------------------------- cash flows

/** Anniversaries of date a on or before date b. */
function plainWholeYears(a: string, b: string): number {
  let n = 0;
  for (let y = Number(a.slice(0, 4)) + 1; y <= Number(b.slice(0, 4)); y++) if (`${y}${a.slice(4)}` <= b) n++;
  return n;
}

/** Per window row t: [currency amount, fraction of value] of the flows on that row. */
export function plainFlowAmounts(input: PlainInput, start: number): { abs: number[]; pct: number[]; on: boolean[] } {
  const T = input.T;
  const abs = new Array<number>(T).fill(0);
  const pct = new Array<number>(T).fill(0);
  const on = new Array<boolean>(T).fill(false);
  const f = input.flows;
  if (!f) return { abs, pct, on };
  for (const p of f.periodic) {
    for (let t = start + 1; t < T - 1; t++) {
      if (!plainIsCheckDay(t, start, T, input.dates, p.every)) continue;
      if (p.start !== undefined && input.dates[t] < p.start) continue;
      if (p.end !== undefined && input.dates[t] > p.end) continue;
      on[t] = true;
      if (p.percent) pct[t] += p.amount;
      else abs[t] += p.amount * (1 + (p.growth ?? 0)) ** plainWholeYears(p.start ?? input.dates[start], input.dates[t]);
    }
  }
  for (const d of f.dated) {
    const t = input.dates.findIndex((x, k) => k > start && x >= d.date);
    on[t] = true;
    abs[t] += d.amount;
  }
  return { abs, pct, on };
}

/**
 * "Water filling" by sorting: the contribution (sign +1) lifts the lowest deviations d to a
 * common level L with Σ (L − d_i)⁺ = amount; a withdrawal (sign −1) lowers the highest ones.
 * Returns the per-asset change of deviation (≥ 0 for a contribution, ≤ 0 for a withdrawal).
 */
export function plainWaterFill(d: number[], amount: number, sign: 1 | -1): number[] {
  // work on e = sign·d: lift the lowest e to a level with Σ (level − e_i)⁺ = amount
  const e = d.map((x) => sign * x);
  const order = e.map((_, i) => i).sort((a, b) => e[a] - e[b]);
  let level = 0;
  let used = 0;
  for (let k = 1; k <= order.length; k++) {
    const sum = order.slice(0, k).reduce((s, i) => s + e[i], 0);
    const L = (amount + sum) / k;
    if (k === order.length || L <= e[order[k]]) {
      level = L;
      used = k;
      break;
    }
  }
  const out = new Array<number>(d.length).fill(0);
  for (let k = 0; k < used; k++) out[order[k]] = sign * (level - e[order[k]]);
  return out;
}

/** IRR of (time in years, amount) pairs by plain bisection on the rate in (−1 + 1e-9, 1e8) (short windows annualise to huge rates). */
export function plainIrr(flows: [number, number][]): number {
  const npv = (r: number): number => flows.reduce((s, [tau, c]) => s + c / (1 + r) ** tau, 0);
  let lo = -1 + 1e-9;
  let hi = 1e8;
  if (Math.sign(npv(lo)) === Math.sign(npv(hi))) return NaN;
  for (let k = 0; k < 400; k++) {
    const mid = (lo + hi) / 2;
    if (Math.sign(npv(mid)) === Math.sign(npv(lo))) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------- the backtest

export function plainBacktest(input: PlainInput, config: Config): PlainResult {
  const T = input.T;
  const N = input.N;
  const ppy = input.periodsPerYear;
  const dates = input.dates;
  const target: number[] = Array.from(input.targets);
  const capital = input.initialCapital ?? 100000;
  const riskFree = input.riskFree ?? 0;
  const start = input.start ?? config.lookback ?? 0;
  const cooldown = config.cooldown ?? 0;
  if (target.length !== N) throw new Error('targets must have length N');
  if (dates.length !== T) throw new Error('dates must have length T');
  if (start < 0 || start > T - 2) throw new Error(`window start ${start} leaves fewer than 2 rows of ${T}`);
  if (config.band === 'volatility' || config.band === 'risk') {
    // a sample std / covariance needs at least 2 returns; the window starts after the warm-up (interpretation 1)
    const L = config.lookback;
    if (L === undefined || !Number.isInteger(L) || L < 2) throw new Error(`${config.band} band needs an integer lookback ≥ 2`);
    if (start < L) throw new Error(`window start ${start} must be ≥ lookback ${L}`);
  }

  const P = (t: number, i: number): number => input.prices[t * N + i];

  // --- rolling statistics (computed directly, from scratch, each time they are needed)

  const sigma = (t: number, i: number, L: number): number => plainSigma(input, t, i, L);
  const trackingErrorExAnte = (t: number, w: number[], L: number): number => plainExAnteTE(input, t, w, L);

  /** Per-asset half-widths b_i at row t for the per-asset band types. */
  const halfWidths = (t: number): number[] => {
    const b: number[] = [];
    for (let i = 0; i < N; i++) {
      switch (config.band) {
        case 'absolute':
          b.push(config.width);
          break;
        case 'relative':
          b.push(config.width * target[i]);
          break;
        case 'hybrid': {
          if (config.relWidth === undefined) throw new Error('hybrid band needs relWidth');
          b.push(Math.min(config.width, config.relWidth * target[i]));
          break;
        }
        case 'volatility': {
          if (config.lookback === undefined) throw new Error('volatility band needs lookback');
          // with the minimum width (default 0): b_i = max(minWidth, k·σ·w*_i)
          b.push(Math.max(config.minWidth ?? 0, config.width * sigma(t, i, config.lookback) * target[i]));
          break;
        }
        default:
          throw new Error(`halfWidths called for band ${config.band}`);
      }
    }
    return b;
  };

  const driftOf = (w: number[]): number => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += Math.abs(w[i] - target[i]);
    return sum / 2;
  };

  /**
   * At a check day: does the band trigger, and if so what is s (the edge scale)?
   * Returns null when it does not trigger.
   */
  const triggerAndScale = (t: number, w: number[]): { s: number } | null => {
    const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
    switch (config.band) {
      case 'none':
        return null;
      case 'calendar':
        return { s: 0 };
      case 'absolute':
      case 'relative':
      case 'hybrid':
      case 'volatility': {
        const b = halfWidths(t);
        let breached = false;
        for (let i = 0; i < N; i++) if (Math.abs(w[i] - target[i]) > b[i]) breached = true;
        if (!breached) return null;
        let s = Infinity;
        for (let i = 0; i < N; i++) {
          const dev = Math.abs(w[i] - target[i]);
          if (w[i] !== target[i]) s = Math.min(s, b[i] / dev);
        }
        return { s: clamp01(s) };
      }
      case 'drift': {
        const D = driftOf(w);
        if (!(D > config.width)) return null;
        return { s: clamp01(config.width / D) };
      }
      case 'risk': {
        if (config.lookback === undefined) throw new Error('risk band needs lookback');
        const te = trackingErrorExAnte(t, w, config.lookback);
        if (!(te > config.width)) return null;
        return { s: clamp01(config.width / te) };
      }
      default:
        throw new Error(`unknown band ${String(config.band)}`);
    }
  };

  const postTradeWeights = (w: number[], s: number): number[] => {
    switch (config.mode) {
      case 'target':
        return target.slice();
      case 'edge':
        return target.map((ws, i) => ws + s * (w[i] - ws));
      case 'inner': {
        if (config.depth === undefined) throw new Error('inner mode needs depth');
        const q = config.depth;
        return target.map((ws, i) => ws + q * s * (w[i] - ws));
      }
      case 'partial': {
        if (config.fraction === undefined) throw new Error('partial mode needs fraction');
        const f = config.fraction;
        return w.map((wi, i) => wi + f * (target[i] - wi));
      }
      default:
        throw new Error(`unknown mode ${String(config.mode)}`);
    }
  };

  // --- the loop

  const c = (config.feeBps + config.halfSpreadBps) / 1e4;
  let holdings: number[] = target.map((ws, i) => (ws * capital) / P(start, i));
  // tax bookkeeping: total cost basis per asset, this year's realised gain, the carried loss
  const taxRate = input.tax;
  const basis: number[] = holdings.map((h, i) => h * P(start, i));
  let realised = 0;
  let carried = 0;
  let taxFractionSum = 0;
  let taxSaleCostFractionSum = 0;
  /** Book the change from `before` to `after` units at row t's prices. */
  const book = (before: number[], after: number[], t: number): void => {
    if (taxRate === undefined) return;
    for (let i = 0; i < N; i++) {
      const change = after[i] - before[i];
      if (change > 0) basis[i] += change * P(t, i);
      if (change < 0) {
        const perUnit = before[i] > 0 ? basis[i] / before[i] : 0;
        realised += -change * (P(t, i) - perUnit);
        basis[i] -= -change * perUnit;
      }
    }
  };
  const isYearEnd = (t: number): boolean => t > start && t < T - 1 && dates[t].slice(0, 4) !== dates[t + 1].slice(0, 4);
  let lastTrade: number | null = null;

  const value: number[] = [];
  const weights: number[][] = [];
  const trade: boolean[] = [];
  const cost: number[] = [];
  const benchmark: number[] = [];
  const drift: number[] = [];
  const oneWayTurnover: number[] = [];
  let turnoverSum = 0;
  let costFractionSum = 0;
  let rebalances = 0;
  let totalCost = 0; // Σ C in currency
  let assetTrades = 0; // Σ over events of #{i : |w'_i − w_i| > 1e-12}
  const fa = plainFlowAmounts(input, start);
  const flow: number[] = [];
  let flowCostFractionSum = 0;
  let flowRebalancing = 0;

  for (let t = start; t < T; t++) {
    // benchmark: target weights rebalanced every period, no cost
    if (t === start) {
      benchmark.push(1);
    } else {
      let rb = 0;
      for (let i = 0; i < N; i++) rb += target[i] * (P(t, i) / P(t - 1, i) - 1);
      benchmark.push(benchmark[benchmark.length - 1] * (1 + rb));
    }

    if (t === start) {
      value.push(capital);
      weights.push(target.slice());
      trade.push(false);
      cost.push(0);
      drift.push(0);
      oneWayTurnover.push(0);
      flow.push(0);
      continue;
    }

    // drifted value and weights at the close of t
    let V = 0;
    for (let i = 0; i < N; i++) V += holdings[i] * P(t, i);
    // the flow comes first; the check then sees the post-flow holdings
    let F = 0;
    if (fa.on[t]) {
      F = fa.abs[t] + fa.pct[t] * V;
      // a flow of at most 1e-12 of the value is no flow (the tie rule every kernel follows)
      if (Math.abs(F) <= 1e-12 * V) F = 0;
      if (F !== 0) {
        const driftBefore = driftOf(holdings.map((h, i) => (h * P(t, i)) / V));
        let applied = false;
        let C = 0;
        const beforeFlow = holdings.slice();
        if (config.flowMode === 'rebalance') {
          // dollars to buy (> 0) or sell (< 0) per asset, from the deviations at V1 = V + F − |F|c
          const V1 = V + F - Math.abs(F) * c;
          const d = holdings.map((h, i) => (h * P(t, i)) / V1 - target[i]);
          const change = plainWaterFill(d, Math.abs(F - Math.abs(F) * c) / V1, F > 0 ? 1 : -1);
          let dollars = change.map((x) => x * V1);
          const n = dollars.filter((x) => Math.abs(x) > 1e-12 * V).length;
          const total = dollars.reduce((sum, x) => sum + Math.abs(x), 0);
          const fee = config.fixedFee * n;
          const scale = F > 0 ? (total - fee) / total : (total + fee) / total;
          dollars = dollars.map((x) => x * scale);
          const feasible = (F < 0 || total > fee) && dollars.every((x, i) => x >= 0 || -x <= holdings[i] * P(t, i));
          if (feasible) {
            C = Math.abs(F) * c + fee;
            holdings = holdings.map((h, i) => h + dollars[i] / P(t, i));
            applied = true;
          }
        }
        if (!applied) {
          C = Math.abs(F) * c + config.fixedFee * N;
          holdings = holdings.map((h, i) => h + (target[i] * (F - C)) / P(t, i));
        }
        book(beforeFlow, holdings, t);
        const Vafter = V + F - C;
        if (!(Vafter > 0)) throw new Error(`flow on ${dates[t]} takes the value to zero or below`);
        flowCostFractionSum += C / V;
        const driftAfter = driftOf(holdings.map((h, i) => (h * P(t, i)) / Vafter));
        flowRebalancing += Math.max(0, driftBefore - driftAfter);
        V = Vafter;
      }
    }
    flow.push(F);
    let w = holdings.map((h, i) => (h * P(t, i)) / V);
    let tradedToday = false;
    let costToday = 0;
    let oneWayToday = 0;

    const cooldownAllows = lastTrade === null || t - lastTrade > cooldown;
    if (plainIsCheckDay(t, start, T, dates, config.check) && cooldownAllows) {
      const trig = triggerAndScale(t, w);
      if (trig !== null) {
        let wNew = postTradeWeights(w, trig.s);
        if (taxRate !== undefined && input.taxAware && config.band !== 'calendar') {
          // how far along the line to target the mode goes, against the edge's s
          const modeScale =
            config.mode === 'target'
              ? 0
              : config.mode === 'edge'
                ? trig.s
                : config.mode === 'inner'
                  ? (config.depth ?? NaN) * trig.s
                  : 1 - (config.fraction ?? NaN);
          const sellsAGain = wNew.some((x, i) => x < w[i] && holdings[i] * P(t, i) > basis[i]);
          if (modeScale < trig.s && sellsAGain) wNew = target.map((ws, i) => ws + trig.s * (w[i] - ws));
        }
        let sumAbs = 0;
        let assetsTraded = 0;
        for (let i = 0; i < N; i++) {
          const delta = Math.abs(wNew[i] - w[i]);
          sumAbs += delta;
          if (delta > 1e-12) assetsTraded += 1;
        }
        const Q = V * sumAbs;
        // the border-tie rule (interpretation 15): moving no weight by more than 1e-12 in total is
        // no rebalance (a weight that sits on its border reads 1 ulp outside it after a trade);
        // a calendar check stays an event even with nothing to trade (design §3)
        const tie = sumAbs <= 1e-12 && config.band !== 'calendar';
        if (!tie && !(Q < config.minTrade)) {
          const C = Q * c + config.fixedFee * assetsTraded;
          const Vpost = V - C;
          const beforeTrade = holdings;
          holdings = wNew.map((wi, i) => (wi * Vpost) / P(t, i));
          book(beforeTrade, holdings, t);
          rebalances += 1;
          totalCost += C;
          assetTrades += assetsTraded;
          oneWayToday = sumAbs / 2;
          turnoverSum += oneWayToday;
          costFractionSum += C / V;
          costToday = C;
          tradedToday = true;
          lastTrade = t;
          V = Vpost;
          w = wNew;
        }
      }
    }

    if (taxRate !== undefined && isYearEnd(t)) {
      const net = realised - carried;
      realised = 0;
      carried = net > 0 ? 0 : -net;
      const due = net > 0 ? taxRate * net : 0;
      if (due > 1e-12 * V) {
        // sell the same fraction of every holding: proceeds net of costs pay the tax exactly
        const sold = (due + config.fixedFee * N) / (V * (1 - c));
        if (!(sold < 1)) throw new Error(`tax on ${dates[t]} exceeds the portfolio`);
        const before = holdings.slice();
        holdings = holdings.map((h) => h * (1 - sold));
        book(before, holdings, t);
        taxFractionSum += due / V;
        taxSaleCostFractionSum += (sold * V * c + config.fixedFee * N) / V;
        V = V * (1 - sold);
        w = holdings.map((h, i) => (h * P(t, i)) / V);
      }
    }

    value.push(V);
    weights.push(w);
    trade.push(tradedToday);
    cost.push(costToday);
    drift.push(driftOf(w));
    oneWayTurnover.push(oneWayToday);
  }

  // --- metrics (design §4)
  const nReturns = value.length - 1;
  const years = nReturns / ppy;
  const r: number[] = [];
  // the period return leaves the flow out: r = (V_t − F_t)/V_{t−1} − 1 (F = 0 without flows)
  for (let k = 1; k < value.length; k++) r.push((value[k] - flow[k]) / value[k - 1] - 1);
  const withFlows = fa.on.some((x) => x);
  // the time-weighted index: V_t/V_0 without flows, Π(1 + r) with them
  const index: number[] = [1];
  for (const x of r) index.push(index[index.length - 1] * (1 + x));
  const path = withFlows ? index : value;
  // r^b_t straight from its definition: Σ w*_i·(P_i,t/P_i,t−1 − 1)
  const rbDef: number[] = [];
  for (let t = start + 1; t < T; t++) {
    let x = 0;
    for (let i = 0; i < N; i++) x += target[i] * (P(t, i) / P(t - 1, i) - 1);
    rbDef.push(x);
  }

  const active = r.map((x, k) => x - rbDef[k]);
  const trackingError = plainSampleStd(active) * Math.sqrt(ppy);

  let peak = -Infinity;
  let maxDrawdown = 0;
  for (const v of path) {
    peak = Math.max(peak, v);
    maxDrawdown = Math.max(maxDrawdown, 1 - v / peak);
  }

  const vStart = value[0];
  const vEnd = value[value.length - 1];
  const cagr = withFlows ? Math.pow(index[index.length - 1], 1 / years) - 1 : Math.pow(vEnd / vStart, 1 / years) - 1;
  const mwr = withFlows
    ? plainIrr([[0, -vStart], ...flow.map((f, k): [number, number] => [k / ppy, -f]).filter(([, f]) => f !== 0), [nReturns / ppy, vEnd]])
    : cagr;
  const benchCagr = Math.pow(benchmark[benchmark.length - 1] / benchmark[0], 1 / years) - 1;

  const stdR = plainSampleStd(r);
  const volatility = stdR * Math.sqrt(ppy);
  const excess = r.map((x) => x - riskFree / ppy);
  const sharpe = (plainMean(excess) / stdR) * Math.sqrt(ppy);
  const downside = plainMean(excess.map((x) => Math.min(x, 0) ** 2));
  const sortino = (plainMean(excess) / Math.sqrt(downside)) * Math.sqrt(ppy);

  let maxDrift = 0;
  for (const d of drift) maxDrift = Math.max(maxDrift, d);

  function taxMetrics(): Pick<Metrics, 'taxPaid' | 'afterTaxCagr' | 'afterTaxValue' | 'unrealisedGain'> {
    if (taxRate === undefined) return { taxPaid: 0, afterTaxCagr: cagr, afterTaxValue: vEnd, unrealisedGain: NaN };
    let unrealised = 0;
    for (let i = 0; i < N; i++) unrealised += holdings[i] * P(T - 1, i) - basis[i];
    const owed = realised + unrealised - carried;
    const afterTaxValue = vEnd - (owed > 0 ? taxRate * owed : 0);
    const growth = withFlows ? index[index.length - 1] * (afterTaxValue / vEnd) : afterTaxValue / vStart;
    return { taxPaid: (taxFractionSum / years) * 1e4, afterTaxCagr: Math.pow(growth, 1 / years) - 1, afterTaxValue, unrealisedGain: unrealised };
  }

  const metrics: Metrics = {
    turnover: turnoverSum / years,
    trackingError,
    maxDrawdown,
    cagr,
    volatility,
    sharpe,
    sortino,
    rebalances,
    rebalancesPerYear: rebalances / years,
    costDrag: ((costFractionSum + flowCostFractionSum + taxSaleCostFractionSum) / years) * 1e4,
    meanDrift: plainMean(drift),
    maxDrift,
    excessReturn: cagr - benchCagr,
    finalValue: vEnd,
    totalCost,
    assetTrades,
    mwr,
    flowRebalanceShare: flowRebalancing + turnoverSum > 0 ? flowRebalancing / (flowRebalancing + turnoverSum) : 0,
    ...taxMetrics(),
  };

  return { metrics, value, weights, trade, cost, benchmark, drift, oneWayTurnover, flow };
}
