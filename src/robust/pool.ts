/**
 * The robustness pool: its own piscina pool over the real price matrix (shared once through
 * workerData), running (paths × id range) tasks. Tasks are issued path by path, so each worker
 * mostly stays on one path and reuses it (the worker caches its current path). Results are
 * handed over in completion order; the caller keys them by (path, id), so the outcome does not
 * depend on the worker count.
 */
import { builtWorker } from '../exec/built.js';
import { openPool } from '../exec/pool.js';
import type { RobustTask, RobustTaskResult, RobustWorkerData } from './protocol.js';

/** The built robustness worker (piscina cannot load .ts). */
export function robustWorkerFile(): string {
  return builtWorker('robust/worker.js', 'robustness worker');
}

/**
 * Tasks of about `size` backtests, path-major: several whole paths per task when the space is
 * small, else one path per task split into equal id ranges. Default size: an even share of the
 * work in about 16 tasks per worker, between 256 and 20,000 backtests.
 */
export function planTasks(K: number, P: number, workers: number, size?: number): RobustTask[] {
  const total = K * P;
  const target = size ?? Math.max(256, Math.min(20_000, Math.ceil(total / (Math.max(1, workers) * 16))));
  const out: RobustTask[] = [];
  if (K === 0 || P === 0) return out;
  if (target >= K) {
    const per = Math.max(1, Math.floor(target / K));
    for (let p = 0; p < P; p += per) out.push({ pathFrom: p, pathTo: Math.min(P, p + per), from: 0, to: K });
  } else {
    const chunks = Math.ceil(K / target);
    const len = Math.ceil(K / chunks);
    for (let p = 0; p < P; p++) for (let a = 0; a < K; a += len) out.push({ pathFrom: p, pathTo: p + 1, from: a, to: Math.min(K, a + len) });
  }
  return out;
}

export interface RobustPoolOptions {
  workerData: RobustWorkerData;
  tasks: readonly RobustTask[];
  workers: number;
  /** Called once per finished task, in completion order. */
  onResult: (r: RobustTaskResult) => void;
  /** Memory limit per worker in MB (piscina resourceLimits). */
  maxOldGenerationSizeMb?: number;
  /** Tests only: another worker file. */
  filename?: string;
}

export async function runRobustPool(o: RobustPoolOptions): Promise<void> {
  if (o.tasks.length === 0) return;
  const pool = openPool<RobustTask, RobustTaskResult>({
    filename: o.filename ?? robustWorkerFile(),
    workerData: o.workerData,
    workers: o.workers,
    maxOldGenerationSizeMb: o.maxOldGenerationSizeMb,
  });
  // a bounded number of tasks in flight: memory stays flat, and tasks go out in path order
  let next = 0;
  let firstError: unknown = null;
  const lane = async (): Promise<void> => {
    while (firstError === null && next < o.tasks.length) {
      const t = o.tasks[next++];
      try {
        o.onResult(await pool.run(t));
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        firstError ??= new Error(
          `robustness: a worker failed on paths ${t.pathFrom}–${t.pathTo - 1}, configurations ${t.from}–${t.to - 1}: ${why}` +
            (/module|import|export/i.test(why) ? ' (is dist/ stale or half-built? run `npm run build`)' : ''),
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(o.workers * 2, o.tasks.length) }, lane));
  } finally {
    await pool.destroy();
  }
  if (firstError !== null) throw firstError;
}
