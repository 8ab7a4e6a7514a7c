/**
 * Resampled histories (issue 5): when the experiment asks for `robustness`, every configuration
 * is scored on `paths` stationary-block-bootstrap paths of the joint daily returns
 * (robust/bootstrap.ts) on a worker pool (robust/pool.ts), and summarised (robust/aggregate.ts)
 * into `robustness.csv` (one row per configuration, id order, byte-identical for any worker
 * count) and `robustness.json` (settings, timing, the top of the robust leaderboard).
 */
import type { ExtrasInput } from '../experiment/extras.js';
import path from 'node:path';
import { matrixOf } from '../kernel/context.js';
import { describeConfig } from '../policy/describe.js';
import type { Config } from '../policy/types.js';
import { writeFileAtomic, writeLinesAtomic } from '../results/atomic.js';
import { num } from '../results/table.js';
import { Progress } from '../exec/progress.js';
import type { ParameterSpace } from '../search/space.js';
import { RobustAccumulator, STATS, type RobustSummary } from './aggregate.js';
import { planTasks, runRobustPool } from './pool.js';
import { createHash } from 'node:crypto';
import { JournalWriter, RowCursor, scanJournal } from '../results/journal.js';
import type { RobustTask, RobustWorkerData } from './protocol.js';

export interface RobustnessInput extends ExtrasInput {
  workers: number;
  /**
   * The selection rule's step 1 on the actual history per configuration (1 = may take a robust rank;
   * results/selection-run.ts inSampleEligible). Calendar and buy-and-hold configurations of the space
   * are left out whether or not it is given.
   */
  eligible?: Uint8Array;
  /** Task size in backtests (tests). */
  taskSize?: number;
}

export interface RobustnessJson {
  kind: 'block-bootstrap';
  paths: number;
  blockLength: number;
  seed: number;
  rankBy: 'median' | { quantile: number };
  configurations: number;
  /** Baseline ids, in their rows after the configurations. */
  baselines: string[];
  /** (configurations + baselines) × paths. */
  backtests: number;
  workers: number;
  seconds: { evaluate: number; aggregate: number; write: number; total: number };
  backtestsPerSecond: number;
  failed: number;
  failures: { path: number; id: number; error: string }[];
  columns: string[];
  /** The 20 best by robust rank. */
  top: Record<string, number | string | null>[];
}

/** The robustness.csv header: id, label, per column median/p5/p95, frequencies, robust score and rank. */
export function robustCsvHeader(columns: readonly string[]): string[] {
  return ['id', 'label', ...columns.flatMap((c) => STATS.map((s) => `${c}_${s}`)), 'feasibleFreq', 'paretoFreq', 'top10Freq', 'robustScore', 'robustRank'];
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Runs the resampled histories; returns their summary (null when the experiment has no `robustness`). */
export async function runRobustness(input: RobustnessInput): Promise<RobustSummary | null> {
  const rb = input.robustness;
  if (!rb) return null;
  const t0 = performance.now();
  const { space, spec } = input;
  const K = space.size;
  const P = rb.paths;
  const baselines = input.baselines;
  const B = baselines.length;
  const seed = rb.seed;
  const workers = Math.max(1, input.workers);
  let prices = input.prices;
  if (!(prices.buffer instanceof SharedArrayBuffer)) {
    prices = new Float64Array(new SharedArrayBuffer(prices.byteLength));
    prices.set(input.prices);
  }
  const workerData: RobustWorkerData = {
    ...matrixOf(input),
    prices,
    targets: input.targets,
    start: input.start,
    initialCapital: spec.initialCapital,
    riskFree: spec.riskFree,
    space: spec.space,
    search: spec.search,
    costs: spec.costs,
    seed,
    blockLength: rb.blockLength,
    baselines: baselines.map((b) => b.config),
  };
  const acc = new RobustAccumulator(
    K,
    P,
    {
      objectives: spec.objectives,
      scoreWeights: spec.scoreWeights,
      constraints: input.constraints,
      rankQuantile: rb.rankQuantile,
    },
    B,
  );
  // the journal (issue 15): every finished task is kept, so a resume (or a merge run again)
  // finishes the robustness evaluation instead of starting it over. Its name carries a hash of
  // everything that changes a result, so a journal of other settings or data is never adopted.
  const KB = K + B;
  const journalFile = path.join(input.dir, `robustness-journal-${robustKey(input)}.bin`);
  const { resumed, tasks } = await resumeRobust(journalFile, KB, P, acc, planTasks(KB, P, workers, input.taskSize));
  if (resumed > 0 && !input.quiet)
    process.stderr.write(`robustness: resume: ${resumed.toLocaleString('en')} of ${(KB * P).toLocaleString('en')} backtests already done\n`);
  const progress = new Progress(
    KB * P - resumed,
    !input.quiet,
    `robustness: ${K.toLocaleString('en')} configurations + ${B} baselines × ${P.toLocaleString('en')} bootstrap paths on ${workers} worker${workers > 1 ? 's' : ''}`,
  );
  const journal = await JournalWriter.open(journalFile);
  let journalError: unknown = null;
  const appends: Promise<unknown>[] = [];
  try {
    await runRobustPool({
      workerData,
      tasks,
      workers,
      onResult: (r) => {
        const a = r.pathFrom * KB + r.from;
        const b = (r.pathTo - 1) * KB + r.to;
        const failures = r.failures.map(([fp, id, why]): [number, string] => [fp * KB + id, why]);
        appends.push(journal.append({ from: a, to: b, rows: r.rows, failures }).catch((e: unknown) => (journalError ??= e)));
        acc.add(r);
        progress.tick((r.pathTo - r.pathFrom) * (r.to - r.from));
      },
    });
  } finally {
    progress.stop();
    await Promise.all(appends);
    await journal.close();
  }
  if (journalError !== null) throw journalError;
  const tEval = performance.now();
  const eligible = new Uint8Array(K);
  for (let i = 0; i < K; i++) {
    const band = space.config(i).band;
    eligible[i] = band !== 'calendar' && band !== 'none' && (!input.eligible || input.eligible[i]) ? 1 : 0;
  }
  const sum = acc.finish(eligible);
  const tAgg = performance.now();
  await writeRobustCsv(path.join(input.dir, 'robustness.csv'), space, baselines, sum);
  const tWrite = performance.now();
  const seconds = { evaluate: (tEval - t0) / 1000, aggregate: (tAgg - tEval) / 1000, write: (tWrite - tAgg) / 1000, total: (tWrite - t0) / 1000 };
  const json: RobustnessJson = {
    kind: rb.kind,
    paths: P,
    blockLength: rb.blockLength,
    seed,
    rankBy: rb.rankBy,
    configurations: K,
    baselines: baselines.map((b) => b.id),
    backtests: (K + B) * P,
    workers,
    seconds,
    backtestsPerSecond: Math.round(((K + B) * P) / Math.max(seconds.evaluate, 1e-9)),
    failed: sum.failed,
    failures: sum.failures.map(([p, id, error]) => ({ path: p, id, error })),
    columns: sum.columns,
    top: topRows(space, baselines, sum, 20),
  };
  await writeFileAtomic(path.join(input.dir, 'robustness.json'), JSON.stringify(json, null, 2) + '\n');
  return sum;
}

/** A hash of everything that changes a robustness result: the experiment, the window, the prices. */
function robustKey(input: RobustnessInput): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify([input.spec, input.start, input.periodsPerYear, input.T, input.N, input.dates[0], input.dates[input.T - 1], Array.from(input.targets)]),
  );
  h.update(new Uint8Array(input.prices.buffer, input.prices.byteOffset, input.prices.byteLength));
  return h.digest('hex').slice(0, 16);
}

/**
 * Feed the journalled tasks to the accumulator and return the tasks still to run. A record is a
 * flat range of backtests (flat index = path·KB + id), either inside one path or whole paths,
 * as the tasks are; a record of another shape is ignored (its backtests run again).
 */
async function resumeRobust(
  file: string,
  KB: number,
  P: number,
  acc: RobustAccumulator,
  planned: RobustTask[],
): Promise<{ resumed: number; tasks: RobustTask[] }> {
  const scan = await scanJournal(file, { size: KB * P });
  if (scan.entries.length === 0) return { resumed: 0, tasks: planned };
  const done = new Uint8Array(KB * P);
  const cur = new RowCursor(file, scan.entries, KB * P, false);
  let resumed = 0;
  try {
    for (const e of scan.entries) {
      const p0 = Math.floor(e.from / KB);
      const p1 = Math.floor((e.from + e.count - 1) / KB);
      const from = e.from - p0 * KB;
      const shape: RobustTask | null =
        p0 === p1
          ? { pathFrom: p0, pathTo: p0 + 1, from, to: from + e.count }
          : from === 0 && e.count % KB === 0
            ? { pathFrom: p0, pathTo: p1 + 1, from: 0, to: KB }
            : null;
      if (!shape) continue;
      const failures = scan.failures
        .filter(([f]) => f >= e.from && f < e.from + e.count)
        .map(([f, why]): [number, number, string] => [Math.floor(f / KB), f % KB, why]);
      acc.add({ ...shape, rows: cur.readRecord(e), failures });
      done.fill(1, e.from, e.from + e.count);
      resumed += e.count;
    }
  } finally {
    cur.close();
  }
  // the planned tasks, minus what is done: whole tasks kept, partly done ones split into the
  // missing id runs of each path
  const tasks: RobustTask[] = [];
  for (const t of planned) {
    for (let p = t.pathFrom; p < t.pathTo; p++) {
      let i = t.from;
      while (i < t.to) {
        if (done[p * KB + i]) {
          i++;
          continue;
        }
        let j = i;
        while (j < t.to && !done[p * KB + j]) j++;
        const last = tasks[tasks.length - 1];
        // whole missing paths of one task stay one task
        if (i === 0 && j === KB && last && last.from === 0 && last.to === KB && last.pathTo === p && t.from === 0 && t.to === KB && last.pathFrom >= t.pathFrom)
          last.pathTo = p + 1;
        else tasks.push({ pathFrom: p, pathTo: p + 1, from: i, to: j });
        i = j;
      }
    }
  }
  return { resumed, tasks };
}

type Baselines = readonly { id: string; config: Config }[];

/** Row i: a configuration id (i < K) or baseline i − K. */
function rowCells(space: ParameterSpace, baselines: Baselines, s: RobustSummary, i: number): string[] {
  const Q = s.columns.length;
  const b = i >= s.K ? baselines[i - s.K] : null;
  const cells = [b ? b.id : String(i), csvCell(describeConfig(b ? b.config : space.config(i)))];
  for (let k = 0; k < Q * 3; k++) cells.push(num(s.stats[i * Q * 3 + k]));
  cells.push(num(s.feasibleFreq[i]), num(s.paretoFreq[i]), num(s.topFreq[i]), num(s.robustScore[i]), s.robustRank[i] > 0 ? String(s.robustRank[i]) : '');
  return cells;
}

/** One row per configuration in id order, then the baselines (as in results.csv). */
async function writeRobustCsv(file: string, space: ParameterSpace, baselines: Baselines, s: RobustSummary): Promise<void> {
  function* lines(): Generator<string> {
    yield robustCsvHeader(s.columns).join(',') + '\n';
    let buf = '';
    for (let i = 0; i < s.K + s.B; i++) {
      buf += rowCells(space, baselines, s, i).join(',') + '\n';
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    yield buf;
  }
  await writeLinesAtomic(file, lines());
}

function topRows(space: ParameterSpace, baselines: Baselines, s: RobustSummary, n: number): Record<string, number | string | null>[] {
  const ids: number[] = [];
  for (let i = 0; i < s.K; i++) if (s.robustRank[i] > 0 && s.robustRank[i] <= n) ids.push(i);
  ids.sort((a, b) => s.robustRank[a] - s.robustRank[b]);
  const head = robustCsvHeader(s.columns);
  return ids.map((i) => {
    const cells = rowCells(space, baselines, s, i);
    const o: Record<string, number | string | null> = {};
    head.forEach((h, k) => (o[h] = h === 'label' ? describeConfig(space.config(i)) : cells[k] === '' ? null : Number(cells[k])));
    return o;
  });
}
