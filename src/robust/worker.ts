/**
 * A robustness worker: holds the real price matrix (shared), makes bootstrap paths on demand and
 * runs id ranges on them. The current path and its kernel context are cached, so consecutive
 * tasks on the same path reuse them. Imports only the kernel, policy, search and the bootstrap
 * (never danfojs or the report).
 */
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { KernelContext } from '../kernel/context.js';
import { simulateMany } from '../kernel/simd.js';
import type { Config } from '../policy/types.js';
import { N_METRICS } from '../kernel/metrics.js';
import { ParameterSpace } from '../search/space.js';
import { warmUp } from '../exec/warmup.js';
import { checkMask, scheduleKey } from '../policy/schedule.js';
import type { CheckEvery } from '../policy/types.js';
import { bootstrapPath, bootstrapSource } from './bootstrap.js';
import type { RobustTask, RobustTaskResult, RobustWorkerData } from './protocol.js';

const wd = workerData as RobustWorkerData;
// a private copy of the shared matrix (V8 reads private typed arrays faster; see kernel/context.ts)
const src = bootstrapSource(new Float64Array(wd.prices), wd.T, wd.N);
const space = new ParameterSpace(wd.space, wd.search, { costs: wd.costs });
warmUp(wd.N);

/** Check masks depend on the dates and the window only, which every path shares: made once per worker. */
const masks = new Map<string, Uint8Array>();

/** A kernel context over one path that takes its check masks from the worker's shared cache. */
class PathContext extends KernelContext {
  override mask(check: CheckEvery): Uint8Array {
    const key = scheduleKey(check);
    let m = masks.get(key);
    if (!m) {
      m = checkMask(this.dates, this.start, check);
      masks.set(key, m);
    }
    return m;
  }
}

let cachedPath = -1;
let cachedCtx: KernelContext | null = null;

/** The kernel context over bootstrap path p (cached: the current path only). */
function contextFor(p: number): KernelContext {
  if (p === cachedPath && cachedCtx) return cachedCtx;
  // a fresh buffer per path: the context keeps a reference to it
  const prices = bootstrapPath(src, wd.seed, p, wd.blockLength, new Float64Array(wd.T * wd.N));
  cachedCtx = new PathContext({
    prices,
    T: wd.T,
    N: wd.N,
    dates: wd.dates,
    targets: wd.targets,
    periodsPerYear: wd.periodsPerYear,
    start: wd.start,
    initialCapital: wd.initialCapital,
    riskFree: wd.riskFree,
  });
  cachedPath = p;
  return cachedCtx;
}

export default function run(task: RobustTask): RobustTaskResult {
  const n = task.to - task.from;
  const rows = new Float64Array((task.pathTo - task.pathFrom) * n * N_METRICS);
  const failures: [number, number, string][] = [];
  for (let p = task.pathFrom; p < task.pathTo; p++) {
    const ctx = contextFor(p);
    const base = (p - task.pathFrom) * n;
    const out = rows.subarray(base * N_METRICS, (base + n) * N_METRICS);
    const fail = (k: number, e: unknown): void => {
      out.fill(NaN, k * N_METRICS, (k + 1) * N_METRICS);
      failures.push([p, task.from + k, e instanceof Error ? e.message : String(e)]);
    };
    const cfgs: (Config | null)[] = new Array<Config | null>(n).fill(null);
    for (let k = 0; k < n; k++) {
      const id = task.from + k;
      try {
        cfgs[k] = id < space.size ? space.config(id) : wd.baselines[id - space.size];
      } catch (e) {
        fail(k, e);
      }
    }
    // the sweep's kernel: SIMD passes of four configurations of a kind, JS for the rest
    simulateMany(ctx, cfgs, out, fail);
  }
  failures.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const result: RobustTaskResult = { ...task, rows, failures };
  const movable = { [Piscina.transferableSymbol]: rows.buffer, [Piscina.valueSymbol]: result };
  // piscina types its unique symbols, which computed keys from the getters cannot name.
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]) as unknown as RobustTaskResult;
}
