/**
 * Advise (docs/advise.md): today's holdings and prices in, the policy's decision out — the
 * backtest's check day applied once, to real units.
 *
 * The decision (trigger, mode, scale, whole-rebalance minimum trade, cost, the post-trade
 * holdings) is made by the kernel's own readable check day (kernel/backtest.ts makeCheckDay),
 * run on a KernelContext whose last row is the as-of date, so advise and the backtest cannot
 * disagree. Only then is the ideal trade turned into orders:
 *  - order units Δu_i = h'_i − h_i (the kernel's post-trade units minus today's);
 *  - with a lot size ℓ_i: a buy is rounded down to whole lots (never spend money that is not
 *    there), a sell to the nearest whole lot, never more than is held;
 *  - an order whose notional |Δu_i|·P_i is below the policy's minimum trade is dropped (the
 *    kernel skips a whole rebalance below the minimum; advise also drops the small legs of a
 *    rebalance that passed);
 *  - each order costs notional·(feeBps + halfSpreadBps)/1e4 + fixedFee; the costs are paid from
 *    cash, and the post-trade weights are over units·price + the cash left.
 * Cash (--cash) is part of the portfolio value V but has no target: weights are h_i·P_i/V, so
 * idle cash makes every asset underweight, and a trade to target invests it.
 */
import { COST, makeCheckDay, TRADED } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { BANDS, staticHalfWidths } from '../policy/bands.js';
import { costRate, TRADE_EPS } from '../policy/costs.js';
import { describeConfig } from '../policy/describe.js';
import { nextCheckDate } from './nextCheck.js';
import type { Config } from '../policy/types.js';

export interface AdviseInput {
  config: Config;
  assets: readonly string[];
  /** Target weights, assets order. */
  targets: ArrayLike<number>;
  /** Units held, assets order. */
  holdings: ArrayLike<number>;
  cash: number;
  /** Price history, row-major rows×N, ending on the as-of date (one row is enough for static bands). */
  prices: Float64Array;
  dates: readonly string[];
  periodsPerYear: number;
  /** Lot size per asset (0 = fractional units allowed). */
  lots?: ArrayLike<number>;
}

export interface AssetLine {
  asset: string;
  units: number;
  price: number;
  value: number;
  weight: number;
  target: number;
  /** Band half-width b_i (per-asset bands), else null. */
  halfWidth: number | null;
  deviation: number;
  breach: boolean;
  /** |w − w*| − b (> 0 when breached), per-asset bands only. */
  excess: number | null;
}

export interface Order {
  asset: string;
  side: 'buy' | 'sell';
  units: number;
  price: number;
  notional: number;
  cost: number;
}

export interface Advice {
  asOf: string;
  policy: string;
  config: Config;
  value: number;
  cash: number;
  lines: AssetLine[];
  /** Portfolio statistic of drift/risk bands: { name, value, threshold }, else null. */
  portfolio: { statistic: 'drift' | 'trackingError'; value: number; threshold: number } | null;
  /** True when there is at least one order to place. */
  trade: boolean;
  /** The kernel's decision (the backtest would trade on this row); true with no orders when every leg fell under the minimum trade. */
  kernelTrade: boolean;
  /** Why not, when trade is false. */
  reason: string;
  orders: Order[];
  /** Orders the kernel wanted that fell under minTrade after lot rounding. */
  suppressed: { asset: string; side: 'buy' | 'sell'; units: number; notional: number }[];
  /** The kernel's post-trade weights (before lot rounding and dropped legs): what the backtest holds after this row. */
  kernelWeights: Record<string, number>;
  /** The kernel's estimate of the rebalance's cost (what the backtest charged). */
  kernelCost: number;
  cost: number;
  cashAfter: number;
  weights: Record<string, number>;
  postTradeWeights: Record<string, number>;
  nextCheck: string | null;
  nextCheckNote: string;
}

export function advise(inp: AdviseInput): Advice {
  const { config: cfg, assets } = inp;
  const N = assets.length;
  const rows = inp.prices.length / N;
  // a KernelContext needs two rows: a single row of prices (static bands) is doubled
  const prices = rows >= 2 ? inp.prices : Float64Array.from([...inp.prices, ...inp.prices]);
  const dates = rows >= 2 ? inp.dates : [inp.dates[0], inp.dates[0]];
  const T = prices.length / N;
  const t = T - 1;
  const asOf = dates[t];
  const ctx = new KernelContext({ prices, T, N, dates, targets: inp.targets, periodsPerYear: inp.periodsPerYear, start: T - 2 });
  const P = (i: number): number => prices[t * N + i];
  let invested = 0;
  for (let i = 0; i < N; i++) invested += inp.holdings[i] * P(i);
  const V = invested + inp.cash;
  const W = ctx.targets;
  const w = Float64Array.from({ length: N }, (_, i) => (inp.holdings[i] * P(i)) / V);
  const weights = Object.fromEntries(assets.map((a, i) => [a, w[i]]));

  // the kernel's check day: the same function the backtest's readable path calls on a check row
  const scope = BANDS[cfg.band].scope;
  let traded = false;
  let Vpost = V;
  let kernelCost = 0;
  const hAfter = new Float64Array(N);
  for (let i = 0; i < N; i++) ctx.h[i] = inp.holdings[i];
  if (scope !== 'never') {
    const check = makeCheckDay(ctx, cfg);
    ctx.state.fill(0);
    Vpost = check(t, V);
    traded = ctx.state[TRADED] === 1;
    kernelCost = traded ? ctx.state[COST] : 0;
  }
  for (let i = 0; i < N; i++) hAfter[i] = ctx.h[i];

  // the band as the check day saw it (b_i for the per-asset bands, or D / TE)
  const lines: AssetLine[] = [];
  let portfolio: Advice['portfolio'] = null;
  const b = new Float64Array(N);
  let perAsset = scope === 'asset';
  if (perAsset) {
    if (cfg.band === 'volatility') {
      const vol = ctx.volatility(cfg.lookback ?? 0);
      for (let i = 0; i < N; i++) b[i] = cfg.width * vol[t * N + i] * W[i];
    } else perAsset = staticHalfWidths(cfg, W, b);
  } else if (cfg.band === 'drift') {
    let D = 0;
    for (let i = 0; i < N; i++) D += Math.abs(w[i] - W[i]);
    portfolio = { statistic: 'drift', value: 0.5 * D, threshold: cfg.width };
  } else if (cfg.band === 'risk') {
    const cov = ctx.covariance(cfg.lookback ?? 0);
    const base = t * N * N;
    let q = 0;
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) q += (w[i] - W[i]) * cov[base + i * N + j] * (w[j] - W[j]);
    portfolio = { statistic: 'trackingError', value: Math.sqrt(Math.max(q, 0) * inp.periodsPerYear), threshold: cfg.width };
  }
  for (let i = 0; i < N; i++) {
    const dev = w[i] - W[i];
    lines.push({
      asset: assets[i],
      units: inp.holdings[i],
      price: P(i),
      value: inp.holdings[i] * P(i),
      weight: w[i],
      target: W[i],
      halfWidth: perAsset ? b[i] : null,
      deviation: dev,
      breach: perAsset ? Math.abs(dev) > b[i] : false,
      excess: perAsset ? Math.abs(dev) - b[i] : null,
    });
  }

  // orders from the kernel's post-trade units
  const orders: Order[] = [];
  const suppressed: Advice['suppressed'] = [];
  const rate = costRate(cfg);
  const finalUnits = Float64Array.from(inp.holdings);
  let cash = inp.cash;
  let cost = 0;
  if (traded) {
    for (let i = 0; i < N; i++) {
      let du = hAfter[i] - inp.holdings[i];
      if (Math.abs(du * P(i)) <= TRADE_EPS * V) continue;
      const lot = inp.lots?.[i] ?? 0;
      if (lot > 0) {
        du = du > 0 ? Math.floor(du / lot + 1e-9) * lot : -Math.min(Math.round(-du / lot) * lot, inp.holdings[i]);
        if (du === 0) continue;
      }
      const side = du > 0 ? 'buy' : 'sell';
      const units = Math.abs(du);
      const notional = units * P(i);
      if (notional < cfg.minTrade) {
        suppressed.push({ asset: assets[i], side, units, notional });
        continue;
      }
      const c = notional * rate + cfg.fixedFee;
      orders.push({ asset: assets[i], side, units, price: P(i), notional, cost: c });
      finalUnits[i] += du;
      cash -= du * P(i) + c;
      cost += c;
    }
  }
  if (Math.abs(cash) <= 1e-9 * V) cash = 0; // floating-point dust of Σ sells − Σ buys
  let Vafter = cash;
  for (let i = 0; i < N; i++) Vafter += finalUnits[i] * P(i);
  const postTradeWeights = Object.fromEntries(assets.map((a, i) => [a, (finalUnits[i] * P(i)) / Vafter]));
  const reason = traded
    ? ''
    : scope === 'never'
      ? 'buy and hold: this policy never trades'
      : anyBreach(lines, portfolio)
        ? `the band is breached but the rebalance (${fmtMoney(wouldTrade(ctx, cfg, w, V))}) is below the minimum trade ${fmtMoney(cfg.minTrade)}`
        : 'every asset inside its band';
  const nc = nextCheckDate(cfg.check, asOf, inp.periodsPerYear > 300);
  return {
    asOf,
    policy: describeConfig(cfg),
    config: cfg,
    value: V,
    cash: inp.cash,
    lines,
    portfolio,
    trade: traded && orders.length > 0,
    kernelTrade: traded,
    reason: traded && orders.length === 0 ? 'every order is below the minimum trade after rounding to lots' : reason,
    orders,
    suppressed,
    kernelWeights: kernelWeights(assets, hAfter, prices, t, traded ? Vpost : V),
    kernelCost,
    cost,
    cashAfter: cash,
    weights,
    postTradeWeights: traded ? postTradeWeights : weights,
    nextCheck: nc.date,
    nextCheckNote: nc.note,
  };
}

function kernelWeights(assets: readonly string[], h: Float64Array, P: Float64Array, t: number, V: number): Record<string, number> {
  const N = assets.length;
  return Object.fromEntries(assets.map((a, i) => [a, (h[i] * P[t * N + i]) / V]));
}

function anyBreach(lines: AssetLine[], p: Advice['portfolio']): boolean {
  return p ? p.value > p.threshold : lines.some((l) => l.breach);
}

/** The notional the mode would have traded (for the "below minimum trade" message). */
function wouldTrade(ctx: KernelContext, cfg: Config, w: Float64Array, V: number): number {
  // re-run the check day with no minimum trade on a copy of the holdings: its cost at rate 1
  // is the traded notional
  const N = w.length;
  const probe: Config = { ...cfg, minTrade: 0, feeBps: 1e4, halfSpreadBps: 0, fixedFee: 0 };
  const saved = Float64Array.from(ctx.h.subarray(0, N));
  ctx.state.fill(0);
  for (let i = 0; i < N; i++) ctx.h[i] = (w[i] * V) / ctx.prices[(ctx.T - 1) * N + i];
  makeCheckDay(ctx, probe)(ctx.T - 1, V);
  const q = ctx.state[COST];
  ctx.h.set(saved);
  return q;
}

export function fmtMoney(x: number): string {
  return x.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
