/**
 * results.csv from the journal(s), in two streaming passes over the rows in id order, so memory
 * does not grow with the rows' size:
 *   pass 1: score, constraints and the Pareto front (a candidate pool, pruned to its own front
 *           whenever it grows: front(A ∪ B) = front(front(A) ∪ B), so only front-sized memory),
 *           and the sorted scores of the feasible rows;
 *   pass 2: every row with its rank (its place among the sorted scores, ties in id order) and
 *           its front flag, streamed to results.csv (atomic), then the baselines.
 * The only per-configuration memory is 12 bytes per feasible row for the exact ranks (sorted
 * scores + a tie counter): 60 MB for 5 million configurations.
 *
 * The rows come from one journal (a run) or n shard journals (merge: id i lives in shard
 * i mod n at local index ⌊i/n⌋); either way the file is the same bytes.
 */
import { N_METRICS, type MetricName } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import type { ParameterSpace } from '../search/space.js';
import { writeHandleAtomic } from './atomic.js';
import { CsvFileWriter, type FileRowSink } from './csv-writer.js';
import { RowCursor, type JournalEntry } from './journal.js';
import { RanksOut, writeRanks } from './ranks.js';
import { infeasibleReason, lowerBound, paretoFront, satisfies, score, type Constraint } from './score.js';
import { RESULT_COLUMNS, writeRow } from './table.js';

/** results.csv `selection` cells by mark (results/selection.ts MARK_*). */
const MARK_TEXT = ['', 'pick', 'indistinguishable'];

/** One journal holding the ids ≡ k (mod n), at local index ⌊id/n⌋. A plain run is shard 0 of 1. */
export interface ShardJournal {
  file: string;
  entries: JournalEntry[];
  k: number;
  n: number;
}

/** How many ids of 0..K−1 are ≡ k (mod n). */
export function shardCount(K: number, k: number, n: number): number {
  return k >= K ? 0 : Math.floor((K - 1 - k) / n) + 1;
}

export interface RowRef {
  id: number;
  /** The metrics are rows[off .. off + N_METRICS). */
  rows: Float64Array;
  off: number;
}

/** Every row in id order (one reused RowRef; one journal record per shard in memory). */
export function* rowsInOrder(shards: readonly ShardJournal[], K: number): Generator<RowRef> {
  const n = shards.length;
  const byK: RowCursor[] = new Array<RowCursor>(n);
  const ref: RowRef = { id: 0, rows: new Float64Array(0), off: 0 };
  try {
    for (const s of shards) byK[s.k] = new RowCursor(s.file, s.entries, shardCount(K, s.k, n));
    for (let id = 0; id < K; id++) {
      const c = byK[id % n];
      ref.off = c.at(Math.floor(id / n));
      ref.rows = c.rows();
      ref.id = id;
      yield ref;
    }
  } finally {
    for (const c of byK) c?.close();
  }
}

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

/** Streaming Pareto front: feed rows in id order, get the sorted ids of the front. */
export class FrontPool {
  private rows: Float64Array;
  private ids: number[] = [];
  private limit = 4096;

  constructor(private readonly objectives: readonly MetricName[]) {
    this.rows = new Float64Array(this.limit * 2 * N_METRICS);
  }

  add(id: number, src: Float64Array, off: number): void {
    const m = this.ids.length;
    if ((m + 1) * N_METRICS > this.rows.length) {
      const bigger = new Float64Array(this.rows.length * 2);
      bigger.set(this.rows);
      this.rows = bigger;
    }
    this.rows.set(src.subarray(off, off + N_METRICS), m * N_METRICS);
    this.ids.push(id);
    if (this.ids.length >= this.limit) this.prune();
  }

  private prune(): void {
    const m = this.ids.length;
    const front = paretoFront(this.rows, m, this.objectives, new Uint8Array(m).fill(1));
    let w = 0;
    const ids: number[] = [];
    for (let i = 0; i < m; i++) {
      if (!front[i]) continue;
      if (w !== i) this.rows.copyWithin(w * N_METRICS, i * N_METRICS, (i + 1) * N_METRICS);
      ids.push(this.ids[i]);
      w++;
    }
    this.ids = ids;
    // grow the threshold with the front so pruning stays O(n log n) amortised
    this.limit = Math.max(4096, 2 * w);
  }

  /** The front's ids, ascending. */
  finish(): number[] {
    this.prune();
    return this.ids;
  }
}

export async function finalizeResults(o: FinalizeInput): Promise<FinalSummary> {
  const K = o.space.size;
  const topN = o.top ?? 10;
  // pass 1
  const pool = new FrontPool(o.objectives);
  let sorted = new Float64Array(1024);
  let nf = 0;
  for (const { id, rows, off } of rowsInOrder(o.shards, K)) {
    if (o.failures.has(id)) continue;
    pool.add(id, rows, off);
    const s = score(rows, off, o.scoreWeights);
    if (Number.isFinite(s) && satisfies(rows, off, o.constraints)) {
      if (nf === sorted.length) {
        const bigger = new Float64Array(sorted.length * 2);
        bigger.set(sorted);
        sorted = bigger;
      }
      sorted[nf++] = s;
    }
  }
  sorted = sorted.slice(0, nf).sort();
  const front = pool.finish();
  const tie = new Uint32Array(nf);

  // pass 2
  const top: TopRow[] = [];
  let feasibleCount = 0;
  const { shards, space, failures, baselines, scoreWeights, constraints } = o;
  const sel = o.selection;
  const ranks = o.ranksFile ? new RanksOut(sel ? sel.rank : new Uint32Array(K)) : null;
  async function rowsTo(out: FileRowSink): Promise<void> {
    for (const c of RESULT_COLUMNS) out.plain(c);
    out.endRow();
    let f = 0;
    for (const { id, rows, off } of rowsInOrder(shards, K)) {
      const ok = !failures.has(id);
      const err = ok ? '' : failures.get(id) || 'failed (no message)';
      const s = ok ? score(rows, off, scoreWeights) : NaN;
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
      writeRow(out, { id, config: space.config(id), metrics: rows, offset: off, feasible, pareto: onFront, score: s, rank, selection, error: err, reason });
      if (out.full) await out.flush();
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
