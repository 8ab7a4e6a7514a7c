/**
 * The selection by evidence (issue 11; the rule in words: docs/selection.md). Pure functions over
 * per-configuration arrays; the run-folder side (reading the journal, the kernel re-runs, writing
 * selection.json) is in selection-run.ts.
 *
 * 1. Candidates: searched configurations that did not fail, have a finite score, meet the
 *    constraints on the actual history, are not calendar or buy-and-hold (those are baselines,
 *    reported once and unranked), and — with `robustness` — are feasible on at least half of the
 *    bootstrap paths with a finite robust score (robustness.csv's own eligibility).
 * 2. Order: by the robust score (the median, or the chosen quantile, of the score over the paths)
 *    with `robustness`, else by the score on the actual history; ties → lower id. The order's
 *    position is results.csv's `rank`; rank 1 is the pick.
 * 3. The indistinguishable set, the simplest member, the PBO and the best per band and mode are
 *    computed on the pool: the best `pool` candidates (2,000 by default).
 */
import { M, METRICS, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { BAND_TYPES, MODES, type CheckEvery, type Config } from '../policy/types.js';
import { lowerBound, orderByKey } from './score.js';
import { cscvPbo, indistinguishableRows } from './selection-stats.js';
import {
  SELECTION_VERSION,
  type BaselineEntry,
  type OutOfSampleReport,
  type PboDetail,
  type RankBy,
  type ScoreTerm,
  type SelectedConfig,
  type SelectionJson,
} from './selection-types.js';

/** flags[i] bits. */
export const FEASIBLE = 1;
/** A calendar or buy-and-hold configuration inside the space: a row, never a rank. */
export const EXCLUDED = 2;
export const FAILED = 4;

/** results.csv `selection` cell values (mark[i]). */
// 0: no mark
export const MARK_PICK = 1;
export const MARK_INDISTINGUISHABLE = 2;

export const DEFAULT_POOL = 2000;
export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_SUBPERIODS = 16;

export interface RobustInput {
  /** Robust score per row (at least K rows; configurations first). */
  score: Float64Array;
  feasibleFreq: Float64Array;
  /** Score per (row, path): row i's paths at i·P .. i·P + P − 1. */
  paths: Float64Array;
  P: number;
  /** The quantile ranked by (0.5 = median). */
  quantile: number;
}

export interface RankInput {
  K: number;
  /** Score on the actual history per configuration (NaN when failed or not finite). */
  score: Float64Array;
  flags: Uint8Array;
  robust: RobustInput | null;
}

/** Whether configuration i is a candidate (rule step 1). */
export function isCandidate(inp: RankInput, i: number): boolean {
  const f = inp.flags[i];
  if (f & (FAILED | EXCLUDED) || !(f & FEASIBLE) || !Number.isFinite(inp.score[i])) return false;
  if (inp.robust) return inp.robust.feasibleFreq[i] >= 0.5 && Number.isFinite(inp.robust.score[i]);
  return true;
}

/** The candidates in rule order, every configuration's rank, and what the in-sample ranks need. */
export interface Ranking {
  /** Candidate ids, best first. */
  order: Int32Array;
  /** Rank 1.. per configuration under the rule; 0 = not a candidate. */
  rank: Uint32Array;
  /** The candidates' in-sample scores, ascending. */
  inSampleSorted: Float64Array;
  /** The candidate with the lowest in-sample score (ties → lower id); −1 when none. */
  inSampleBest: number;
}

/**
 * The candidates in rule order (best first, ties → lower id) and the rank of every configuration.
 * A radix sort of the keys (orderByKey: stable, and ids arrive ascending, so ties go to the lower
 * id), so a million rows take a few tens of milliseconds.
 */
export function rankCandidates(inp: RankInput): Ranking {
  const key = inp.robust ? inp.robust.score : inp.score;
  let n = 0;
  const ids = new Int32Array(inp.K);
  let inSampleBest = -1;
  for (let i = 0; i < inp.K; i++) {
    if (!isCandidate(inp, i)) continue;
    ids[n++] = i;
    if (inSampleBest < 0 || inp.score[i] < inp.score[inSampleBest]) inSampleBest = i;
  }
  const keys = new Float64Array(n);
  const scores = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    keys[j] = key[ids[j]];
    scores[j] = inp.score[ids[j]];
  }
  // ids ascend, so the radix sort's ties in position order are ties in id order
  const byKey = orderByKey(keys);
  const order = new Int32Array(n);
  const rank = new Uint32Array(inp.K);
  for (let r = 0; r < n; r++) {
    const id = ids[byKey[r]];
    order[r] = id;
    rank[id] = r + 1;
  }
  return { order, rank, inSampleSorted: scores.sort(), inSampleBest };
}

/** A candidate's rank by the in-sample score among the candidates (ties → lower id). */
export function inSampleRank(inp: RankInput, r: Ranking, id: number): number {
  const s = inp.score[id];
  const lo = lowerBound(r.inSampleSorted, s);
  if (!(lo + 1 < r.inSampleSorted.length && r.inSampleSorted[lo + 1] === s)) return lo + 1;
  let before = 0;
  for (let i = 0; i < id; i++) if (inp.score[i] === s && isCandidate(inp, i)) before++;
  return lo + 1 + before;
}

/** Rows per check of a schedule (larger = coarser = simpler). */
export function checkSpacing(c: CheckEvery): number {
  if (typeof c === 'number') return c;
  return { daily: 1, weekly: 5, monthly: 21, quarterly: 63, yearly: 252 }[c];
}

interface MetricUnit {
  short: string;
  unit: string;
  /** value (results.csv) → number shown with `unit`. */
  scale: number;
}

/** How each metric is read: results.csv holds fractions; the page shows % (costDrag is bp/yr already). */
export const METRIC_UNITS: Record<MetricName, MetricUnit> = {
  turnover: { short: 'turnover', unit: '%/yr', scale: 100 },
  trackingError: { short: 'TE', unit: '%', scale: 100 },
  maxDrawdown: { short: 'max drawdown', unit: '%', scale: 100 },
  cagr: { short: 'CAGR', unit: '%/yr', scale: 100 },
  volatility: { short: 'volatility', unit: '%', scale: 100 },
  sharpe: { short: 'Sharpe', unit: '', scale: 1 },
  sortino: { short: 'Sortino', unit: '', scale: 1 },
  rebalances: { short: 'rebalances', unit: 'trades', scale: 1 },
  rebalancesPerYear: { short: 'rebalances', unit: 'trades/yr', scale: 1 },
  costDrag: { short: 'cost drag', unit: 'bp/yr', scale: 1 },
  meanDrift: { short: 'mean drift', unit: '%', scale: 100 },
  maxDrift: { short: 'max drift', unit: '%', scale: 100 },
  excessReturn: { short: 'excess return', unit: '%/yr', scale: 100 },
  finalValue: { short: 'final value', unit: '', scale: 1 },
  totalCost: { short: 'total cost', unit: '', scale: 1 },
  assetTrades: { short: 'asset trades', unit: 'trades', scale: 1 },
  mwr: { short: 'money-weighted return', unit: '%/yr', scale: 100 },
  flowRebalanceShare: { short: 'rebalancing by flows', unit: '%', scale: 100 },
  taxPaid: { short: 'tax paid', unit: 'bp/yr', scale: 1 },
  afterTaxCagr: { short: 'after-tax CAGR', unit: '%/yr', scale: 100 },
  afterTaxValue: { short: 'after-tax value', unit: '', scale: 1 },
  unrealisedGain: { short: 'unrealised gain', unit: '', scale: 1 },
};

/** 3 significant digits, no trailing zeros, no exponent for ordinary sizes. */
export function sig3(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (!(a >= 1e-4 && a < 1e9)) return x.toExponential(2);
  // toPrecision writes 1234 as "1.23e+3": back through Number for the plain digits ("1230")
  const s = x.toPrecision(3);
  return s.includes('e') ? String(Number(s)) : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function weightText(w: number): string {
  return String(Number(w.toPrecision(6)));
}

/** The score's weighted terms in the experiment's order (zero weights left out). */
export function weightedMetrics(weights: Partial<Record<MetricName, number>>): [MetricName, number][] {
  return (Object.entries(weights) as [MetricName, number][]).filter(([m, w]) => w !== 0 && METRICS.includes(m));
}

/** The score as a formula over metric names ("1 × trackingError + 0.0001 × costDrag"). */
export function scoreFormula(weights: Partial<Record<MetricName, number>>): string {
  const t = weightedMetrics(weights);
  if (t.length === 0) return '0';
  return t.map(([m, w], i) => `${i === 0 ? (w < 0 ? '−' : '') : w < 0 ? ' − ' : ' + '}${weightText(Math.abs(w))} × ${m}`).join('');
}

/** The pick's score term by term; contributions sum to its score. */
export function scoreTerms(weights: Partial<Record<MetricName, number>>, metrics: ArrayLike<number>): ScoreTerm[] {
  return weightedMetrics(weights).map(([metric, weight]) => {
    const x = metrics[M[metric]];
    const u = METRIC_UNITS[metric];
    const ok = Number.isFinite(x);
    return {
      metric,
      weight,
      value: ok ? x : null,
      unit: u.unit,
      display: `${u.short} ${ok ? sig3(x * u.scale) : '—'}${u.unit ? (u.unit.startsWith('%') ? u.unit : ' ' + u.unit) : ''}`,
      contribution: ok ? weight * x : null,
    };
  });
}

/** "TE 0.14% + 0.0001 × cost drag 2.6 bp/yr + 0.001 × turnover 12.3%/yr". */
export function scoreText(terms: readonly ScoreTerm[]): string {
  return terms
    .map((t, i) => {
      const a = Math.abs(t.weight);
      const sign = i === 0 ? (t.weight < 0 ? '−' : '') : t.weight < 0 ? ' − ' : ' + ';
      return `${sign}${a === 1 ? '' : `${weightText(a)} × `}${t.display}`;
    })
    .join('');
}

export interface SelectionInput extends RankInput {
  config: (id: number) => Config;
  /** Metric rows of at least the ids `neededIds` returned. */
  metrics: ReadonlyMap<number, ArrayLike<number>>;
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: readonly string[];
  baselines: BaselineEntry[];
  /**
   * Per-sub-period scores of the pool ((S × C), row = sub-period, columns in pool order), or null
   * with a reason when the window is too short.
   */
  subPeriods: { scores: Float64Array; S: number; rowsPerSubPeriod: number } | { reason: string };
  outOfSample: OutOfSampleReport | null;
  /** Pool size (DEFAULT_POOL). */
  pool?: number;
  alpha?: number;
  /** Configurations that failed. */
  failed: number;
  /** Band and mode codes per configuration (faster best-per; else read from `config`). */
  codes?: Codes;
}

export interface Selection {
  json: SelectionJson;
  /** results.csv `rank` per configuration (0 = none). */
  rank: Uint32Array;
  /** results.csv `selection` per configuration (MARK_*). */
  mark: Uint8Array;
}

/** The pool (best `pool` candidates, rule order) and the ids whose metric rows the selection needs. */
export function selectionPool(order: Int32Array, pool = DEFAULT_POOL): Int32Array {
  return order.subarray(0, Math.min(pool, order.length));
}

/**
 * Per configuration, the band type and mode as indices into BAND_TYPES and MODES (filled while the
 * rows are read), so the best per band and mode is one pass over bytes, not a configuration per row.
 */
export interface Codes {
  band: Uint8Array;
  mode: Uint8Array;
}

/** Best candidate per band type and per mode (the first of each in rule order). */
export function bestPer(order: Int32Array, config: (id: number) => Config, codes?: Codes): { band: Record<string, number>; mode: Record<string, number> } {
  const band: Record<string, number> = {};
  const mode: Record<string, number> = {};
  if (codes) {
    const bSeen = new Uint8Array(BAND_TYPES.length);
    const mSeen = new Uint8Array(MODES.length);
    for (const id of order) {
      const b = codes.band[id];
      const m = codes.mode[id];
      if (!bSeen[b]) {
        bSeen[b] = 1;
        band[BAND_TYPES[b]] = id;
      }
      if (!mSeen[m]) {
        mSeen[m] = 1;
        mode[MODES[m]] = id;
      }
    }
    return { band, mode };
  }
  for (const id of order) {
    const c = config(id);
    if (!(c.band in band)) band[c.band] = id;
    if (!(c.mode in mode)) mode[c.mode] = id;
  }
  return { band, mode };
}

/** Ids whose metric rows buildSelection reads: the pool, the in-sample best, the best per band and mode. */
export function neededIds(r: Ranking, config: (id: number) => Config, pool = DEFAULT_POOL, codes?: Codes): number[] {
  const s = new Set<number>(selectionPool(r.order, pool));
  if (r.inSampleBest >= 0) s.add(r.inSampleBest);
  const b = bestPer(r.order, config, codes);
  for (const id of [...Object.values(b.band), ...Object.values(b.mode)]) s.add(id);
  return [...s].sort((a, b) => a - b);
}

const fin = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/** The simplest of `ids`: fewest rebalances a year, then the coarser check schedule, then the lower id. */
export function simplestOf(ids: readonly number[], config: (id: number) => Config, metrics: ReadonlyMap<number, ArrayLike<number>>): number {
  let best = -1;
  let bestR = Infinity;
  let bestSp = 0;
  for (const id of ids) {
    const r = metrics.get(id)?.[M.rebalancesPerYear];
    const rr = r !== undefined && Number.isFinite(r) ? r : Infinity;
    const sp = checkSpacing(config(id).check);
    if (best < 0 || rr < bestR || (rr === bestR && (sp > bestSp || (sp === bestSp && id < best)))) {
      best = id;
      bestR = rr;
      bestSp = sp;
    }
  }
  return best;
}

export function ruleText(rankBy: RankBy, q: number | null, constraints: readonly string[], formula: string): string {
  const tail = ' Calendar rebalancing and buy-and-hold are baselines: reported once, never ranked or picked.';
  if (rankBy === 'in-sample-score') {
    const among = constraints.length ? `Among the configurations that meet ${constraints.join(' and ')}` : 'Among all configurations';
    return `${among}, the pick is the one with the lowest score (${formula}) on the actual history.${tail}`;
  }
  const among = constraints.length
    ? `Among the configurations that meet ${constraints.join(' and ')} on the actual history and on at least half of the resampled histories`
    : 'Among all configurations';
  const stat = rankBy === 'robust-median' ? 'median' : `${sig3((q ?? 0.5) * 100)}th percentile`;
  return `${among}, the pick is the one with the lowest ${stat} of the score (${formula}) over the resampled histories.${tail}`;
}

export function buildSelection(inp: SelectionInput, ranking: Ranking = rankCandidates(inp)): Selection {
  const { order, rank } = ranking;
  const poolN = inp.pool ?? DEFAULT_POOL;
  const alpha = inp.alpha ?? DEFAULT_ALPHA;
  const pool = selectionPool(order, poolN);
  const mark = new Uint8Array(inp.K);
  const rb = inp.robust;
  const rankBy: RankBy = !rb ? 'in-sample-score' : rb.quantile === 0.5 ? 'robust-median' : 'robust-quantile';
  const formula = scoreFormula(inp.scoreWeights);
  const cfgOf = (id: number): SelectedConfig => {
    const c = inp.config(id);
    const m = inp.metrics.get(id);
    return {
      id,
      label: describeConfig(c),
      band: c.band,
      mode: c.mode,
      score: fin(inp.score[id]),
      robustScore: rb ? fin(rb.score[id]) : null,
      rank: rank[id],
      inSampleRank: inSampleRank(inp, ranking, id),
      rebalancesPerYear: fin(m?.[M.rebalancesPerYear]),
    };
  };
  let feasible = 0;
  for (let i = 0; i < inp.K; i++) if (inp.flags[i] & FEASIBLE && !(inp.flags[i] & FAILED)) feasible++;
  const json: SelectionJson = {
    version: SELECTION_VERSION,
    rule: {
      text: ruleText(rankBy, rb ? rb.quantile : null, inp.constraints, formula),
      constraints: [...inp.constraints],
      formula,
      rankBy,
      robustQuantile: rb ? rb.quantile : null,
      calendarInSpace: 'unranked',
    },
    pick: null,
    pickConfig: null,
    inSampleBest: null,
    scoreTerms: [],
    scoreText: '',
    indistinguishable: [],
    indistinguishableTest: null,
    simplest: null,
    simplestConfig: null,
    pbo: null,
    pboDetail: null,
    bestPerBand: {},
    bestPerMode: {},
    baselines: inp.baselines,
    outOfSample: inp.outOfSample,
    top: [],
    counts: { configurations: inp.K, failed: inp.failed, feasible, ranked: order.length },
  };
  if (order.length === 0) {
    json.pickReason =
      inp.K === 0
        ? 'no configurations'
        : 'no configuration meets the constraints' +
          (rb ? ' (on the actual history and on at least half of the resampled histories)' : '') +
          '; relax the constraints or widen the space';
    json.pboReason = 'no candidates';
    return { json, rank, mark };
  }
  const pick = order[0];
  mark[pick] = MARK_PICK;
  json.pick = pick;
  json.pickConfig = cfgOf(pick);
  if (ranking.inSampleBest >= 0) json.inSampleBest = cfgOf(ranking.inSampleBest);
  const pm = inp.metrics.get(pick);
  if (pm) {
    json.scoreTerms = scoreTerms(inp.scoreWeights, pm);
    json.scoreText = scoreText(json.scoreTerms);
  }
  json.top = Array.from(order.subarray(0, 20), cfgOf);
  const best = bestPer(order, inp.config, inp.codes);
  json.bestPerBand = best.band;
  json.bestPerMode = best.mode;

  // the indistinguishable set, over the pool
  const C = pool.length;
  let obs: Float64Array | null = null;
  let n = 0;
  let pairedOver: 'bootstrap-paths' | 'sub-periods' = 'sub-periods';
  if (rb) {
    n = rb.P;
    pairedOver = 'bootstrap-paths';
    obs = new Float64Array(C * n);
    for (let c = 0; c < C; c++) obs.set(rb.paths.subarray(pool[c] * n, pool[c] * n + n), c * n);
  } else if ('scores' in inp.subPeriods) {
    const { scores, S } = inp.subPeriods;
    n = S;
    obs = new Float64Array(C * n);
    for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) obs[c * n + s] = scores[s * C + c];
  }
  if (obs && C > 1) {
    const rows = indistinguishableRows(obs, C, n, 0, alpha, rb ? 'bootstrap' : 'sign');
    json.indistinguishable = rows.map((r) => pool[r]);
    json.indistinguishableTest = {
      pairedOver,
      observations: n,
      method: rb
        ? `bootstrap p-value: the share of the ${n} resampled histories on which the configuration scores at least as well as the pick; Benjamini–Hochberg over the ${C - 1} comparisons (false-discovery rate ${sig3(alpha * 100)}%)`
        : `one-sided paired sign test: is the configuration's score higher than the pick's on more of the ${n} sub-periods than chance allows? Benjamini–Hochberg over the ${C - 1} comparisons (false-discovery rate ${sig3(alpha * 100)}%)`,
      level: alpha,
      compared: C - 1,
      truncated: rows.length === C - 1 && order.length > C,
    };
  } else if (obs) {
    json.indistinguishableTest = { pairedOver, observations: n, method: 'nothing to compare: a single candidate', level: alpha, compared: 0, truncated: false };
  }
  for (const id of json.indistinguishable) mark[id] = MARK_INDISTINGUISHABLE;
  json.simplest = simplestOf([pick, ...json.indistinguishable], inp.config, inp.metrics);
  json.simplestConfig = cfgOf(json.simplest);

  // PBO over the pool
  if (!('scores' in inp.subPeriods)) json.pboReason = inp.subPeriods.reason;
  else if (C < 2) json.pboReason = 'fewer than 2 candidates: nothing was selected among alternatives';
  else {
    const { scores, S, rowsPerSubPeriod } = inp.subPeriods;
    // configurations with a non-finite score on some sub-period are left out of the matrix
    const keep: number[] = [];
    for (let c = 0; c < C; c++) {
      let ok = true;
      for (let s = 0; s < S; s++) if (!Number.isFinite(scores[s * C + c])) ok = false;
      if (ok) keep.push(c);
    }
    if (keep.length < 2) json.pboReason = 'fewer than 2 candidates have a finite score on every sub-period';
    else {
      const Nk = keep.length;
      const perf = new Float64Array(S * Nk);
      for (let s = 0; s < S; s++) for (let k = 0; k < Nk; k++) perf[s * Nk + k] = -scores[s * C + keep[k]];
      const r = cscvPbo(perf, S, Nk);
      const sorted = Float64Array.from(r.logits).sort();
      const med = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      json.pbo = r.pbo;
      const detail: PboDetail = {
        subPeriods: S,
        rowsPerSubPeriod,
        combinations: r.combinations,
        configurations: Nk,
        medianLogit: fin(med),
        meaning: pboMeaning(r.pbo, S, r.combinations),
      };
      json.pboDetail = detail;
    }
  }
  return { json, rank, mark };
}

export function pboMeaning(pbo: number, S: number, combinations: number): string {
  return (
    `In ${sig3(pbo * 100)}% of the ${combinations.toLocaleString('en')} ways of splitting the history's ${S} sub-periods into two halves, ` +
    `the configuration that scored best on one half scored worse than the median configuration on the other half ` +
    `(the probability that choosing the best backtest is overfitting: about 50% means the choice is no better than chance, near 0% means the best stays good).`
  );
}
