/**
 * The selection of a finished run (run and merge): the rows from the journal(s), the robust
 * scores when there are any, the kernel re-run of the pool on S sub-periods, validation.json when
 * there is one; writes `selection.json` and returns the ranks and marks results.csv is written
 * with (results/finalize.ts), so the file, the leaderboard, `run --json` and the page agree.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { M, N_METRICS, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { BAND_TYPES, type BandType, type Mode, MODES } from '../policy/types.js';
import type { ParameterSpace } from '../search/space.js';
import { writeFileAtomic } from './atomic.js';
import { FrontPool, type Baseline } from './finalize.js';
import { RowsInOrder, rowsInOrder, type ShardJournal } from './journal.js';
import { satisfies, score, scorer, type Constraint } from './score.js';
import {
  buildSelection,
  type Codes,
  DEFAULT_POOL,
  DEFAULT_SUBPERIODS,
  EXCLUDED,
  FAILED,
  FEASIBLE,
  isCandidate,
  neededIds,
  rankCandidates,
  selectionPool,
  sig3,
  type RobustInput,
  type Selection,
  type SelectionInput,
} from './selection.js';
import type { BaselineEntry, OutOfSampleReport } from './selection-types.js';
import { chooseSubPeriods, subPeriodScores, type PriceWindow } from './subperiods.js';

export interface SelectionRunInput {
  dir: string;
  space: ParameterSpace;
  shards: readonly ShardJournal[];
  failures: ReadonlyMap<number, string>;
  baselines: readonly Baseline[];
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: readonly Constraint[];
  window: PriceWindow;
  robust: RobustInput | null;
  /** Read validation.json from the run folder. */
  validation: boolean;
  /** The Pareto front's objectives: when given, the front is found in the same pass over the rows. */
  objectives?: readonly MetricName[];
  pool?: number;
  subPeriods?: number;
}

export const SELECTION_FILE = 'selection.json';

const fin = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** How the rule did out of sample, from validation.json (null when absent or unreadable). */
export async function readOutOfSample(dir: string): Promise<OutOfSampleReport | null> {
  const f = path.join(dir, 'validation.json');
  if (!existsSync(f)) return null;
  // only the fields read here; validation.json is written by src/validate (ValidationFile)
  let v: {
    kind: 'walk-forward' | 'split';
    folds: { outOfSample: { feasible: boolean } }[];
    stitched: { score: number | null };
    baselines: { id: string; score: number | null }[];
    stability: { distinctConfigs: number };
  };
  try {
    v = JSON.parse(await readFile(f, 'utf8')) as typeof v;
  } catch {
    return null;
  }
  const folds = v.folds.length;
  const feasibleFolds = v.folds.filter((x) => x.outOfSample.feasible).length;
  const stitched = fin(v.stitched.score);
  const baselines = v.baselines.map((b) => ({ id: b.id, score: fin(b.score) }));
  const beaten = baselines.filter((b) => stitched !== null && b.score !== null && stitched < b.score).map((b) => b.id);
  const text =
    `Chosen afresh on each of ${folds} training window${folds === 1 ? '' : 's'} by the lowest in-sample score (${v.stability.distinctConfigs} different configuration${v.stability.distinctConfigs === 1 ? '' : 's'}), ` +
    `the rule scored ${stitched === null ? '—' : sig3(stitched)} on the stitched test windows` +
    (baselines.length ? ` (lower is better; ${beaten.length ? `better than ${beaten.join(', ')}` : 'no better than any baseline'})` : '') +
    `, and met the constraints in ${feasibleFolds} of ${folds} test window${folds === 1 ? '' : 's'}.`;
  return { kind: v.kind, folds, distinctChoices: v.stability.distinctConfigs, feasibleFolds, stitchedScore: stitched, baselines, text };
}

/**
 * The in-sample side of the rule: score, flags (FAILED / EXCLUDED / FEASIBLE) and band/mode codes
 * per configuration, and the Pareto front over `objectives` when they are given (finalize's pass 1,
 * done here so the rows are read once).
 */
function inSampleFlags(inp: Pick<SelectionRunInput, 'space' | 'shards' | 'failures' | 'scoreWeights' | 'constraints' | 'objectives'>): {
  scores: Float64Array;
  flags: Uint8Array;
  codes: Codes;
  front: number[] | null;
} {
  const { space, shards, failures, scoreWeights, constraints, objectives } = inp;
  const scoreOf = scorer(scoreWeights);
  const pool = objectives ? new FrontPool(objectives) : null;
  const K = space.size;
  const scores = new Float64Array(K).fill(NaN);
  const flags = new Uint8Array(K);
  const codes: Codes = { band: new Uint8Array(K), mode: new Uint8Array(K) };
  const bandCode = new Map<string, number>(BAND_TYPES.map((b, i) => [b, i]));
  const modeCode = new Map<string, number>(MODES.map((m, i) => [m, i]));
  const c: { band: BandType; mode: Mode } = { band: 'none', mode: 'target' };
  const it = new RowsInOrder(shards, K);
  try {
    while (it.next()) {
      const { id, rows, off } = it;
      if (failures.has(id)) {
        flags[id] = FAILED;
        continue;
      }
      pool?.add(id, rows, off);
      space.bandMode(id, c);
      codes.band[id] = bandCode.get(c.band)!;
      codes.mode[id] = modeCode.get(c.mode)!;
      let f = 0;
      if (c.band === 'calendar' || c.band === 'none') f |= EXCLUDED;
      if (satisfies(rows, off, constraints)) f |= FEASIBLE;
      flags[id] = f;
      scores[id] = scoreOf(rows, off);
    }
  } finally {
    it.close();
  }
  return { scores, flags, codes, front: pool ? pool.finish() : null };
}

/**
 * The rule's step 1 on the actual history (1 = candidate before any resampling): not failed, a finite
 * score, every constraint met, not calendar or buy-and-hold. robustness.csv's robustRank ranks only
 * these, so it orders the same configurations as results.csv.
 */
export function inSampleEligible(inp: Pick<SelectionRunInput, 'space' | 'shards' | 'failures' | 'scoreWeights' | 'constraints'>): Uint8Array {
  const { scores, flags } = inSampleFlags(inp);
  const rankIn = { K: inp.space.size, score: scores, flags, robust: null };
  return Uint8Array.from(flags, (_, i) => (isCandidate(rankIn, i) ? 1 : 0));
}

/**
 * The selection, plus what its pass over the rows found for results.csv: every configuration's
 * score (NaN when failed or not finite) and, with `objectives`, the Pareto front's ids (ascending).
 */
export async function runSelection(inp: SelectionRunInput): Promise<Selection & { scores: Float64Array; front: number[] | null }> {
  const { space, shards, failures, scoreWeights, constraints } = inp;
  const K = space.size;
  const { scores, flags, codes, front } = inSampleFlags(inp);
  const rankIn = { K, score: scores, flags, robust: inp.robust };
  const poolN = inp.pool ?? DEFAULT_POOL;
  const ranking = rankCandidates(rankIn);
  const { order } = ranking;
  const config = (id: number): ReturnType<ParameterSpace['config']> => space.config(id);
  const need = new Set(neededIds(ranking, config, poolN, codes));
  const metrics = new Map<number, Float64Array>();
  if (need.size) for (const { id, rows, off } of rowsInOrder(shards, K)) if (need.has(id)) metrics.set(id, rows.slice(off, off + N_METRICS));

  const pool = selectionPool(order, poolN);
  const returns = inp.window.T - 1 - inp.window.start;
  const S = chooseSubPeriods(returns, inp.subPeriods ?? DEFAULT_SUBPERIODS);
  let subPeriods: SelectionInput['subPeriods'];
  if (S === 0) subPeriods = { reason: `the evaluation window has ${returns} returns: too short for 4 sub-periods of at least 20 returns` };
  else if (pool.length === 0) subPeriods = { reason: 'no candidates' };
  else {
    const { scores: sp } = subPeriodScores(inp.window, Array.from(pool, config), S, scoreWeights);
    subPeriods = { scores: sp, S, rowsPerSubPeriod: Math.floor(returns / S) };
  }
  const baselines: BaselineEntry[] = inp.baselines.map((b) => ({
    id: b.id,
    label: describeConfig(b.config),
    score: fin(score(b.metrics, 0, scoreWeights)),
    feasible: satisfies(b.metrics, 0, constraints),
    rebalancesPerYear: fin(b.metrics[M.rebalancesPerYear]),
  }));
  const sel = buildSelection(
    {
      ...rankIn,
      config,
      metrics,
      scoreWeights,
      constraints: constraints.map((c) => c.text),
      baselines,
      subPeriods,
      outOfSample: inp.validation ? await readOutOfSample(inp.dir) : null,
      pool: poolN,
      failed: failures.size,
      codes,
    },
    ranking,
  );
  await writeFileAtomic(path.join(inp.dir, SELECTION_FILE), JSON.stringify(sel.json, null, 2) + '\n');
  return { ...sel, scores, front };
}
