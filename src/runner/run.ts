/**
 * `rebalance-lab run`: an experiment end to end — load and validate, sweep on the worker
 * pool (journalled batch by batch), baselines, scoring, results.csv + manifest.json, report.
 *
 * Memory does not grow with the number of configurations beyond a byte per id (what is done)
 * and the exact ranks (see results/finalize.ts): metric rows go to the journal as batches
 * finish, and results.csv is streamed from it in id order.
 *
 * Shards (`--shard k/n`): the ids with id mod n = k, at local index ⌊id/n⌋ in the shard's
 * journal. Interleaved rather than contiguous ranges because neighbouring ids differ in one
 * parameter only (grid order), so a contiguous split can give one shard all the daily-checked
 * or long-lookback configurations and leave the others idle; id mod n spreads every kind of
 * configuration evenly over the shards. A shard writes no results.csv: `merge` does.
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { ParameterSpace } from '../search/space.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadExperiment, compileExperiment, type LoadedExperiment } from '../experiment/load.js';
import { periodsPerYearWarning } from '../data/calendar.js';
import { planFolds, type CompiledExperiment } from '../experiment/compile.js';
import type { Fold } from '../experiment/folds.js';
import type { ExperimentInput, ExperimentSpec } from '../spec/schema.js';
import { loadPrices } from '../data/load.js';
import type { DataInfo, PriceMatrix } from '../data/types.js';
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import { resolveTargets } from '../policy/targets.js';
import { JournalWriter, scanJournal } from '../results/journal.js';
import { writeFileAtomic } from '../results/atomic.js';
import { finalizeResults, shardCount, type Baseline, type FinalSummary, type ShardJournal } from '../results/finalize.js';
import { explainMismatch, fingerprint, readManifest, sha256, VERSION, type Manifest } from '../results/manifest.js';
import type { WorkerData } from '../exec/protocol.js';
import { defaultWorkers, runSweep, SweepAborted } from './sweep.js';
import { Progress } from '../exec/progress.js';
import type { ExtrasInput } from '../experiment/extras.js';
import { windowWarnings } from '../data/window.js';
import type { PhaseSeconds, RunEvent, Phase } from './events.js';
import { formatPlan, makePlan, refusePlan, type Plan } from './plan.js';
import { chooseBatchSize } from './sweep.js';
import type { SelectionJson } from '../results/selection-types.js';

export interface Shard {
  k: number;
  n: number;
}

export interface RunOptions {
  /** An experiment file (.ts/.json), or an experiment object (defineExperiment({...})). */
  experiment: string | ExperimentInput;
  workers?: number;
  /** Parent folder of runs (default reports/). */
  out?: string;
  runId?: string;
  /** An existing run folder to finish. */
  resume?: string;
  /** Evaluate only the ids with id mod n = k. */
  shard?: Shard;
  batchSize?: number;
  /** Heap limit per worker in MB (a worker over it is stopped and its batch retried id by id). */
  workerMemoryMb?: number;
  /** Print nothing but errors. */
  quiet?: boolean;
  /** Skip the HTML report (the CLI's --no-report; printRun reads it). */
  noReport?: boolean;
  /**
   * Writes report.html for a finished run folder and returns its path: called inside the run,
   * timed as the phase "report" (the CLI and the library pass report/'s writer; the runner
   * does not import the report layer). Absent: no report.
   */
  writeReport?: (dir: string) => Promise<string>;
  /** Stop the run: the sweep keeps its finished batches; a later phase stops between steps. */
  signal?: AbortSignal;
  /** Print the plan and stop: nothing is computed or written. */
  dryRun?: boolean;
  /** Run even above PLAN_LIMITS (10 million configurations or an estimated hour). */
  yes?: boolean;
  /** Phases and sweep progress, for a library caller or the CLI. */
  onProgress?: (e: RunEvent) => void;
  /** Print the plan and the window warnings on stderr (default: unless quiet). */
  printPlan?: boolean;
  /** Who asked, for the wording of a refusal: the CLI's --yes or the library's `yes: true`. */
  caller?: 'cli' | 'library';
}

/** What a finished run (or shard) tells the CLI: the leaderboard's rows and the counts. */
export interface RunResult {
  dir: string;
  spec: ExperimentSpec;
  space: ParameterSpace;
  /** null for a shard: its results are written by merge. */
  summary: FinalSummary | null;
  failures: Map<number, string>;
  baselines: Baseline[];
  seconds: PhaseSeconds;
  workers: number;
  shard?: Shard;
  /** Configurations this run evaluated now (not resumed). */
  evaluated: number;
  /** The plan printed before the run. */
  plan?: Plan;
  /** A dry run: the plan only, nothing computed or written (dir is where the run would go). */
  dryRun?: boolean;
  /** How the evaluation window differs from the data file and the experiment's dates. */
  warnings?: string[];
  /** The report.html written by this run (relative to the working directory), if any. */
  report?: string;
  /** What selection.json holds (null for a shard). */
  selection: SelectionJson | null;
}

function runStamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export interface Prepared extends CompiledExperiment {
  dataFile: string;
  matrix: PriceMatrix;
  info: DataInfo;
  targets: Float64Array;
  start: number;
  /** The validation folds on the loaded dates (empty without validation). */
  folds: Fold[];
  /** How the evaluation window differs from the data file and the experiment's dates, and why. */
  warnings: string[];
}

/** Load the data for a compiled experiment (`c.file` names it in errors) and plan its folds. */
export async function prepareCompiled(c: CompiledExperiment, dataFile: string): Promise<Prepared> {
  const { spec: s, space, file: f } = c;
  const assets = s.data.assets ?? Object.keys(s.targets);
  const { matrix, info } = await loadPrices(dataFile, {
    assets, start: s.data.start, end: s.data.end, maxFill: s.data.maxFill, periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${f}: targets`, via: 'experiment' });
  const start = space.maxLookback;
  if (start > matrix.T - 3)
    throw new UserError(`${f}: space: lookback ${start} needs more data than the ${matrix.T} rows of ${s.data.file} from ${matrix.dates[0]}; use a shorter lookback or a longer date range`);
  // folds that do not fit the data are an experiment mistake: say so before any work starts
  const folds = planFolds(c, matrix.dates, start);
  const warnings = windowWarnings(info, matrix.dates, {
    start: s.data.start, end: s.data.end, lookback: start, endName: 'data.end', startName: 'data.start',
    lookbackWhat: `the longest lookback in the space (${start} periods)`,
  }).map((w) => w.message);
  return { ...c, dataFile, matrix, info, targets, start, folds, warnings };
}

/** What an experiment given as an object is called in messages and the manifest. */
export const OBJECT_EXPERIMENT = '(experiment object)';

export async function prepare(experiment: string | ExperimentInput): Promise<Prepared & { exp: LoadedExperiment }> {
  if (typeof experiment !== 'string') {
    // an object from defineExperiment(): validated like a file; its data path is relative to the working directory
    const compiled = compileExperiment(experiment, OBJECT_EXPERIMENT);
    const spec = compiled.spec;
    const exp: LoadedExperiment = { spec, compiled, file: OBJECT_EXPERIMENT, text: JSON.stringify(spec), dataFile: path.resolve(spec.data.file) };
    return { ...(await prepareCompiled(compiled, exp.dataFile)), exp };
  }
  const exp = await loadExperiment(experiment);
  return { ...(await prepareCompiled(exp.compiled, exp.dataFile)), exp };
}

function checkShard(sh: Shard): void {
  if (!Number.isInteger(sh.n) || sh.n < 1 || !Number.isInteger(sh.k) || sh.k < 0 || sh.k >= sh.n)
    throw new UserError(`--shard ${sh.k}/${sh.n}: expected k/n with whole numbers 0 ≤ k < n, e.g. --shard 0/4`);
}

/** Times the phases of a run (manifest `timings`) and tells the caller which phase is on. */
class PhaseClock {
  readonly seconds: PhaseSeconds = { total: 0 };
  private readonly t0 = performance.now();
  private current: Exclude<Phase, 'done'> | null = null;
  private since = this.t0;

  constructor(private readonly onProgress?: (e: RunEvent) => void) {}

  /** Close the current phase and open `p` (events other than plan/sweep/done carry only the phase). */
  enter(p: Exclude<Phase, 'done' | 'plan' | 'sweep'> | 'plan' | 'sweep', event?: RunEvent): void {
    this.close();
    this.current = p;
    this.since = performance.now();
    if (event) this.onProgress?.(event);
    else if (p !== 'plan' && p !== 'sweep') this.onProgress?.({ phase: p });
  }

  close(): void {
    if (this.current === null) return;
    const now = performance.now();
    this.seconds[this.current] = (this.seconds[this.current] ?? 0) + (now - this.since) / 1000;
    this.current = null;
    this.since = now;
  }

  finish(): PhaseSeconds {
    this.close();
    this.seconds.total = (performance.now() - this.t0) / 1000;
    return this.seconds;
  }
}

/** A stop after the sweep: everything written so far is kept, and the resume finishes the rest. */
function stoppedAfterSweep(phase: string, dir: string, again: string): UserError {
  return new UserError(
    `stopped while ${phase}: every configuration is computed and kept in ${dir}; finish the run (results, analyses and report) with ${again}`,
  );
}

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const clock = new PhaseClock(o.onProgress);
  clock.enter('load');
  // a labelled status line while the experiment and its data load (a TTY only; cleared after)
  const status = (o.printPlan ?? !o.quiet) && process.stderr.isTTY;
  if (status) process.stderr.write(`loading ${typeof o.experiment === 'string' ? o.experiment : OBJECT_EXPERIMENT} and its price data…`);
  let prep: Awaited<ReturnType<typeof prepare>>;
  try {
    prep = await prepare(o.experiment);
  } finally {
    if (status) process.stderr.write('\r\x1b[K');
  }
  const { exp, matrix, targets, space, start } = prep;
  const s = exp.spec;
  const workers = Math.max(1, o.workers ?? defaultWorkers());
  const printPlan = o.printPlan ?? !o.quiet;
  let shard = o.shard;
  if (shard) checkShard(shard);
  const isObject = typeof o.experiment !== 'string';
  const manifest: Manifest = {
    tool: 'rebalance-lab',
    version: VERSION,
    experiment: { name: s.name, file: isObject ? OBJECT_EXPERIMENT : path.relative(process.cwd(), exp.file), sha256: sha256(exp.text), spec: s },
    data: {
      file: path.relative(process.cwd(), exp.dataFile), sha256: sha256(await readFile(exp.dataFile)), assets: [...matrix.assets],
      rows: matrix.T, first: matrix.dates[0], last: matrix.dates[matrix.T - 1], windowStart: matrix.dates[start], periodsPerYear: matrix.periodsPerYear,
    },
    search: { kind: space.kind, seed: space.seed, size: space.size },
    createdAt: new Date().toISOString(),
  };
  if (prep.warnings.length > 0) manifest.warnings = prep.warnings;
  if (shard) manifest.shard = { index: shard.k, count: shard.n };
  // periods per year against the calendar (issue 16): the convention is kept, the user is told
  const ppyWarning = periodsPerYearWarning(matrix.dates.slice(start), matrix.periodsPerYear, manifest.data.file);
  if (ppyWarning !== null && !o.quiet) process.stderr.write(`rebalance-lab: warning: ${ppyWarning}\n`);

  let dir: string;
  let resuming = false;
  const adopt = async (d: string, what: string): Promise<void> => {
    const old = await readManifest(d);
    if (!old) return;
    if (!o.shard && old.shard) {
      // `--resume DIR` of a shard folder: it stays that shard
      shard = { k: old.shard.index, n: old.shard.count };
      manifest.shard = old.shard;
    }
    if (old.mergedFrom) throw new UserError(`${what}: refused, because ${d} is a merged run (nothing to finish); re-run \`merge\` instead`);
    if (fingerprint(old) !== fingerprint(manifest)) throw new UserError(`${what}: refused, because ${explainMismatch(old, manifest)}; start a new run instead`);
    manifest.createdAt = old.createdAt;
    resuming = true;
  };
  if (o.resume) {
    dir = path.resolve(o.resume);
    if (!existsSync(dir)) throw new UserError(`--resume ${o.resume}: no such folder; give the folder of a run that was started with \`run\``);
    await adopt(dir, `--resume ${o.resume}`);
    // no manifest: the run was stopped before it wrote one, so nothing was computed; start it here
  } else if (shard) {
    if (!o.runId) throw new UserError(`--shard ${shard.k}/${shard.n} needs --run-id NAME, so that every shard writes into the same run folder for \`merge\``);
    dir = path.resolve(o.out ?? 'reports', s.name, o.runId, `shard-${shard.k}-of-${shard.n}`);
    // a restarted shard (a Kubernetes or Slurm retry) carries on where it stopped
    await adopt(dir, `shard ${shard.k}/${shard.n} in ${dir}`);
  } else {
    dir = path.resolve(o.out ?? 'reports', s.name, o.runId ?? runStamp());
    if (existsSync(path.join(dir, 'manifest.json'))) throw new UserError(`${dir} already holds a run; pick another --run-id or use --resume`);
  }
  manifest.data.fromRun = path.relative(dir, exp.dataFile);
  const relDir = path.relative(process.cwd(), dir) || dir;
  const again = isObject
    ? `runExperiment(spec, { resume: ${JSON.stringify(relDir)} })`
    : `\`rebalance-lab run ${o.experiment as string} --resume ${relDir}\``;

  // what is done (resume) and what is missing, in this run's local index space
  const K = space.size;
  const sh = shard ?? { k: 0, n: 1 };
  const Kl = shardCount(K, sh.k, sh.n);
  const globalId = (j: number): number => sh.k + j * sh.n;
  const done = new Uint8Array(Kl);
  const failures = new Map<number, string>();
  const journalFile = path.join(dir, 'journal.bin');
  const { entries, failures: oldFailures, dropped } = resuming ? await scanJournal(journalFile) : { entries: [], failures: [], dropped: 0 };
  let resumed = 0;
  for (const e of entries) {
    done.fill(1, e.from, Math.min(Kl, e.from + e.count));
    resumed += e.count;
  }
  for (const [j, why] of oldFailures) failures.set(globalId(j), why);

  // the plan, before anything is written: refused above the limits without --yes
  const label = `${s.name}${shard ? ` shard ${sh.k}/${sh.n}` : ''}`;
  clock.enter('plan');
  const planCtx = new KernelContext({
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear,
    start, initialCapital: s.initialCapital, riskFree: s.riskFree,
  });
  const plan = makePlan({ space, ctx: planCtx, configurations: Kl, toEvaluate: Kl - resumed, workers, batchSize: o.batchSize ?? chooseBatchSize(Math.max(1, Kl - resumed), workers) });
  o.onProgress?.({ phase: 'plan', plan, warnings: prep.warnings, dir });
  if (printPlan) {
    process.stderr.write(formatPlan(plan, label));
    for (const w of prep.warnings) process.stderr.write(`rebalance-lab: warning: ${w}\n`);
  }
  if (o.dryRun) {
    if (printPlan) process.stderr.write(`dry run: nothing computed or written${plan.over ? ` (a real run needs --yes: ${plan.over})` : ''}\n`);
    return {
      dir, spec: s, space, summary: null, failures, baselines: [], seconds: clock.finish(), workers, evaluated: 0, plan, dryRun: true, warnings: prep.warnings, selection: null,
      ...(shard ? { shard } : {}),
    };
  }
  if (plan.over && !o.yes) throw refusePlan(plan, prep.file, o.caller ?? 'cli');

  if (!resuming) {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  if (resuming && !o.quiet) process.stderr.write(`resume: ${resumed} of ${Kl} configurations already done${dropped ? ` (dropped a torn last record of ${dropped} bytes)` : ''}\n`);
  const ranges: [number, number][] = [];
  for (let i = 0; i < Kl; ) {
    if (done[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < Kl && !done[j]) j++;
    ranges.push([i, j]);
    i = j;
  }
  const workerData: WorkerData = {
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets,
    periodsPerYear: matrix.periodsPerYear, start, initialCapital: s.initialCapital, riskFree: s.riskFree,
    space: s.space, search: s.search, costs: s.costs, faults: process.env.REBALANCE_LAB_FAULTS, shard: sh,
  };
  clock.enter('sweep', { phase: 'sweep', done: 0, total: Kl - resumed });
  const journal = await JournalWriter.open(journalFile);
  const progress = new Progress(Kl - resumed, !o.quiet, `${label}: ${Kl.toLocaleString('en')} configurations on ${workers} worker${workers > 1 ? 's' : ''}`);
  let evaluated = 0;
  try {
    await runSweep({
      workerData, ranges, workers, batchSize: o.batchSize, signal: o.signal, maxOldGenerationSizeMb: o.workerMemoryMb,
      onResult: async (r) => {
        entries.push(await journal.append(r));
        done.fill(1, r.from, r.to);
        for (const [j, why] of r.failures) failures.set(globalId(j), why);
        evaluated += r.to - r.from;
        progress.tick(r.to - r.from);
        o.onProgress?.({ phase: 'sweep', done: evaluated, total: Kl - resumed });
      },
    });
  } catch (e) {
    progress.stop();
    await journal.close();
    if (e instanceof SweepAborted) {
      const kept = done.reduce((a, b) => a + b, 0);
      throw new UserError(`stopped: ${kept} of ${Kl} configurations are kept in ${dir}; finish with ${again}`);
    }
    throw e;
  }
  progress.stop();
  await journal.close();

  const writeManifest = async (): Promise<void> => {
    manifest.completedAt = new Date().toISOString();
    manifest.workers = workers;
    manifest.timings = { ...clock.seconds };
    manifest.failed = failures.size;
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  };
  if (shard) {
    const seconds = clock.finish();
    await writeManifest();
    o.onProgress?.({ phase: 'done', dir });
    return { dir, spec: s, space, summary: null, failures, baselines: [], seconds, workers, shard, evaluated, plan, warnings: prep.warnings, selection: null };
  }

  const fin = await finishRun({
    prep, dir, shards: [{ file: journalFile, entries, k: 0, n: 1 }], failures, workers, quiet: o.quiet,
    experiment: isObject ? OBJECT_EXPERIMENT : (o.experiment as string), clock, signal: o.signal, again,
  });
  clock.close();
  let report: string | undefined;
  if (o.writeReport && !o.noReport) {
    // the run's results are complete on disk: a stop from here on loses nothing
    clock.finish();
    await writeManifest();
    clock.enter('report');
    if (process.env.REBALANCE_LAB_FAULTS?.split(';').includes('sigint:report')) process.kill(process.pid, 'SIGINT'); // test hook: Ctrl-C during the report
    const file = await o.writeReport(dir);
    if (o.signal?.aborted) throw stoppedAfterSweep('writing the report', relDir, again);
    report = path.relative(process.cwd(), file) || file;
  }
  const seconds = clock.finish();
  await writeManifest();
  o.onProgress?.({ phase: 'done', dir });
  return {
    dir, spec: s, space, summary: fin.summary, failures, baselines: fin.baselines, seconds, workers, evaluated, plan, warnings: prep.warnings,
    selection: fin.selection, ...(report ? { report } : {}),
  };
}

export interface FinishInput {
  prep: Prepared;
  dir: string;
  shards: ShardJournal[];
  failures: Map<number, string>;
  workers: number;
  quiet?: boolean;
  /** The experiment file (for messages). */
  experiment: string;
  /** Times the phases write, validation and robustness (a run's clock; merge passes none). */
  clock?: PhaseClock;
  /** A stop between the phases: a UserError saying how to finish (`again`). */
  signal?: AbortSignal;
  again?: string;
}

/** Baselines, results.csv (streamed from the journals) and the extra analyses: shared by run and merge. */
export async function finishRun(input: FinishInput): Promise<{ summary: FinalSummary; baselines: Baseline[]; selection: SelectionJson }> {
  const { prep, dir, shards, failures, workers, clock, signal } = input;
  const { spec: s, matrix, targets, space, start, constraints } = prep;
  const rel = path.relative(process.cwd(), dir) || dir;
  const again = input.again ?? `\`rebalance-lab run ${input.experiment} --resume ${rel}\``;
  const check = (what: string): void => {
    if (signal?.aborted) throw stoppedAfterSweep(what, rel, again);
  };
  clock?.enter('write');
  // baselines on the same window and costs: calendar on each check schedule, and buy-and-hold
  const ctx = new KernelContext({
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear,
    start, initialCapital: s.initialCapital, riskFree: s.riskFree,
  });
  const baselines = prep.baselines.map(({ id, config }) => {
    const m = new Float64Array(N_METRICS);
    simulate(ctx, config, m, 0);
    return { id, config, metrics: m };
  });
  // the analyses beyond the sweep (issue 5), each a no-op unless the experiment asks for it
  const extras: ExtrasInput = {
    dir, spec: s, prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, periodsPerYear: matrix.periodsPerYear,
    targets, start, space, constraints, baselines: prep.baselines, folds: prep.folds, robustness: prep.robustness,
    quiet: input.quiet, file: input.experiment,
  };
  if (s.validation) clock?.enter('validation');
  await (await import('../validate/index.js')).runValidation(extras);
  check('validating out of sample');
  if (s.robustness) clock?.enter('robustness');
  const robust = await (await import('../robust/index.js')).runRobustness({ ...extras, workers });
  check('resampling histories (robustness)');
  // the selection by evidence (issue 11): selection.json, and the ranks results.csv is written with
  clock?.enter('write');
  const { runSelection } = await import('../results/selection-run.js');
  const selection = await runSelection({
    dir, space, shards, failures, baselines, scoreWeights: s.scoreWeights, constraints,
    window: {
      prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear, start,
      initialCapital: s.initialCapital, riskFree: s.riskFree,
    },
    robust: robust && s.robustness
      ? { score: robust.robustScore, feasibleFreq: robust.feasibleFreq, paths: robust.pathScores, P: robust.P, quantile: s.robustness.rankBy === 'median' ? 0.5 : s.robustness.rankBy.quantile }
      : null,
    validation: !!s.validation,
  });
  const summary = await finalizeResults({
    file: path.join(dir, 'results.csv'), space, shards, failures, baselines,
    scoreWeights: s.scoreWeights, constraints, objectives: s.objectives, selection,
  });
  clock?.close();
  return { summary, baselines, selection: selection.json };
}
