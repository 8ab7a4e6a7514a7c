/**
 * Reading a run's results.csv for the report in constant memory (design §8, scale).
 *
 * Pass 1 streams the file once, line by line, and keeps only: the baselines; the top N rows by
 * rank; every Pareto row (at most `paretoCap`, thinned by a seeded hash of the id when the front is
 * longer); a seeded uniform sample of the configuration rows of fixed size (the rows whose hash of
 * (seed, id) is smallest: a bottom-k sample, so the same rows whatever the file's length or the
 * order rows arrive in); exact counts, and per parameter its distinct values (up to 256) and range.
 *
 * A run of at most `statSample` configurations is then returned whole (every row was kept), and the
 * report is built exactly as for an in-memory input. A larger run gets a second streaming pass that
 * computes the aggregates the report shows over every row, exactly where that is possible in
 * constant memory: per parameter group (and per score-heatmap cell) the count, minimum and maximum;
 * the medians and quartiles from a histogram of every row over `intervals` value intervals per
 * objective, placed at quantiles of the uniform sample, with an interval of its own at each edge
 * value. The rank-r value of a group is known to lie in the interval that holds its r-th row (the
 * histogram counts are exact), so a quartile is off by at most the width of one interval (about
 * 1/1,024 of the rows around it), and exact where values repeat (an interval of its own).
 * Quantile-bin edges of parameters with many values come from the uniform sample.
 *
 * Memory: the kept rows' text (sample + front + top N, about 75,000 lines by default) and
 * fixed-size histograms; nothing grows with the number of rows.
 */
import { createReadStream } from 'node:fs';
import { UserError } from '../errors.js';
import { METRICS } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import type { BandType, CheckEvery, Config, Mode } from '../policy/types.js';
import { splitCsvLine } from '../results/table.js';
import { uniform } from '../search/rng.js';
import { PARAMS } from '../search/space.js';
import {
  binOf,
  categoryCompare,
  prefersLog,
  quantileBins,
  type Group,
} from './aggregate.js';
import { fmtNum } from './format.js';
import type { EffectRow, HeatCell, Heatmap, ParamEffect, ReportRow, RowDigest } from './types.js';

export interface DigestOptions {
  /** The run's seed (the samples are a function of it and the ids). */
  seed: number;
  /** Objectives whose effects the report shows. */
  objectives: string[];
  /** Parameters of the score heatmap; default: the first two searched parameters. */
  heatmap?: [string, string];
  /** Configuration rows drawn uniformly for the scatters. Default 5,000. */
  scatterSample?: number;
  /**
   * Uniform sample that places bin edges and histogram intervals; also the largest run that is read
   * whole (all rows kept, everything exact as for an in-memory input). Default 50,000.
   */
  statSample?: number;
  /** Most Pareto rows kept. Default 5,000. */
  paretoCap?: number;
  /** Leaderboard rows kept. Default 20. */
  topN?: number;
  /** Value intervals per objective for the streamed quartiles. Default 1,024. */
  intervals?: number;
}

export interface ResultsRead {
  /** Configuration rows kept (all, or the sample, front and top N), in id order, then the baselines. */
  rows: ReportRow[];
  /** Parameters that take more than one value among the configuration rows. */
  searchedParams: string[];
  /** Present when `rows` holds only part of the configuration rows. */
  digest?: RowDigest;
}

/* ------------------------------------------------------------------ lines and rows */

/**
 * Call `onLine` for each line of a file (without its line break), reading 1 MB chunks. Each line is
 * a fresh string (decoded from the chunk), so keeping a few lines does not keep their chunks alive.
 */
export async function forEachLine(file: string, onLine: (line: string, lineNo: number) => void): Promise<number> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let carry: Buffer | null = null;
  let n = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      onLine(buf.toString('utf8', start, end), ++n);
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
  }
  if (carry?.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    onLine(carry.toString('utf8', 0, end), ++n);
  }
  return n;
}

/** Cells of one of our CSV lines (quotes only appear in error messages and odd text). */
export function cellsOf(line: string): string[] {
  return line.indexOf('"') < 0 ? line.split(',') : splitCsvLine(line);
}

/** Column positions of a results.csv header. */
export interface Columns {
  width: number;
  id: number;
  params: number[];
  metrics: number[];
  feasible: number;
  pareto: number;
  score: number;
  rank: number;
  error: number;
}

export function columnsOf(head: string[], file: string, objectives: readonly string[] = []): Columns {
  const at = (k: string, required: boolean): number => {
    const i = head.indexOf(k);
    if (i < 0 && required) {
      throw new UserError(
        `${file}: the header has no "${k}" column, so this is not a results.csv written by rebalance-lab ` +
          `(expected id, the parameters, the metrics, feasible, pareto, score, rank, error); rerun the experiment to rewrite it`,
      );
    }
    return i;
  };
  return {
    width: head.length,
    id: at('id', true),
    // minWidth was added later (issue 16): older results.csv files do not have it
    params: PARAMS.map((p) => at(p, p !== 'minWidth')),
    metrics: METRICS.map((m) => at(m, objectives.includes(m))),
    feasible: at('feasible', true),
    pareto: at('pareto', true),
    score: at('score', true),
    rank: at('rank', true),
    error: at('error', false),
  };
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));
const numOrNull = (s: string | undefined): number | null => {
  const x = num(s);
  return Number.isNaN(x) ? null : x;
};
const isTextParam = (p: string, v: string): boolean => p === 'band' || p === 'mode' || (p === 'check' && !/^\d+$/.test(v));

export function rowConfig(params: ReportRow['params']): Config {
  const n = (k: string): number | undefined => (params[k] === null || params[k] === undefined ? undefined : Number(params[k]));
  const check = params.check === null ? 'monthly' : /^\d+$/.test(String(params.check)) ? Number(params.check) : (params.check as CheckEvery);
  return {
    band: params.band as BandType,
    width: n('width') ?? 0,
    relWidth: n('relWidth'),
    lookback: n('lookback'),
    minWidth: n('minWidth'),
    check,
    mode: (params.mode ?? 'target') as Mode,
    depth: n('depth'),
    fraction: n('fraction'),
    cooldown: n('cooldown') ?? 0,
    feeBps: n('feeBps') ?? 0,
    halfSpreadBps: n('halfSpreadBps') ?? 0,
    fixedFee: n('fixedFee') ?? 0,
    minTrade: n('minTrade') ?? 0,
  };
}

const isConfigId = (id: string): boolean => id.length > 0 && id.length < 16 && /^\d+$/.test(id);

/** One results.csv row as a ReportRow. */
export function rowOf(cells: string[], c: Columns): ReportRow {
  const params: ReportRow['params'] = {};
  PARAMS.forEach((p, j) => {
    const v = cells[c.params[j]] ?? '';
    params[p] = v === '' ? null : isTextParam(p, v) ? v : Number(v);
  });
  const metrics: ReportRow['metrics'] = {};
  METRICS.forEach((m, j) => (metrics[m] = c.metrics[j] < 0 ? null : numOrNull(cells[c.metrics[j]])));
  const id = cells[c.id];
  const isBase = !isConfigId(id);
  return {
    id,
    kind: isBase ? 'baseline' : 'config',
    label: describeConfig(rowConfig(params)),
    params,
    metrics,
    feasible: cells[c.feasible] === '1',
    pareto: cells[c.pareto] === '1',
    score: numOrNull(cells[c.score]),
    rank: numOrNull(cells[c.rank]),
  };
}

/** Every row of a results.csv in memory (small runs and tests; large runs use readResultsDigest). */
export async function readResults(file: string): Promise<ReportRow[]> {
  let cols: Columns | null = null;
  const rows: ReportRow[] = [];
  await forEachLine(file, (line, n) => {
    if (line === '') return;
    const cells = cellsOf(line);
    if (!cols) cols = columnsOf(cells, file);
    else rows.push(rowOf(checkWidth(cells, cols, file, n), cols));
  });
  return rows;
}

function checkWidth(cells: string[], c: Columns, file: string, n: number): string[] {
  if (cells.length !== c.width) {
    throw new UserError(
      `${file}: line ${n} has ${cells.length} cells but the header has ${c.width}; the file is damaged (cut short or edited) — rerun the experiment, or resume it with \`run … --resume\``,
    );
  }
  return cells;
}

/* ------------------------------------------------------------------ bottom-k sample */

/** The k entries with the smallest (key, id), as a max-heap; deterministic whatever the arrival order. */
class BottomK {
  readonly keys: Float64Array;
  readonly ids: Float64Array;
  readonly vals: string[] = [];
  size = 0;
  constructor(readonly cap: number) {
    this.keys = new Float64Array(Math.max(1, cap));
    this.ids = new Float64Array(Math.max(1, cap));
  }
  private greater(i: number, j: number): boolean {
    return this.keys[i] > this.keys[j] || (this.keys[i] === this.keys[j] && this.ids[i] > this.ids[j]);
  }
  private swap(i: number, j: number): void {
    const k = this.keys[i];
    this.keys[i] = this.keys[j];
    this.keys[j] = k;
    const d = this.ids[i];
    this.ids[i] = this.ids[j];
    this.ids[j] = d;
    const v = this.vals[i];
    this.vals[i] = this.vals[j];
    this.vals[j] = v;
  }
  /** Whether (key, id) would be kept (cheap test before building the value). */
  wants(key: number, id: number): boolean {
    if (this.cap <= 0) return false;
    return this.size < this.cap || key < this.keys[0] || (key === this.keys[0] && id < this.ids[0]);
  }
  push(key: number, id: number, val: string): void {
    if (!this.wants(key, id)) return;
    let i: number;
    if (this.size < this.cap) {
      i = this.size++;
      this.keys[i] = key;
      this.ids[i] = id;
      this.vals[i] = val;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.greater(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    this.keys[0] = key;
    this.ids[0] = id;
    this.vals[0] = val;
    i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.greater(l, m)) m = l;
      if (r < this.size && this.greater(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
  /** Entries by ascending (key, id). */
  sorted(): { key: number; id: number; val: string }[] {
    const out = Array.from({ length: this.size }, (_, i) => ({ key: this.keys[i], id: this.ids[i], val: this.vals[i] }));
    return out.sort((a, b) => a.key - b.key || a.id - b.id);
  }
}

/* ------------------------------------------------------------------ per-parameter tracking */

const DISTINCT_LIMIT = 256;

/** Distinct raw values (up to 256), counts by type and the numeric range of one parameter. */
class ParamTracker {
  readonly distinct = new Set<string>();
  many = false;
  hasNull = false;
  numbers = 0;
  texts = 0;
  min = Infinity;
  max = -Infinity;
  private last = '\u0000';
  constructor(readonly param: string) {}
  add(raw: string): void {
    if (raw === '') {
      this.hasNull = true;
      return;
    }
    if (isTextParam(this.param, raw)) this.texts++;
    else {
      const x = Number(raw);
      if (!Number.isFinite(x)) return; // not a number: missing, as when the rows are read whole
      this.numbers++;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
    if (this.many || raw === this.last) return;
    this.last = raw;
    if (this.distinct.has(raw)) return;
    if (this.distinct.size >= DISTINCT_LIMIT) this.many = true;
    else this.distinct.add(raw);
  }
  /** More than one value (a missing value counts as one), as among in-memory rows. */
  get searched(): boolean {
    return this.many || this.distinct.size + (this.hasNull ? 1 : 0) > 1;
  }
}

interface StreamGrouping {
  param: string;
  numeric: boolean;
  binned: boolean;
  groups: Group[];
  /** Group of a raw cell; −1 when the parameter does not apply. */
  code: (raw: string) => number;
}

/**
 * Groups of one parameter as groupColumn (aggregate.ts) forms them from all rows: categories, or
 * each of at most `maxDistinct` numbers, or `bins` quantile bins whose edges come from the sample
 * (first and last stretched to the exact range). Null: no values, or too many categories to chart.
 */
function streamGrouping(t: ParamTracker, sampleNums: Float64Array, maxDistinct: number, bins: number): StreamGrouping | null {
  const param = t.param;
  if (t.numbers === 0 && t.texts === 0) return null;
  if (t.texts > 0) {
    if (t.many) return null;
    const keys = [...t.distinct].map((raw) => (isTextParam(param, raw) ? raw : String(Number(raw))));
    const sorted = [...new Set(keys)].sort(categoryCompare);
    const pos = new Map(sorted.map((k, j) => [k, j]));
    const byRaw = new Map([...t.distinct].map((raw) => [raw, pos.get(isTextParam(param, raw) ? raw : String(Number(raw))) as number]));
    return { param, numeric: false, binned: false, groups: sorted.map((k) => ({ label: k, x: k })), code: (raw) => byRaw.get(raw) ?? -1 };
  }
  const values = t.many ? [] : [...new Set([...t.distinct].map(Number))].sort((a, b) => a - b);
  if (!t.many && values.length <= maxDistinct) {
    const pos = new Map(values.map((v, j) => [v, j]));
    const byRaw = new Map([...t.distinct].map((raw) => [raw, pos.get(Number(raw)) as number]));
    return { param, numeric: true, binned: false, groups: values.map((v) => ({ label: fmtNum(v), x: v })), code: (raw) => byRaw.get(raw) ?? -1 };
  }
  const picked = sampleNums.filter(Number.isFinite);
  const { edges, groups } = quantileBins(picked.length ? picked.sort() : Float64Array.of(t.min), bins, t.min, t.max);
  const e = Float64Array.from(edges);
  return {
    param,
    numeric: true,
    binned: true,
    groups,
    code: (raw) => {
      const x = num(raw);
      return Number.isFinite(x) ? binOf(e, x) : -1;
    },
  };
}

/* ------------------------------------------------------------------ streamed quantiles */

/**
 * Value intervals from sample values: edges E_0 < … < E_{m−1} at equal-count positions of the
 * sorted sample. Slot 0 is (−∞, E_0), slot 2j+1 is exactly E_j and slot 2j+2 is (E_j, E_{j+1}),
 * with E_m = +∞: 2m+1 slots.
 */
export class Intervals {
  readonly edges: Float64Array;
  readonly slots: number;
  constructor(sample: Float64Array, intervals: number) {
    const s = sample.filter(Number.isFinite).sort();
    const m = Math.min(intervals, s.length);
    const e: number[] = [];
    for (let j = 0; j < m; j++) {
      const v = s[Math.floor((j * s.length) / m)];
      if (e.length === 0 || v > e[e.length - 1]) e.push(v);
    }
    this.edges = Float64Array.from(e);
    this.slots = 2 * e.length + 1;
  }
  slotOf(v: number): number {
    const e = this.edges;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    // lo = number of edges ≤ v
    if (lo === 0) return 0;
    return e[lo - 1] === v ? 2 * lo - 1 : 2 * lo;
  }
  /**
   * Quartiles (R type 7) of a group from its slot counts hist[base .. base+slots), its size n and
   * exact min and max. Within an open interval the rows are taken as evenly spread.
   */
  quartiles(hist: Uint32Array, base: number, n: number, min: number, max: number): [number, number, number] {
    if (n === 0) return [NaN, NaN, NaN];
    const qs = [0.25, 0.5, 0.75];
    const ranks: number[] = [];
    for (const q of qs) {
      const h = (n - 1) * q;
      ranks.push(Math.floor(h), Math.min(Math.floor(h) + 1, n - 1));
    }
    const order = [...new Set(ranks)].sort((a, b) => a - b);
    const value = new Map<number, number>();
    const e = this.edges;
    let cum = 0;
    let k = 0;
    for (let s = 0; s < this.slots && k < order.length; s++) {
      const c = hist[base + s];
      while (k < order.length && order[k] < cum + c) {
        const r = order[k++];
        let v: number;
        if (r === 0) v = min;
        else if (r === n - 1) v = max;
        else if (s % 2 === 1) v = e[(s - 1) / 2];
        else {
          const lo = Math.max(s === 0 ? min : e[s / 2 - 1], min);
          const hi = Math.min(s / 2 < e.length ? e[s / 2] : max, max);
          v = lo + ((r - cum + 0.5) / c) * (hi - lo);
        }
        value.set(r, Math.min(max, Math.max(min, v)));
      }
      cum += c;
    }
    return qs.map((q) => {
      const h = (n - 1) * q;
      const lo = Math.floor(h);
      const a = value.get(lo) as number;
      const b = value.get(Math.min(lo + 1, n - 1)) as number;
      return a + (h - lo) * (b - a);
    }) as [number, number, number];
  }
}

/** Count, min, max and slot histogram per (group, objective) of one or more groupings. */
class GroupAcc {
  readonly count: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  readonly hist: Uint32Array;
  /** Offset of objective o's slots within a cell's histogram, and the histogram length per cell. */
  readonly offsets: number[];
  readonly stride: number;
  constructor(
    readonly cells: number,
    readonly intervals: Intervals[],
  ) {
    const O = intervals.length;
    this.count = new Float64Array(cells * O);
    this.min = new Float64Array(cells * O).fill(Infinity);
    this.max = new Float64Array(cells * O).fill(-Infinity);
    this.hist = new Uint32Array(cells * intervals.reduce((a, iv) => a + iv.slots, 0));
    this.offsets = [];
    let off = 0;
    for (const iv of intervals) {
      this.offsets.push(off);
      off += iv.slots;
    }
    this.stride = off;
  }
  add(cell: number, o: number, v: number, slot: number): void {
    const i = cell * this.intervals.length + o;
    this.count[i]++;
    if (v < this.min[i]) this.min[i] = v;
    if (v > this.max[i]) this.max[i] = v;
    this.hist[cell * this.stride + this.offsets[o] + slot]++;
  }
  stats(cell: number, o: number): { n: number; min: number; max: number; q: [number, number, number] } {
    const i = cell * this.intervals.length + o;
    const n = this.count[i];
    return { n, min: this.min[i], max: this.max[i], q: this.intervals[o].quartiles(this.hist, cell * this.stride + this.offsets[o], n, this.min[i], this.max[i]) };
  }
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/* ------------------------------------------------------------------ the reader */

/**
 * Read results.csv in constant memory: the rows the report draws (all of them for a run of at most
 * `statSample` configurations) and, for a larger run, the digest of every row.
 */
export async function readResultsDigest(file: string, opts: DigestOptions): Promise<ResultsRead> {
  const seed = opts.seed >>> 0;
  const scatterN = opts.scatterSample ?? 5000;
  const statN = Math.max(opts.statSample ?? 50000, scatterN);
  const paretoCap = opts.paretoCap ?? 5000; // 20,000 made a 5M-row report 10.7 MB
  const topN = opts.topN ?? 20;
  const nIntervals = opts.intervals ?? 1024;

  let cols: Columns | null = null;
  const trackers = PARAMS.map((p) => new ParamTracker(p));
  const sample = new BottomK(statN);
  const front = new BottomK(paretoCap);
  const baselines: string[] = [];
  const top: { rank: number; id: number; line: string }[] = [];
  let configs = 0;
  let feasible = 0;
  let pareto = 0;
  let failed = 0;
  // the scores of the best and the worst ranked rows (is a lower score better?)
  const ends: { best: { rank: number; score: number } | null; worst: { rank: number; score: number } | null } = { best: null, worst: null };

  // pass 1
  await forEachLine(file, (line, n) => {
    if (line === '') return;
    const cells = cellsOf(line);
    if (!cols) {
      cols = columnsOf(cells, file, opts.objectives);
      return;
    }
    const c = checkWidth(cells, cols, file, n);
    const idText = c[cols.id];
    if (!isConfigId(idText)) {
      baselines.push(line);
      return;
    }
    const id = Number(idText);
    configs++;
    const isFeasible = c[cols.feasible] === '1';
    if (isFeasible) feasible++;
    if (cols.error >= 0 && c[cols.error] !== '') failed++;
    for (let j = 0; j < trackers.length; j++) trackers[j].add(c[cols.params[j]]);
    sample.push(uniform(seed, id, 0), id, line);
    if (c[cols.pareto] === '1') {
      pareto++;
      front.push(uniform(seed, id, 1), id, line);
    }
    const rank = num(c[cols.rank]);
    if (isFeasible && Number.isFinite(rank)) {
      const score = num(c[cols.score]);
      if (!ends.best || rank < ends.best.rank) ends.best = { rank, score };
      if (!ends.worst || rank > ends.worst.rank) ends.worst = { rank, score };
      if (top.length < topN || rank < top[top.length - 1].rank || (rank === top[top.length - 1].rank && id < top[top.length - 1].id)) {
        let j = top.length < topN ? top.length : topN - 1;
        while (j > 0 && (rank < top[j - 1].rank || (rank === top[j - 1].rank && id < top[j - 1].id))) {
          top[j] = top[j - 1];
          j--;
        }
        if (topN > 0) top[j] = { rank, id, line };
      }
    }
  });
  if (!cols) throw new UserError(`${file}: the file is empty; rerun the experiment to write it`);
  const c0: Columns = cols;
  const searchedParams = trackers.filter((t) => t.searched).map((t) => t.param);
  const baselineRows = baselines.map((l) => rowOf(cellsOf(l), c0));
  const parse = (l: string): ReportRow => rowOf(cellsOf(l), c0);

  const drawn = sample.sorted();
  if (configs <= statN) {
    // the whole run is in the sample: the rows themselves, in id order
    drawn.sort((a, b) => a.id - b.id);
    return { rows: [...drawn.map((d) => parse(d.val)), ...baselineRows], searchedParams };
  }

  // the kept rows: scatter sample, Pareto rows (capped), top N
  const kept = new Map<number, string>();
  for (let i = 0; i < Math.min(scatterN, drawn.length); i++) kept.set(drawn[i].id, drawn[i].val);
  const frontRows = front.sorted();
  for (const f of frontRows) kept.set(f.id, f.val);
  for (const t of top) kept.set(t.id, t.line);
  const rows = [...kept.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => parse(l));

  // groupings and value intervals from the uniform sample: its numbers, column by column
  const pIndex = (p: string): number => (PARAMS as readonly string[]).indexOf(p);
  const objectives = opts.objectives.filter((o) => (METRICS as readonly string[]).includes(o));
  const objCol = objectives.map((o) => c0.metrics[(METRICS as readonly string[]).indexOf(o)]);
  const sampleCols = [...c0.params, ...objCol, c0.score];
  const sampleNums = sampleCols.map(() => new Float64Array(drawn.length));
  drawn.forEach((d, i) => {
    const cells = cellsOf(d.val);
    sampleCols.forEach((col, j) => (sampleNums[j][i] = num(cells[col])));
  });
  const rawOf = (p: string): Float64Array => sampleNums[pIndex(p)];
  const effectGroups: StreamGrouping[] = [];
  for (const p of searchedParams) {
    const g = streamGrouping(trackers[pIndex(p)], rawOf(p), 24, 20);
    if (g && g.groups.length > 0 && g.groups.length <= 254) effectGroups.push(g);
  }
  const objIntervals = objCol.map((_, o) => new Intervals(sampleNums[PARAMS.length + o], nIntervals));
  const effectCells = effectGroups.reduce((a, g) => a + g.groups.length, 0);
  const effectAcc = new GroupAcc(effectCells, objIntervals);
  const effectOffset = effectGroups.map((_, k) => effectGroups.slice(0, k).reduce((a, g) => a + g.groups.length, 0));
  const applicable = new Float64Array(effectGroups.length);

  const pair: [string, string] | null = opts.heatmap ?? (searchedParams.length >= 2 ? [searchedParams[0], searchedParams[1]] : null);
  let hx: StreamGrouping | null = null;
  let hy: StreamGrouping | null = null;
  if (pair && pIndex(pair[0]) >= 0 && pIndex(pair[1]) >= 0) {
    hx = streamGrouping(trackers[pIndex(pair[0])], rawOf(pair[0]), 12, 10);
    hy = streamGrouping(trackers[pIndex(pair[1])], rawOf(pair[1]), 12, 10);
  }
  const nx = hx?.groups.length ?? 0;
  const ny = hy?.groups.length ?? 0;
  const scoreIntervals = new Intervals(sampleNums[sampleCols.length - 1], nIntervals);
  const heatAcc = new GroupAcc(nx * ny, [scoreIntervals]);
  const heatTotal = new Float64Array(nx * ny);
  const heatFeasible = new Float64Array(nx * ny);
  const effectParamCol = effectGroups.map((g) => c0.params[pIndex(g.param)]);
  const hxCol = hx ? c0.params[pIndex(hx.param)] : -1;
  const hyCol = hy ? c0.params[pIndex(hy.param)] : -1;

  // pass 2: exact counts and histograms over every configuration row
  const O = objectives.length;
  const vals = new Float64Array(O);
  const slots = new Int32Array(O);
  let seen = 0;
  let header = true;
  await forEachLine(file, (line, n) => {
    if (line === '') return;
    if (header) {
      header = false;
      return;
    }
    const c = checkWidth(cellsOf(line), c0, file, n);
    if (!isConfigId(c[c0.id])) return;
    seen++;
    for (let o = 0; o < O; o++) {
      const v = num(c[objCol[o]]);
      vals[o] = v;
      slots[o] = Number.isFinite(v) ? objIntervals[o].slotOf(v) : -1;
    }
    for (let k = 0; k < effectGroups.length; k++) {
      const g = effectGroups[k].code(c[effectParamCol[k]]);
      if (g < 0) continue;
      applicable[k]++;
      const cell = effectOffset[k] + g;
      for (let o = 0; o < O; o++) if (slots[o] >= 0) effectAcc.add(cell, o, vals[o], slots[o]);
    }
    if (hx && hy) {
      const a = hx.code(c[hxCol]);
      const b = hy.code(c[hyCol]);
      if (a >= 0 && b >= 0) {
        const cell = a * ny + b;
        heatTotal[cell]++;
        if (c[c0.feasible] === '1') heatFeasible[cell]++;
        const s = num(c[c0.score]);
        if (Number.isFinite(s)) heatAcc.add(cell, 0, s, scoreIntervals.slotOf(s));
      }
    }
  });
  if (seen !== configs) throw new UserError(`${file} changed while the report was being built (${configs} then ${seen} configuration rows); build the report again`);

  const effects: ParamEffect[] = effectGroups.map((g, k) => {
    const out: EffectRow[] = [];
    objectives.forEach((o, oi) => {
      g.groups.forEach((grp, j) => {
        const st = effectAcc.stats(effectOffset[k] + j, oi);
        if (st.n === 0) return;
        out.push({ objective: o, x: grp.x, xLabel: grp.label, n: st.n, q25: finiteOrNull(st.q[0]), median: finiteOrNull(st.q[1]), q75: finiteOrNull(st.q[2]) });
      });
    });
    return {
      param: g.param,
      numeric: g.numeric,
      binned: g.binned,
      logScale: g.numeric && prefersLog(g.groups.map((q) => q.x as number)),
      order: g.groups.map((q) => q.label),
      rows: out,
      applicable: applicable[k],
    };
  });

  const { best, worst } = ends;
  const lowerScoreIsBetter = !(best && worst && best !== worst && Number.isFinite(best.score) && Number.isFinite(worst.score) && best.score > worst.score);
  let heatmap: Heatmap | null = null;
  if (pair && hx && hy && nx > 0 && ny > 0) {
    const cells: HeatCell[] = [];
    for (let a = 0; a < nx; a++) {
      for (let b = 0; b < ny; b++) {
        const cell = a * ny + b;
        if (heatTotal[cell] === 0) continue;
        const st = heatAcc.stats(cell, 0);
        cells.push({
          x: hx.groups[a].label,
          y: hy.groups[b].label,
          n: st.n,
          total: heatTotal[cell],
          feasible: heatFeasible[cell],
          median: st.n ? finiteOrNull(st.q[1]) : null,
          best: st.n ? finiteOrNull(lowerScoreIsBetter ? st.min : st.max) : null,
        });
      }
    }
    heatmap = { xParam: pair[0], yParam: pair[1], xOrder: hx.groups.map((q) => q.label), yOrder: hy.groups.map((q) => q.label), cells };
  }

  const digest: RowDigest = {
    configs,
    feasible,
    pareto,
    failed,
    sampled: Math.min(scatterN, drawn.length),
    paretoKept: rows.reduce((a, r) => a + (r.pareto ? 1 : 0), 0),
    edgeSample: drawn.length,
    intervals: nIntervals,
    lowerScoreIsBetter,
    effects,
    heatmap,
  };
  return { rows: [...rows, ...baselineRows], searchedParams, digest };
}
