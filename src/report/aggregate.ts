/**
 * Aggregation of a run's rows before anything is embedded in the report (design §8, scale):
 * a deterministic sample for the scatters (always with every Pareto point and the top N), the
 * leaderboard, binned parameter effects and the score heatmap, all computed here in one or a few
 * linear passes plus typed-array sorts, so a million rows take a second or two.
 */
import type { EffectRow, HeatCell, Heatmap, ParamEffect, ReportInput, ReportRow, ReportSeries } from './types.js';
import { fmtNum } from './format.js';
import { mix32 } from '../search/rng.js';

/* ------------------------------------------------------------------ sampling, leaderboard */

export interface SampleOptions {
  /** Target size of the uniform part of the sample. Default 5000. */
  target?: number;
  /** Leaderboard size (always included in the sample). Default 20. */
  topN?: number;
  /** Cap on Pareto points embedded; above it they are thinned evenly (and the report says so). */
  paretoCap?: number;
  seed?: number;
}

export interface RowSummary {
  /** Number of configuration rows (baselines excluded). */
  configs: number;
  feasible: number;
  pareto: number;
  /** Baseline rows in input order. */
  baselines: ReportRow[];
  /** Feasible ranked rows, best first, at most topN. */
  top: ReportRow[];
  /** Configuration rows to show in the scatters, in input order. */
  sample: ReportRow[];
  /** How many of `sample` came from the uniform draw alone. */
  uniformDrawn: number;
  paretoShown: number;
  /** True when lower scores are better (inferred from rank 1 vs the worst rank; default true). */
  lowerScoreIsBetter: boolean;
}

/**
 * Reusable typed-array buffers for one report build. A million-row build would otherwise churn
 * hundreds of megabytes of short-lived typed arrays, and V8 answers external-memory growth with
 * full garbage collections, each of which walks the caller's million row objects (about 0.7 s
 * apiece). A view from `f64`/`i32`/`u32` stays valid until the same key is asked for again, and
 * holds stale data: callers fill what they read.
 */
export class Scratch {
  private readonly buffers = new Map<string, ArrayBuffer>();
  private buffer(key: string, bytes: number): ArrayBuffer {
    let b = this.buffers.get(key);
    if (!b || b.byteLength < bytes) {
      b = new ArrayBuffer(Math.max(8, bytes));
      this.buffers.set(key, b);
    }
    return b;
  }
  f64(key: string, n: number): Float64Array {
    return new Float64Array(this.buffer(key, n * 8), 0, n);
  }
  i32(key: string, n: number): Int32Array {
    return new Int32Array(this.buffer(key, n * 4), 0, n);
  }
  u32(key: string, n: number): Uint32Array {
    return new Uint32Array(this.buffer(key, n * 4), 0, n);
  }
  u16(key: string, n: number): Uint16Array {
    return new Uint16Array(this.buffer(key, n * 2), 0, n);
  }
  u8(key: string, n: number): Uint8Array {
    return new Uint8Array(this.buffer(key, n), 0, n);
  }
}

function rankLess(a: ReportRow, b: ReportRow): boolean {
  return (a.rank as number) < (b.rank as number);
}

/**
 * One pass over the rows: counts, baselines, the top N feasible by rank, the Pareto rows and a
 * seeded uniform sample (row k is drawn when hash(seed, k) < p·2³², so the draw depends only on
 * the seed and the row's position, not on how the rows were produced; a hash rather than every
 * k-th row, because a grid's ids cycle through parameter values and a stride would alias with them).
 */
export function summarizeRows(rows: ReportRow[], opts: SampleOptions = {}): RowSummary {
  const target = opts.target ?? 5000;
  const topN = opts.topN ?? 20;
  const paretoCap = opts.paretoCap ?? 5000; // 20,000 made a 5M-row report 10.7 MB
  const seed = (opts.seed ?? 0x5eed) | 0;

  let configs = 0;
  for (let i = 0; i < rows.length; i++) if (rows[i].kind !== 'baseline') configs++;
  const p = configs <= target ? 1 : target / configs;
  const threshold = p >= 1 ? Infinity : Math.floor(p * 4294967296);

  const baselines: ReportRow[] = [];
  const top: ReportRow[] = [];
  const chosen = new Uint8Array(rows.length); // 1 = uniform draw, 2 = forced
  const paretoIdx: number[] = [];
  let feasible = 0;
  let uniformDrawn = 0;
  let k = 0;
  let worst: ReportRow | null = null;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.kind === 'baseline') {
      baselines.push(r);
      continue;
    }
    if (r.feasible) feasible++;
    if (r.pareto) paretoIdx.push(i);
    if (mix32((k++ * 0x9e3779b1) ^ seed) < threshold) {
      chosen[i] = 1;
      uniformDrawn++;
    }
    if (r.feasible && r.rank !== null && Number.isFinite(r.rank)) {
      if (worst === null || rankLess(worst, r)) worst = r;
      if (top.length < topN || rankLess(r, top[top.length - 1])) {
        let j = top.length < topN ? top.length : topN - 1;
        while (j > 0 && rankLess(r, top[j - 1])) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = r;
      }
    }
  }
  let paretoShown = 0;
  const stride = paretoIdx.length > paretoCap ? paretoIdx.length / paretoCap : 1;
  for (let j = 0; j < paretoIdx.length; j += stride) {
    chosen[paretoIdx[Math.floor(j)]] = 2;
    paretoShown++;
  }
  const topSet = new Set(top);
  const sample: ReportRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (chosen[i] || topSet.has(r)) sample.push(r);
  }
  let lowerScoreIsBetter = true;
  const best = top[0];
  if (best && worst && best !== worst && best.score !== null && worst.score !== null) {
    lowerScoreIsBetter = best.score <= worst.score;
  }
  return {
    configs,
    feasible,
    pareto: paretoIdx.length,
    baselines,
    top,
    sample,
    uniformDrawn,
    paretoShown,
    lowerScoreIsBetter,
  };
}

/* ------------------------------------------------------------------ quantiles, grouping */

export interface Group {
  /** Display label, e.g. "weekly" or "0.05–0.1". */
  label: string;
  /** Position: the value itself (few distinct numbers), the median value in a quantile bin, or the category. */
  x: number | string;
  /** Range of a numeric bin. */
  lo?: number;
  hi?: number;
}

export interface Grouping {
  param: string;
  numeric: boolean;
  /** True when numeric values were put into quantile bins (many distinct values). */
  binned: boolean;
  groups: Group[];
  /** Group index per row (−1: parameter not applicable / missing); a Scratch view, see groupBy. */
  index: Int32Array;
}

const SCHEDULE_ORDER = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly'];

export function categoryCompare(a: string, b: string): number {
  const ia = SCHEDULE_ORDER.indexOf(a);
  const ib = SCHEDULE_ORDER.indexOf(b);
  const na = /^-?\d+(\.\d+)?$/.test(a);
  const nb = /^-?\d+(\.\d+)?$/.test(b);
  // named schedules first in calendar order, then numbers ascending, then other text alphabetically
  if (ia >= 0 || ib >= 0) return ia < 0 ? 1 : ib < 0 ? -1 : ia - ib;
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Size of the seeded sample used to place quantile-bin edges (all values when fewer). */
const EDGE_SAMPLE = 65536;

/** One parameter of every row, split by type: numbers in `num`, text as category ids in `cat`. */
export interface ParamColumn {
  param: string;
  /** The value when it is a finite number, else NaN. */
  num: Float64Array;
  /** Category id when the value is text, else −1. */
  cat: Int32Array;
  /** Category id → text, in order of first appearance. */
  cats: string[];
  numbers: number;
  texts: number;
}

/**
 * Read several parameters of every row in one pass (each row's params object is visited once,
 * which matters more than anything else here with a million rows: the objects are scattered in
 * memory and every visit is a cache miss).
 */
export function paramColumns(rows: ReportRow[], params: string[], scratch: Scratch = new Scratch()): ParamColumn[] {
  const n = rows.length;
  const K = params.length;
  const cols: ParamColumn[] = params.map((param, k) => ({
    param,
    num: scratch.f64(`param-num-${k}`, n),
    cat: scratch.i32(`param-cat-${k}`, n),
    cats: [],
    numbers: 0,
    texts: 0,
  }));
  const maps = params.map(() => new Map<string, number>());
  const nums = cols.map((c) => c.num);
  const catArr = cols.map((c) => c.cat);
  const numbers = new Float64Array(K);
  const texts = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const p = rows[i].params;
    for (let k = 0; k < K; k++) {
      const v = p[params[k]];
      if (typeof v === 'number' && Number.isFinite(v)) {
        nums[k][i] = v;
        catArr[k][i] = -1;
        numbers[k]++;
      } else if (v === null || v === undefined || typeof v === 'number') {
        nums[k][i] = NaN;
        catArr[k][i] = -1;
      } else {
        nums[k][i] = NaN;
        const key = String(v);
        const map = maps[k];
        let g = map.get(key);
        if (g === undefined) {
          g = map.size;
          map.set(key, g);
        }
        catArr[k][i] = g;
        texts[k]++;
      }
    }
  }
  cols.forEach((c, k) => {
    c.cats = [...maps[k].keys()];
    c.numbers = numbers[k];
    c.texts = texts[k];
  });
  return cols;
}

/**
 * Put each row in a group by one parameter. Numbers with at most `maxDistinct` distinct values
 * keep their values; more distinct numbers go into `bins` quantile bins (about equal counts, so a
 * log-uniform draw is binned as well as a uniform one; with many rows the edges come from a seeded
 * sample of 65,536 values). Anything that is not a number (or a mix of numbers and text) is a
 * category.
 */
export function groupBy(
  rows: ReportRow[],
  param: string,
  maxDistinct: number,
  bins: number,
  scratch: Scratch = new Scratch(),
  indexKey = 'group-index',
): Grouping {
  return groupColumn(paramColumns(rows, [param], scratch)[0], maxDistinct, bins, scratch, indexKey);
}

export function groupColumn(
  col: ParamColumn,
  maxDistinct: number,
  bins: number,
  scratch: Scratch = new Scratch(),
  indexKey = 'group-index',
): Grouping {
  const { param, num: vals, numbers, texts } = col;
  const n = vals.length;
  const index = scratch.i32(indexKey, n).fill(-1);
  const catOf = new Map<string, number>(col.cats.map((c, j) => [c, j]));
  const raw = col.cat;
  // distinct numbers, while there are few: a small array with a last-hit cache beats a Map here
  const distinct: number[] = [];
  let many = false;
  let last = 0;
  if (texts === 0) {
    for (let i = 0; i < n && !many; i++) {
      const v = vals[i];
      if (Number.isNaN(v) || distinct[last] === v) continue;
      const k = distinct.indexOf(v);
      if (k >= 0) last = k;
      else if (distinct.length < maxDistinct) last = distinct.push(v) - 1;
      else many = true;
    }
  }
  if (numbers === 0 && texts === 0) return { param, numeric: false, binned: false, groups: [], index };

  if (texts > 0) {
    // categories (numbers mixed in become categories too, e.g. check: "weekly" or 5)
    if (numbers > 0) {
      for (let i = 0; i < n; i++) {
        if (raw[i] >= 0 || Number.isNaN(vals[i])) continue;
        const key = String(vals[i]);
        let g = catOf.get(key);
        if (g === undefined) {
          g = catOf.size;
          catOf.set(key, g);
        }
        raw[i] = g;
      }
    }
    const keys = [...catOf.keys()];
    const sorted = [...keys].sort(categoryCompare);
    const remap = new Int32Array(keys.length);
    sorted.forEach((key, j) => (remap[catOf.get(key) as number] = j));
    for (let i = 0; i < n; i++) if (raw[i] >= 0) index[i] = remap[raw[i]];
    return { param, numeric: false, binned: false, groups: sorted.map((k) => ({ label: k, x: k })), index };
  }

  if (!many) {
    const values = [...distinct].sort((a, b) => a - b);
    const pos = new Map(values.map((v, j) => [v, j]));
    const order = distinct.map((v) => pos.get(v) as number);
    last = 0;
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (Number.isNaN(v)) continue;
      if (distinct[last] !== v) last = distinct.indexOf(v);
      index[i] = order[last];
    }
    return { param, numeric: true, binned: false, groups: values.map((v) => ({ label: fmtNum(v), x: v })), index };
  }

  // quantile bins: edges from the sorted values, or from a seeded sample of them
  const p = numbers <= EDGE_SAMPLE ? 1 : EDGE_SAMPLE / numbers;
  const threshold = Math.floor(p * 4294967296);
  const picked: number[] = [];
  for (let i = 0, k = 0; i < n; i++) {
    if (Number.isNaN(vals[i])) continue;
    if (p >= 1 || mix32((k * 0x9e3779b1) ^ 0x2545f491) < threshold) picked.push(vals[i]);
    k++;
  }
  const sorted = Float64Array.from(picked).sort();
  // the true extremes, so the first and last bins' labels cover every value
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const { edges, groups } = quantileBins(sorted, bins, min, max);
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (Number.isNaN(v)) continue;
    let lo = 0;
    let hi = edges.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (edges[mid] <= v) lo = mid;
      else hi = mid - 1;
    }
    index[i] = lo;
  }
  return { param, numeric: true, binned: true, groups, index };
}

/**
 * Quantile bins over ascending values (all of a column, or a seeded sample of it): at most `bins`
 * bins of about equal counts, with distinct lower edges; the first bin starts at `min` and the last
 * ends at `max` (the true extremes, so the labels cover every value). A value v belongs to the bin
 * with the largest edge ≤ v (see binOf). Each bin sits at the median of its values.
 */
export function quantileBins(sorted: Float64Array, bins: number, min: number, max: number): { edges: number[]; groups: Group[] } {
  const count = sorted.length;
  const edges: number[] = [];
  for (let b = 0; b < bins; b++) {
    const e = sorted[Math.floor((b * count) / bins)];
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  edges[0] = Math.min(edges[0], min);
  const groups: Group[] = edges.map((e, b) => {
    const start = lowerBound(e);
    const end = b + 1 < edges.length ? lowerBound(edges[b + 1]) : count;
    const hi = b + 1 < edges.length ? edges[b + 1] : max;
    return { label: `${fmtNum(e)}–${fmtNum(hi)}`, x: sorted[Math.min(count - 1, (start + end - 1) >>> 1)], lo: e, hi };
  });
  return { edges, groups };
}

/** Bin of v under quantileBins' edges: the largest edge ≤ v (values below the first go to bin 0). */
export function binOf(edges: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (edges[mid] <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface GroupStats {
  n: number;
  q25: number;
  median: number;
  q75: number;
  min: number;
  max: number;
}

/** A column's finite values in ascending order, and the rows they come from. */
export interface SortedColumn {
  /** Row indices, ordered by value (rows with a non-finite value left out). */
  perm: Int32Array;
  /** The values in that order. */
  sorted: Float64Array;
}

/**
 * Order a column once, without a comparator sort over a million rows: an LSD radix sort (two
 * 16-bit digits) of the values rounded to float32 and mapped to order-preserving 32-bit patterns,
 * carrying the row indices along; then an insertion pass on the exact float64 values, which only
 * has to fix the rare neighbours that float32 could not tell apart. With `outputInScratch` the
 * result lives in the scratch buffers (valid until the next such call).
 */
export function sortColumn(values: Float64Array, scratch: Scratch = new Scratch(), outputInScratch = false): SortedColumn {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) m++;
  let idx = scratch.i32('sort-idx', m);
  let key = scratch.u32('sort-key', m);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    f[0] = v;
    const b = u[0];
    // flip every bit of negatives, only the sign bit of positives (−0 and +0 end up adjacent)
    key[j] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    idx[j++] = i;
  }
  let keyT = scratch.u32('sort-key2', m);
  let idxT = scratch.i32('sort-idx2', m);
  const count = new Int32Array(65536);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let j = 0; j < m; j++) count[(key[j] >>> shift) & 0xffff]++;
    let sum = 0;
    let single = m === 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      if (c === m) single = true;
      count[d] = sum;
      sum += c;
    }
    if (single) continue; // every value has this digit: the pass would not move anything
    for (let j = 0; j < m; j++) {
      const p = count[(key[j] >>> shift) & 0xffff]++;
      keyT[p] = key[j];
      idxT[p] = idx[j];
    }
    [key, keyT] = [keyT, key];
    [idx, idxT] = [idxT, idx];
  }
  const perm = outputInScratch ? scratch.i32('sort-perm', m) : new Int32Array(m);
  perm.set(idx);
  const sorted = outputInScratch ? scratch.f64('sort-sorted', m) : new Float64Array(m);
  for (let j = 0; j < m; j++) sorted[j] = values[perm[j]];
  // exact order: values equal as float32 may still differ as float64
  for (let j = 1; j < m; j++) {
    const v = sorted[j];
    if (v >= sorted[j - 1]) continue;
    const r = perm[j];
    let k = j - 1;
    while (k >= 0 && sorted[k] > v) {
      sorted[k + 1] = sorted[k];
      perm[k + 1] = perm[k];
      k--;
    }
    sorted[k + 1] = v;
    perm[k + 1] = r;
  }
  return { perm, sorted };
}

const QUANTILES = [0.25, 0.5, 0.75];

/** Group codes of several parameters, row-major: code of row i, parameter k at i·P + k. */
export type Codes = Uint8Array | Uint16Array | Int32Array;

/**
 * Quartiles, min and max of a sorted column per group, for P groupings at once. `codes[i·P + k]`
 * is row i's group under grouping k; a code outside 0..nGroups[k]−1 (−1, or the type's maximum)
 * means "not applicable". One walk over the rows in value order does it all: each group's members
 * arrive already sorted, so its k-th smallest value is the value seen when its counter reaches k.
 * Quantiles interpolate linearly between order statistics (R type 7, as simple-statistics'
 * quantileSorted; test/report/specs.test.ts compares the two).
 */
export function groupStatsMulti(codes: Codes, P: number, nGroups: number[], col: SortedColumn): GroupStats[][] {
  const { perm, sorted } = col;
  const m = perm.length;
  const offset = new Int32Array(P + 1);
  for (let k = 0; k < P; k++) offset[k + 1] = offset[k] + nGroups[k];
  const G = offset[P];
  const ng = Int32Array.from(nGroups);
  const counts = new Int32Array(G);
  for (let j = 0; j < m; j++) {
    const base = perm[j] * P;
    for (let k = 0; k < P; k++) {
      const g = codes[base + k] >>> 0; // −1 becomes huge: not applicable
      if (g < ng[k]) counts[offset[k] + g]++;
    }
  }
  // per group, the order-statistic positions we need: min, (lo, hi) per quantile, max
  const K = 2 + 2 * QUANTILES.length;
  const pos = new Int32Array(G * K);
  const val = new Float64Array(G * K).fill(NaN);
  for (let c = 0; c < G; c++) {
    const cnt = counts[c];
    const b = c * K;
    pos[b] = 0;
    QUANTILES.forEach((q, t) => {
      const lo = Math.floor((cnt - 1) * q);
      pos[b + 1 + 2 * t] = lo;
      pos[b + 2 + 2 * t] = Math.min(lo + 1, cnt - 1);
    });
    pos[b + K - 1] = cnt - 1;
  }
  const seen = new Int32Array(G);
  for (let j = 0; j < m; j++) {
    const base = perm[j] * P;
    for (let k = 0; k < P; k++) {
      const g = codes[base + k] >>> 0;
      if (g >= ng[k]) continue;
      const c = offset[k] + g;
      const r = seen[c]++;
      const b = c * K;
      for (let t = 0; t < K; t++) if (pos[b + t] === r) val[b + t] = sorted[j];
    }
  }
  const out: GroupStats[][] = [];
  for (let k = 0; k < P; k++) {
    const list: GroupStats[] = [];
    for (let g = 0; g < nGroups[k]; g++) {
      const c = offset[k] + g;
      const cnt = counts[c];
      const b = c * K;
      const q = QUANTILES.map((p, t) => {
        const h = (cnt - 1) * p;
        const lo = val[b + 1 + 2 * t];
        const hi = val[b + 2 + 2 * t];
        return lo + (h - Math.floor(h)) * (hi - lo);
      });
      list.push({
        n: cnt,
        q25: cnt ? q[0] : NaN,
        median: cnt ? q[1] : NaN,
        q75: cnt ? q[2] : NaN,
        min: cnt ? val[b] : NaN,
        max: cnt ? val[b + K - 1] : NaN,
      });
    }
    out.push(list);
  }
  return out;
}

/** Quartiles, min and max of a sorted column per group of one grouping (index −1: left out). */
export function groupStats(index: Int32Array, nGroups: number, col: SortedColumn): GroupStats[] {
  return groupStatsMulti(index, 1, [nGroups], col)[0];
}

/** One metric of every configuration row as a Float64Array (NaN where missing). */
export function metricColumn(rows: ReportRow[], metric: string, out: Float64Array = new Float64Array(rows.length)): Float64Array {
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i].metrics[metric];
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

export function scoreColumn(rows: ReportRow[], out: Float64Array = new Float64Array(rows.length)): Float64Array {
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i].score;
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

/* ------------------------------------------------------------------ parameter effects */

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** For each parameter and objective: the 25/50/75% quantiles of the objective per parameter value or bin. */
/** Coefficient of variation of the gaps between sorted values. */
function gapSpread(xs: number[]): number {
  const d = xs.slice(1).map((x, i) => x - xs[i]);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
  return mean > 0 ? sd / mean : Infinity;
}

/**
 * Whether positions (sorted parameter values, or medians of equal-count bins) read better on a log
 * axis: all positive, spanning at least a factor of ten, and more evenly spaced in log than in
 * linear terms (a log-uniform draw or a 1-2-5 grid, not a uniform draw over [0, 1]).
 */
export function prefersLog(xs: number[]): boolean {
  if (xs.length < 3 || xs[0] <= 0 || xs[xs.length - 1] / xs[0] < 10) return false;
  return gapSpread(xs.map(Math.log)) < gapSpread(xs);
}

export function paramEffects(
  configRows: ReportRow[],
  params: string[],
  objectives: string[],
  scratch: Scratch = new Scratch(),
  maxGroups = 250,
): ParamEffect[] {
  const n = configRows.length;
  // group every parameter (one at a time, reusing the scratch buffers) into one row-major code matrix
  const kept: { g: Omit<Grouping, 'index'>; applicable: number }[] = [];
  const P0 = params.length;
  const codes: Codes = scratch.u8('codes', n * P0);
  let P = 0;
  for (const param of params) {
    const g = groupColumn(paramColumns(configRows, [param], scratch)[0], 24, 20, scratch, 'effect-index');
    // nothing to show, or too many categories to chart (the code matrix holds up to 254 groups)
    if (g.groups.length === 0 || g.groups.length > Math.min(maxGroups, 254)) continue;
    const idx = g.index;
    let applicable = 0;
    for (let i = 0; i < n; i++) {
      const v = idx[i];
      codes[i * P0 + P] = v < 0 ? 0xff : v;
      if (v >= 0) applicable++;
    }
    kept.push({ g: { param: g.param, numeric: g.numeric, binned: g.binned, groups: g.groups }, applicable });
    P++;
  }
  const nGroups = kept.map((k) => k.g.groups.length);
  const rowsByParam: EffectRow[][] = kept.map(() => []);
  for (const o of objectives) {
    const col = sortColumn(metricColumn(configRows, o, scratch.f64('metric', n)), scratch, true);
    // the code matrix is P0 wide (some columns may be unused when a parameter was skipped)
    const stats = groupStatsMulti(codes, P0, [...nGroups, ...new Array<number>(P0 - P).fill(0)], col);
    kept.forEach(({ g }, k) => {
      stats[k].forEach((st, j) => {
        if (st.n === 0) return;
        rowsByParam[k].push({
          objective: o,
          x: g.groups[j].x,
          xLabel: g.groups[j].label,
          n: st.n,
          q25: finiteOrNull(st.q25),
          median: finiteOrNull(st.median),
          q75: finiteOrNull(st.q75),
        });
      });
    });
  }
  return kept.map(({ g, applicable }, k) => {
    const logScale = g.numeric && prefersLog(g.groups.map((q) => q.x as number));
    return {
      param: g.param,
      numeric: g.numeric,
      binned: g.binned,
      logScale,
      order: g.groups.map((q) => q.label),
      rows: rowsByParam[k],
      applicable,
    };
  });
}

/* ------------------------------------------------------------------ heatmap */

/** Median and best score over two parameters (numbers binned into at most 10 quantile bins). */
export function scoreHeatmap(
  configRows: ReportRow[],
  xParam: string,
  yParam: string,
  lowerIsBetter: boolean,
  scratch: Scratch = new Scratch(),
): Heatmap | null {
  const gx = groupColumn(paramColumns(configRows, [xParam], scratch)[0], 12, 10, scratch, 'heat-x');
  const gy = groupColumn(paramColumns(configRows, [yParam], scratch)[0], 12, 10, scratch, 'heat-y');
  const nx = gx.groups.length;
  const ny = gy.groups.length;
  if (nx === 0 || ny === 0) return null;
  const n = configRows.length;
  const cell = scratch.i32('heat-cell', n);
  const total = new Int32Array(nx * ny);
  const feas = new Int32Array(nx * ny);
  for (let i = 0; i < n; i++) {
    const a = gx.index[i];
    const b = gy.index[i];
    if (a < 0 || b < 0) {
      cell[i] = -1;
      continue;
    }
    const c = a * ny + b;
    cell[i] = c;
    total[c]++;
    if (configRows[i].feasible) feas[c]++;
  }
  const stats = groupStats(cell, nx * ny, sortColumn(scoreColumn(configRows, scratch.f64('metric', n)), scratch, true));
  const cells: HeatCell[] = [];
  for (let a = 0; a < nx; a++) {
    for (let b = 0; b < ny; b++) {
      const c = a * ny + b;
      if (total[c] === 0) continue;
      const s = stats[c];
      cells.push({
        x: gx.groups[a].label,
        y: gy.groups[b].label,
        n: s.n,
        total: total[c],
        feasible: feas[c],
        median: finiteOrNull(s.median),
        best: finiteOrNull(lowerIsBetter ? s.min : s.max),
      });
    }
  }
  return {
    xParam,
    yParam,
    xOrder: gx.groups.map((q) => q.label),
    yOrder: gy.groups.map((q) => q.label),
    cells,
  };
}

/* ------------------------------------------------------------------ time series */

export type TimeRow = Record<string, string | number | boolean | null>;

export interface Timeline {
  /** One row per kept date: date, and per series s: v{s}, dd{s}, c{s}, tr{s}, w{i}_{s}; lo{i}/hi{i} of series 0. */
  rows: TimeRow[];
  /** Dates in the window and dates kept. */
  total: number;
  kept: number;
  series: { key: string; label: string; id: string; trades: number; hasBands: boolean }[];
}

/**
 * The series as one wide table keyed by date. Long windows are thinned to about `maxPoints`
 * dates by a stride, always keeping every trade day, each series' deepest drawdown day and the
 * first and last day.
 */
export function timeline(series: ReportSeries[], assets: number, maxPoints = 1500): Timeline {
  if (series.length === 0) return { rows: [], total: 0, kept: 0, series: [] };
  const base = series[0];
  const T = base.dates.length;
  const keep = new Uint8Array(T);
  const stride = Math.max(1, Math.ceil(T / maxPoints));
  for (let t = 0; t < T; t += stride) keep[t] = 1;
  if (T > 0) keep[T - 1] = 1;
  // index of each date in each series (the same window in practice; aligned by date to be safe)
  const idx: (Int32Array | null)[] = series.map((s) => {
    if (s.dates.length === T && (T === 0 || (s.dates[0] === base.dates[0] && s.dates[T - 1] === base.dates[T - 1]))) {
      return null;
    }
    const pos = new Map<string, number>();
    s.dates.forEach((d, i) => pos.set(d, i));
    return Int32Array.from(base.dates, (d) => pos.get(d) ?? -1);
  });
  const at = (s: number, t: number): number => {
    const m = idx[s];
    return m ? m[t] : t;
  };
  const tradeSets = series.map((s, k) => {
    const set = new Set<number>();
    const m = idx[k];
    if (m) {
      const back = new Map<number, number>();
      m.forEach((j, t) => j >= 0 && back.set(j, t));
      for (const d of s.tradeDays) if (back.has(d)) set.add(back.get(d) as number);
    } else for (const d of s.tradeDays) set.add(d);
    return set;
  });
  series.forEach((s, k) => {
    for (const t of tradeSets[k]) if (t >= 0 && t < T) keep[t] = 1;
    let worst = -1;
    let worstT = -1;
    for (let t = 0; t < T; t++) {
      const j = at(k, t);
      if (j >= 0 && s.drawdown[j] > worst) {
        worst = s.drawdown[j];
        worstT = t;
      }
    }
    if (worstT >= 0) keep[worstT] = 1;
  });
  const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
  const rows: TimeRow[] = [];
  for (let t = 0; t < T; t++) {
    if (!keep[t]) continue;
    const row: TimeRow = { date: base.dates[t] };
    series.forEach((s, k) => {
      const j = at(k, t);
      const ok = j >= 0;
      row[`v${k}`] = ok ? num(s.value[j]) : null;
      row[`dd${k}`] = ok ? num(s.drawdown[j]) : null;
      row[`c${k}`] = ok ? num(s.cumCost[j]) : null;
      row[`tr${k}`] = tradeSets[k].has(t);
      for (let i = 0; i < assets; i++) row[`w${i}_${k}`] = ok ? num(s.weights[i]?.[j]) : null;
    });
    for (let i = 0; i < assets; i++) {
      const lo = base.bandLower[i];
      const hi = base.bandUpper[i];
      row[`lo${i}`] = lo ? num(lo[t]) : null;
      row[`hi${i}`] = hi ? num(hi[t]) : null;
    }
    rows.push(row);
  }
  return {
    rows,
    total: T,
    kept: rows.length,
    series: series.map((s, k) => ({
      key: String(k),
      label: s.label,
      id: s.id,
      trades: tradeSets[k].size,
      hasBands: s.bandLower.some((b) => b !== null),
    })),
  };
}

/** Configuration rows only (baselines excluded), without copying when there are none. */
export function configRowsOf(input: ReportInput): ReportRow[] {
  const rows = input.rows;
  let hasBaseline = false;
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].kind === 'baseline') {
      hasBaseline = true;
      break;
    }
  }
  if (!hasBaseline) return rows;
  return rows.filter((r) => r.kind !== 'baseline');
}
