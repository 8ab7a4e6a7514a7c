/**
 * The input contract of the report (design §8): everything `report.html` shows comes from one
 * `ReportInput`. The runner / CLI assemble it from a run's results; the report code never reads
 * results files itself.
 */
import type { DigestResult } from './digest.js';

import type { ResultRow } from '../results/row.js';
import type { SelectionJson } from '../results/selection-types.js';

/** One configuration or baseline, with its parameters, metrics (design §4) and scoring (§5). */
export type ReportRow = ResultRow;

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

/** selection.json (src/results/selection-types.ts, written by the selection step): the pick and why. */
export type Selection = SelectionJson;

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
    /** The experiment's constraints ("trackingError <= 0.02") and score weights. */
    constraints?: string[];
    scoreWeights?: Record<string, number>;
  };
  data: {
    file: string;
    assets: string[];
    start: string;
    end: string;
    periodsPerYear: number;
    rows: number;
    /** How the evaluation window differs from the data file and the requested dates, and why (manifest.warnings). */
    warnings?: string[];
  };
  targets: Record<string, number>;
  costs: { feeBps: number; halfSpreadBps: number; fixedFee: number; minTrade: number };
  run: { id: string; startedAt: string; seconds: number; workers: number; failed: number };
  /**
   * Configuration rows, then the baselines. Either every configuration row (an in-memory input),
   * or, when `digest` is set, only the rows the digest kept (sample, fronts, top, named rows).
   */
  rows: ReportRow[];
  /** The digest of every row when `rows` hold only part of them (a run read from its folder). */
  digest?: DigestResult;
  /** selection.json of the run, when there is one (older runs: none; the page says so). */
  selection?: Selection;
  /** Value of the benchmark (target weights rebalanced every period, no cost) on the series' dates. */
  benchmark?: number[];
  /** The recommended configuration first, then the baselines. */
  series: ReportSeries[];
  /** The drill-down's configurations: the top 10 by rank (results.csv), best first; the baselines are in `series`. */
  drill?: ReportSeries[];
  /** Resampled histories (robustness.csv/json), when the experiment asked for them. */
  robustness?: import('./robustTypes.js').RobustReport;
  /** Out-of-sample validation (validation.json), when the experiment asked for it. */
  validation?: import('./extrasValidation.js').ValidationReport;
  /** The theory no-trade band for the experiment's cost level (src/policy/theory.ts); set for every run. */
  theory?: import('./extrasValidation.js').TheoryBand;
}
