/**
 * Aggregation of a run's rows before anything is embedded in the report (design §8, scale):
 * a deterministic sample for the scatters (always with every Pareto point and the top N), the
 * leaderboard, binned parameter effects and the score heatmap, all computed here in one or a few
 * linear passes plus typed-array sorts, so a million rows take a second or two.
 */
import type { ReportInput, ReportRow, ReportSeries } from './types.js';
import { fmtNum } from './format.js';

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

/** A 32-bit integer hash (murmur3 finaliser) for seeded, counter-based sampling. */
export function hash32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
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
  const paretoCap = opts.paretoCap ?? 20000;
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
    if (hash32((k++ * 0x9e3779b1) ^ seed) < threshold) {
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

/** Quantile of a sorted array, linear interpolation between order statistics (R type 7). */
export function quantileSorted(a: ArrayLike<number>, q: number, from = 0, to = a.length): number {
  const n = to - from;
  if (n <= 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return a[from + lo] + (h - lo) * (a[from + hi] - a[from + lo]);
}

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
  /** Group index per row (−1: parameter not applicable / missing). */
  index: Int32Array;
}

const SCHEDULE_ORDER = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly'];

function categoryCompare(a: string, b: string): number {
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

/**
 * Put each row in a group by one parameter, reading each row's parameter once. Numbers with at
 * most `maxDistinct` distinct values keep their values; more distinct numbers go into `bins`
 * quantile bins (about equal counts, so a log-uniform draw is binned as well as a uniform one;
 * with many rows the edges come from a seeded sample of 65,536 values). Anything that is not a
 * number (or a mix of numbers and text) is a category.
 */
export function groupBy(rows: ReportRow[], param: string, maxDistinct: number, bins: number): Grouping {
  const n = rows.length;
  const index = new Int32Array(n).fill(-1);
  const vals = new Float64Array(n);
  const catOf = new Map<string, number>();
  const raw = new Int32Array(n).fill(-1); // category id per row (text values)
  let numbers = 0;
  let texts = 0;
  // distinct numbers, while there are few: a small array with a last-hit cache beats a Map here
  const distinct: number[] = [];
  let many = false;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const v = rows[i].params[param];
    if (v === null || v === undefined) {
      vals[i] = NaN;
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        vals[i] = NaN;
        continue;
      }
      vals[i] = v;
      numbers++;
      if (!many && distinct[last] !== v) {
        const k = distinct.indexOf(v);
        if (k >= 0) last = k;
        else if (distinct.length < maxDistinct) last = distinct.push(v) - 1;
        else many = true;
      }
    } else {
      vals[i] = NaN;
      texts++;
      const key = String(v);
      let g = catOf.get(key);
      if (g === undefined) {
        g = catOf.size;
        catOf.set(key, g);
      }
      raw[i] = g;
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
    if (p >= 1 || hash32((k * 0x9e3779b1) ^ 0x2545f491) < threshold) picked.push(vals[i]);
    k++;
  }
  const sorted = Float64Array.from(picked).sort();
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
  // the true extremes, so the first and last bins' labels cover every value
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = vals[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  edges[0] = Math.min(edges[0], min);
  const groups: Group[] = edges.map((e, b) => {
    const start = lowerBound(e);
    const end = b + 1 < edges.length ? lowerBound(edges[b + 1]) : count;
    const hi = b + 1 < edges.length ? edges[b + 1] : max;
    return { label: `${fmtNum(e)}–${fmtNum(hi)}`, x: sorted[Math.min(count - 1, (start + end - 1) >>> 1)], lo: e, hi };
  });
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
 * Order a column once, without a comparator sort over a million rows: an LSD radix sort (four
 * 16-bit digits) of the values' order-preserving 64-bit patterns, carrying the row indices along.
 * Digits that are the same for every value (the sign and exponent bits often are) are skipped.
 */
export function sortColumn(values: Float64Array): SortedColumn {
  const n = values.length;
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i])) m++;
  const vals = new Float64Array(m);
  let idx = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    vals[j] = v === 0 ? 0 : v; // −0 sorts with +0
    idx[j++] = i;
  }
  // order-preserving bit patterns: flip every bit of negatives, only the sign bit of positives
  // (Node's platforms are little-endian: word 2j is the low half of value j, 2j + 1 the high half)
  const words = new Uint32Array(vals.buffer);
  let hiK = new Uint32Array(m);
  let loK = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    const hi = words[2 * j + 1];
    const lo = words[2 * j];
    if (hi & 0x80000000) {
      hiK[j] = ~hi >>> 0;
      loK[j] = ~lo >>> 0;
    } else {
      hiK[j] = (hi | 0x80000000) >>> 0;
      loK[j] = lo;
    }
  }
  let hiT = new Uint32Array(m);
  let loT = new Uint32Array(m);
  let idxT = new Int32Array(m);
  const count = new Int32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? loK : hiK;
    const shift = pass % 2 === 0 ? 0 : 16;
    count.fill(0);
    for (let j = 0; j < m; j++) count[(src[j] >>> shift) & 0xffff]++;
    let sum = 0;
    let single = m === 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d];
      if (c === m) single = true;
      count[d] = sum;
      sum += c;
    }
    if (single) continue;
    for (let j = 0; j < m; j++) {
      const p = count[(src[j] >>> shift) & 0xffff]++;
      hiT[p] = hiK[j];
      loT[p] = loK[j];
      idxT[p] = idx[j];
    }
    [hiK, hiT] = [hiT, hiK];
    [loK, loT] = [loT, loK];
    [idx, idxT] = [idxT, idx];
  }
  const sorted = new Float64Array(m);
  for (let j = 0; j < m; j++) sorted[j] = values[idx[j]];
  return { perm: idx, sorted };
}

const QUANTILES = [0.25, 0.5, 0.75];

/**
 * Quartiles, min and max of a sorted column per group (rows in group −1 left out), in one pass:
 * walking the rows in value order, each group's members arrive already sorted, so its k-th
 * smallest value is the value seen when its counter reaches k. Quantiles interpolate linearly
 * between order statistics (R type 7), as quantileSorted does.
 */
export function groupStats(index: Int32Array, nGroups: number, col: SortedColumn): GroupStats[] {
  const { perm, sorted } = col;
  const m = perm.length;
  const counts = new Int32Array(nGroups);
  for (let j = 0; j < m; j++) {
    const g = index[perm[j]];
    if (g >= 0) counts[g]++;
  }
  // per group, the order-statistic positions we need: min, (lo, hi) per quantile, max
  const K = 2 + 2 * QUANTILES.length;
  const pos = new Int32Array(nGroups * K);
  const val = new Float64Array(nGroups * K).fill(NaN);
  for (let g = 0; g < nGroups; g++) {
    const c = counts[g];
    const b = g * K;
    pos[b] = 0;
    QUANTILES.forEach((q, k) => {
      const h = (c - 1) * q;
      const lo = Math.floor(h);
      pos[b + 1 + 2 * k] = lo;
      pos[b + 2 + 2 * k] = Math.min(lo + 1, c - 1);
    });
    pos[b + K - 1] = c - 1;
  }
  const seen = new Int32Array(nGroups);
  for (let j = 0; j < m; j++) {
    const g = index[perm[j]];
    if (g < 0) continue;
    const k = seen[g]++;
    const b = g * K;
    for (let t = 0; t < K; t++) if (pos[b + t] === k) val[b + t] = sorted[j];
  }
  const out: GroupStats[] = [];
  for (let g = 0; g < nGroups; g++) {
    const c = counts[g];
    const b = g * K;
    const q = QUANTILES.map((p, k) => {
      const h = (c - 1) * p;
      const lo = val[b + 1 + 2 * k];
      const hi = val[b + 2 + 2 * k];
      return lo + (h - Math.floor(h)) * (hi - lo);
    });
    out.push({
      n: c,
      q25: c ? q[0] : NaN,
      median: c ? q[1] : NaN,
      q75: c ? q[2] : NaN,
      min: c ? val[b] : NaN,
      max: c ? val[b + K - 1] : NaN,
    });
  }
  return out;
}

/** One metric of every configuration row as a Float64Array (NaN where missing). */
export function metricColumn(rows: ReportRow[], metric: string): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i].metrics[metric];
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

export function scoreColumn(rows: ReportRow[]): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i].score;
    out[i] = typeof v === 'number' ? v : NaN;
  }
  return out;
}

/* ------------------------------------------------------------------ parameter effects */

export interface EffectRow {
  [key: string]: string | number | null;
  objective: string;
  /** Group position: number (numeric parameters) or category text. */
  x: number | string;
  xLabel: string;
  n: number;
  q25: number | null;
  median: number | null;
  q75: number | null;
}

export interface ParamEffect {
  param: string;
  numeric: boolean;
  binned: boolean;
  /** Positive numbers spanning a wide range: shown on a log axis. */
  logScale: boolean;
  /** Group labels in display order. */
  order: string[];
  rows: EffectRow[];
  /** Rows where the parameter applies. */
  applicable: number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** For each parameter and objective: the 25/50/75% quantiles of the objective per parameter value or bin. */
export function paramEffects(configRows: ReportRow[], params: string[], objectives: string[]): ParamEffect[] {
  const columns = new Map<string, SortedColumn>();
  for (const o of objectives) columns.set(o, sortColumn(metricColumn(configRows, o)));
  const out: ParamEffect[] = [];
  for (const param of params) {
    const g = groupBy(configRows, param, 24, 20);
    if (g.groups.length === 0) continue;
    let applicable = 0;
    for (let i = 0; i < g.index.length; i++) if (g.index[i] >= 0) applicable++;
    const rows: EffectRow[] = [];
    for (const o of objectives) {
      const stats = groupStats(g.index, g.groups.length, columns.get(o) as SortedColumn);
      stats.forEach((s, j) => {
        if (s.n === 0) return;
        rows.push({
          objective: o,
          x: g.groups[j].x,
          xLabel: g.groups[j].label,
          n: s.n,
          q25: finiteOrNull(s.q25),
          median: finiteOrNull(s.median),
          q75: finiteOrNull(s.q75),
        });
      });
    }
    const xs = g.numeric ? g.groups.map((q) => q.x as number) : [];
    const logScale = g.numeric && xs.length > 2 && xs[0] > 0 && xs[xs.length - 1] / xs[0] >= 30;
    out.push({
      param,
      numeric: g.numeric,
      binned: g.binned,
      logScale,
      order: g.groups.map((q) => q.label),
      rows,
      applicable,
    });
  }
  return out;
}

/* ------------------------------------------------------------------ heatmap */

export interface HeatCell {
  [key: string]: string | number | null;
  x: string;
  y: string;
  /** Rows in the cell with a score. */
  n: number;
  /** Rows in the cell (scored or not). */
  total: number;
  feasible: number;
  median: number | null;
  best: number | null;
}

export interface Heatmap {
  xParam: string;
  yParam: string;
  xOrder: string[];
  yOrder: string[];
  cells: HeatCell[];
}

/** Median and best score over two parameters (numbers binned into at most 10 quantile bins). */
export function scoreHeatmap(
  configRows: ReportRow[],
  xParam: string,
  yParam: string,
  lowerIsBetter: boolean,
): Heatmap | null {
  const gx = groupBy(configRows, xParam, 12, 10);
  const gy = groupBy(configRows, yParam, 12, 10);
  const nx = gx.groups.length;
  const ny = gy.groups.length;
  if (nx === 0 || ny === 0) return null;
  const n = configRows.length;
  const cell = new Int32Array(n);
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
  const stats = groupStats(cell, nx * ny, sortColumn(scoreColumn(configRows)));
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
