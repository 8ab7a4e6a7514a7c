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

/**
 * One configuration row, read without building it (src/report/digest.ts `addView`): what the
 * digest looks at on every row, and `row()` for the few rows it keeps. A reader may reuse one view
 * for every row (its fields change as it moves on), so keep `row()`, never the view.
 */
export interface RowView {
  /** The id as a number: the configuration id (the key of the seeded samples). */
  readonly id: number;
  /** `Number(row().id)`, which orders rows of equal rank. */
  readonly num: number;
  /** `row().id` when it is not `String(id)`; undefined when it is. */
  readonly text: string | undefined;
  readonly feasible: boolean;
  readonly pareto: boolean;
  /** Whether `row().error` is set (a failed configuration). */
  readonly failed: boolean;
  readonly rank: number | null;
  /** `row().metrics[name]`, NaN when it is not a number; `j` is the metric's index in METRICS (−1 for another name). */
  metric(j: number, name: string): number;
  /** `row().score`. */
  score(): number | null;
  /** `row().params[name]`. */
  param(name: string): string | number | null | undefined;
  /** The row itself (the same object on every call for one row). */
  row(): ResultRow;
}
