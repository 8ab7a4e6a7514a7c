/**
 * A sweep worker: builds the kernel context once from the shared price matrix, then runs
 * id ranges. Imports only the kernel, policy and search (never danfojs or the report).
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KernelContext } from '../kernel/context.js';
import { simulateMany } from '../kernel/simd.js';
import { N_METRICS } from '../kernel/metrics.js';
import { ParameterSpace } from '../search/space.js';
import type { Config } from '../policy/types.js';
import type { Task, TaskResult, WorkerData } from '../exec/protocol.js';
import { parseFaults } from './faults.js';
import { warmUp } from '../exec/warmup.js';

const wd = workerData as WorkerData;
const ctx = new KernelContext({
  prices: wd.prices,
  T: wd.T,
  N: wd.N,
  dates: wd.dates,
  targets: wd.targets,
  periodsPerYear: wd.periodsPerYear,
  start: wd.start,
  initialCapital: wd.initialCapital,
  riskFree: wd.riskFree,
  flows: wd.flows ?? null,
  tax: wd.tax ?? null,
  taxAware: wd.taxAware ?? false,
});
const space = new ParameterSpace(wd.space, wd.search, { costs: wd.costs });
const faults = parseFaults(wd.faults);
warmUp(wd.N);

function inject(id: number): void {
  const f = faults.get(id);
  if (f === 'throw') throw new Error(`injected fault on configuration ${id}`);
  if (f === 'exit') process.exit(70);
  if (f === 'slow') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  if (f === 'oom') {
    // JS heap (not ArrayBuffers, which live outside it), so piscina's resourceLimits stop it
    const hog: number[][] = [];
    for (;;) hog.push(new Array<number>(1 << 20).fill(hog.length + 0.5));
  }
}

export default function run(task: Task): TaskResult {
  const n = task.to - task.from;
  const rows = new Float64Array(n * N_METRICS);
  const failures: [number, string][] = [];
  const fail = (k: number, e: unknown): void => {
    rows.fill(NaN, k * N_METRICS, (k + 1) * N_METRICS);
    failures.push([task.from + k, e instanceof Error ? e.message : String(e)]);
  };
  const cfgs: (Config | null)[] = new Array<Config | null>(n).fill(null);
  for (let k = 0; k < n; k++) {
    const id = wd.shard.k + (task.from + k) * wd.shard.n;
    try {
      if (faults.size > 0) inject(id);
      cfgs[k] = space.config(id);
    } catch (e) {
      fail(k, e);
    }
  }
  // configurations of the same kind run four to a SIMD pass, the rest on the JS kernel; each
  // row lands at its own index whatever the grouping (kernel/simd.ts)
  simulateMany(ctx, cfgs, rows, fail);
  failures.sort((a, b) => a[0] - b[0]);
  const result: TaskResult = { from: task.from, to: task.to, rows, failures };
  // Transfer (not copy) the rows' buffer: piscina's Transferable interface.
  const movable = { [Piscina.transferableSymbol]: rows.buffer, [Piscina.valueSymbol]: result };
  // piscina types its unique symbols, which computed keys from the getters cannot name.
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as TaskResult;
}
