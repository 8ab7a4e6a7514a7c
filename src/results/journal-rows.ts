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
import { M, METRICS } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import type { Config } from '../policy/types.js';
import { rowsInOrder, shardCount, type ShardJournal } from './finalize.js';
import { scanJournal } from './journal.js';
import { FEASIBLE, finiteOrNull, PARETO, RANKS_FILE, readRanks } from './ranks.js';
import { paramsOf, type RunInfo } from './reader.js';
import type { ResultRow, RowView } from './row.js';
import { type ParamName, paramValue } from '../search/space.js';
import { scorer } from './score.js';
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
  const view = new JournalView(info, failures, rank, flags);
  const out: JournalRows = {
    async visit(onView, onBaseline, o = {}) {
      view.labels = o.labels ?? true;
      for (const { id, rows, off } of rowsInOrder(shards, K)) {
        view.moveTo(id, rows, off);
        onView(view);
      }
      for (const b of baselines) {
        onBaseline({
          id: b.id,
          kind: 'baseline',
          label: describeConfig(b.config),
          params: paramsOf(b.config),
          metrics: Object.fromEntries(METRICS.map((k, j) => [k, b.metrics[j]])),
          feasible: b.feasible,
          pareto: false,
          score: b.score,
          rank: null,
        });
      }
      return K;
    },
    read(onRow, o) {
      return out.visit((v) => onRow(v.row()), onRow, o);
    },
  };
  return out;
}

const NO_METRICS: ResultRow['metrics'] = Object.fromEntries(METRICS.map((m) => [m, null]));

/** The configuration row a journal cursor is on, as a RowView (one object, moved from row to row). */
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
    private readonly info: RunInfo,
    private readonly failures: ReadonlyMap<number, string>,
    private readonly ranks: Uint32Array,
    private readonly flags: Uint8Array,
  ) {
    this.scoreOf = scorer(info.manifest.experiment.spec.scoreWeights);
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
    this.config = this.info.space.config(id);
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
