/**
 * results.csv from the journal(s), in two streaming passes over the rows in id order, so memory
 * does not grow with the rows' size:
 *   pass 1: score, constraints and the Pareto front (a candidate pool, pruned to its own front
 *           whenever it grows: front(A ∪ B) = front(front(A) ∪ B), so only front-sized memory),
 *           and the sorted scores of the feasible rows; a run's selection (selection-run.ts)
 *           does this pass over the rows already and hands over the scores and the front;
 *   pass 2: every row with its rank (its place among the sorted scores, ties in id order) and
 *           its front flag, streamed to results.csv (atomic), then the baselines.
 * The only per-configuration memory is 12 bytes per feasible row for the exact ranks (sorted
 * scores + a tie counter): 60 MB for 5 million configurations.
 *
 * The rows come from one journal (a run) or n shard journals (merge: id i lives in shard
 * i mod n at local index ⌊i/n⌋); either way the file is the same bytes.
 */
import { M, N_METRICS, type MetricName } from '../kernel/metrics.js';
import { type Config, ZERO_COSTS } from '../policy/types.js';
import type { ParameterSpace } from '../search/space.js';
import { writeHandleAtomic } from './atomic.js';
import { CsvFileWriter, type FileRowSink } from './csv-writer.js';
import { RowsInOrder, rowsInOrder, type ShardJournal } from './journal.js';
import { RanksOut, writeRanks } from './ranks.js';
import { dominates, frontOf, infeasibleReason, lowerBound, satisfies, score, scorer, type Constraint } from './score.js';
import { RESULT_COLUMNS, type ResultRowInput, writeRow } from './table.js';

/** results.csv `selection` cells by mark (results/selection.ts MARK_*). */
const MARK_TEXT = ['', 'pick', 'indistinguishable'];

export interface Baseline {
  id: string;
  config: Config;
  metrics: Float64Array;
}

export interface FinalizeInput {
  file: string;
  space: ParameterSpace;
  shards: readonly ShardJournal[];
  failures: ReadonlyMap<number, string>;
  baselines: readonly Baseline[];
  scoreWeights: Partial<Record<MetricName, number>>;
  constraints: readonly Constraint[];
  objectives: readonly MetricName[];
  /** How many top rows to keep for the leaderboard. */
  top?: number;
  /**
   * The selection (results/selection.ts): `rank` per configuration under the selection rule (0 =
   * none) and `mark` (MARK_*). Without it, rows are ranked by score among the feasible rows.
   */
  selection?: { rank: Uint32Array; mark: Uint8Array };
  /**
   * What a pass over the same rows already found (results/selection-run.ts): every configuration's
   * score (NaN when failed or not finite) and the Pareto front's ids, ascending. With it and a
   * `selection`, finalize reads the rows once (pass 2 only).
   */
  scanned?: { scores: Float64Array; front: readonly number[] };
  /**
   * Also write ranks.bin (results/ranks.ts) here, right after results.csv: each row's rank and
   * flags, so the report reads its rows from the journal(s) rather than parsing results.csv.
   */
  ranksFile?: string;
}

export interface TopRow {
  id: number;
  rank: number;
  score: number;
  metrics: Float64Array;
}

export interface FinalSummary {
  configs: number;
  feasible: number;
  front: number;
  failed: number;
  /** The best `top` feasible rows, best first. */
  top: TopRow[];
}

/** Recent dominators FrontPool checks each new row against first. */
const SENTINELS = 32;

/**
 * Streaming Pareto front: feed rows in id order, get the sorted ids of the front. Only the
 * objective values are kept. A row dominated by another row is not on the front, so a new row
 * is first checked against a few rows that recently dominated others (most rows are dropped
 * there); the rest join a pool, pruned to its own front (frontOf) whenever it grows.
 */
export class FrontPool {
  private readonly k: number;
  private readonly col: Int32Array;
  private vals: Float64Array;
  private ids: Int32Array;
  private n = 0;
  /** Prune when the pool reaches this many rows (at least `first`, twice the last front). */
  private limit: number;
  private readonly first: number;
  /** Sentinel rows' values (k each), the most useful first. */
  private readonly sent: Float64Array;
  private ns = 0;
  private readonly x: Float64Array;

  /** `first`: the first pruning threshold (4096; tests use small ones to prune often). */
  constructor(objectives: readonly MetricName[], first = 4096) {
    this.first = this.limit = Math.max(1, first);
    this.k = objectives.length;
    this.col = Int32Array.from(objectives, (m) => M[m]);
    this.vals = new Float64Array(this.limit * 2 * this.k);
    this.ids = new Int32Array(this.limit * 2);
    this.sent = new Float64Array(SENTINELS * this.k);
    this.x = new Float64Array(this.k);
  }

  add(id: number, src: Float64Array, off: number): void {
    const { k, col, x, sent } = this;
    for (let d = 0; d < k; d++) {
      const v = src[off + col[d]];
      // a row with a non-finite objective is never on the front
      if (!Number.isFinite(v)) return;
      x[d] = v;
    }
    for (let j = 0; j < this.ns; j++) {
      if (!dominates(sent, j, x, 0, k)) continue;
      // move the dominator one place up: the useful ones gather at the front
      if (j > 0)
        for (let d = 0; d < k; d++) {
          const t = sent[j * k + d];
          sent[j * k + d] = sent[(j - 1) * k + d];
          sent[(j - 1) * k + d] = t;
        }
      return;
    }
    // not dominated so far: a sentinel (in the last place) and a pool row
    const slot = this.ns < SENTINELS ? this.ns++ : SENTINELS - 1;
    sent.set(x, slot * k);
    const m = this.n;
    if (m === this.ids.length) {
      const vals = new Float64Array(this.vals.length * 2);
      vals.set(this.vals);
      this.vals = vals;
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.vals.set(x, m * k);
    this.ids[m] = id;
    this.n = m + 1;
    if (this.n >= this.limit) this.prune();
  }

  private prune(): void {
    const { k, n } = this;
    const front = frontOf(this.vals, k, n);
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (!front[i]) continue;
      if (w !== i) {
        this.vals.copyWithin(w * k, i * k, (i + 1) * k);
        this.ids[w] = this.ids[i];
      }
      w++;
    }
    this.n = w;
    // grow the threshold with the front so pruning stays O(n log n) amortised
    this.limit = Math.max(this.first, 2 * w);
  }

  /** The front's ids, ascending. */
  finish(): number[] {
    this.prune();
    return Array.from(this.ids.subarray(0, this.n));
  }
}

export async function finalizeResults(o: FinalizeInput): Promise<FinalSummary> {
  const K = o.space.size;
  const topN = o.top ?? 10;
  const { shards, space, failures, baselines, scoreWeights, constraints } = o;
  const sel = o.selection;
  const scoreOf = scorer(scoreWeights);
  // pass 1 (unless the selection's pass did it): the front, and the sorted scores the ranks need without a selection
  const scanned = sel ? o.scanned : undefined;
  let front: readonly number[];
  let sorted = new Float64Array(sel ? 0 : 1024);
  if (scanned) front = scanned.front;
  else {
    const pool = new FrontPool(o.objectives);
    let nf = 0;
    for (const { id, rows, off } of rowsInOrder(shards, K)) {
      if (failures.has(id)) continue;
      pool.add(id, rows, off);
      if (sel) continue;
      const s = scoreOf(rows, off);
      if (Number.isFinite(s) && satisfies(rows, off, constraints)) {
        if (nf === sorted.length) {
          const bigger = new Float64Array(sorted.length * 2);
          bigger.set(sorted);
          sorted = bigger;
        }
        sorted[nf++] = s;
      }
    }
    sorted = sorted.slice(0, nf).sort();
    front = pool.finish();
  }
  const tie = new Uint32Array(sorted.length);

  // pass 2
  const top: TopRow[] = [];
  let feasibleCount = 0;
  const scores = scanned?.scores;
  const ranks = o.ranksFile ? new RanksOut(sel ? sel.rank : new Uint32Array(K)) : null;
  async function rowsTo(out: FileRowSink): Promise<void> {
    for (const c of RESULT_COLUMNS) out.plain(c);
    out.endRow();
    let f = 0;
    // one row input, refilled per row (writeRow keeps nothing)
    const row: ResultRowInput = {
      id: 0,
      config: { band: 'none', width: 0, check: 'daily', mode: 'target', ...ZERO_COSTS },
      metrics: new Float64Array(0),
      offset: 0,
      feasible: false,
      pareto: false,
      score: NaN,
      rank: 0,
      selection: '',
      error: '',
      reason: '',
    };
    const it = new RowsInOrder(shards, K);
    try {
      while (it.next()) {
        const { id, rows, off } = it;
        const ok = !failures.has(id);
        const err = ok ? '' : failures.get(id) || 'failed (no message)';
        const s = !ok ? NaN : scores ? scores[id] : scoreOf(rows, off);
        const reason = ok ? infeasibleReason(rows, off, constraints) : '';
        const feasible = ok && reason === '';
        if (feasible) feasibleCount++;
        while (f < front.length && front[f] < id) f++;
        const onFront = ok && f < front.length && front[f] === id;
        let rank = 0;
        if (sel) rank = sel.rank[id];
        else if (feasible && Number.isFinite(s)) {
          const lo = lowerBound(sorted, s);
          rank = lo + tie[lo] + 1;
          tie[lo]++;
        }
        ranks?.set(id, rank, feasible, onFront);
        if (rank > 0 && rank <= topN) top.push({ id, rank, score: s, metrics: rows.slice(off, off + N_METRICS) });
        const selection = sel ? MARK_TEXT[sel.mark[id]] : '';
        row.id = id;
        row.config = space.config(id);
        row.metrics = rows;
        row.offset = off;
        row.feasible = feasible;
        row.pareto = onFront;
        row.score = s;
        row.rank = rank;
        row.selection = selection;
        row.error = err;
        row.reason = reason;
        writeRow(out, row);
        if (out.full) await out.flush();
      }
    } finally {
      it.close();
    }
    for (const b of baselines) {
      const reason = infeasibleReason(b.metrics, 0, constraints);
      writeRow(out, {
        id: b.id,
        config: b.config,
        metrics: b.metrics,
        offset: 0,
        feasible: reason === '',
        pareto: false,
        score: score(b.metrics, 0, scoreWeights),
        rank: 0,
        error: '',
        reason,
      });
    }
    await out.close();
  }
  await writeHandleAtomic(o.file, async (fh) => {
    const out = new CsvFileWriter(fh);
    try {
      await rowsTo(out);
    } finally {
      await out.settle();
    }
  });
  if (ranks && o.ranksFile) await writeRanks(o.ranksFile, o.file, ranks, shards, baselines, constraints, scoreWeights);
  top.sort((a, b) => a.rank - b.rank);
  return { configs: K, feasible: feasibleCount, front: front.length, failed: failures.size, top };
}
