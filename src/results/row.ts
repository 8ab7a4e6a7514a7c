/** One results.csv row as read back (src/results/reader.ts): what the report and the leaderboard work on. */
export interface ResultRow {
  /** "0", "1", ... for configurations; "calendar-monthly" / "none" … for baselines. */
  id: string;
  kind: 'config' | 'baseline';
  /** Human label, e.g. "relative ±22% of target, checked weekly, to the band edge". */
  label: string;
  /**
   * band, width, relWidth, lookback, check, mode, depth, fraction, cooldown, feeBps,
   * halfSpreadBps, fixedFee, minTrade (null where not applicable).
   */
  params: Record<string, string | number | null>;
  /**
   * turnover, trackingError, maxDrawdown, cagr, volatility, sharpe, sortino, rebalances,
   * rebalancesPerYear, costDrag (bp/yr), meanDrift, maxDrift, excessReturn, finalValue.
   */
  metrics: Record<string, number | null>;
  feasible: boolean;
  pareto: boolean;
  score: number | null;
  /** 1 = best feasible; null when not ranked (infeasible, failed, baseline). */
  rank: number | null;
  /** The failure message of a configuration that could not be evaluated. */
  error?: string;
}
