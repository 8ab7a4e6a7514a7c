/**
 * Walk-forward (and split) validation (issue 5): for every fold, evaluate every configuration of
 * the experiment's space on the training window, pick the best feasible one by the experiment's
 * score (ties → lowest id), and run that choice on the following test window. The test windows'
 * daily returns, stitched together, are an honest out-of-sample record; the baselines (calendar on
 * each check schedule, buy and hold) are stitched over the same test windows.
 *
 * No look-ahead: each training run gets a KernelContext built from the price rows < train.to only
 * (the lookback may use rows before train.from, which are in the past), so no price of a test day
 * can reach a training decision. See folds.ts for the window conventions.
 *
 * Stitching: every test window starts fully invested at the targets (as every backtest does, design
 * §3), so each fold boundary is a free rebalance to target, for the chosen configuration and for
 * the baselines alike. The stitched metrics follow design §4 on the concatenated returns:
 * V chained from initialCapital, years = (number of returns)/ppy, turnover/rebalances/cost drag
 * summed over the folds ÷ total years, meanDrift = Σ(fold drift sums)/(1 + number of returns)
 * (one allocation row plus the return rows, as a single window counts them), maxDrift the largest.
 */
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS, type MetricName } from '../kernel/metrics.js';
import * as S from '../kernel/stats.js';
import { metricsFromTotals } from '../kernel/totals.js';
import type { Config } from '../policy/types.js';
import type { ParameterSpace } from '../search/space.js';
import { satisfies, score, type Constraint } from '../results/score.js';
import type { Fold, Window } from '../experiment/folds.js';

export interface WalkInput {
  prices: Float64Array;
  T: number;
  N: number;
  dates: readonly string[];
  periodsPerYear: number;
  targets: ArrayLike<number>;
  initialCapital?: number;
  riskFree?: number;
  space: ParameterSpace;
  /** Configuration ids to evaluate per fold (default: all 0..size−1). */
  ids?: ArrayLike<number>;
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: readonly Constraint[];
  folds: readonly Fold[];
  baselines: readonly { id: string; config: Config }[];
}

/** One window's run, reduced to what stitching needs. */
export interface Piece {
  /** r_t = V_t/V_{t−1} − 1 of the window's return rows. */
  rets: Float64Array;
  /** r^b_t of the same rows. */
  bench: Float64Array;
  /** Σ over trades of ½Σ|w' − w|. */
  turnSum: number;
  events: number;
  /** Σ over trades of C/V_pre. */
  costSum: number;
  /** Σ of the end-of-day drift over the window rows. */
  driftSum: number;
  maxDrift: number;
  /** Σ C in currency, for a window that starts with initialCapital. */
  costTotal: number;
  /** Σ over events of the assets traded. */
  assetTrades: number;
}

export interface FoldResult {
  fold: Fold;
  /** Chosen configuration id, its config, and whether it met the constraints in sample. */
  chosen: { id: number; config: Config; feasibleInSample: boolean };
  /** Feasible configurations in the training window (with a finite score). */
  feasibleCount: number;
  evaluated: number;
  failed: number;
  inSample: { metrics: Float64Array; score: number };
  outOfSample: { metrics: Float64Array; score: number; feasible: boolean };
  /** Baselines on the test window (same order as input.baselines). */
  baselines: { metrics: Float64Array; score: number }[];
  piece: Piece;
  basePieces: Piece[];
}

export interface WalkResult {
  folds: FoldResult[];
  /** The stitched out-of-sample record of the chosen configurations. */
  stitched: { metrics: Float64Array; score: number; feasible: boolean; rets: Float64Array };
  baselines: { id: string; config: Config; metrics: Float64Array; score: number; feasible: boolean; rets: Float64Array }[];
  /** Matrix rows of the stitched returns (test return rows, in order). */
  rows: Int32Array;
}

function contextFor(inp: WalkInput, w: Window): KernelContext {
  // rows < w.to only: the kernel cannot see a later price
  return new KernelContext({
    prices: inp.prices.subarray(0, w.to * inp.N),
    T: w.to,
    N: inp.N,
    dates: inp.dates.slice(0, w.to),
    targets: inp.targets,
    periodsPerYear: inp.periodsPerYear,
    start: w.from,
    initialCapital: inp.initialCapital,
    riskFree: inp.riskFree,
  });
}

/** Run cfg on ctx's window into out; return its Piece (copies of the return series, the kernel's totals). */
export function runPiece(ctx: KernelContext, cfg: Config, out: Float64Array): Piece {
  simulate(ctx, cfg, out, 0);
  const { start, T, totals: t } = ctx;
  return {
    rets: ctx.rets.slice(start + 1, T),
    bench: ctx.benchRet.slice(start + 1, T),
    turnSum: t.turnSum,
    events: t.events,
    costSum: t.costSum,
    driftSum: t.driftSum,
    maxDrift: t.driftMax,
    costTotal: t.totalCost,
    assetTrades: t.assetTrades,
  };
}

/** Metrics of design §4 (METRICS order) of pieces stitched end to end. */
export function stitchMetrics(pieces: readonly Piece[], ppy: number, capital = 100_000, riskFree = 0): Float64Array {
  let n = 0;
  for (const p of pieces) n += p.rets.length;
  const r = new Float64Array(n);
  const diff = new Float64Array(n);
  const v = new Float64Array(n + 1);
  let k = 0;
  let turn = 0;
  let events = 0;
  let cost = 0;
  let drift = 0;
  let maxDrift = 0;
  let costTotal = 0;
  let assetTrades = 0;
  let bench = 1;
  v[0] = capital;
  for (const p of pieces) {
    // a piece's costs are in the currency of a window starting at `capital`; in the stitched
    // record it starts at v[k], so they scale by v[k]/capital
    costTotal += p.costTotal * (v[k] / capital);
    assetTrades += p.assetTrades;
    for (let j = 0; j < p.rets.length; j++) {
      r[k] = p.rets[j];
      diff[k] = p.rets[j] - p.bench[j];
      bench *= 1 + p.bench[j];
      v[k + 1] = v[k] * (1 + p.rets[j]);
      k++;
    }
    turn += p.turnSum;
    events += p.events;
    cost += p.costSum;
    drift += p.driftSum;
    if (p.maxDrift > maxDrift) maxDrift = p.maxDrift;
  }
  const out = new Float64Array(N_METRICS);
  // the stitched window: one allocation row plus the n return rows, as a single window counts them
  metricsFromTotals(
    {
      rows: n + 1,
      ppy,
      riskFree,
      vStart: v[0],
      vEnd: v[n],
      benchCagr: S.cagr(1, bench, n / ppy),
      events,
      turnSum: turn,
      costSum: cost,
      totalCost: costTotal,
      assetTrades,
      driftSum: drift,
      driftMax: maxDrift,
      maxDD: S.maxDrawdown(v, 0, n + 1),
      meanR: S.mean(r, 0, n),
      sdR: S.sampleStd(r, 0, n),
      sdD: S.sampleStd(diff, 0, n),
      sortino: S.sortino(r, 0, n, ppy, riskFree),
      // the stitched folds have no flows or taxes (validation runs without them): mwr = afterTaxCagr = cagr
      hasFlows: false,
      twr: NaN,
      mwr: NaN,
      flowRebal: 0,
      taxed: false,
      taxFrac: 0,
      unrealisedGain: NaN,
      afterTaxValue: NaN,
    },
    out,
    0,
  );
  return out;
}

function concat(pieces: readonly Piece[]): Float64Array {
  let n = 0;
  for (const p of pieces) n += p.rets.length;
  const out = new Float64Array(n);
  let k = 0;
  for (const p of pieces) {
    out.set(p.rets, k);
    k += p.rets.length;
  }
  return out;
}

/**
 * The best configuration on a training context: lowest score among feasible ones (finite score,
 * constraints met, no kernel error), ties → lowest id. With no feasible configuration, the lowest
 * score regardless of the constraints (feasibleInSample = false); -1 when every one failed.
 */
export function pickBest(
  ctx: KernelContext,
  space: ParameterSpace,
  ids: ArrayLike<number>,
  weights: Partial<Record<MetricName, number>>,
  constraints: readonly Constraint[],
): { id: number; feasible: boolean; feasibleCount: number; failed: number; metrics: Float64Array; score: number } {
  const row = new Float64Array(N_METRICS);
  let best = -1;
  let bestScore = Infinity;
  let bestFeasible = false;
  let feasibleCount = 0;
  let failed = 0;
  const bestRow = new Float64Array(N_METRICS).fill(NaN);
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j];
    try {
      simulate(ctx, space.config(id), row, 0);
    } catch {
      failed++;
      continue;
    }
    const s = score(row, 0, weights);
    if (!Number.isFinite(s)) continue;
    const ok = satisfies(row, 0, constraints);
    if (ok) feasibleCount++;
    // feasible beats infeasible; then lower score; ids ascend, so a tie keeps the lower id
    const better = ok !== bestFeasible ? ok : s < bestScore || (s === bestScore && id < best);
    if (best < 0 || better) {
      best = id;
      bestScore = s;
      bestFeasible = ok;
      bestRow.set(row);
    }
  }
  return { id: best, feasible: bestFeasible, feasibleCount, failed, metrics: bestRow, score: best < 0 ? NaN : bestScore };
}

export function walkForward(inp: WalkInput): WalkResult {
  const { space, folds } = inp;
  const ids = inp.ids ?? Int32Array.from({ length: space.size }, (_, i) => i);
  const ppy = inp.periodsPerYear;
  const capital = inp.initialCapital ?? 100_000;
  const rf = inp.riskFree ?? 0;
  const out: FoldResult[] = [];
  for (const fold of folds) {
    const train = contextFor(inp, fold.train);
    const pick = pickBest(train, space, ids, inp.scoreWeights, inp.constraints);
    if (pick.id < 0) throw new Error(`fold ${fold.index + 1}: every configuration failed on the training window`);
    const config = space.config(pick.id);
    const test = contextFor(inp, fold.test);
    const m = new Float64Array(N_METRICS);
    const piece = runPiece(test, config, m);
    const baselines: FoldResult['baselines'] = [];
    const basePieces: Piece[] = [];
    for (const b of inp.baselines) {
      const bm = new Float64Array(N_METRICS);
      basePieces.push(runPiece(test, b.config, bm));
      baselines.push({ metrics: bm, score: score(bm, 0, inp.scoreWeights) });
    }
    out.push({
      fold,
      chosen: { id: pick.id, config, feasibleInSample: pick.feasible },
      feasibleCount: pick.feasibleCount,
      evaluated: ids.length,
      failed: pick.failed,
      inSample: { metrics: pick.metrics, score: pick.score },
      outOfSample: { metrics: m, score: score(m, 0, inp.scoreWeights), feasible: satisfies(m, 0, inp.constraints) },
      baselines,
      piece,
      basePieces,
    });
  }
  const pieces = out.map((f) => f.piece);
  const sm = stitchMetrics(pieces, ppy, capital, rf);
  const rows: number[] = [];
  for (const f of folds) for (let t = f.test.from + 1; t < f.test.to; t++) rows.push(t);
  return {
    folds: out,
    stitched: { metrics: sm, score: score(sm, 0, inp.scoreWeights), feasible: satisfies(sm, 0, inp.constraints), rets: concat(pieces) },
    baselines: inp.baselines.map((b, j) => {
      const bp = out.map((f) => f.basePieces[j]);
      const bm = stitchMetrics(bp, ppy, capital, rf);
      return { ...b, metrics: bm, score: score(bm, 0, inp.scoreWeights), feasible: satisfies(bm, 0, inp.constraints), rets: concat(bp) };
    }),
    rows: Int32Array.from(rows),
  };
}
