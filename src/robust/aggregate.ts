/**
 * Aggregation of the resampled histories: every configuration was scored on every path.
 *
 * Per path (as soon as all its configurations are in): each row's score (results/score.ts), its
 * feasibility under the constraints, the Pareto front over the objectives among the rows that
 * did not fail (as in results.csv), and the top `top` (10) feasible rows by (score, id). Per
 * configuration these become frequencies: the fraction of paths on which it is feasible, on the
 * front, in the top 10.
 *
 * Per configuration and metric: the median, p5 and p95 over the paths. Quantiles are type 7
 * (linear interpolation between order statistics: h = (n − 1)·q, x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋),
 * R's default; simple-statistics' quantileSorted) over the paths where the value is finite;
 * NaN when there is none.
 *
 * Robust score: the median (or the chosen quantile) of the score over the paths; lower is
 * better, so a high quantile (e.g. 0.9) is the pessimistic view. Robust rank: 1.. among the
 * configurations feasible on at least half of the paths, by (robust score, id); 0 for the rest.
 *
 * Baselines (B rows after the K configurations, ids K..K+B−1) get the same statistics and their
 * feasibility frequency, but are never candidates for the front, the top 10 or the robust rank
 * (as in results.csv).
 *
 * Every step works path by path or configuration by configuration on data keyed by (path, id),
 * so the result does not depend on the order tasks finish in (or the worker count).
 */
import { robustColumns } from '../experiment/robustness.js';
import { M, N_METRICS, type MetricName } from '../kernel/metrics.js';
import { paretoFront, satisfies, score, type Constraint } from '../results/score.js';
import type { RobustTaskResult } from './protocol.js';
import { quantileSorted as ssQuantileSorted } from 'simple-statistics';

/** Metrics summarised for every configuration (the objectives are added when missing). */
/** The three statistics per metric, in this order. */
export const STATS = ['median', 'p5', 'p95'] as const;
const QS = [0.5, 0.05, 0.95];

export interface RobustSettings {
  objectives: readonly MetricName[];
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: readonly Constraint[];
  /** The quantile of the score the robust rank uses: 0.5 for the median. */
  rankQuantile: number;
  /** How many rows per path count as the top (default 10). */
  top?: number;
}

export interface RobustSummary {
  K: number;
  P: number;
  /** Baselines: rows K..K+B−1 of every per-row array. */
  B: number;
  /** Summarised columns: the metrics, then "score". */
  columns: string[];
  /** (K + B) × columns × 3 (median, p5, p95). */
  stats: Float64Array;
  feasibleFreq: Float64Array;
  paretoFreq: Float64Array;
  topFreq: Float64Array;
  robustScore: Float64Array;
  /** 1 = best; 0 = not ranked. */
  robustRank: Uint32Array;
  /** The score per (row, path), row i's paths at i·P .. i·P + P − 1 (NaN where it failed): the selection's paired test. */
  pathScores: Float64Array;
  /** Backtests that failed, and the first few reasons. */
  failed: number;
  failures: [number, number, string][];
}

/**
 * Type-7 quantile of the first `n` values of an ascending array (finite values); NaN when n = 0.
 * simple-statistics' quantileSorted computes x_⌊h⌋ + (h − ⌊h⌋)·(x_⌈h⌉ − x_⌊h⌋) with h = (n − 1)·q,
 * the same expression in the same order as the hand-written version it replaced (bit-identical).
 */
export function quantileSorted(x: Float64Array, q: number, n = x.length): number {
  if (n === 0) return NaN;
  // simple-statistics only reads .length and indices, which a Float64Array has (its type says number[])
  return ssQuantileSorted(x.subarray(0, n) as unknown as readonly number[], q);
}

/**
 * The ids of the `n` best rows by (score, id) among those with ok[i] set and a finite score,
 * best first. O(K·n): an insertion into a short sorted list.
 */
export function topIds(scores: Float64Array, ok: Uint8Array, K: number, n: number, out: Int32Array = new Int32Array(n)): number {
  let m = 0;
  for (let i = 0; i < K; i++) {
    const s = scores[i];
    if (!ok[i] || !Number.isFinite(s)) continue;
    // ids arrive in increasing order, so a tie with a kept row ranks after it
    if (m === n && !(s < scores[out[m - 1]])) continue;
    let j = m < n ? m++ : n - 1;
    while (j > 0 && s < scores[out[j - 1]]) {
      out[j] = out[j - 1];
      j--;
    }
    out[j] = i;
  }
  return m;
}

interface Pending {
  rows: Float64Array;
  failed: Uint8Array;
  got: number;
}

export class RobustAccumulator {
  readonly columns: MetricName[];
  /** Rows per path: K configurations, then B baselines. */
  readonly n: number;
  private readonly Q: number;
  /** (column·K + id)·P + path, the last column being the score. */
  private readonly values: Float64Array;
  private readonly feasibleN: Uint32Array;
  private readonly paretoN: Uint32Array;
  private readonly topN: Uint32Array;
  private readonly pending = new Map<number, Pending>();
  private readonly done: Uint8Array;
  private failed = 0;
  private readonly failures: [number, number, string][] = [];
  // per-path scratch
  private readonly scores: Float64Array;
  private readonly okRow: Uint8Array;
  private readonly feasible: Uint8Array;
  private readonly best: Int32Array;

  constructor(
    readonly K: number,
    readonly P: number,
    private readonly s: RobustSettings,
    readonly B = 0,
  ) {
    const n = K + B;
    this.n = n;
    this.columns = robustColumns(s.objectives);
    this.Q = this.columns.length + 1;
    this.values = new Float64Array(this.Q * n * P).fill(NaN);
    this.feasibleN = new Uint32Array(n);
    this.paretoN = new Uint32Array(n);
    this.topN = new Uint32Array(n);
    this.done = new Uint8Array(P);
    this.scores = new Float64Array(n);
    this.okRow = new Uint8Array(n);
    this.feasible = new Uint8Array(n);
    this.best = new Int32Array(s.top ?? 10);
  }

  /** Take a task's rows; a path is scored as soon as all its configurations are in. */
  add(r: RobustTaskResult): void {
    const n = r.to - r.from;
    const all = this.n;
    for (let p = r.pathFrom; p < r.pathTo; p++) {
      const o = (p - r.pathFrom) * n * N_METRICS;
      if (r.from === 0 && r.to === all) {
        const failed = new Uint8Array(all);
        for (const [fp, id] of r.failures) if (fp === p) failed[id] = 1;
        this.addPath(p, r.rows.subarray(o, o + all * N_METRICS), failed);
        continue;
      }
      let q = this.pending.get(p);
      if (!q) {
        q = { rows: new Float64Array(all * N_METRICS), failed: new Uint8Array(all), got: 0 };
        this.pending.set(p, q);
      }
      q.rows.set(r.rows.subarray(o, o + n * N_METRICS), r.from * N_METRICS);
      q.got += n;
      for (const [fp, id] of r.failures) if (fp === p) q.failed[id] = 1;
      if (q.got === all) {
        this.pending.delete(p);
        this.addPath(p, q.rows, q.failed);
      }
    }
    for (const f of r.failures) {
      this.failed++;
      if (this.failures.length < 10) this.failures.push(f);
    }
  }

  /** One whole path: rows (K + B)×N_METRICS in id order, failed[id] = 1 for failed backtests. */
  addPath(p: number, rows: Float64Array, failed: Uint8Array): void {
    const { K, P, s, n } = this;
    if (this.done[p]) throw new Error(`path ${p} given twice`);
    this.done[p] = 1;
    const { scores, okRow, feasible } = this;
    for (let i = 0; i < n; i++) {
      const ok = failed[i] ? 0 : 1;
      okRow[i] = ok;
      scores[i] = ok ? score(rows, i * N_METRICS, s.scoreWeights) : NaN;
      feasible[i] = ok && satisfies(rows, i * N_METRICS, s.constraints) ? 1 : 0;
      if (feasible[i]) this.feasibleN[i]++;
      for (let c = 0; c < this.columns.length; c++) this.values[(c * n + i) * P + p] = ok ? rows[i * N_METRICS + M[this.columns[c]]] : NaN;
      this.values[((this.Q - 1) * n + i) * P + p] = scores[i];
    }
    // the front and the top over the configurations only (the first K rows)
    const front = paretoFront(rows, K, s.objectives, okRow);
    for (let i = 0; i < K; i++) this.paretoN[i] += front[i];
    const m = topIds(scores, feasible, K, this.best.length, this.best);
    for (let j = 0; j < m; j++) this.topN[this.best[j]]++;
  }

  /**
   * The summary. `eligible[id]` (K entries) is the selection rule's step 1 on the actual history
   * (docs/selection.md): 1 for a searched configuration that did not fail, has a finite score, meets
   * the constraints and is not calendar or buy-and-hold; without it every configuration is eligible.
   * robustRank orders the eligible configurations that are also feasible on at least half of the paths
   * with a finite robust score — exactly results.csv's ranks when ranking is robust.
   */
  finish(eligible?: Uint8Array): RobustSummary {
    const { K, P, Q, n: all } = this;
    const missing = this.done.indexOf(0);
    if (missing >= 0) throw new Error(`robustness: path ${missing} is incomplete`);
    const stats = new Float64Array(all * Q * 3);
    const robustScore = new Float64Array(all);
    const buf = new Float64Array(P);
    const qRank = this.s.rankQuantile;
    for (let c = 0; c < Q; c++) {
      for (let i = 0; i < all; i++) {
        const base = (c * all + i) * P;
        let n = 0;
        for (let p = 0; p < P; p++) {
          const x = this.values[base + p];
          if (Number.isFinite(x)) buf[n++] = x;
        }
        const sorted = buf.subarray(0, n).sort();
        for (let k = 0; k < 3; k++) stats[(i * Q + c) * 3 + k] = quantileSorted(sorted, QS[k], n);
        if (c === Q - 1) robustScore[i] = quantileSorted(sorted, qRank, n);
      }
    }
    const freq = (a: Uint32Array): Float64Array => Float64Array.from(a, (x) => x / P);
    const feasibleFreq = freq(this.feasibleN);
    const ids: number[] = [];
    if (eligible && eligible.length !== K) throw new Error(`robustness: eligibility for ${eligible.length} configurations, expected ${K}`);
    for (let i = 0; i < K; i++) if ((!eligible || eligible[i]) && feasibleFreq[i] >= 0.5 && Number.isFinite(robustScore[i])) ids.push(i);
    ids.sort((a, b) => robustScore[a] - robustScore[b] || a - b);
    const robustRank = new Uint32Array(all);
    ids.forEach((id, r) => (robustRank[id] = r + 1));
    return {
      K,
      P,
      B: this.B,
      columns: [...this.columns, 'score'],
      stats,
      feasibleFreq,
      paretoFreq: freq(this.paretoN),
      topFreq: freq(this.topN),
      robustScore,
      robustRank,
      failed: this.failed,
      failures: this.failures,
      pathScores: this.values.subarray((Q - 1) * all * P, Q * all * P),
    };
  }
}
