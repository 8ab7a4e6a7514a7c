/** Messages between the sweep runner and its workers (structured-clone friendly). */
import type { ExperimentSpec } from '../spec/schema.js';
import type { FlowsSpec } from '../policy/flows.js';

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
  /** Evaluate the ids k + j·n: tasks and results use the local index j (a plain run: k 0, n 1). */
  shard: { k: number; n: number };
  /** Cash flows of the experiment (policy/flows.ts), or null. */
  flows?: FlowsSpec | null;
  /** Capital-gains tax rate, or null. */
  tax?: number | null;
  taxAware?: boolean;
}

/** A batch: local indices [from, to) (configuration ids when the run is not sharded). */
export interface Task {
  from: number;
  to: number;
}

export interface TaskResult {
  from: number;
  to: number;
  /** (to − from) × N_METRICS metrics, NaN rows for failures. */
  rows: Float64Array;
  /** Failed configurations: [local index, message]. */
  failures: [number, string][];
}
