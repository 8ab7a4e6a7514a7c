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

/**
 * What the report knows of every row of a large run read in constant memory (stream.ts): exact
 * counts, and the aggregates it charts, computed over every configuration row.
 */
export interface RowDigest {
  /** Configuration rows in the results (baselines excluded); feasible, on the Pareto front, failed. */
  configs: number;
  feasible: number;
  pareto: number;
  failed: number;
  /** Configuration rows in `rows` drawn by the seeded uniform sample (the scatters' sample). */
  sampled: number;
  /**
   * Pareto rows in `rows`: every one, unless the front is longer than the cap (then the capped
   * selection, plus any front rows the uniform sample or the top N drew as well).
   */
  paretoKept: number;
  /** Size of the uniform sample that placed the quantile-bin edges and the value intervals. */
  edgeSample: number;
  /** Value intervals per objective behind the quartiles of `effects` and the heatmap medians. */
  intervals: number;
  lowerScoreIsBetter: boolean;
  /** Parameter effects over every configuration row: counts exact, quartiles to within one value interval. */
  effects: ParamEffect[];
  /** Score heatmap over every configuration row (null: the two parameters have no values). */
  heatmap: Heatmap | null;
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
  data: {
    file: string; assets: string[]; start: string; end: string; periodsPerYear: number; rows: number;
    /** How the evaluation window differs from the data file and the requested dates, and why (manifest.warnings). */
    warnings?: string[];
  };
  targets: Record<string, number>;
  costs: { feeBps: number; halfSpreadBps: number; fixedFee: number; minTrade: number };
  run: { id: string; startedAt: string; seconds: number; workers: number; failed: number };
  /**
   * Configuration rows, then the baselines. Either every configuration row (an in-memory input,
   * or a run read whole), or, when `digest` is set, only the rows the report draws: a seeded
   * uniform sample, the Pareto rows (capped) and the top of the leaderboard.
   */
  rows: ReportRow[];
  /** Counts and aggregates over every row of a large run whose `rows` hold only part of it. */
  digest?: RowDigest;
  /** Best configuration first, then baselines. */
  series: ReportSeries[];
  /** Resampled histories (robustness.csv/json), when the experiment asked for them. */
  robustness?: import('./robustTypes.js').RobustReport;
  /** Out-of-sample validation (validation.json), when the experiment asked for it. */
  validation?: import('./extrasValidation.js').ValidationReport;
  /** The theory no-trade band for the experiment's cost level (src/policy/theory.ts); set for every run. */
  theory?: import('./extrasValidation.js').TheoryBand;
}

/** Parameter effects and heatmaps (computed in aggregate.ts; declared here so types.ts imports nothing above it). */
export interface EffectRow {
  [key: string]: string | number | null;
  objective: string;
  /** Group position: number (numeric parameters) or category text. */
  x: number | string;
  xLabel: string;
  n: number;
  q25: number | null;
  median: number | null;
  q75: number | null;
}

export interface ParamEffect {
  param: string;
  numeric: boolean;
  binned: boolean;
  /** Positive numbers spanning a wide range: shown on a log axis. */
  logScale: boolean;
  /** Group labels in display order. */
  order: string[];
  rows: EffectRow[];
  /** Rows where the parameter applies. */
  applicable: number;
}

export interface HeatCell {
  [key: string]: string | number | null;
  x: string;
  y: string;
  /** Rows in the cell with a score. */
  n: number;
  /** Rows in the cell (scored or not). */
  total: number;
  feasible: number;
  median: number | null;
  best: number | null;
}

export interface Heatmap {
  xParam: string;
  yParam: string;
  xOrder: string[];
  yOrder: string[];
  cells: HeatCell[];
}
