/**
 * Scoring (design §5): constraints, the weighted score, the Pareto front over the
 * objectives (all minimised), and the rank of feasible rows by score.
 */
import { UserError } from '../errors.js';
import { isRuined, M, METRICS, N_METRICS, RUIN_REASON, type MetricName } from '../kernel/metrics.js';

export interface Constraint {
  metric: MetricName;
  op: '<=' | '<' | '>=' | '>';
  value: number;
  text: string;
}

export function parseConstraints(list: readonly string[], where = 'constraints'): Constraint[] {
  return list.map((text, i) => {
    // one number: "0.0.2" or "." used to match [\d.]+ and became NaN, a constraint no row meets
    const m = /^\s*([A-Za-z]+)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$/.exec(text);
    if (!m) throw new UserError(`${where}[${i}]: "${text}" is not "metric <= number" (e.g. "trackingError <= 0.02")`);
    if (!(METRICS as readonly string[]).includes(m[1])) throw new UserError(`${where}[${i}]: unknown metric "${m[1]}"; use one of ${METRICS.join(', ')}`);
    return { metric: m[1] as MetricName, op: m[2] as Constraint['op'], value: Number(m[3]), text };
  });
}

/** Feasible: not ruined (a ruined configuration is never feasible, issue 16) and every constraint met. */
export function satisfies(row: ArrayLike<number>, o: number, cs: readonly Constraint[]): boolean {
  return infeasibleReason(row, o, cs) === '';
}

/** Why a row is infeasible ('' when it is feasible): ruin first, then the first constraint it fails. */
export function infeasibleReason(row: ArrayLike<number>, o: number, cs: readonly Constraint[]): string {
  if (isRuined(row, o)) return RUIN_REASON;
  for (const c of cs) {
    const x = row[o + M[c.metric]];
    const ok = c.op === '<=' ? x <= c.value : c.op === '<' ? x < c.value : c.op === '>=' ? x >= c.value : x > c.value;
    if (!ok) return `constraint not met: ${c.text.trim()}`;
  }
  return '';
}

/** score = Σ weight_m·metric_m (lower is better); NaN when a weighted metric is not finite. */
export function score(row: ArrayLike<number>, o: number, weights: Partial<Record<MetricName, number>>): number {
  let s = 0;
  for (const [m, w] of Object.entries(weights) as [MetricName, number][]) {
    if (w === 0) continue;
    s += w * row[o + M[m]];
  }
  return Number.isFinite(s) ? s : NaN;
}

/**
 * Pareto front (minimisation) over `objectives` of the rows whose `ok` flag is set.
 * Up to 3 objectives: sort lexicographically, and a Fenwick tree over the rank of the 2nd
 * objective keeps the minimum 3rd objective seen so far, so each dominance query is
 * O(log n): O(n log n) in all. Identical objective vectors share their status.
 * More objectives: the simple O(n·front) scan.
 */
export function paretoFront(rows: Float64Array, n: number, objectives: readonly MetricName[], ok: Uint8Array): Uint8Array {
  const front = new Uint8Array(n);
  const k = objectives.length;
  const col = objectives.map((m) => M[m]);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!ok[i]) continue;
    let finite = true;
    for (const c of col) if (!Number.isFinite(rows[i * N_METRICS + c])) finite = false;
    if (finite) ids.push(i);
  }
  const v = (i: number, j: number): number => (j < k ? rows[i * N_METRICS + col[j]] : 0);
  if (k > 3) {
    const f: number[] = [];
    for (const i of ids) {
      let dominated = false;
      for (const j of ids) {
        if (i === j) continue;
        let le = true;
        let lt = false;
        for (let d = 0; d < k; d++) {
          if (v(j, d) > v(i, d)) le = false;
          else if (v(j, d) < v(i, d)) lt = true;
        }
        if (le && lt) {
          dominated = true;
          break;
        }
      }
      if (!dominated) f.push(i);
    }
    for (const i of f) front[i] = 1;
    return front;
  }
  ids.sort((a, b) => v(a, 0) - v(b, 0) || v(a, 1) - v(b, 1) || v(a, 2) - v(b, 2) || a - b);
  // ranks of the 2nd objective
  const second = [...new Set(ids.map((i) => v(i, 1)))].sort((a, b) => a - b);
  const rankOf = new Map(second.map((x, r) => [x, r + 1]));
  const tree = new Float64Array(second.length + 1).fill(Infinity);
  const query = (r: number): number => {
    let m = Infinity;
    for (; r > 0; r -= r & -r) if (tree[r] < m) m = tree[r];
    return m;
  };
  const update = (r: number, x: number): void => {
    for (; r < tree.length; r += r & -r) if (x < tree[r]) tree[r] = x;
  };
  let p = 0;
  while (p < ids.length) {
    // a run of identical vectors
    let q = p + 1;
    while (q < ids.length && v(ids[q], 0) === v(ids[p], 0) && v(ids[q], 1) === v(ids[p], 1) && v(ids[q], 2) === v(ids[p], 2)) q++;
    const i = ids[p];
    const r = rankOf.get(v(i, 1))!;
    const dominated = query(r) <= v(i, 2);
    for (let s = p; s < q; s++) front[ids[s]] = dominated ? 0 : 1;
    update(r, v(i, 2));
    p = q;
  }
  return front;
}

/** Rank 1.. of feasible rows by (score, id); 0 for the rest. */
export function rankRows(scores: Float64Array, feasible: Uint8Array, n: number): Uint32Array {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) if (feasible[i] && Number.isFinite(scores[i])) ids.push(i);
  ids.sort((a, b) => scores[a] - scores[b] || a - b);
  const rank = new Uint32Array(n);
  ids.forEach((id, r) => (rank[id] = r + 1));
  return rank;
}

/** The first index of the ascending `a` whose value is not below `x` (binary search). */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
