/** Messages between the sweep runner and its workers (structured-clone friendly). */
import type { ExperimentSpec } from '../experiment/schema.js';

export interface WorkerData {
  /** Row-major T×N prices over a SharedArrayBuffer (shared, not copied). */
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
  /** Test-only fault injection, e.g. "throw:3,17;exit:40;oom:55" (see runner/faults.ts). */
  faults?: string;
}

/** A batch: configuration ids [from, to). */
export interface Task {
  from: number;
  to: number;
}

export interface TaskResult {
  from: number;
  to: number;
  /** (to − from) × N_METRICS metrics, NaN rows for failures. */
  rows: Float64Array;
  /** Failed configurations: [id, message]. */
  failures: [number, string][];
}
