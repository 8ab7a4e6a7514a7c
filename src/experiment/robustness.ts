/**
 * The robustness plan of an experiment (src/robust/ runs it): its settings resolved once, and the
 * size checked before any work (configurations × paths, and the memory for their values).
 */
import { UserError } from '../errors.js';
import type { MetricName } from '../kernel/metrics.js';
import type { ExperimentSpec } from '../spec/schema.js';

/** The metrics summarised over the paths (then any other objective, then the score). */
export const ROBUST_METRICS: readonly MetricName[] = ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'volatility', 'excessReturn'];
/** Memory for the per-(configuration, path) values is capped at this many bytes. */
export const MAX_ROBUST_BYTES = 1 << 30;
/** Configurations × paths above this is refused as absurd work. */
export const MAX_ROBUST_BACKTESTS = 20_000_000;

/** The columns summarised for an experiment: ROBUST_METRICS, then any other objective. */
export function robustColumns(objectives: readonly MetricName[]): MetricName[] {
  const out = [...ROBUST_METRICS];
  for (const o of objectives) if (!out.includes(o)) out.push(o);
  return out;
}

/**
 * Refuse absurd sizes before any work, naming the field and the fix. `where` names the experiment file.
 */
export function checkRobustSize(K: number, P: number, columns: number, where: string): void {
  const n = K * P;
  if (n > MAX_ROBUST_BACKTESTS) {
    const most = Math.max(1, Math.floor(MAX_ROBUST_BACKTESTS / Math.max(1, K)));
    throw new UserError(
      `${where}: robustness.paths: ${P.toLocaleString('en')} paths × ${K.toLocaleString('en')} configurations = ${n.toLocaleString('en')} backtests ` +
        `(limit ${MAX_ROBUST_BACKTESTS.toLocaleString('en')}); use at most ${most.toLocaleString('en')} paths, or search fewer configurations (coarser grid or fewer samples)`,
    );
  }
  const bytes = n * (columns + 1) * 8;
  if (bytes > MAX_ROBUST_BYTES) {
    const most = Math.max(1, Math.floor(MAX_ROBUST_BYTES / ((columns + 1) * 8 * Math.max(1, K))));
    throw new UserError(
      `${where}: robustness.paths: keeping ${columns + 1} values for each of ${n.toLocaleString('en')} (configuration, path) pairs needs ` +
        `${(bytes / 2 ** 20).toFixed(0)} MB (limit ${MAX_ROBUST_BYTES / 2 ** 20} MB); use at most ${most.toLocaleString('en')} paths or fewer configurations`,
    );
  }
}

export interface RobustPlan {
  kind: 'block-bootstrap';
  paths: number;
  blockLength: number;
  /** The bootstrap seed: the experiment's, else the search seed. */
  seed: number;
  /** As the experiment says it ("median" or { quantile }), and as a number (0.5 for the median). */
  rankBy: NonNullable<ExperimentSpec['robustness']>['rankBy'];
  rankQuantile: number;
  /** The summarised columns (robustColumns of the objectives). */
  columns: MetricName[];
}

/** The plan, or null without `robustness`; `rows` = configurations + baselines (for the size check). */
export function planRobustness(spec: ExperimentSpec, rows: number, searchSeed: number, file: string): RobustPlan | null {
  const rb = spec.robustness;
  if (!rb) return null;
  const columns = robustColumns(spec.objectives);
  checkRobustSize(rows, rb.paths, columns.length, file);
  return {
    kind: rb.kind,
    paths: rb.paths,
    blockLength: rb.blockLength,
    seed: rb.seed ?? searchSeed,
    rankBy: rb.rankBy,
    rankQuantile: rb.rankBy === 'median' ? 0.5 : rb.rankBy.quantile,
    columns,
  };
}
