/**
 * The input contract of the report (design §8): everything `report.html` shows comes from one
 * `ReportInput`. The runner / CLI assemble it from a run's results; the report code never reads
 * results files itself.
 */

/** One configuration or baseline, with its parameters, metrics (design §4) and scoring (§5). */
export interface ReportRow {
  /** "0", "1", ... for configurations; "calendar" / "none" for baselines. */
  id: string;
  kind: 'config' | 'baseline';
  /** Human label, e.g. "relative 22%, weekly, edge" or "calendar (monthly)". */
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
}

/** The daily series of one configuration, re-run by the kernel. */
export interface ReportSeries {
  label: string;
  id: string;
  /** Window dates, ISO YYYY-MM-DD. */
  dates: string[];
  /** Portfolio value (post-cost). */
  value: number[];
  /** Drawdown as a positive fraction. */
  drawdown: number[];
  /** Cumulative cost paid, currency. */
  cumCost: number[];
  /** weights[i][t], end of day, per asset i. */
  weights: number[][];
  /** Per asset i: lower border per day (w*_i − b_i,t), null when the policy has no per-asset band. */
  bandLower: (number[] | null)[];
  bandUpper: (number[] | null)[];
  /** Indices into dates where a rebalance happened. */
  tradeDays: number[];
}

export interface ReportInput {
  experiment: {
    name: string;
    description?: string;
    searchKind: string;
    spaceSize: number;
    seed: number;
    searchedParams: string[];
    objectives: string[];
    /** Two parameters for the score heatmap; default: the first two searched parameters. */
    heatmap?: [string, string];
  };
  data: { file: string; assets: string[]; start: string; end: string; periodsPerYear: number; rows: number };
  targets: Record<string, number>;
  costs: { feeBps: number; halfSpreadBps: number; fixedFee: number; minTrade: number };
  run: { id: string; startedAt: string; seconds: number; workers: number; failed: number };
  /** May be 1,000,000+ configuration rows plus baselines. */
  rows: ReportRow[];
  /** Best configuration first, then baselines. */
  series: ReportSeries[];
}
