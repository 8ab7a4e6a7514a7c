/**
 * What the analyses run after a sweep (validation, robustness) receive: the prepared experiment
 * (its data, space, constraints) and the run folder. One type, so run and merge call them alike.
 */
import type { Config } from '../policy/types.js';
import type { Constraint } from '../results/score.js';
import type { ParameterSpace } from '../search/space.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { Fold } from './folds.js';
import type { RobustPlan } from './robustness.js';

export interface ExtrasInput {
  /** The run folder. */
  dir: string;
  spec: ExperimentSpec;
  /** Real prices, row-major T×N (a SharedArrayBuffer is shared with workers, else copied once). */
  prices: Float64Array;
  T: number;
  N: number;
  dates: readonly string[];
  periodsPerYear: number;
  targets: Float64Array;
  /** First evaluation row (after the lookback warm-up). */
  start: number;
  space: ParameterSpace;
  constraints: Constraint[];
  /** The baselines (compiled once with the experiment). */
  baselines: { id: string; config: Config }[];
  /** The validation folds on these dates (empty without validation). */
  folds: Fold[];
  /** The robustness plan (null without robustness). */
  robustness: RobustPlan | null;
  quiet?: boolean;
  /** The experiment file (for messages). */
  file: string;
}
