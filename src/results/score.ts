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
  // for…in walks the own keys in Object.entries' order, without making the entries array per row
  for (const m in weights) {
    if (!Object.hasOwn(weights, m)) continue;
    const w = weights[m as MetricName] as number;
    if (w === 0) continue;
    s += w * row[o + M[m as MetricName]];
  }
  return Number.isFinite(s) ? s : NaN;
}

/**
 * `score` for one weights object, compiled once for scoring many rows: the same terms added in
 * the same order (so the same number, bit for bit), without walking the object per row.
 */
export function scorer(weights: Partial<Record<MetricName, number>>): (row: ArrayLike<number>, o: number) => number {
  const cols: number[] = [];
  const ws: number[] = [];
  for (const [m, w] of Object.entries(weights) as [MetricName, number][]) {
    if (w === 0) continue;
    cols.push(M[m]);
    ws.push(w);
  }
  const n = cols.length;
  return (row, o) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += ws[j] * row[o + cols[j]];
    return Number.isFinite(s) ? s : NaN;
  };
}

/**
 * Pareto front (minimisation) over `objectives` of the rows whose `ok` flag is set (frontOf on
 * the objective columns). Rows with a non-finite objective are never on it.
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
  const vals = new Float64Array(ids.length * k);
  for (let j = 0; j < ids.length; j++) for (let d = 0; d < k; d++) vals[j * k + d] = rows[ids[j] * N_METRICS + col[d]];
  const f = frontOf(vals, k, ids.length);
  for (let j = 0; j < ids.length; j++) front[ids[j]] = f[j];
  return front;
}

/** Whether point a dominates point b (≤ in every objective, < in one); k values each, row-major. */
export function dominates(va: ArrayLike<number>, a: number, vb: ArrayLike<number>, b: number, k: number): boolean {
  let lt = false;
  for (let d = 0; d < k; d++) {
    const x = va[a * k + d];
    const y = vb[b * k + d];
    if (x > y) return false;
    if (x < y) lt = true;
  }
  return lt;
}

/**
 * The Pareto front (minimisation) of n points of k finite values each (`vals`, row-major): 1 for
 * the points no other point dominates. Identical points share their status.
 * Up to 3 objectives: sort lexicographically, and a Fenwick tree over the rank of the 2nd
 * objective keeps the minimum 3rd objective seen so far, so each dominance query is
 * O(log n): O(n log n) in all. More objectives: the simple O(n·front) scan.
 */
export function frontOf(vals: Float64Array, k: number, n: number): Uint8Array {
  const front = new Uint8Array(n);
  if (k > 3) {
    const f: number[] = [];
    for (let i = 0; i < n; i++) {
      let dominated = false;
      for (let j = 0; j < n && !dominated; j++) if (j !== i && dominates(vals, j, vals, i, k)) dominated = true;
      if (!dominated) f.push(i);
    }
    for (const i of f) front[i] = 1;
    return front;
  }
  // the objectives as columns (0 for those beyond k)
  const c0 = new Float64Array(n);
  const c1 = new Float64Array(n);
  const c2 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (k > 0) c0[i] = vals[i * k];
    if (k > 1) c1[i] = vals[i * k + 1];
    if (k > 2) c2[i] = vals[i * k + 2];
  }
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i;
  ids.sort((a, b) => c0[a] - c0[b] || c1[a] - c1[b] || c2[a] - c2[b] || a - b);
  // rank of the 2nd objective: 1 + the place of its first occurrence among the sorted values
  const second = Float64Array.from(c1).sort();
  const tree = new Float64Array(n + 1).fill(Infinity);
  let p = 0;
  while (p < n) {
    // a run of identical vectors
    const i = ids[p];
    const x0 = c0[i];
    const x1 = c1[i];
    const x2 = c2[i];
    let q = p + 1;
    while (q < n && c0[ids[q]] === x0 && c1[ids[q]] === x1 && c2[ids[q]] === x2) q++;
    const rank = lowerBound(second, x1) + 1;
    let m = Infinity;
    for (let r = rank; r > 0; r -= r & -r) if (tree[r] < m) m = tree[r];
    const on = m <= x2 ? 0 : 1;
    for (let s = p; s < q; s++) front[ids[s]] = on;
    for (let r = rank; r <= n; r += r & -r) if (x2 < tree[r]) tree[r] = x2;
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

/** Whether this machine stores numbers little-endian (the word order of a Float64 seen as two Uint32s). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The positions of `keys` (no NaN) in ascending key order, equal keys (−0 and 0 are equal) in
 * position order: a stable LSD radix sort on the keys' bits, 4 passes of 16 bits, O(n) — what
 * sorting (key, position) pairs gives, without a comparison sort of a million entries.
 */
export function orderByKey(keys: Float64Array): Int32Array {
  const n = keys.length;
  // the bits of each key as an unsigned 64-bit number ordered as the keys are: flip the sign bit
  // of a positive number, every bit of a negative one; −0 becomes 0 first
  const f = new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = keys[i] + 0;
  const w = new Uint32Array(f.buffer);
  const [L, H] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = w[2 * i + H];
    const l = w[2 * i + L];
    if (h & 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let tmp = new Int32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i] >>> shift) & 0xffff]++;
    // a digit every key shares: nothing to move
    if (n > 0 && count[(src[0] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let j = 0; j < n; j++) {
      const i = idx[j];
      tmp[count[(src[i] >>> shift) & 0xffff]++] = i;
    }
    [idx, tmp] = [tmp, idx];
  }
  return idx;
}
