/**
 * The plan printed before every run (issue 14): how many configurations, how long the sweep
 * should take on this machine (from a short timed sample of the space's own configurations)
 * and how big the journal and results.csv will be. Above PLAN_LIMITS a run is refused unless
 * the user says --yes; --dry-run stops after the plan.
 */
import os from 'node:os';
import { UserError } from '../errors.js';
import type { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import type { ParameterSpace } from '../search/space.js';
import { formatRow, RESULT_COLUMNS } from '../results/table.js';
import { warmUp } from '../exec/warmup.js';

/** Above either, a run needs --yes (`yes: true` in the library). */
export const PLAN_LIMITS = { configurations: 10_000_000, seconds: 3600 } as const;

export interface Plan {
  /** Configurations in the space (this shard's share for a shard). */
  configurations: number;
  /** Still to evaluate (fewer on a resume). */
  toEvaluate: number;
  workers: number;
  /** Mean time of one configuration on one core, from the timed sample (ms). */
  msPerConfig: number;
  /** How many configurations were timed. */
  sampled: number;
  /** Estimated sweep time (s): toEvaluate × msPerConfig / parallel workers. */
  seconds: number;
  journalBytes: number;
  resultsBytes: number;
  /** Why the run needs --yes, or null. */
  over: string | null;
}

export interface PlanInput {
  space: ParameterSpace;
  ctx: KernelContext;
  /** Configurations in this run (a shard's share) and how many are left. */
  configurations: number;
  toEvaluate: number;
  workers: number;
  batchSize: number;
  /** Stop timing after this long (ms); at least 3 configurations are timed. */
  budgetMs?: number;
}

/** Time a few configurations spread over the space, on this thread, after a kernel warm-up. */
export function makePlan(p: PlanInput): Plan {
  const { space, ctx } = p;
  warmUp(ctx.N, 4);
  const budget = p.budgetMs ?? 250;
  const maxSample = Math.min(space.size, 64);
  const out = new Float64Array(N_METRICS);
  const ids: number[] = [];
  // evenly spaced ids: grid order groups bands and schedules, so this sees every kind
  for (let j = 0; j < maxSample; j++) ids.push(Math.floor(((j + 0.5) * space.size) / maxSample));
  const configs = ids.map((id) => space.config(id));
  // an untimed first pass builds the generated kernels and lets V8 optimise, as the workers' warm-up does
  const tWarm = performance.now();
  for (const c of configs) {
    simulate(ctx, c, out, 0);
    if (performance.now() - tWarm > budget) break;
  }
  let rowChars = 0;
  let sampled = 0;
  const t0 = performance.now();
  for (let j = 0; j < configs.length; j++) {
    simulate(ctx, configs[j], out, 0);
    rowChars +=
      formatRow({ id: ids[j], config: configs[j], metrics: out, offset: 0, feasible: true, pareto: false, score: out[0], rank: ids[j] + 1, error: '' }).length +
      1;
    sampled++;
    if (sampled >= 3 && performance.now() - t0 > budget) break;
  }
  const ms = (performance.now() - t0) / Math.max(1, sampled);
  const parallel = Math.max(1, Math.min(p.workers, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length));
  const seconds = (p.toEvaluate * ms) / 1000 / parallel;
  const batches = Math.ceil(p.toEvaluate / Math.max(1, p.batchSize));
  // journal: 16-byte head, the rows, "[]" failures, 4-byte crc per batch
  const journalBytes = p.toEvaluate * N_METRICS * 8 + batches * 22;
  const resultsBytes = RESULT_COLUMNS.join(',').length + 1 + Math.round((rowChars / Math.max(1, sampled)) * p.configurations);
  const over =
    p.configurations > PLAN_LIMITS.configurations
      ? `${p.configurations.toLocaleString('en')} configurations is over ${PLAN_LIMITS.configurations.toLocaleString('en')}`
      : seconds > PLAN_LIMITS.seconds
        ? `an estimated ${duration(seconds)} is over ${duration(PLAN_LIMITS.seconds)}`
        : null;
  return {
    configurations: p.configurations,
    toEvaluate: p.toEvaluate,
    workers: p.workers,
    msPerConfig: ms,
    sampled,
    seconds,
    journalBytes,
    resultsBytes,
    over,
  };
}

export function duration(s: number): string {
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s - h * 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = n / 1000;
  let u = 0;
  while (x >= 1000 && u < units.length - 1) {
    x /= 1000;
    u++;
  }
  return `${x < 10 ? x.toFixed(1) : Math.round(x)} ${units[u]}`;
}

/** The plan in a few lines for stderr. */
export function formatPlan(plan: Plan, label: string): string {
  const resumed = plan.configurations - plan.toEvaluate;
  return (
    [
      `plan: ${label}: ${plan.configurations.toLocaleString('en')} configurations${resumed > 0 ? ` (${resumed.toLocaleString('en')} already done, ${plan.toEvaluate.toLocaleString('en')} to go)` : ''} on ${plan.workers} worker${plan.workers === 1 ? '' : 's'}`,
      `  estimated sweep time: ${duration(plan.seconds)} (${plan.msPerConfig < 0.1 ? plan.msPerConfig.toFixed(3) : plan.msPerConfig.toFixed(2)} ms per configuration, timed on ${plan.sampled} of them here)`,
      `  journal.bin ~${bytes(plan.journalBytes)}, results.csv ~${bytes(plan.resultsBytes)}`,
    ].join('\n') + '\n'
  );
}

/** The refusal above the limits: what is too big and how to shrink it. */
export function refusePlan(plan: Plan, file: string, caller: 'cli' | 'library' = 'cli'): UserError {
  const samples = Math.min(100_000, Math.max(1000, Math.floor(plan.configurations / 100)));
  return new UserError(
    `${file}: refused to start: ${plan.over} (about ${duration(plan.seconds)} of sweep, a ${bytes(plan.journalBytes)} journal and ${bytes(plan.resultsBytes)} of results.csv). ` +
      `Shrink the space: fewer values or coarser steps, or sample it at random with \`search: { kind: "random", samples: ${samples} }\`. ` +
      (caller === 'cli'
        ? 'To run it anyway add --yes; --dry-run prints the plan and stops.'
        : 'To run it anyway pass `yes: true`; `dryRun: true` returns the plan and stops.'),
  );
}
