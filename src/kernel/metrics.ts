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
export const M: { readonly [K in MetricName]: number } = Object.fromEntries(
  METRICS.map((m, i) => [m, i]),
) as { [K in MetricName]: number };

export type Metrics = Record<MetricName, number>;

export function rowToMetrics(row: ArrayLike<number>, offset = 0): Metrics {
  const out = {} as Metrics;
  for (let i = 0; i < N_METRICS; i++) out[METRICS[i]] = row[offset + i];
  return out;
}
