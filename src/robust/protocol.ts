/** Messages between the robustness pool and its workers (structured-clone friendly). */
import type { WorkerData } from '../exec/protocol.js';
import type { Config } from '../policy/types.js';

/** The sweep's worker data (the real prices, shared) without shards or faults, plus the bootstrap's. */
export interface RobustWorkerData extends Omit<WorkerData, 'faults' | 'shard'> {
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
