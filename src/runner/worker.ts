/**
 * A sweep worker: builds the kernel context once from the shared price matrix, then runs
 * id ranges. Imports only the kernel, policy and search (never danfojs or the report).
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
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
});
const space = new ParameterSpace(wd.space, wd.search, { costs: wd.costs });
const faults = parseFaults(wd.faults);
warmUp(wd.N);

function inject(id: number): void {
  const f = faults.get(id);
  if (f === 'throw') throw new Error(`injected fault on configuration ${id}`);
  if (f === 'exit') process.exit(70);
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
  for (let k = 0; k < n; k++) {
    const id = wd.shard.k + (task.from + k) * wd.shard.n;
    let cfg: Config | null = null;
    try {
      if (faults.size > 0) inject(id);
      cfg = space.config(id);
      simulate(ctx, cfg, rows, k * N_METRICS);
    } catch (e) {
      rows.fill(NaN, k * N_METRICS, (k + 1) * N_METRICS);
      failures.push([task.from + k, e instanceof Error ? e.message : String(e)]);
    }
  }
  const result: TaskResult = { from: task.from, to: task.to, rows, failures };
  // Transfer (not copy) the rows' buffer: piscina's Transferable interface.
  const movable = { [Piscina.transferableSymbol]: rows.buffer, [Piscina.valueSymbol]: result };
  // piscina types its unique symbols, which computed keys from the getters cannot name.
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as TaskResult;
}
