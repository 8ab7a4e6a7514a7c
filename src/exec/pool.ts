/**
 * The piscina pool both the sweep and the robustness evaluation run on: fixed size, one task per
 * worker at a time, a heap limit per worker, and tasks that settle even when a worker fails
 * outside any task (its module does not load, say: piscina then emits 'error' and can leave the
 * tasks in flight unsettled). Each task's reject is kept while it runs; a Promise.race against
 * one never-settling promise would pile up a reaction, and with it every finished task's
 * result, per task.
 */
import { Piscina } from 'piscina';

export interface GuardedPool<T, R> {
  run(task: T, signal?: AbortSignal): Promise<R>;
  /** The first error the pool emitted outside a task, or null. */
  readonly failure: unknown;
  destroy(): Promise<void>;
}

export function openPool<T, R>(o: { filename: string; workerData: unknown; workers: number; maxOldGenerationSizeMb?: number }): GuardedPool<T, R> {
  const pool = new Piscina({
    filename: o.filename,
    workerData: o.workerData,
    minThreads: o.workers,
    maxThreads: o.workers,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
    resourceLimits: { maxOldGenerationSizeMb: o.maxOldGenerationSizeMb ?? 4096 },
  });
  const inFlightRejects = new Set<(e: unknown) => void>();
  let failure: unknown = null;
  pool.on('error', (e: unknown) => {
    failure ??= e;
    for (const reject of inFlightRejects) reject(e);
  });
  return {
    run: (task, signal) =>
      new Promise<R>((resolve, reject) => {
        inFlightRejects.add(reject);
        (pool.run(task, signal ? { signal } : {}) as Promise<R>).then(resolve, reject).finally(() => inFlightRejects.delete(reject));
      }),
    get failure() {
      return failure;
    },
    destroy: () => pool.destroy(),
  };
}
