/**
 * The report's rows from a run's journal(s) and ranks.bin (results/ranks.ts) instead of
 * results.csv: the same rows, field by field, as readResultRows (results/reader.ts) reads back
 * from the csv — metrics from the journal's float64 rows (a non-finite value is null, −0 is 0, as
 * the csv's shortest round-trip text gives them), parameters and label from `space.config(id)`,
 * score recomputed from the metrics with the run's weights (the function finalize wrote it with),
 * rank and flags as finalize wrote them, failures from the journal — then the baselines. `visit`
 * hands each configuration over as a RowView instead (row.ts): the same values, read when asked
 * for, and the row object built only for a caller that keeps it (the report's digest keeps few).
 */
import path from 'node:path';
import { M, METRICS, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import type { Config } from '../policy/types.js';
import { rowsInOrder, scanJournal, shardCount, type ShardJournal } from './journal.js';
import { FEASIBLE, finiteOrNull, PARETO, RANKS_FILE, readRanks } from './ranks.js';
import { paramsOf, type RunInfo } from './reader.js';
import type { ResultRow, RowView } from './row.js';
import { type ParameterSpace, type ParamName, paramValue } from '../search/space.js';
import { type Constraint, satisfies, score, scorer } from './score.js';
import { statSync } from 'node:fs';

/** The report's rows of a run folder from its journal(s) and ranks.bin. */
export interface JournalRows {
  /**
   * Call `onRow` for every row, as readResultRows would from results.csv; returns the number of
   * configuration rows. `labels: false`: configuration rows come with label '' (describing a
   * million configurations costs more than the rest of their rows), for a caller that labels only
   * the rows it keeps (report/fromRun.ts does).
   */
  read(onRow: (row: ResultRow) => void, o?: { labels?: boolean }): Promise<number>;
  /**
   * The same rows as `read`, the configurations as one RowView moved from row to row (a row is
   * built only when `row()` is asked for), the baselines as rows.
   */
  visit(onView: (v: RowView) => void, onBaseline: (row: ResultRow) => void, o?: { labels?: boolean }): Promise<number>;
}

/**
 * The same rows as `readResultRows(info, …)` (configurations in id order, then the baselines,
 * equal field by field), from the journal(s) and ranks.bin; or, as a string, why not (then read
 * results.csv). Every check is made before the first row is handed over.
 */
export async function journalRows(info: RunInfo): Promise<JournalRows | string> {
  const K = info.space.size;
  const r = await readRanks(info.dir, K);
  if (typeof r === 'string') return r;
  const { head, rank, flags } = r;
  const baselines: { id: string; config: Config; metrics: (number | null)[]; feasible: boolean; score: number | null }[] = [];
  for (const b of head.baselines) {
    const config = info.baselines.get(b.id);
    if (!config) return `${RANKS_FILE} names a baseline (${b.id}) this version does not define`;
    baselines.push({ ...b, config });
  }
  const shards: ShardJournal[] = [];
  const failures = new Map<number, string>();
  for (const j of head.journals) {
    const file = path.resolve(info.dir, j.file);
    let bytes: number;
    try {
      bytes = statSync(file).size;
    } catch {
      return `the journal ${j.file} is gone`;
    }
    if (bytes !== j.bytes) return `the journal ${j.file} changed after ${RANKS_FILE} was written`;
    const need = shardCount(K, j.k, j.n);
    const scan = await scanJournal(file, { truncateTail: false, size: need });
    const have = new Uint8Array(need);
    for (const e of scan.entries) have.fill(1, e.from, e.from + e.count);
    if (have.indexOf(0) >= 0) return `the journal ${j.file} does not hold every configuration`;
    for (const [l, why] of scan.failures) failures.set(j.k + l * j.n, why);
    shards.push({ file, entries: scan.entries, k: j.k, n: j.n });
  }
  const view = new JournalView(info.space, info.manifest.experiment.spec.scoreWeights, failures, rank, flags);
  const out: JournalRows = {
    async visit(onView, onBaseline, o = {}) {
      view.labels = o.labels ?? true;
      for (const { id, rows, off } of rowsInOrder(shards, K)) {
        view.moveTo(id, rows, off);
        onView(view);
      }
      for (const b of baselines) onBaseline(baselineRow(b.id, b.config, b.metrics, b.feasible, b.score));
      return K;
    },
    read(onRow, o) {
      return out.visit((v) => onRow(v.row()), onRow, o);
    },
  };
  return out;
}

/**
 * A run's rows as its results.csv is being written from them (runner/run.ts): the journal(s), the
 * failures, the selection's rank of every configuration, the Pareto front's ids (ascending), what
 * feasibility is checked against and the baselines. Structured-clone friendly (it goes to the
 * report's digest thread).
 */
export interface RunRows {
  shards: ShardJournal[];
  failures: [number, string][];
  rank: Uint32Array;
  front: readonly number[];
  constraints: Constraint[];
  scoreWeights: Partial<Record<MetricName, number>>;
  baselines: { id: string; config: Config; metrics: Float64Array }[];
}

/** The report's digest of a run's rows being made on a thread of its own: `digest` settles with it; `stop()` ends the thread. */
export interface DigestStart {
  digest: Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The rows of `r` as journalRows(…).visit hands them over once results.csv and ranks.bin are
 * written: the flags finalize writes (feasible: not failed and infeasibleReason empty; pareto:
 * not failed and on the front), the rank, the baselines' rows as ranks.bin keeps them.
 */
export function visitRunRows(space: ParameterSpace, r: RunRows, onView: (v: RowView) => void, onBaseline: (row: ResultRow) => void): void {
  const K = space.size;
  const failures = new Map(r.failures);
  const flags = new Uint8Array(K);
  const view = new JournalView(space, r.scoreWeights, failures, r.rank, flags);
  view.labels = false;
  let f = 0;
  for (const { id, rows, off } of rowsInOrder(r.shards, K)) {
    const ok = !failures.has(id);
    while (f < r.front.length && r.front[f] < id) f++;
    flags[id] = (ok && satisfies(rows, off, r.constraints) ? FEASIBLE : 0) | (ok && r.front[f] === id ? PARETO : 0);
    view.moveTo(id, rows, off);
    onView(view);
  }
  for (const b of r.baselines)
    onBaseline(
      baselineRow(
        b.id,
        b.config,
        METRICS.map((m) => finiteOrNull(b.metrics[M[m]])),
        satisfies(b.metrics, 0, r.constraints),
        finiteOrNull(score(b.metrics, 0, r.scoreWeights)),
      ),
    );
}

/** A baseline's row as results.csv has it (`metrics` in METRICS order, null when not finite). */
function baselineRow(id: string, config: Config, metrics: readonly (number | null)[], feasible: boolean, score: number | null): ResultRow {
  return {
    id,
    kind: 'baseline',
    label: describeConfig(config),
    params: paramsOf(config),
    metrics: Object.fromEntries(METRICS.map((k, j) => [k, metrics[j]])),
    feasible,
    pareto: false,
    score,
    rank: null,
  };
}

const NO_METRICS: ResultRow['metrics'] = Object.fromEntries(METRICS.map((m) => [m, null]));

/**
 * The configuration row a journal cursor is on, as a RowView (one object, moved from row to row):
 * its rank and flags (ranks.ts FEASIBLE, PARETO) from `ranks` and `flags` by id, its score from
 * the metrics with the run's weights.
 */
class JournalView implements RowView {
  id = 0;
  num = 0;
  readonly text = undefined;
  feasible = false;
  pareto = false;
  failed = false;
  rank: number | null = null;
  labels = true;
  private rows: Float64Array = new Float64Array(0);
  private off = 0;
  private config: Config | null = null;
  private built: ResultRow | null = null;
  private readonly scoreOf: (row: ArrayLike<number>, o: number) => number;
  constructor(
    private readonly space: ParameterSpace,
    scoreWeights: Partial<Record<MetricName, number>>,
    private readonly failures: ReadonlyMap<number, string>,
    private readonly ranks: Uint32Array,
    private readonly flags: Uint8Array,
  ) {
    this.scoreOf = scorer(scoreWeights);
  }
  moveTo(id: number, rows: Float64Array, off: number): void {
    this.id = id;
    this.num = id;
    this.rows = rows;
    this.off = off;
    const f = this.flags[id];
    this.feasible = (f & FEASIBLE) !== 0;
    this.pareto = (f & PARETO) !== 0;
    this.failed = this.failures.size > 0 && this.failures.has(id);
    const r = this.ranks[id];
    this.rank = r > 0 ? r : null;
    this.config = this.space.config(id);
    this.built = null;
  }
  metric(j: number): number {
    if (j < 0 || this.failed) return NaN;
    const x = this.rows[this.off + j];
    // −0 is 0, as in the row
    return x === 0 ? 0 : x;
  }
  score(): number | null {
    return this.failed ? null : finiteOrNull(this.scoreOf(this.rows, this.off));
  }
  /** `name`: one of PARAMS. */
  param(name: string): string | number | null {
    return paramValue(this.config as Config, name as ParamName);
  }
  row(): ResultRow {
    if (this.built) return this.built;
    const config = this.config as Config;
    const ok = !this.failed;
    // a copy of a template gets every key at once, in METRICS order (adding 22 keys one by one is slower)
    const metrics: ResultRow['metrics'] = { ...NO_METRICS };
    if (ok) for (const m of METRICS) metrics[m] = finiteOrNull(this.rows[this.off + M[m]]);
    const error = ok ? '' : this.failures.get(this.id) || 'failed (no message)';
    this.built = {
      id: String(this.id),
      kind: 'config',
      label: this.labels ? describeConfig(config) : '',
      params: paramsOf(config),
      metrics,
      feasible: this.feasible,
      pareto: this.pareto,
      score: this.score(),
      rank: this.rank,
      ...(error ? { error } : {}),
    };
    return this.built;
  }
}
