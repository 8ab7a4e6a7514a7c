/**
 * The robustness part of the report input (issue 5): what robustness.json and robustness.csv of a
 * run say, reduced to the rows the report shows (src/report/extrasRobust.ts reads it).
 */

/** Median and 5–95% range over the bootstrap paths. */
export interface RobustStat {
  median: number | null;
  p5: number | null;
  p95: number | null;
}

export interface RobustReportRow {
  /** Configuration id ("17"), or a baseline's ("calendar-monthly", "none"). */
  id: string;
  label: string;
  /** 1 = best by the robust score; null when not ranked (feasible on fewer than half of the paths). */
  robustRank: number | null;
  robustScore: number | null;
  /** Per summarised column (turnover, trackingError, maxDrawdown, cagr, …, score). */
  stats: Record<string, RobustStat>;
  feasibleFreq: number;
  paretoFreq: number;
  top10Freq: number;
}

export interface RobustReport {
  kind: 'block-bootstrap';
  paths: number;
  blockLength: number;
  seed: number;
  /** "median" or "the 90th percentile". */
  rankBy: string;
  configurations: number;
  backtests: number;
  seconds: number;
  workers: number;
  failed: number;
  /** The summarised columns, "score" last. */
  columns: string[];
  /** The best by robust rank, best first (the leaderboard and the range chart). */
  top: RobustReportRow[];
  /** The baselines on the same paths (never ranked). */
  baselines: RobustReportRow[];
  /** The rows of the frequency chart: every configuration, or when there are many, the ones that matter (see note). */
  points: RobustReportRow[];
  /** How `points` was chosen (plain text). */
  pointsNote: string;
}
