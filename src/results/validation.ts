/** validation.json: what walk-forward / split validation writes into a run folder (read back by the report). */
import type { MetricName } from '../kernel/metrics.js';
import type { TheoryBand } from '../policy/theory.js';
import type { ExperimentSpec } from '../spec/schema.js';

export type Num = number | null;
export type MetricRecord = Record<MetricName, Num>;

/** What validation.json holds (read back by the report). */
export interface ValidationFile {
  kind: 'walk-forward' | 'split';
  spec: ExperimentSpec['validation'];
  window: { first: string; last: string };
  configs: { total: number; evaluated: number; sampled: boolean };
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: string[];
  folds: {
    index: number;
    train: { first: string; last: string; rows: number };
    test: { first: string; last: string; rows: number };
    chosen: { id: number; label: string; params: Record<string, string | number | null>; feasibleInSample: boolean };
    feasibleInSample: number;
    failed: number;
    inSample: { score: Num; metrics: MetricRecord };
    outOfSample: { score: Num; feasible: boolean; metrics: MetricRecord };
    baselines: { id: string; score: Num; metrics: MetricRecord }[];
  }[];
  stitched: { label: string; score: Num; feasible: boolean; metrics: MetricRecord };
  baselines: { id: string; label: string; score: Num; feasible: boolean; metrics: MetricRecord }[];
  stability: {
    distinctConfigs: number;
    modal: { id: number; label: string; folds: number };
    /** Per searched parameter: the chosen value in each fold. */
    params: Record<string, (string | number | null)[]>;
  };
  /** The stitched out-of-sample value paths (first value = initialCapital before the first test return). */
  series: { dates: string[]; foldStarts: string[]; values: { id: string; label: string; value: number[] }[] };
  theory: TheoryBand;
}
