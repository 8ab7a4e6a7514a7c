/**
 * The report's one digest of a run's rows (design §8, scale). It is FED rows, one at a time, in
 * one pass, and keeps what the page draws in memory that does not grow with the number of rows:
 *
 * - exact counts (configurations, feasible, Pareto, failed);
 * - the rows the page names: the top N by rank, the best per band type and per mode, any id asked
 *   for (the selection's pick, its indistinguishable set's simplest member…), the baselines;
 * - a seeded uniform sample of the configuration rows for the scatters (bottom-k of a hash of
 *   (seed, id): the same rows whatever the row count or the order rows arrive in);
 * - the 2-D Pareto front of each trade-off plot (a staircase kept as rows arrive: exact);
 * - parameter effects per (band type, parameter) — width is a different unit for each band type, so
 *   each band type gets its own panel — over fixed bins known before the first row (from the
 *   experiment's space, see axesFromSpec, or from the rows of an in-memory input, see axesFromRows):
 *   exact counts, means and variances per bin; quartiles from a seeded sample of up to
 *   `reservoir` rows per bin (exact when the bin is smaller);
 * - parameter importance: the share of each objective's variance explained by each parameter's bins
 *   (between-bin sum of squares over total, exact, from the per-bin sums);
 * - the score heatmap over two parameters (within one band type when a parameter is band-specific).
 *
 * Feeding: `add(row)` per results row (src/report/fromRun.ts feeds it the rows of the run's
 * journal(s) and ranks.bin, src/results/journal-rows.ts, or, when those no longer match the run,
 * of results.csv, src/results/reader.ts: the same rows), then `finish()`.
 */
import { quantileSorted } from 'simple-statistics';
import type { ExperimentSpec } from '../spec/schema.js';
import { uniform } from '../search/rng.js';
import { categoryCompare, fmtSig } from './format.js';
import { METRICS } from '../kernel/metrics.js';
import type { ResultRow as ReportRow, RowView } from '../results/row.js';

/* ------------------------------------------------------------------ axes: bins known up front */

/** Parameters whose unit depends on the band type: one effect panel per band type. */
export const BAND_SPECIFIC = new Set(['width', 'relWidth', 'lookback', 'minWidth']);

/** How one parameter's values are grouped (within one band type, or over all rows). */
export interface Axis {
  param: string;
  /** The band type the axis belongs to (band-specific parameters), or null (all rows). */
  band: string | null;
  numeric: boolean;
  /** Discrete values (numbers ascending, or categories in display order). */
  values?: (number | string)[];
  /** Continuous: `bins` equal bins over [lo, hi], in log space when `log`. */
  lo?: number;
  hi?: number;
  log?: boolean;
  bins?: number;
  integer?: boolean;
}

export interface Group {
  label: string;
  x: number | string;
  lo?: number;
  hi?: number;
}

const NUM_BINS = 20;
const MAX_DISCRETE = 24;

export function axisGroups(a: Axis): Group[] {
  if (a.values) return a.values.map((v) => ({ label: typeof v === 'number' ? fmtSig(v) : v, x: v }));
  const lo = a.lo as number;
  const hi = a.hi as number;
  const n = a.bins as number;
  const t = (x: number) => (a.log ? Math.log(x) : x);
  const inv = (x: number) => (a.log ? Math.exp(x) : x);
  const out: Group[] = [];
  for (let b = 0; b < n; b++) {
    const l = inv(t(lo) + ((t(hi) - t(lo)) * b) / n);
    const h = inv(t(lo) + ((t(hi) - t(lo)) * (b + 1)) / n);
    out.push({ label: `${fmtSig(l)}–${fmtSig(h)}`, x: inv((t(l) + t(h)) / 2), lo: l, hi: h });
  }
  return out;
}

/** Group index of a value on an axis; −1 when it has none (not applicable). */
class Coder {
  /** Discrete: the values, each value's group, and the groups by text. */
  private readonly values: readonly (string | number)[] | null;
  private readonly at: number[] = [];
  private readonly pos = new Map<string, number>();
  /** Continuous: `n` equal bins of t(x) from tlo over span (t = log when `log`). */
  private readonly log: boolean;
  private readonly tlo: number = 0;
  private readonly span: number = 0;
  private readonly n: number = 0;
  constructor(a: Axis) {
    this.values = a.values ?? null;
    this.log = a.log === true;
    if (a.values) {
      a.values.forEach((v, j) => this.pos.set(String(v), j));
      // the same answers by the value itself, without writing a number as text on every row
      this.at = a.values.map((v) => this.pos.get(String(v)) as number);
      return;
    }
    const t = (x: number) => (this.log ? Math.log(x) : x);
    this.tlo = t(a.lo as number);
    this.span = t(a.hi as number) - this.tlo;
    this.n = a.bins as number;
  }
  of(v: string | number | null | undefined): number {
    const values = this.values;
    if (values !== null) {
      if (v === null || v === undefined) return -1;
      for (let j = 0; j < values.length; j++) if (values[j] === v) return this.at[j];
      return this.pos.get(String(v)) ?? -1;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return -1;
    if (this.log && v <= 0) return 0;
    const n = this.n;
    const b = this.span > 0 ? Math.floor((((this.log ? Math.log(v) : v) - this.tlo) / this.span) * n) : 0;
    return b < 0 ? 0 : b >= n ? n - 1 : b;
  }
}

/** A continuous or discrete axis from a value range: each value when few, else 20 bins (log when it spans ≥ 10×). */
function numericAxis(param: string, band: string | null, values: number[] | null, lo: number, hi: number, integer: boolean, log?: boolean): Axis {
  if (values && values.length <= MAX_DISCRETE) return { param, band, numeric: true, values: [...new Set(values)].sort((x, y) => x - y) };
  if (integer && hi - lo + 1 <= MAX_DISCRETE) {
    const vs: number[] = [];
    for (let v = lo; v <= hi; v++) vs.push(v);
    return { param, band, numeric: true, values: vs };
  }
  const useLog = log ?? (lo > 0 && hi / lo >= 10);
  return { param, band, numeric: true, lo, hi: hi > lo ? hi : lo + 1e-12, log: useLog, bins: NUM_BINS, integer };
}

type NumDimSpec = number | number[] | { from: number; to: number; step: number } | { dist: string; values?: number[]; min?: number; max?: number };

function dimAxis(param: string, band: string | null, d: NumDimSpec | undefined, integer: boolean): Axis | null {
  if (d === undefined) return null;
  if (typeof d === 'number') return numericAxis(param, band, [d], d, d, integer);
  if (Array.isArray(d)) return numericAxis(param, band, d, Math.min(...d), Math.max(...d), integer);
  if ('step' in d) {
    const n = Math.floor((d.to - d.from) / d.step + 1e-9) + 1;
    const vs = Array.from({ length: Math.min(n, MAX_DISCRETE + 1) }, (_, i) => Number((d.from + i * d.step).toPrecision(12)));
    return numericAxis(param, band, n <= MAX_DISCRETE ? vs : null, d.from, d.from + (n - 1) * d.step, integer, false);
  }
  if (d.dist === 'choice' && d.values) return numericAxis(param, band, d.values, Math.min(...d.values), Math.max(...d.values), integer);
  const lo = d.min as number;
  const hi = d.max as number;
  return numericAxis(param, band, null, lo, hi, d.dist === 'int' || integer, d.dist === 'logUniform');
}

const BAND_ORDER = ['none', 'calendar', 'absolute', 'relative', 'hybrid', 'volatility', 'drift', 'risk'];

/** The axes of an experiment's space: the bins are known before any row is read. */
export function axesFromSpec(spec: Pick<ExperimentSpec, 'space'>): Axis[] {
  const space = spec.space as unknown as Record<string, unknown> & { bands: Record<string, Record<string, NumDimSpec> | undefined> };
  const axes: Axis[] = [];
  const bands = BAND_ORDER.filter((b) => space.bands[b] !== undefined);
  axes.push({ param: 'band', band: null, numeric: false, values: bands });
  for (const b of bands) {
    const dims = space.bands[b] ?? {};
    for (const key of ['width', 'relWidth', 'lookback', 'minWidth']) {
      const a = dimAxis(key, b, dims[key], key === 'lookback');
      if (a) axes.push(a);
    }
  }
  const list = (v: unknown): (string | number)[] => (v === undefined ? [] : Array.isArray(v) ? (v as (string | number)[]) : [v as string | number]);
  const checks = [...new Set(list(space.check))].sort((a, b) => categoryCompare(String(a), String(b)));
  axes.push({ param: 'check', band: null, numeric: false, values: checks });
  const modes = [...new Set(list(space.mode))];
  // calendar trades to target whatever the space's modes say
  if (bands.includes('calendar') && !modes.includes('target')) modes.unshift('target');
  axes.push({ param: 'mode', band: null, numeric: false, values: modes });
  for (const key of ['depth', 'fraction', 'cooldown', 'feeBps', 'halfSpreadBps', 'fixedFee', 'minTrade']) {
    const a = dimAxis(key, null, space[key] as NumDimSpec | undefined, key === 'cooldown');
    if (a) axes.push(a);
  }
  return axes;
}

/** The axes of rows held in memory (an input without a space): one pass over the rows first. */
export function axesFromRows(rows: readonly ReportRow[], params: readonly string[]): Axis[] {
  interface Acc {
    nums: Set<number>;
    many: boolean;
    texts: Set<string>;
    lo: number;
    hi: number;
    integer: boolean;
  }
  const accs = new Map<string, Acc>();
  const acc = (key: string): Acc => {
    let a = accs.get(key);
    if (!a) accs.set(key, (a = { nums: new Set(), many: false, texts: new Set(), lo: Infinity, hi: -Infinity, integer: true }));
    return a;
  };
  for (const r of rows) {
    if (r.kind !== 'config') continue;
    for (const p of params) {
      const v = r.params[p];
      if (v === null || v === undefined) continue;
      const a = acc(BAND_SPECIFIC.has(p) ? `${p}\u0000${r.params.band}` : p);
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) continue;
        if (v < a.lo) a.lo = v;
        if (v > a.hi) a.hi = v;
        if (!Number.isInteger(v)) a.integer = false;
        if (!a.many) {
          a.nums.add(v);
          if (a.nums.size > MAX_DISCRETE) a.many = true;
        }
      } else a.texts.add(v);
    }
  }
  const axes: Axis[] = [];
  for (const [key, a] of accs) {
    const [param, band] = key.split('\u0000');
    if (a.texts.size > 0) {
      const values = [...a.texts, ...[...a.nums].map(String)].sort(categoryCompare);
      axes.push({ param, band: band ?? null, numeric: false, values });
    } else {
      axes.push(numericAxis(param, band ?? null, a.many ? null : [...a.nums], a.lo, a.hi, a.integer));
    }
  }
  const order = (a: Axis) => params.indexOf(a.param) * 100 + (a.band ? BAND_ORDER.indexOf(a.band) : 0);
  return axes.sort((x, y) => order(x) - order(y));
}

/** Whether an axis shows more than one value (a parameter that was searched). */
export function axisSearched(a: Axis): boolean {
  return a.values ? a.values.length > 1 : true;
}

/* ------------------------------------------------------------------ small deterministic samples */

/**
 * The k entries with the smallest (key, id) — ties by id — with payload slots: a buffer of 2k
 * that takes any entry below the current threshold and, when full, keeps its k smallest (a
 * selection over the keys per k entries taken, not a heap step per entry); the entries kept in
 * the end are the same as a heap's.
 */
class BottomK {
  keys: Float64Array;
  ids: Float64Array;
  vals: Float64Array;
  size = 0;
  /** An entry not below (thrKey, thrId) can no longer be one of the k smallest. */
  thrKey = Infinity;
  thrId = Infinity;
  private readonly room: number;
  constructor(
    readonly cap: number,
    readonly width: number,
  ) {
    // grown on demand: most bins of a small run never fill
    this.room = Math.max(1, 2 * cap);
    const first = Math.min(this.room, 64);
    this.keys = new Float64Array(first);
    this.ids = new Float64Array(first);
    this.vals = new Float64Array(first * width);
  }
  /** Whether (key, id) would be taken now. */
  admits(key: number, id: number): boolean {
    return this.cap > 0 && (key < this.thrKey || (key === this.thrKey && id < this.thrId));
  }
  /** The slot to write the payload into, or −1 when (key, id) is not kept. */
  push(key: number, id: number): number {
    if (!this.admits(key, id)) return -1;
    if (this.size === this.keys.length) {
      if (this.size < this.room) this.grow();
      else {
        this.compact();
        if (!this.admits(key, id)) return -1;
      }
    }
    const i = this.size++;
    this.keys[i] = key;
    this.ids[i] = id;
    return i;
  }
  private grow(): void {
    const n = Math.min(this.room, this.keys.length * 2);
    const keys = new Float64Array(n);
    keys.set(this.keys);
    const ids = new Float64Array(n);
    ids.set(this.ids);
    const vals = new Float64Array(n * this.width);
    vals.set(this.vals);
    this.keys = keys;
    this.ids = ids;
    this.vals = vals;
  }
  /** Keep the cap smallest entries (when there are more) and raise the threshold to the largest kept. */
  private compact(): void {
    const n = this.size;
    const k = this.cap;
    if (n <= k) return;
    const scratch = this.keys.slice(0, n);
    const t = kthSmallest(scratch, k - 1);
    let below = 0;
    for (let i = 0; i < n; i++) if (this.keys[i] < t) below++;
    // of the entries whose key is t, the (k − below) smallest ids stay (almost always exactly one)
    const tied: number[] = [];
    for (let i = 0; i < n; i++) if (this.keys[i] === t) tied.push(this.ids[i]);
    tied.sort((a, b) => a - b);
    const lastId = tied[k - below - 1];
    const w = this.width;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const key = this.keys[i];
      if (key < t || (key === t && this.ids[i] <= lastId)) {
        if (i !== j) {
          this.keys[j] = key;
          this.ids[j] = this.ids[i];
          this.vals.copyWithin(j * w, i * w, i * w + w);
        }
        j++;
      }
    }
    this.size = j;
    this.thrKey = t;
    this.thrId = lastId;
  }
  /** The ids of the entries kept. */
  entries(): Float64Array {
    this.compact();
    return this.ids.subarray(0, this.size);
  }
  /** Payload column t of every entry kept, sorted ascending (NaN left out). */
  sortedColumn(t: number): Float64Array {
    this.compact();
    const out = new Float64Array(this.size);
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const v = this.vals[i * this.width + t];
      if (!Number.isNaN(v)) out[n++] = v;
    }
    return out.subarray(0, n).sort();
  }
}

/** The value that would be at index k of `a` sorted ascending (no NaN); reorders `a`. */
function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // median of three as the pivot, then Hoare's partition
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Ids 0..n−1 marked 1 when among the k with the smallest (uniform(seed, id, 0), id): RowSample's rows when every id comes. */
function sampleOf(seed: number, n: number, k: number): Uint8Array {
  const mark = new Uint8Array(n);
  const b = new BottomK(k, 0);
  for (let id = 0; id < n; id++) b.push(uniform(seed, id, 0), id);
  for (const id of b.entries()) mark[id] = 1;
  return mark;
}

/** A max-heap of row references by (key, id): the k rows with the smallest keys. */
class RowSample {
  readonly rows: { key: number; id: number; row: ReportRow }[] = [];
  constructor(readonly cap: number) {}
  /** Whether push(key, id, …) would keep the row. */
  admits(key: number, id: number): boolean {
    if (this.cap <= 0) return false;
    const h = this.rows;
    return h.length < this.cap || h[0].key > key || (h[0].key === key && h[0].id > id);
  }
  push(key: number, id: number, row: ReportRow): void {
    const h = this.rows;
    const gt = (a: { key: number; id: number }, b: { key: number; id: number }) => a.key > b.key || (a.key === b.key && a.id > b.id);
    const e = { key, id, row };
    if (this.cap <= 0) return;
    if (h.length < this.cap) {
      h.push(e);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!gt(h[i], h[p])) break;
        [h[i], h[p]] = [h[p], h[i]];
        i = p;
      }
      return;
    }
    if (!gt(h[0], e)) return;
    h[0] = e;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && gt(h[l], h[m])) m = l;
      if (r < h.length && gt(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

/* ------------------------------------------------------------------ 2-D Pareto staircase */

/** The 2-D Pareto front (both minimised) of the rows seen so far: x ascending, y strictly descending. */
export class Staircase {
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  readonly rows: ReportRow[] = [];
  /** Whether add(x, y, …) would keep the point. */
  admits(x: number, y: number): boolean {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    const lo = this.after(x);
    return !(lo > 0 && this.ys[lo - 1] <= y);
  }
  /** The first index with xs[i] > x. */
  private after(x: number): number {
    const xs = this.xs;
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (xs[m] <= x) lo = m + 1;
      else hi = m;
    }
    return lo;
  }
  add(x: number, y: number, row: ReportRow): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    const xs = this.xs;
    const lo = this.after(x);
    // the point before (x' ≤ x) dominates or equals when its y ≤ y
    if (lo > 0 && this.ys[lo - 1] <= y) return;
    // points after (x' ≥ x) with y' ≥ y are dominated; with equal x, the one before too
    let start = lo;
    if (lo > 0 && xs[lo - 1] === x) start = lo - 1;
    let end = lo;
    while (end < xs.length && this.ys[end] >= y) end++;
    xs.splice(start, end - start, x);
    this.ys.splice(start, end - start, y);
    this.rows.splice(start, end - start, row);
  }
}

/* ------------------------------------------------------------------ effects and importance */

export interface EffectRow {
  [key: string]: string | number | null;
  objective: string;
  x: number | string;
  xLabel: string;
  n: number;
  q25: number | null;
  median: number | null;
  q75: number | null;
  mean: number | null;
}

export interface ParamEffect {
  param: string;
  /** Band type of a band-specific parameter's panel; null: every row where the parameter applies. */
  band: string | null;
  numeric: boolean;
  /** Bins over a range (continuous values) rather than one point per value. */
  binned: boolean;
  logScale: boolean;
  order: string[];
  rows: EffectRow[];
  /** Rows where the parameter applies (within the band type). */
  applicable: number;
  /** Largest number of rows whose quartiles were computed from a sample (0: all exact). */
  sampledGroups: number;
}

export interface ImportanceRow {
  [key: string]: string | number | null;
  /** Parameter, with the band type for band-specific ones: "width (absolute)". */
  param: string;
  objective: string;
  /** Share of the objective's variance (over the rows where the parameter applies) explained by its bins, 0..1. */
  share: number;
  n: number;
}

export interface HeatCell {
  [key: string]: string | number | null;
  x: string;
  y: string;
  n: number;
  total: number;
  feasible: number;
  median: number | null;
  best: number | null;
}

export interface Heatmap {
  xParam: string;
  yParam: string;
  /** The band type the heatmap is restricted to (a band-specific parameter), or null. */
  band: string | null;
  xOrder: string[];
  yOrder: string[];
  cells: HeatCell[];
}

export interface DigestOptions {
  seed: number;
  objectives: string[];
  /** Parameters of the score heatmap; default: the first two searched. */
  heatmap?: [string, string];
  /** Band type to restrict the heatmap to when one of its parameters is band-specific. */
  heatmapBand?: string;
  /** The trade-off plots: [x, y] metric pairs whose 2-D fronts are kept. */
  fronts?: [string, string][];
  /** Configuration rows drawn uniformly for the scatters. Default 5,000. */
  scatterSample?: number;
  /**
   * The configuration rows will be exactly the ids 0..ids−1, each once (a run's journal): the
   * scatter sample's ids are then known before the first row, and only those rows are built.
   */
  ids?: number;
  /** Leaderboard rows kept. Default 20. */
  topN?: number;
  /**
   * Rows per effect bin behind its quartiles (exact below). Default: as many as 8 million numbers
   * allow over all bins (about 64 MB), between 256 and 2,048.
   */
  reservoir?: number;
  /** Ids to keep whatever else (the selection's pick and the rows it names). */
  keep?: Iterable<string>;
}

export interface DigestResult {
  configs: number;
  feasible: number;
  pareto: number;
  failed: number;
  lowerScoreIsBetter: boolean;
  /** The uniform scatter sample, in id order. */
  sample: ReportRow[];
  /** Feasible ranked rows, best first, at most topN. */
  top: ReportRow[];
  baselines: ReportRow[];
  /** Rows asked for by id (`keep`), by id. */
  kept: Map<string, ReportRow>;
  /** Best ranked row per band type and per mode. */
  bestPerBand: Map<string, ReportRow>;
  bestPerMode: Map<string, ReportRow>;
  /** Per trade-off plot: its 2-D front over the feasible rows, by x ascending. */
  fronts: { x: string; y: string; rows: ReportRow[] }[];
  effects: ParamEffect[];
  importance: ImportanceRow[];
  heatmap: Heatmap | null;
  /** Parameters that take more than one value (effects are drawn for these only). */
  searched: string[];
  reservoir: number;
}

interface Panel {
  axis: Axis;
  groups: Group[];
  code: Coder;
  /** Per group, per objective: count, sum, sum of squares. */
  cnt: Float64Array;
  sum: Float64Array;
  sq: Float64Array;
  samples: BottomK[];
  applicable: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whether a row of this rank and numeric id ranks before row b (rank, then id). */
const viewBefore = (rank: number, num: number, b: ReportRow): boolean => rank < (b.rank as number) || (rank === b.rank && num < Number(b.id));

const metricIndex = (name: string): number => (METRICS as readonly string[]).indexOf(name);

/** A results row seen as a RowView (Digest.add): one object, moved from row to row. */
class RowOf implements RowView {
  private r: ReportRow | null = null;
  id = 0;
  num = 0;
  text: string | undefined = undefined;
  feasible = false;
  pareto = false;
  failed = false;
  rank: number | null = null;
  set(r: ReportRow, id: number): void {
    this.r = r;
    this.id = id;
    this.num = Number(r.id);
    this.text = r.id;
    this.feasible = r.feasible;
    this.pareto = r.pareto;
    this.failed = !!r.error;
    this.rank = r.rank;
  }
  metric(_j: number, name: string): number {
    const x = (this.r as ReportRow).metrics[name];
    return typeof x === 'number' ? x : NaN;
  }
  score(): number | null {
    return (this.r as ReportRow).score;
  }
  param(name: string): string | number | null | undefined {
    return (this.r as ReportRow).params[name];
  }
  row(): ReportRow {
    return this.r as ReportRow;
  }
}

export class Digest {
  private readonly O: number;
  private readonly objectives: string[];
  private readonly panels: Panel[];
  private readonly sample: RowSample;
  /** With `ids`: 1 for the ids of the scatter sample. */
  private readonly sampleIds: Uint8Array | null = null;
  private readonly topN: number;
  private readonly top: ReportRow[] = [];
  private readonly baselines: ReportRow[] = [];
  private readonly kept = new Map<string, ReportRow>();
  private readonly keepIds: Set<string>;
  private readonly bestBand = new Map<string, ReportRow>();
  private readonly bestMode = new Map<string, ReportRow>();
  private readonly stairs: { x: string; y: string; xi: number; yi: number; s: Staircase }[];
  private readonly seed: number;
  private readonly K: number;
  private readonly heat: {
    x: Panel;
    y: Panel;
    band: string | null;
    total: Float64Array;
    feas: Float64Array;
    best: Float64Array;
    scores: BottomK[];
  } | null;
  private configs = 0;
  private feasible = 0;
  private pareto = 0;
  private failed = 0;
  private seq = 0;
  private worst: ReportRow | null = null;
  /** Panels of every row, and of each band type's rows. */
  private readonly commonPanels: Panel[];
  private readonly bandPanels = new Map<string, Panel[]>();
  /** METRICS index of each objective (−1: not a metric of the kernel). */
  private readonly objIdx: number[];
  /** The objectives' values of the row being added (NaN: none). */
  private readonly vals: Float64Array;
  private readonly keepNums: Set<number>;
  /** `add`'s view of a results row. */
  private readonly view = new RowOf();

  constructor(axes: Axis[], opts: DigestOptions) {
    this.seed = opts.seed >>> 0;
    this.objectives = opts.objectives;
    this.O = opts.objectives.length;
    const groupsOf = (a: Axis) => (a.values ? a.values.length : (a.bins ?? 0));
    const G = axes.filter(axisSearched).reduce((n, a) => n + groupsOf(a), 0);
    this.K = opts.reservoir ?? Math.max(256, Math.min(2048, Math.floor(8e6 / Math.max(1, G * (this.O + 2)))));
    this.topN = opts.topN ?? 20;
    this.sample = new RowSample(opts.scatterSample ?? 5000);
    if (opts.ids !== undefined) this.sampleIds = sampleOf(this.seed, opts.ids, this.sample.cap);
    this.keepIds = new Set(opts.keep ?? []);
    this.stairs = (opts.fronts ?? []).map(([x, y]) => ({ x, y, xi: metricIndex(x), yi: metricIndex(y), s: new Staircase() }));
    this.objIdx = this.objectives.map(metricIndex);
    this.vals = new Float64Array(this.O);
    // ids asked for that a configuration row can have as String(id)
    this.keepNums = new Set([...this.keepIds].filter((k) => /^\d+$/.test(k) && String(Number(k)) === k).map(Number));
    const mk = (axis: Axis, K: number, O: number): Panel => {
      const groups = axisGroups(axis);
      const G = groups.length;
      return {
        axis,
        groups,
        code: new Coder(axis),
        cnt: new Float64Array(G * O),
        sum: new Float64Array(G * O),
        sq: new Float64Array(G * O),
        samples: Array.from({ length: G }, () => new BottomK(K, O)),
        applicable: 0,
      };
    };
    this.panels = axes.filter(axisSearched).map((a) => mk(a, this.K, this.O));
    this.commonPanels = this.panels.filter((p) => p.axis.band === null);
    for (const p of this.panels) {
      if (p.axis.band === null) continue;
      const list = this.bandPanels.get(p.axis.band);
      if (list) list.push(p);
      else this.bandPanels.set(p.axis.band, [p]);
    }
    const searched = [...new Set(this.panels.map((p) => p.axis.param))];
    const pair = opts.heatmap ?? (searched.length >= 2 ? [searched[0], searched[1]] : null);
    this.heat = null;
    if (pair) {
      const specific = pair.some((p) => BAND_SPECIFIC.has(p));
      const bandOf = (p: string) => axes.filter((a) => a.param === p).map((a) => a.band);
      let band: string | null = null;
      if (specific) {
        const bandsX = BAND_SPECIFIC.has(pair[0]) ? bandOf(pair[0]) : null;
        const bandsY = BAND_SPECIFIC.has(pair[1]) ? bandOf(pair[1]) : null;
        const both = (bandsX ?? bandsY ?? []).filter((b) => (bandsY ?? bandsX ?? []).includes(b));
        band = opts.heatmapBand && both.includes(opts.heatmapBand) ? opts.heatmapBand : (both[0] ?? null);
      }
      const ax = axes.find((a) => a.param === pair[0] && (a.band === null || a.band === band));
      const ay = axes.find((a) => a.param === pair[1] && (a.band === null || a.band === band));
      if (ax && ay && (!specific || band !== null)) {
        const coarse = (a: Axis): Axis => (a.bins ? { ...a, bins: 10 } : a);
        const x = mk(coarse(ax), 0, 0);
        const y = mk(coarse(ay), 0, 0);
        const C = x.groups.length * y.groups.length;
        this.heat = {
          x,
          y,
          band,
          total: new Float64Array(C),
          feas: new Float64Array(C),
          best: new Float64Array(C).fill(NaN),
          scores: Array.from({ length: C }, () => new BottomK(Math.min(256, this.K), 1)),
        };
      }
    }
  }

  private rankLess(a: ReportRow, b: ReportRow): boolean {
    return (a.rank as number) < (b.rank as number) || (a.rank === b.rank && Number(a.id) < Number(b.id));
  }

  /** Feed one results row (configuration or baseline). */
  add(r: ReportRow): void {
    if (r.kind === 'baseline') {
      this.baselines.push(r);
      return;
    }
    this.view.set(r, /^\d+$/.test(r.id) ? Number(r.id) : this.seq);
    this.addView(this.view);
  }

  /**
   * Feed one configuration row without building it (the same as `add(v.row())`): the row is built
   * only when the digest keeps it.
   */
  addView(v: RowView): void {
    const id = v.id;
    this.seq++;
    this.configs++;
    const feasible = v.feasible;
    if (feasible) this.feasible++;
    if (v.pareto) this.pareto++;
    if (v.failed) this.failed++;
    if (this.keepIds.size > 0 && (v.text === undefined ? this.keepNums.has(id) : this.keepIds.has(v.text))) {
      const r = v.row();
      this.kept.set(r.id, r);
    }
    const ids = this.sampleIds;
    if (ids === null || ids[id] === 1) {
      const sk = uniform(this.seed, id, 0);
      if (this.sample.admits(sk, id)) this.sample.push(sk, id, v.row());
    }
    const rank = v.rank;
    if (feasible && isNum(rank)) {
      const num = v.num;
      const w = this.worst;
      if (!w || (w.rank as number) < rank || (w.rank === rank && Number(w.id) < num)) this.worst = v.row();
      const top = this.top;
      const N = this.topN;
      if (N > 0 && (top.length < N || viewBefore(rank, num, top[top.length - 1]))) {
        const r = v.row();
        let j = top.length < N ? top.length : N - 1;
        while (j > 0 && this.rankLess(r, top[j - 1])) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = r;
      }
      const b = String(v.param('band'));
      const cb = this.bestBand.get(b);
      if (!cb || viewBefore(rank, num, cb)) this.bestBand.set(b, v.row());
      const mode = v.param('mode');
      if (mode !== null && mode !== undefined) {
        const md = String(mode);
        const cm = this.bestMode.get(md);
        if (!cm || viewBefore(rank, num, cm)) this.bestMode.set(md, v.row());
      }
    }
    if (feasible && !v.failed)
      for (const st of this.stairs) {
        const x = v.metric(st.xi, st.x);
        const y = v.metric(st.yi, st.y);
        if (st.s.admits(x, y)) st.s.add(x, y, v.row());
      }
    const key = uniform(this.seed, id, 2);
    const band = v.param('band');
    const O = this.O;
    const vals = this.vals;
    for (let o = 0; o < O; o++) {
      const x = v.metric(this.objIdx[o], this.objectives[o]);
      vals[o] = Number.isFinite(x) ? x : NaN;
    }
    this.addPanels(this.commonPanels, v, id, key);
    if (typeof band === 'string') {
      const specific = this.bandPanels.get(band);
      if (specific) this.addPanels(specific, v, id, key);
    }
    const h = this.heat;
    if (h && (h.band === null || h.band === band)) {
      const a = h.x.code.of(v.param(h.x.axis.param));
      const b = h.y.code.of(v.param(h.y.axis.param));
      if (a >= 0 && b >= 0) {
        const c = a * h.y.groups.length + b;
        h.total[c]++;
        if (feasible) {
          h.feas[c]++;
          const s = v.score();
          if (isNum(s)) {
            const slot = h.scores[c].push(key, id);
            if (slot >= 0) h.scores[c].vals[slot] = s;
            h.best[c] = Number.isNaN(h.best[c]) ? s : Math.min(h.best[c], s);
          }
        }
      }
    }
  }

  /** One row into the effect panels it has a bin in (its objective values in this.vals). */
  private addPanels(list: Panel[], v: RowView, id: number, key: number): void {
    const O = this.O;
    const vals = this.vals;
    for (const p of list) {
      const g = p.code.of(v.param(p.axis.param));
      if (g < 0) continue;
      p.applicable++;
      const s = p.samples[g];
      let slot = -2;
      for (let o = 0; o < O; o++) {
        const x = vals[o];
        if (Number.isNaN(x)) continue;
        const i = g * O + o;
        p.cnt[i]++;
        p.sum[i] += x;
        p.sq[i] += x * x;
        if (slot === -2) slot = s.push(key, id);
      }
      // NaN where an objective has no value
      if (slot >= 0) for (let o = 0, at = slot * O; o < O; o++) s.vals[at + o] = vals[o];
    }
  }

  finish(): DigestResult {
    const O = this.O;
    const best = this.top[0];
    const worst = this.worst;
    const lowerScoreIsBetter = !(best && worst && best !== worst && isNum(best.score) && isNum(worst.score) && best.score > worst.score);
    const q = (s: Float64Array, p: number): number | null => (s.length ? quantileSorted(s as unknown as number[], p) : null);
    const effects: ParamEffect[] = [];
    const importance: ImportanceRow[] = [];
    let sampledGroups = 0;
    for (const p of this.panels) {
      const rows: EffectRow[] = [];
      let sampled = 0;
      this.objectives.forEach((obj, o) => {
        let N = 0;
        let S = 0;
        let SQ = 0;
        p.groups.forEach((grp, g) => {
          const i = g * O + o;
          const n = p.cnt[i];
          if (n === 0) return;
          N += n;
          S += p.sum[i];
          SQ += p.sq[i];
          if (n > this.K) sampled = Math.max(sampled, n);
          const s = p.samples[g].sortedColumn(o);
          rows.push({ objective: obj, x: grp.x, xLabel: grp.label, n, q25: q(s, 0.25), median: q(s, 0.5), q75: q(s, 0.75), mean: p.sum[i] / n });
        });
        if (N > 1) {
          const mean = S / N;
          const total = SQ - N * mean * mean;
          let between = 0;
          p.groups.forEach((_, g) => {
            const n = p.cnt[g * O + o];
            if (n > 0) between += n * (p.sum[g * O + o] / n - mean) ** 2;
          });
          importance.push({
            param: p.axis.band ? `${p.axis.param} (${p.axis.band})` : p.axis.param,
            objective: obj,
            share: total > 1e-300 ? Math.max(0, Math.min(1, between / total)) : 0,
            n: N,
          });
        }
      });
      sampledGroups = Math.max(sampledGroups, sampled);
      const used = p.groups.filter((_, g) => {
        for (let o = 0; o < O; o++) if (p.cnt[g * O + o] > 0) return true;
        return false;
      });
      if (used.length === 0) continue;
      effects.push({
        param: p.axis.param,
        band: p.axis.band,
        numeric: p.axis.numeric,
        binned: p.axis.bins !== undefined,
        logScale: p.axis.log === true || (p.axis.numeric && !!p.axis.values && logSpaced(p.axis.values as number[])),
        order: p.groups.map((g) => g.label),
        rows,
        applicable: p.applicable,
        sampledGroups: sampled,
      });
    }
    let heatmap: Heatmap | null = null;
    const h = this.heat;
    if (h) {
      const cells: HeatCell[] = [];
      const ny = h.y.groups.length;
      h.x.groups.forEach((gx, a) => {
        h.y.groups.forEach((gy, b) => {
          const c = a * ny + b;
          if (h.total[c] === 0) return;
          const s = h.scores[c].sortedColumn(0);
          cells.push({
            x: gx.label,
            y: gy.label,
            n: s.length,
            total: h.total[c],
            feasible: h.feas[c],
            median: q(s, 0.5),
            best: Number.isNaN(h.best[c]) ? null : h.best[c],
          });
        });
      });
      heatmap = {
        xParam: h.x.axis.param,
        yParam: h.y.axis.param,
        band: h.band,
        xOrder: h.x.groups.map((g) => g.label),
        yOrder: h.y.groups.map((g) => g.label),
        cells,
      };
    }
    const sample = this.sample.rows.map((e) => e.row).sort((a, b) => Number(a.id) - Number(b.id));
    return {
      configs: this.configs,
      feasible: this.feasible,
      pareto: this.pareto,
      failed: this.failed,
      lowerScoreIsBetter,
      sample,
      top: this.top,
      baselines: this.baselines,
      kept: this.kept,
      bestPerBand: this.bestBand,
      bestPerMode: this.bestMode,
      fronts: this.stairs.map((st) => ({ x: st.x, y: st.y, rows: st.s.rows })),
      effects,
      importance,
      heatmap,
      searched: [...new Set(this.panels.map((p) => p.axis.param))],
      reservoir: this.K,
    };
  }
}

/** Positive values spanning ≥ 10× whose log gaps are more even than their linear gaps (a 1-2-5 grid). */
function logSpaced(xs: number[]): boolean {
  if (xs.length < 3 || xs[0] <= 0 || xs[xs.length - 1] / xs[0] < 10) return false;
  const spread = (v: number[]) => {
    const d = v.slice(1).map((x, i) => x - v[i]);
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    return mean > 0 ? sd / mean : Infinity;
  };
  return spread(xs.map(Math.log)) < spread(xs);
}

/** Digest rows held in memory (an input without a run folder): axes from the rows, then one pass. */
export function digestRows(rows: readonly ReportRow[], params: readonly string[], opts: DigestOptions): DigestResult {
  const d = new Digest(axesFromRows(rows, params), opts);
  for (const r of rows) d.add(r);
  return d.finish();
}
