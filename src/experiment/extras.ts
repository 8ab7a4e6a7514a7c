/**
 * What the analyses run after a sweep (validation, robustness) receive: the prepared experiment
 * (its data, space, constraints) and the run folder. One type, so run and merge call them alike.
 */
import type { ExperimentSpec } from '../spec/schema.js';
import type { Constraint } from '../results/score.js';
import type { ParameterSpace } from '../search/space.js';

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
  quiet?: boolean;
  /** The experiment file (for messages). */
  file: string;
}
