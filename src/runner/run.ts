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
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import type { ParameterSpace } from '../search/space.js';
import { existsSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadExperiment, compileExperiment, type LoadedExperiment } from '../experiment/load.js';
import { periodsPerYearWarning } from '../data/calendar.js';
import { planFolds, type CompiledExperiment } from '../experiment/compile.js';
import type { Fold } from '../experiment/folds.js';
import type { ExperimentInput, ExperimentSpec } from '../spec/schema.js';
import { loadPrices } from '../data/load.js';
import type { DataInfo, PriceMatrix } from '../data/types.js';
import { KernelContext, matrixOf } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import { resolveTargets } from '../policy/targets.js';
import { compileFlows, type FlowsSpec } from '../policy/flows.js';
import { resolveFlows } from '../experiment/flows.js';
import { JournalWriter, scanJournal, type JournalScan } from '../results/journal.js';
import { writeFileAtomic } from '../results/atomic.js';
import type { PriceWindow } from '../results/subperiods.js';
import { acquireRunLock } from '../results/lock.js';
import { finalizeResults, type Baseline, type FinalSummary } from '../results/finalize.js';
import { shardCount, type ShardJournal } from '../results/journal.js';
import type { DigestStart, RunRows } from '../results/journal-rows.js';
import { explainMismatch, fingerprint, readManifest, sha256, VERSION, type Manifest } from '../results/manifest.js';
import { RANKS_FILE } from '../results/ranks.js';
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
  writeReport?: (dir: string, digested?: unknown) => Promise<string>;
  /**
   * Starts the report's digest of the run's rows on a thread of its own while results.csv is
   * written (called only when writeReport will be; null: the report reads the rows itself), and
   * writeReport is handed what it gave.
   */
  startReport?: (dir: string, rows: RunRows) => Promise<DigestStart | null>;
  /** Stop the run: the sweep keeps its finished batches; a later phase stops between steps. */
  signal?: AbortSignal;
  /** Take the run folder's lock even though another process seems to hold it. */
  breakLock?: boolean;
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
  /** Cash flows (policy/flows.ts), or null. */
  flows: FlowsSpec | null;
}

/** Load the data for a compiled experiment (`c.file` names it in errors) and plan its folds. */
export async function prepareCompiled(c: CompiledExperiment, dataFile: string): Promise<Prepared> {
  const { spec: s, space, file: f } = c;
  const assets = s.data.assets ?? Object.keys(s.targets);
  const { matrix, info } = await loadPrices(dataFile, {
    assets,
    start: s.data.start,
    end: s.data.end,
    maxFill: s.data.maxFill,
    periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${f}: targets`, via: 'experiment' });
  const start = space.maxLookback;
  if (matrix.T < 3)
    throw new UserError(
      `${f}: data: ${s.data.file} has only ${matrix.T} rows${s.data.start || s.data.end ? ' in the chosen dates' : ''}; a sweep needs at least 3 (two periods of returns); use a longer date range`,
    );
  if (start > matrix.T - 3)
    throw new UserError(
      `${f}: space: lookback ${start} needs more data than the ${matrix.T} rows of ${s.data.file} from ${matrix.dates[0]}; use a shorter lookback or a longer date range`,
    );
  if (c.spec.robustness && c.spec.robustness.blockLength > matrix.T - 1 - start)
    throw new UserError(
      `${c.file}: robustness.blockLength: a mean block of ${c.spec.robustness.blockLength} periods is longer than the ${matrix.T - 1 - start} periods of returns in the window; use a block length of at most that (a few weeks of periods is usual)`,
    );
  // folds that do not fit the data are an experiment mistake: say so before any work starts
  const folds = planFolds(c, matrix.dates, start);
  const flows = await resolveFlows(s.flows, path.resolve(f), f);
  if (s.space.flowMode !== undefined && !flows)
    throw new UserError(`${f}: space.flowMode: there are no flows to invest; add flows (e.g. flows: { periodic: ['1000@monthly'] }) or drop flowMode`);
  // dated flows outside the window and the like: say so before any work starts
  if (flows) compileFlows(flows, matrix.dates, start, `${f}: flows`);
  if (s.taxAware && s.tax === undefined) throw new UserError(`${f}: taxAware needs a tax rate (tax: 0.25)`);
  if (s.tax !== undefined && (s.validation || s.robustness))
    throw new UserError(
      `${f}: tax cannot be combined with ${s.validation ? 'validation' : 'robustness'} yet (the folds and resampled paths run without tax); drop one of them`,
    );
  if (flows && (s.validation || s.robustness))
    throw new UserError(
      `${f}: flows cannot be combined with ${s.validation ? 'validation' : 'robustness'} yet (the folds and resampled paths run without flows); drop one of them`,
    );
  const warnings = windowWarnings(info, matrix.dates, {
    start: s.data.start,
    end: s.data.end,
    lookback: start,
    endName: 'data.end',
    startName: 'data.start',
    lookbackWhat: `the longest lookback in the space (${start} periods)`,
  }).map((w) => w.message);
  return { ...c, dataFile, matrix, info, targets, start, folds, warnings, flows };
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

/** A whole number of `what` in [min, max], or a UserError naming the flag and the value. */
function wholeIn(flag: string, v: number | undefined, min: number, max: number, example: string): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max)
    throw new UserError(
      `${flag} ${String(v)}: expected a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}, e.g. ${flag} ${example}`,
    );
}

/** A plain folder name: no path separators, not '', '.' or '..', not absolute. */
export const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The run options a user typed, checked before any work: counts are whole numbers in range,
 * --run-id is a plain name, --resume is an existing folder inside --out (a run writes nowhere
 * else).
 */
export function checkRunOptions(o: RunOptions): void {
  wholeIn('--workers', o.workers, 1, 1024, '4');
  wholeIn('--batch-size', o.batchSize, 1, 1_000_000, '500');
  wholeIn('--worker-memory-mb', o.workerMemoryMb, 64, 1_048_576, '4096');
  if (o.runId !== undefined && (!PLAIN_NAME.test(o.runId) || o.runId.includes('..')))
    throw new UserError(
      `--run-id ${JSON.stringify(o.runId)}: expected a plain folder name (letters, digits, dot, dash, underscore; no '/', no '..'), e.g. --run-id sweep1`,
    );
  if (o.resume !== undefined) {
    if (o.resume.trim() === '') throw new UserError(`--resume '': give the folder of the run to finish, e.g. --resume reports/my-experiment/20261124-120000`);
    const dir = path.resolve(o.resume);
    let st: Stats;
    try {
      st = statSync(dir);
    } catch {
      throw new UserError(`--resume ${o.resume}: no such folder; give the folder of a run that was started with \`run\``);
    }
    if (!st.isDirectory()) throw new UserError(`--resume ${o.resume}: is a file, not a run folder; give the folder holding the run's manifest.json`);
    // with --out, the folder must be inside it (nothing is written outside --out); without, the
    // run writes only into the folder named, which must hold this experiment's manifest
    if (o.out !== undefined) {
      let rel = '..';
      try {
        rel = path.relative(realpathSync(path.resolve(o.out)), realpathSync(dir));
      } catch {
        /* --out does not exist: the folder cannot be inside it */
      }
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
        throw new UserError(
          `--resume ${o.resume}: refused, because it is not inside --out ${o.out} (a run writes only there); give the --out the run was started with, or leave --out out`,
        );
    }
  }
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

/** Temp files of the atomic writers (`.<name>.<pid>.<stamp>.tmp`, `.report.html.<pid>.<hex>.tmp`). */
const ORPHAN_TEMP = /^\.[A-Za-z0-9._-]+\.\d+\.[0-9a-f]+\.tmp$/;

/**
 * Remove temp files a killed writer left in the run folder (≈350 MB each for a results.csv of
 * 1M configurations). Safe: we hold the folder's lock, so no writer of ours is running.
 */
export async function removeOrphanTemps(dir: string): Promise<void> {
  for (const f of await readdir(dir)) if (ORPHAN_TEMP.test(f)) await rm(path.join(dir, f), { force: true });
}

/** Size and modification time of a file ('' if absent): did it change between two looks? */
function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

/**
 * A run: load, check the folder, plan (a dry run stops here, having created nothing), then under
 * the run folder's lock: sweep (journalled), results, analyses, report, manifest.
 */
export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const clock = new PhaseClock(o.onProgress);
  clock.enter('load');
  checkRunOptions(o);
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
      file: path.relative(process.cwd(), exp.dataFile),
      sha256: sha256(await readFile(exp.dataFile)),
      assets: [...matrix.assets],
      rows: matrix.T,
      first: matrix.dates[0],
      last: matrix.dates[matrix.T - 1],
      windowStart: matrix.dates[start],
      periodsPerYear: matrix.periodsPerYear,
    },
    search: { kind: space.kind, seed: space.seed, size: space.size },
    createdAt: new Date().toISOString(),
  };
  if (prep.warnings.length > 0) manifest.warnings = prep.warnings;
  if (shard) manifest.shard = { index: shard.k, count: shard.n };
  if (prep.flows) manifest.flows = prep.flows;
  // periods per year against the calendar (issue 16): the convention is kept, the user is told
  const ppyWarning = periodsPerYearWarning(matrix.dates.slice(start), matrix.periodsPerYear, manifest.data.file);
  if (ppyWarning !== null && !o.quiet) process.stderr.write(`rebalance-lab: warning: ${ppyWarning}\n`);

  let dir: string;
  if (o.resume) {
    dir = path.resolve(o.resume);
    if (!existsSync(dir)) throw new UserError(`--resume ${o.resume}: no such folder; give the folder of a run that was started with \`run\``);
  } else if (shard) {
    if (!o.runId) throw new UserError(`--shard ${shard.k}/${shard.n} needs --run-id NAME, so that every shard writes into the same run folder for \`merge\``);
    dir = path.resolve(o.out ?? 'reports', s.name, o.runId, `shard-${shard.k}-of-${shard.n}`);
  } else {
    dir = path.resolve(o.out ?? 'reports', s.name, o.runId ?? runStamp());
  }
  let resuming = false;
  const adopt = async (what: string): Promise<void> => {
    const old = await readManifest(dir);
    if (!old) return;
    if (!o.shard && old.shard) {
      // `--resume DIR` of a shard folder: it stays that shard
      shard = { k: old.shard.index, n: old.shard.count };
      manifest.shard = old.shard;
    }
    if (old.mergedFrom) throw new UserError(`${what}: refused, because ${dir} is a merged run (nothing to finish); re-run \`merge\` instead`);
    if (fingerprint(old) !== fingerprint(manifest)) throw new UserError(`${what}: refused, because ${explainMismatch(old, manifest)}; start a new run instead`);
    manifest.createdAt = old.createdAt;
    resuming = true;
  };
  // what the folder holds decides between a new run and a resume: looked at (read only) before
  // the plan, and again under the lock (another process may have written there in between)
  const checkFolder = async (): Promise<void> => {
    resuming = false;
    if (o.resume) {
      await adopt(`--resume ${o.resume}`);
      if (!resuming)
        throw new UserError(
          `--resume ${o.resume}: refused, because ${dir} has no manifest.json, so it is not a run folder (or its run never started); start a new run instead`,
        );
    } else if (shard) {
      // a restarted shard (a Kubernetes or Slurm retry) carries on where it stopped
      await adopt(`shard ${shard.k}/${shard.n} in ${dir}`);
    } else if (existsSync(path.join(dir, 'manifest.json'))) {
      throw new UserError(`${dir} already holds a run; pick another --run-id or use --resume`);
    }
    if (!resuming) {
      // a folder with a run's files but no manifest is not ours to fill: never adopt its journal
      // (another experiment's rows) nor overwrite its results
      const foreign = ['journal.bin', 'results.csv', 'report.html'].filter((f) => existsSync(path.join(dir, f)));
      if (foreign.length)
        throw new UserError(
          `${dir}: refused, because it holds ${foreign.join(', ')} but no manifest.json, so it is not a run of this experiment; choose another --run-id (or --out), or remove that folder`,
        );
    }
  };
  await checkFolder();
  manifest.data.fromRun = path.relative(dir, exp.dataFile);
  const relDir = path.relative(process.cwd(), dir) || dir;
  const again = isObject ? `runExperiment(spec, { resume: ${JSON.stringify(relDir)} })` : `\`rebalance-lab run ${o.experiment as string} --resume ${relDir}\``;

  // what is done (resume) and what is missing, in this run's local index space
  const K = space.size;
  const sh = shard ?? { k: 0, n: 1 };
  const Kl = shardCount(K, sh.k, sh.n);
  const globalId = (j: number): number => sh.k + j * sh.n;
  const journalFile = path.join(dir, 'journal.bin');
  // read only before the lock (a torn tail is cut under the lock, by the scan that counts)
  let journalSeen = fileStamp(journalFile);
  let scan: JournalScan = await scanJournal(journalFile, { size: Kl, truncateTail: false });
  const countDone = (sc: JournalScan): number => {
    const d = new Uint8Array(Kl);
    for (const e of sc.entries) d.fill(1, e.from, e.from + e.count);
    return d.reduce((a, b) => a + b, 0);
  };
  let resumed = countDone(scan);

  // the plan, before anything is written: refused above the limits without --yes
  const label = `${s.name}${shard ? ` shard ${sh.k}/${sh.n}` : ''}`;
  clock.enter('plan');
  const planCtx = KernelContext.forMatrix(matrix, {
    targets,
    start,
    initialCapital: s.initialCapital,
    riskFree: s.riskFree,
  });
  const plan = makePlan({
    space,
    ctx: planCtx,
    configurations: Kl,
    toEvaluate: Kl - resumed,
    workers,
    batchSize: o.batchSize ?? chooseBatchSize(Math.max(1, Kl - resumed), workers),
  });
  o.onProgress?.({ phase: 'plan', plan, warnings: prep.warnings, dir });
  if (printPlan) {
    process.stderr.write(formatPlan(plan, label));
    for (const w of prep.warnings) process.stderr.write(`rebalance-lab: warning: ${w}\n`);
  }
  if (o.dryRun) {
    if (printPlan) process.stderr.write(`dry run: nothing computed or written${plan.over ? ` (a real run needs --yes: ${plan.over})` : ''}\n`);
    return {
      dir,
      spec: s,
      space,
      summary: null,
      failures: new Map(),
      baselines: [],
      seconds: clock.finish(),
      workers,
      evaluated: 0,
      plan,
      dryRun: true,
      warnings: prep.warnings,
      selection: null,
      ...(shard ? { shard } : {}),
    };
  }
  if (plan.over && !o.yes) throw refusePlan(plan, prep.file, o.caller ?? 'cli');

  await mkdir(dir, { recursive: true });
  // one writer per run folder: taken after the plan (a dry run creates nothing) and before
  // anything in the folder is written; released at the end, also when the run fails
  const lock = acquireRunLock(dir, o.resume ? 'a resume' : shard ? `shard ${sh.k}/${sh.n}` : 'a run', { breakLock: o.breakLock });
  try {
    await removeOrphanTemps(dir);
    // under the lock, the looks that count: the folder, and the journal if it changed or has a torn tail
    const wasResuming = resuming;
    await checkFolder();
    if (resuming !== wasResuming || scan.dropped > 0 || fileStamp(journalFile) !== journalSeen) {
      scan = await scanJournal(journalFile, { size: Kl });
      resumed = countDone(scan);
      journalSeen = fileStamp(journalFile);
    }
    if (!resuming) await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const { entries } = scan;
    const done = new Uint8Array(Kl);
    for (const e of entries) done.fill(1, e.from, e.from + e.count);
    const failures = new Map<number, string>();
    for (const [j, why] of scan.failures) failures.set(globalId(j), why);
    if (!o.quiet && resuming) process.stderr.write(`resume: ${resumed} of ${Kl} configurations already done${journalNotes(scan)}\n`);
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
      ...priceWindow(prep),
      space: s.space,
      search: s.search,
      costs: s.costs,
      faults: process.env.REBALANCE_LAB_FAULTS,
      shard: sh,
      flows: prep.flows,
      tax: s.tax ?? null,
      taxAware: s.taxAware ?? false,
    };
    clock.enter('sweep', { phase: 'sweep', done: 0, total: Kl - resumed });
    const journal = await JournalWriter.open(journalFile);
    const progress = new Progress(Kl - resumed, !o.quiet, `${label}: ${Kl.toLocaleString('en')} configurations on ${workers} worker${workers > 1 ? 's' : ''}`);
    let evaluated = 0;
    try {
      await runSweep({
        workerData,
        ranges,
        workers,
        batchSize: o.batchSize,
        signal: o.signal,
        maxOldGenerationSizeMb: o.workerMemoryMb,
        onResult: async (r) => {
          lock.check();
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
      lock.check();
      await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    };
    if (shard) {
      const seconds = clock.finish();
      await writeManifest();
      o.onProgress?.({ phase: 'done', dir });
      return {
        dir,
        spec: s,
        space,
        summary: null,
        failures,
        baselines: [],
        seconds,
        workers,
        shard,
        evaluated,
        plan,
        warnings: prep.warnings,
        selection: null,
      };
    }

    lock.check();
    const fin = await finishRun({
      prep,
      dir,
      shards: [{ file: journalFile, entries, k: 0, n: 1 }],
      failures,
      workers,
      quiet: o.quiet,
      experiment: isObject ? OBJECT_EXPERIMENT : (o.experiment as string),
      clock,
      signal: o.signal,
      again,
      startReport: o.writeReport && !o.noReport ? o.startReport : undefined,
    });
    clock.close();
    let report: string | undefined;
    // the report's digest thread ends by itself once it has posted; should anything below throw
    // first, it is stopped rather than left to run on
    try {
      if (o.writeReport && !o.noReport) {
        // the run's results are complete on disk: a stop from here on loses nothing
        clock.finish();
        await writeManifest();
        clock.enter('report');
        if (process.env.REBALANCE_LAB_FAULTS?.split(';').includes('sigint:report')) process.kill(process.pid, 'SIGINT'); // test hook: Ctrl-C during the report
        // the digest made while results.csv was written; should its thread have failed, the report reads the rows itself
        const digested = await fin.digest?.digest.catch((e: unknown) => {
          if (!o.quiet) process.stderr.write(`report: the digest thread failed (${e instanceof Error ? e.message : String(e)}); reading the rows again\n`);
          return undefined;
        });
        const file = await o.writeReport(dir, digested);
        if (o.signal?.aborted) throw stoppedAfterSweep('writing the report', relDir, again);
        report = path.relative(process.cwd(), file) || file;
      }
    } finally {
      await fin.digest?.stop();
    }
    const seconds = clock.finish();
    await writeManifest();
    o.onProgress?.({ phase: 'done', dir });
    return {
      dir,
      spec: s,
      space,
      summary: fin.summary,
      failures,
      baselines: fin.baselines,
      seconds,
      workers,
      evaluated,
      plan,
      warnings: prep.warnings,
      selection: fin.selection,
      ...(report ? { report } : {}),
    };
  } finally {
    lock.release();
  }
}

/** What a journal scan skipped, for the resume line: " (…; …)" or "". */
export function journalNotes(scan: JournalScan): string {
  const notes: string[] = [];
  if (scan.damaged.length) {
    const bytes = scan.damaged.reduce((a, d) => a + d.bytes, 0);
    notes.push(
      `skipped ${scan.damaged.length} damaged stretch${scan.damaged.length > 1 ? 'es' : ''} of the journal (${bytes} bytes from byte ${scan.damaged[0].offset}); their configurations are computed again`,
    );
  }
  if (scan.overlapping.length)
    notes.push(`skipped ${scan.overlapping.length} record${scan.overlapping.length > 1 ? 's' : ''} repeating rows already held (or beyond the run's size)`);
  if (scan.dropped) notes.push(`dropped a torn last record of ${scan.dropped} bytes`);
  return notes.length ? ` (${notes.join('; ')})` : '';
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
  /** RunOptions.startReport: started once the selection is made, returned as `digest`. */
  startReport?: (dir: string, rows: RunRows) => Promise<DigestStart | null>;
}

/** The run's evaluation window as the kernel sees it: prices, targets, first row, capital, risk-free rate. */
function priceWindow(prep: Prepared): PriceWindow & { targets: Float64Array; initialCapital: number; riskFree: number } {
  const { matrix, targets, start, spec } = prep;
  return { ...matrixOf(matrix), targets, start, initialCapital: spec.initialCapital, riskFree: spec.riskFree };
}

/** Baselines, results.csv (streamed from the journals) and the extra analyses: shared by run and merge. */
export async function finishRun(input: FinishInput): Promise<{ summary: FinalSummary; baselines: Baseline[]; selection: SelectionJson; digest?: DigestStart }> {
  const { prep, dir, shards, failures, workers, clock, signal } = input;
  const { spec: s, matrix, targets, space, start, constraints } = prep;
  const rel = path.relative(process.cwd(), dir) || dir;
  const again = input.again ?? `\`rebalance-lab run ${input.experiment} --resume ${rel}\``;
  const check = (what: string): void => {
    if (signal?.aborted) throw stoppedAfterSweep(what, rel, again);
  };
  clock?.enter('write');
  // baselines on the same window, costs and flows: calendar on each check schedule, and buy-and-hold
  const ctx = KernelContext.forMatrix(matrix, {
    targets,
    start,
    initialCapital: s.initialCapital,
    riskFree: s.riskFree,
    flows: prep.flows,
    tax: s.tax ?? null,
    taxAware: s.taxAware ?? false,
  });
  const baselines = prep.baselines.map(({ id, config }) => {
    const m = new Float64Array(N_METRICS);
    simulate(ctx, config, m, 0);
    return { id, config, metrics: m };
  });
  // the analyses beyond the sweep (issue 5), each a no-op unless the experiment asks for it
  const extras: ExtrasInput = {
    dir,
    spec: s,
    prices: matrix.prices,
    T: matrix.T,
    N: matrix.N,
    dates: matrix.dates,
    periodsPerYear: matrix.periodsPerYear,
    targets,
    start,
    space,
    constraints,
    baselines: prep.baselines,
    folds: prep.folds,
    robustness: prep.robustness,
    quiet: input.quiet,
    file: input.experiment,
  };
  if (s.validation) clock?.enter('validation');
  await (await import('../validate/index.js')).runValidation(extras);
  check('validating out of sample');
  if (s.robustness) clock?.enter('robustness');
  // robustRank ranks only the selection rule's candidates on the actual history (docs/selection.md step 1)
  const eligible = s.robustness
    ? (await import('../results/selection-run.js')).inSampleEligible({ space, shards, failures, scoreWeights: s.scoreWeights, constraints })
    : undefined;
  const robust = await (await import('../robust/index.js')).runRobustness({ ...extras, workers, eligible });
  check('resampling histories (robustness)');
  // the selection by evidence (issue 11): selection.json, and the ranks results.csv is written with
  clock?.enter('write');
  const { runSelection } = await import('../results/selection-run.js');
  // what the selection and results.csv are made from
  const rowsOf = { space, shards, failures, baselines, scoreWeights: s.scoreWeights, constraints, objectives: s.objectives };
  const selection = await runSelection({
    ...rowsOf,
    dir,
    window: priceWindow(prep),
    robust:
      robust && s.robustness
        ? {
            score: robust.robustScore,
            feasibleFreq: robust.feasibleFreq,
            paths: robust.pathScores,
            P: robust.P,
            quantile: s.robustness.rankBy === 'median' ? 0.5 : s.robustness.rankBy.quantile,
          }
        : null,
    validation: !!s.validation,
  });
  // the report's digest reads the same rows on its own thread while results.csv is written here
  // (without a front, or should the thread not start, the report reads the rows itself later)
  let digest: DigestStart | undefined;
  if (selection.front && input.startReport)
    try {
      digest =
        (await input.startReport(dir, {
          shards,
          failures: [...failures],
          rank: selection.rank,
          front: selection.front,
          constraints: [...constraints],
          scoreWeights: s.scoreWeights,
          baselines,
        })) ?? undefined;
      // taken (or its failure reported) in the report phase, after results.csv
      digest?.digest.catch(() => {});
    } catch (e) {
      if (!input.quiet)
        process.stderr.write(
          `report: its digest thread did not start (${e instanceof Error ? e.message : String(e)}); the report reads the rows after the write\n`,
        );
    }
  let summary: FinalSummary;
  try {
    summary = await finalizeResults({
      ...rowsOf,
      file: path.join(dir, 'results.csv'),
      selection,
      scanned: selection.front ? { scores: selection.scores, front: selection.front } : undefined,
      ranksFile: path.join(dir, RANKS_FILE),
    });
  } catch (e) {
    await digest?.stop();
    throw e;
  }
  clock?.close();
  return { summary, baselines, selection: selection.json, ...(digest ? { digest } : {}) };
}
