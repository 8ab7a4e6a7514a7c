/**
 * The shape of `selection.json` in a run folder: the configuration the evidence supports (the
 * "pick") and why, written by src/results/selection.ts when a run (or merge) finishes and read
 * by the report page. The rule, the tests and their assumptions are described in docs/selection.md.
 *
 * Ids are as in results.csv: a searched configuration is its number (0-based id); a baseline is
 * its string id (`calendar-monthly`, `calendar-quarterly`, `calendar-yearly`, `calendar-<check>`,
 * `none`). Every number is finite or null (JSON has no NaN). Metric values are in the units of
 * results.csv (fractions: 0.0014 = 0.14%; costDrag in bp/yr as written there), `display` strings
 * are what a person reads.
 *
 * This file is a contract with the report (issue 11): fields are only ever added.
 */
import type { MetricName } from '../kernel/metrics.js';

export const SELECTION_VERSION = 1;

/** How the candidates are ordered. */
export type RankBy =
  /** The score on the actual history (no `robustness` in the experiment). */
  | 'in-sample-score'
  /** The median of the score over the bootstrap paths (`robustness.rankBy: median`). */
  | 'robust-median'
  /** A quantile q of the score over the bootstrap paths (`robustness.rankBy: {quantile: q}`). */
  | 'robust-quantile';

export interface SelectionRule {
  /** The rule in one or two plain sentences (shown on the page as is). */
  text: string;
  /** The experiment's constraints as written ("trackingError <= 0.02"); [] when none. */
  constraints: string[];
  /** The score as a formula over metric names: "1 × trackingError + 0.0001 × costDrag". Lower is better. */
  formula: string;
  rankBy: RankBy;
  /** The quantile of the score over paths (0.5 for the median); null for in-sample ranking. */
  robustQuantile: number | null;
  /**
   * How calendar and buy-and-hold configurations inside the searched space are treated: they stay
   * rows of results.csv but take no rank and cannot be the pick (their baselines are reported once,
   * unranked).
   */
  calendarInSpace: 'unranked';
}

/** One term of the pick's score: weight × value = contribution (in score units). */
export interface ScoreTerm {
  metric: MetricName;
  weight: number;
  /** The pick's value of the metric, in results.csv's unit; null when not finite. */
  value: number | null;
  /** The unit `display` is written in: "%", "%/yr", "bp/yr", "trades/yr", "" (a ratio). */
  unit: string;
  /** The value as a person reads it, with its unit: "TE 0.14%", "cost drag 2.6 bp/yr". */
  display: string;
  /** weight × value; null when the value is not finite. */
  contribution: number | null;
}

/** A configuration as the page names it. */
export interface SelectedConfig {
  /** results.csv id of a searched configuration. */
  id: number;
  /** describeConfig(): "absolute ±5% · monthly · to target". */
  label: string;
  band: string;
  mode: string;
  /** The score on the actual history (results.csv `score`). */
  score: number | null;
  /** The robust score (robustness.csv `robustScore`); null without robustness. */
  robustScore: number | null;
  /** Its rank under the rule (results.csv `rank`); 1 for the pick. */
  rank: number;
  /** Its rank by the in-sample score among the same candidates (equals `rank` without robustness). */
  inSampleRank: number;
  rebalancesPerYear: number | null;
}

export interface IndistinguishableTest {
  /** What the paired differences are taken over. */
  pairedOver: 'bootstrap-paths' | 'sub-periods';
  /** How many paired observations (paths, or sub-periods S). */
  observations: number;
  /** The test and the multiple-comparison control in plain words (for the page). */
  method: string;
  /** The Benjamini–Hochberg false-discovery rate q (0.05). */
  level: number;
  /** How many configurations were compared with the pick (the candidate pool, pick excluded). */
  compared: number;
  /** True when every compared configuration was indistinguishable, so the set may go on past the pool. */
  truncated: boolean;
}

export interface PboDetail {
  /** Number of equal sub-periods S the evaluation window was cut into. */
  subPeriods: number;
  /** Rows per sub-period (the last one takes the remainder). */
  rowsPerSubPeriod: number;
  /** Combinations C(S, S/2) evaluated (all of them). */
  combinations: number;
  /** Configurations in the CSCV matrix (the best candidates by the rule, up to a cap). */
  configurations: number;
  /** Median of the logits λ = ln(ω/(1−ω)) of the in-sample best's out-of-sample relative rank ω. */
  medianLogit: number | null;
  /** The PBO's meaning in one sentence for the page ("In 12% of the ways of splitting the history in two halves, …"). */
  meaning: string;
}

export interface OutOfSampleReport {
  kind: 'walk-forward' | 'split';
  folds: number;
  /** How many different configurations the rule chose over the folds. */
  distinctChoices: number;
  /** Folds in which the chosen configuration met the constraints out of sample. */
  feasibleFolds: number;
  /** The stitched out-of-sample score of the rule's choices; null when not finite. */
  stitchedScore: number | null;
  /** The stitched out-of-sample score of each baseline over the same test windows. */
  baselines: { id: string; score: number | null }[];
  /** One plain sentence: "Chosen afresh in each of 12 folds, the rule scored … out of sample vs …". */
  text: string;
}

export interface BaselineEntry {
  id: string;
  label: string;
  score: number | null;
  /** Meets the constraints on the actual history. */
  feasible: boolean;
  rebalancesPerYear: number | null;
}

export interface SelectionJson {
  version: typeof SELECTION_VERSION;
  rule: SelectionRule;
  /** The pick's results.csv id; null when no configuration is feasible (see `pickReason`). */
  pick: number | null;
  pickReason?: string;
  /** The pick in detail (null with `pick`). */
  pickConfig: SelectedConfig | null;
  /** The in-sample best by score among the candidates (may differ from the pick under robustness). */
  inSampleBest: SelectedConfig | null;
  /** The pick's score, term by term (the score = Σ contribution). [] without a pick. */
  scoreTerms: ScoreTerm[];
  /** "TE 0.14% + 0.0001 × cost drag 2.6 bp/yr + …" */
  scoreText: string;
  /** Ids not significantly worse than the pick (the pick excluded), best first by the rule. */
  indistinguishable: number[];
  indistinguishableTest: IndistinguishableTest | null;
  /** The simplest member of {pick} ∪ indistinguishable: fewest rebalances a year, then the coarser check schedule, then the lower id. */
  simplest: number | null;
  simplestConfig: SelectedConfig | null;
  /** Probability of backtest overfitting (CSCV), in [0, 1]; null with `pboReason`. */
  pbo: number | null;
  pboReason?: string;
  pboDetail: PboDetail | null;
  /** Best candidate under the rule for each band type present among the candidates. */
  bestPerBand: Record<string, number>;
  /** Best candidate under the rule for each mode present among the candidates. */
  bestPerMode: Record<string, number>;
  /** The baselines, once each, never ranked (as in results.csv, after the configurations). */
  baselines: BaselineEntry[];
  /** How the rule did out of sample (from validation.json); null without `validation`. */
  outOfSample: OutOfSampleReport | null;
  /** The first 20 candidates under the rule, best first (the terminal leaderboard and the page's table). */
  top: SelectedConfig[];
  /** Counts: searched configurations, failed, feasible, ranked (feasible, not calendar/none, and robust-feasible when robust). */
  counts: { configurations: number; failed: number; feasible: number; ranked: number };
}
