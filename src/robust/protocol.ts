/** Messages between the robustness pool and its workers (structured-clone friendly). */
import type { ExperimentSpec } from '../experiment/schema.js';
import type { Config } from '../policy/types.js';

export interface RobustWorkerData {
  /** The real prices, row-major T×N, over a SharedArrayBuffer (shared, not copied). */
  prices: Float64Array;
  T: number;
  N: number;
  dates: readonly string[];
  targets: Float64Array;
  periodsPerYear: number;
  start: number;
  initialCapital: number;
  riskFree: number;
  space: ExperimentSpec['space'];
  search: ExperimentSpec['search'];
  costs: ExperimentSpec['costs'];
  /** Bootstrap seed and mean block length. */
  seed: number;
  blockLength: number;
  /** The baselines, run as ids K, K+1, … after the K configurations of the space. */
  baselines: Config[];
}

/** Paths [pathFrom, pathTo) × ids [from, to) (ids ≥ K are the baselines). */
export interface RobustTask {
  pathFrom: number;
  pathTo: number;
  from: number;
  to: number;
}

export interface RobustTaskResult extends RobustTask {
  /** Path-major: ((p − pathFrom)·(to − from) + (id − from))·N_METRICS, NaN rows for failures. */
  rows: Float64Array;
  /** Failed (path, id, message). */
  failures: [number, number, string][];
}
