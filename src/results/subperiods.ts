/**
 * Per-sub-period scores of a few configurations (the selection's CSCV and, without robustness,
 * its paired test): the evaluation window cut into S consecutive pieces (subPeriodBounds), each
 * run by the kernel as its own backtest — allocated at target at the close of the piece's first
 * row, its lookbacks reading the rows before it as usual, its metrics annualised over the piece —
 * and scored with the experiment's weights. Deterministic (the kernel is); O(configs × window).
 */
import { simulate } from '../kernel/backtest.js';
import { type ContextInput, KernelContext } from '../kernel/context.js';
import { N_METRICS, type MetricName } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import { score } from './score.js';
import { subPeriodBounds } from './selection-stats.js';

/** The window the sub-periods tile: a kernel context's input without flows or tax. */
export type PriceWindow = Omit<ContextInput, 'flows' | 'tax' | 'taxAware'>;

/** Fewest returns in a sub-period. */
export const MIN_SUBPERIOD_ROWS = 20;

/** The number of sub-periods to use: `want` (even), lowered to keep ≥ MIN_SUBPERIOD_ROWS returns each; 0 when under 4. */
export function chooseSubPeriods(returns: number, want = 16): number {
  let S = Math.min(want, Math.floor(returns / MIN_SUBPERIOD_ROWS));
  if (S % 2) S--;
  return S >= 4 ? S : 0;
}

/**
 * Scores of each configuration on each sub-period: an (S × C) row-major matrix (row = piece),
 * NaN where the kernel failed or a weighted metric is not finite.
 */
export function subPeriodScores(
  w: PriceWindow,
  configs: readonly Config[],
  S: number,
  weights: Partial<Record<MetricName, number>>,
): { scores: Float64Array; bounds: number[] } {
  const C = configs.length;
  const bounds = subPeriodBounds(w.start, w.T, S);
  const out = new Float64Array(S * C).fill(NaN);
  const row = new Float64Array(N_METRICS);
  for (let s = 0; s < S; s++) {
    const to = bounds[s + 1] + 1;
    const ctx = new KernelContext({
      prices: w.prices.subarray(0, to * w.N),
      T: to,
      N: w.N,
      dates: w.dates.slice(0, to),
      targets: w.targets,
      periodsPerYear: w.periodsPerYear,
      start: bounds[s],
      initialCapital: w.initialCapital,
      riskFree: w.riskFree,
    });
    for (let c = 0; c < C; c++) {
      try {
        simulate(ctx, configs[c], row, 0);
      } catch {
        continue;
      }
      out[s * C + c] = score(row, 0, weights);
    }
  }
  return { scores: out, bounds };
}
