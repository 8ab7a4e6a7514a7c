/**
 * The parallel sweep: id ranges on a piscina pool over a shared price matrix.
 *
 * The matrix reaches each worker once (workerData, SharedArrayBuffer: shared, not copied);
 * tasks are id ranges sized so messaging costs little; rows come back as transferred
 * Float64Arrays. A batch whose worker crashed (exception outside a configuration, exit, out
 * of memory) is retried configuration by configuration; one that fails again becomes a failed
 * row with the reason. Results are handed over in completion order; callers key them by id.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import os from 'node:os';
import { N_METRICS } from '../kernel/metrics.js';
import type { Task, TaskResult, WorkerData } from '../exec/protocol.js';
import { builtWorker } from '../exec/built.js';
import { openPool } from '../exec/pool.js';

/** The built sweep worker (piscina cannot load .ts). */
export function workerFile(): string {
  return builtWorker('runner/worker.js', 'worker');
}

export function defaultWorkers(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Split [from, to) ranges into batches of at most `size`. */
export function batches(ranges: readonly [number, number][], size: number): Task[] {
  const out: Task[] = [];
  for (const [a, b] of ranges) for (let s = a; s < b; s += size) out.push({ from: s, to: Math.min(b, s + size) });
  return out;
}

/**
 * A batch size that keeps messaging cheap and every worker busy to the end. Up to 8,000: the
 * SIMD kernel fills its four lanes with configurations of one kind within a batch, and the
 * lanes are 94% full with batches of 2,000 against 98% with 8,000 (the bench workload).
 */
export function chooseBatchSize(total: number, workers: number): number {
  return Math.max(8, Math.min(8000, Math.ceil(total / (workers * 24))));
}

export interface SweepOptions {
  workerData: WorkerData;
  /** Id ranges [from, to) still to compute. */
  ranges: readonly [number, number][];
  workers: number;
  batchSize?: number;
  /** Called once per finished batch, in completion order; awaited (journal writes). */
  onResult: (r: TaskResult) => Promise<void> | void;
  signal?: AbortSignal;
  /** Memory limit per worker in MB (piscina resourceLimits). */
  maxOldGenerationSizeMb?: number;
}

export class SweepAborted extends Error {
  constructor() {
    super('sweep stopped');
  }
}

export async function runSweep(o: SweepOptions): Promise<void> {
  const total = o.ranges.reduce((s, [a, b]) => s + (b - a), 0);
  if (total === 0) return;
  // stopped before the sweep began (Ctrl-C while the data loaded): nothing to run, nothing failed
  if (o.signal?.aborted) throw new SweepAborted();
  const size = o.batchSize ?? chooseBatchSize(total, o.workers);
  const tasks = batches(o.ranges, size);
  const pool = openPool<Task, TaskResult>({
    filename: workerFile(),
    workerData: o.workerData,
    workers: o.workers,
    maxOldGenerationSizeMb: o.maxOldGenerationSizeMb,
  });
  const failOne = (id: number, why: string): TaskResult => ({
    from: id,
    to: id + 1,
    rows: new Float64Array(N_METRICS).fill(NaN),
    failures: [[id, why]],
  });
  let aborted = o.signal?.aborted ?? false;
  const onAbort = (): void => {
    aborted = true;
  };
  o.signal?.addEventListener('abort', onAbort);
  // piscina adds one abort listener per task in flight: raise the limit so 3+ workers
  // (12+ tasks in flight) do not print a MaxListenersExceededWarning
  if (o.signal) setMaxListeners(Math.max(getMaxListeners(o.signal), o.workers * 4 + 8), o.signal);
  // Keep a bounded number of tasks in flight so memory stays flat for huge sweeps.
  const inFlight = o.workers * 4;
  let next = 0;
  let firstError: unknown = null;
  const runTask = async (t: Task): Promise<void> => {
    let r: TaskResult;
    try {
      r = await pool.run(t, o.signal);
    } catch (e) {
      // an aborted task is not a crashed one: never turn it into a failed row
      if (aborted || o.signal?.aborted) {
        aborted = true;
        return;
      }
      if (pool.failure !== null) throw new Error(`the worker pool failed: ${pool.failure instanceof Error ? pool.failure.message : String(pool.failure)}`);
      if (t.to - t.from === 1) {
        // second failure of a single configuration: keep it as a failed row
        const why = e instanceof Error ? e.message : String(e);
        r = failOne(t.from, `worker crashed: ${why}`);
      } else {
        for (let id = t.from; id < t.to && !aborted; id++) await runTask({ from: id, to: id + 1 });
        return;
      }
    }
    if (!aborted) await o.onResult(r);
  };
  const lane = async (): Promise<void> => {
    while (!aborted && firstError === null && next < tasks.length) {
      const t = tasks[next++];
      try {
        await runTask(t);
      } catch (e) {
        firstError ??= e;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(inFlight, tasks.length) }, lane));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  if (firstError !== null) throw firstError;
  if (aborted) throw new SweepAborted();
}
