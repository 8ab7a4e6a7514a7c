/**
 * The metrics of design §4, in the fixed order of a kernel output row.
 * Each is documented with its formula where it is computed (kernel/stats.ts, kernel/backtest.ts).
 */
export const METRICS = [
  'turnover',
  'trackingError',
  'maxDrawdown',
  'cagr',
  'volatility',
  'sharpe',
  'sortino',
  'rebalances',
  'rebalancesPerYear',
  'costDrag',
  'meanDrift',
  'maxDrift',
  'excessReturn',
  'finalValue',
  'totalCost',
  'assetTrades',
  // cash flows (docs/flows-and-taxes.md): without flows mwr = cagr and flowRebalanceShare = 0
  'mwr',
  'flowRebalanceShare',
  // taxes (docs/flows-and-taxes.md): without tax taxPaid = 0, afterTaxCagr = cagr,
  // afterTaxValue = finalValue, unrealisedGain not tracked (NaN)
  'taxPaid',
  'afterTaxCagr',
  'afterTaxValue',
  'unrealisedGain',
] as const;
export type MetricName = (typeof METRICS)[number];
export const N_METRICS = METRICS.length;
export const M: { readonly [K in MetricName]: number } = Object.fromEntries(METRICS.map((m, i) => [m, i])) as { [K in MetricName]: number };

export type Metrics = Record<MetricName, number>;

/**
 * Unit of each metric (docs/backtest.md): `fraction` (0.05 = 5%), `fraction/yr` (a yearly rate or
 * annualized change), `fraction (annualized)` (a standard deviation scaled by √ppy), `ratio
 * (annualized)`, `count`, `count/yr`, `bp/yr` (basis points a year), `currency` (the unit of the
 * capital).
 */
export const METRIC_UNITS: { readonly [K in MetricName]: string } = {
  turnover: 'fraction/yr',
  trackingError: 'fraction (annualized)',
  maxDrawdown: 'fraction',
  cagr: 'fraction/yr',
  volatility: 'fraction (annualized)',
  sharpe: 'ratio (annualized)',
  sortino: 'ratio (annualized)',
  rebalances: 'count',
  rebalancesPerYear: 'count/yr',
  costDrag: 'bp/yr',
  meanDrift: 'fraction',
  maxDrift: 'fraction',
  excessReturn: 'fraction/yr',
  finalValue: 'currency',
  totalCost: 'currency',
  assetTrades: 'count',
  mwr: 'fraction/yr',
  flowRebalanceShare: 'fraction',
  taxPaid: 'bp/yr',
  afterTaxCagr: 'fraction/yr',
  afterTaxValue: 'currency',
  unrealisedGain: 'currency',
};

/**
 * Ruin: the value went to or below zero on some row. With a positive capital this is exactly
 * maxDrawdown = max_t (1 − V_t/peak) ≥ 1 (V_t ≤ 0 ⇔ 1 − V_t/peak ≥ 1); a positive value below
 * ~1e-16 of the running peak also rounds to 1 and reads as ruin.
 */
export function isRuined(row: ArrayLike<number>, offset = 0): boolean {
  return row[offset + M.maxDrawdown] >= 1;
}

export const RUIN_REASON = 'ruined: the value went to or below zero';

export function rowToMetrics(row: ArrayLike<number>, offset = 0): Metrics {
  const out = {} as Metrics;
  for (let i = 0; i < N_METRICS; i++) out[METRICS[i]] = row[offset + i];
  return out;
}
