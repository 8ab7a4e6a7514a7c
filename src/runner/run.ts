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
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadExperiment, type LoadedExperiment } from '../experiment/load.js';
import { periodsPerYearWarning } from '../data/calendar.js';
import { planFolds, type CompiledExperiment } from '../experiment/compile.js';
import type { Fold } from '../experiment/folds.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { loadPrices } from '../data/load.js';
import type { DataInfo, PriceMatrix } from '../data/types.js';
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import { resolveTargets } from '../policy/targets.js';
import type { Config } from '../policy/types.js';
import { JournalWriter, scanJournal, type JournalScan } from '../results/journal.js';
import { writeFileAtomic } from '../results/atomic.js';
import { acquireRunLock, type RunLock } from '../results/lock.js';
import { finalizeResults, shardCount, type Baseline, type FinalSummary, type ShardJournal } from '../results/finalize.js';
import { explainMismatch, fingerprint, readManifest, sha256, VERSION, type Manifest } from '../results/manifest.js';
import type { WorkerData } from '../exec/protocol.js';
import { defaultWorkers, runSweep, SweepAborted } from './sweep.js';
import { Progress } from '../exec/progress.js';
import type { ExtrasInput } from '../experiment/extras.js';
import type { SelectionJson } from '../results/selection-types.js';

export interface Shard {
  k: number;
  n: number;
}

export interface RunOptions {
  experiment: string;
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
  /** Skip the HTML report. */
  noReport?: boolean;
  /** For tests: an AbortSignal to stop the sweep. */
  signal?: AbortSignal;
  /** Take the run folder's lock even though another process seems to hold it. */
  breakLock?: boolean;
  /** Told when the sweep is over and results are being written (a stop no longer stops it). */
  onWritePhase?: () => void;
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
  seconds: { load: number; sweep: number; write: number; total: number };
  workers: number;
  shard?: Shard;
  /** Configurations this run evaluated now (not resumed). */
  evaluated: number;
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
}

/** Load the data for a compiled experiment (`c.file` names it in errors) and plan its folds. */
export async function prepareCompiled(c: CompiledExperiment, dataFile: string): Promise<Prepared> {
  const { spec: s, space, file: f } = c;
  const assets = s.data.assets ?? Object.keys(s.targets);
  const { matrix, info } = await loadPrices(dataFile, {
    assets, start: s.data.start, end: s.data.end, maxFill: s.data.maxFill, periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${f}: targets` });
  const start = space.maxLookback;
  if (matrix.T < 3)
    throw new UserError(`${f}: data: ${s.data.file} has only ${matrix.T} rows${s.data.start || s.data.end ? ' in the chosen dates' : ''}; a sweep needs at least 3 (two periods of returns); use a longer date range`);
  if (start > matrix.T - 3)
    throw new UserError(`${f}: space: lookback ${start} needs more data than the ${matrix.T} rows of ${s.data.file} from ${matrix.dates[0]}; use a shorter lookback or a longer date range`);
  if (c.spec.robustness && c.spec.robustness.blockLength > matrix.T - 1 - start)
    throw new UserError(
      `${c.file}: robustness.blockLength: a mean block of ${c.spec.robustness.blockLength} periods is longer than the ${matrix.T - 1 - start} periods of returns in the window; use a block length of at most that (a few weeks of periods is usual)`,
    );
  // folds that do not fit the data are an experiment mistake: say so before any work starts
  const folds = planFolds(c, matrix.dates, start);
  return { ...c, dataFile, matrix, info, targets, start, folds };
}

export async function prepare(expFile: string): Promise<Prepared & { exp: LoadedExperiment }> {
  const exp = await loadExperiment(expFile);
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
    throw new UserError(`${flag} ${String(v)}: expected a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}, e.g. ${flag} ${example}`);
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
    throw new UserError(`--run-id ${JSON.stringify(o.runId)}: expected a plain folder name (letters, digits, dot, dash, underscore; no '/', no '..'), e.g. --run-id sweep1`);
  if (o.resume !== undefined) {
    if (o.resume.trim() === '') throw new UserError(`--resume '': give the folder of the run to finish, e.g. --resume reports/my-experiment/20261124-120000`);
    const dir = path.resolve(o.resume);
    let st;
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
        throw new UserError(`--resume ${o.resume}: refused, because it is not inside --out ${o.out} (a run writes only there); give the --out the run was started with, or leave --out out`);
    }
  }
}

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  checkRunOptions(o);
  const prep = await prepare(o.experiment);
  const { exp, matrix, targets, space, start } = prep;
  const s = exp.spec;
  const workers = Math.max(1, o.workers ?? defaultWorkers());
  const shard = o.shard;
  if (shard) checkShard(shard);
  const manifest: Manifest = {
    tool: 'rebalance-lab',
    version: VERSION,
    experiment: { name: s.name, file: path.relative(process.cwd(), exp.file), sha256: sha256(exp.text), spec: s },
    data: {
      file: path.relative(process.cwd(), exp.dataFile), sha256: sha256(await readFile(exp.dataFile)), assets: [...matrix.assets],
      rows: matrix.T, first: matrix.dates[0], last: matrix.dates[matrix.T - 1], windowStart: matrix.dates[start], periodsPerYear: matrix.periodsPerYear,
    },
    search: { kind: space.kind, seed: space.seed, size: space.size },
    createdAt: new Date().toISOString(),
  };
  if (shard) manifest.shard = { index: shard.k, count: shard.n };
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
    if (existsSync(path.join(dir, 'manifest.json'))) throw new UserError(`${dir} already holds a run; pick another --run-id or use --resume`);
  }
  await mkdir(dir, { recursive: true });
  // one writer per run folder: taken before anything in it is read or written, released at the end
  const lock = acquireRunLock(dir, o.resume ? 'a resume' : shard ? `shard ${shard.k}/${shard.n}` : 'a run', { breakLock: o.breakLock });
  try {
    return await runLocked(o, prep, manifest, dir, lock, t0, workers);
  } finally {
    lock.release();
  }
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

/** The part of a run that happens under the run folder's lock. */
async function runLocked(
  o: RunOptions,
  prep: Prepared & { exp: LoadedExperiment },
  manifest: Manifest,
  dir: string,
  lock: RunLock,
  t0: number,
  workers: number,
): Promise<RunResult> {
  const { exp, matrix, targets, space, start } = prep;
  const s = exp.spec;
  await removeOrphanTemps(dir);
  let shard = o.shard;
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
  if (o.resume) {
    await adopt(`--resume ${o.resume}`);
    if (!resuming)
      throw new UserError(`--resume ${o.resume}: refused, because ${dir} has no manifest.json, so it is not a run folder (or its run never started); start a new run instead`);
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
      throw new UserError(`${dir}: refused, because it holds ${foreign.join(', ')} but no manifest.json, so it is not a run of this experiment; choose another --run-id (or --out), or remove that folder`);
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  const tLoad = performance.now();

  // what is done (resume) and what is missing, in this run's local index space
  const K = space.size;
  const sh = shard ?? { k: 0, n: 1 };
  const Kl = shardCount(K, sh.k, sh.n);
  const globalId = (j: number): number => sh.k + j * sh.n;
  const done = new Uint8Array(Kl);
  const failures = new Map<number, string>();
  const journalFile = path.join(dir, 'journal.bin');
  const scan = await scanJournal(journalFile, { size: Kl });
  const { entries } = scan;
  for (const e of entries) done.fill(1, e.from, e.from + e.count);
  const resumed = done.reduce((a, b) => a + b, 0);
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
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets,
    periodsPerYear: matrix.periodsPerYear, start, initialCapital: s.initialCapital, riskFree: s.riskFree,
    space: s.space, search: s.search, costs: s.costs, faults: process.env.REBALANCE_LAB_FAULTS, shard: sh,
  };
  const journal = await JournalWriter.open(journalFile);
  const label = `${s.name}${shard ? ` shard ${sh.k}/${sh.n}` : ''}: ${Kl.toLocaleString('en')} configurations on ${workers} worker${workers > 1 ? 's' : ''}`;
  const progress = new Progress(Kl - resumed, !o.quiet, label);
  let evaluated = 0;
  try {
    await runSweep({
      workerData, ranges, workers, batchSize: o.batchSize, signal: o.signal, maxOldGenerationSizeMb: o.workerMemoryMb,
      onResult: async (r) => {
        lock.check();
        entries.push(await journal.append(r));
        done.fill(1, r.from, r.to);
        for (const [j, why] of r.failures) failures.set(globalId(j), why);
        evaluated += r.to - r.from;
        progress.tick(r.to - r.from);
      },
    });
  } catch (e) {
    progress.stop();
    await journal.close();
    if (e instanceof SweepAborted) {
      const kept = done.reduce((a, b) => a + b, 0);
      throw new UserError(`stopped: ${kept} of ${Kl} configurations are kept in ${dir}; finish with \`rebalance-lab run ${o.experiment} --resume ${path.relative(process.cwd(), dir) || dir}\``);
    }
    throw e;
  }
  progress.stop();
  await journal.close();
  const tSweep = performance.now();
  o.onWritePhase?.();

  lock.check();
  if (shard) {
    const seconds = { load: (tLoad - t0) / 1000, sweep: (tSweep - tLoad) / 1000, write: 0, total: (tSweep - t0) / 1000 };
    manifest.completedAt = new Date().toISOString();
    manifest.workers = workers;
    manifest.timings = seconds;
    manifest.failed = failures.size;
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    return { dir, spec: s, space, summary: null, failures, baselines: [], seconds, workers, shard, evaluated, selection: null };
  }

  const fin = await finishRun({ prep, dir, shards: [{ file: journalFile, entries, k: 0, n: 1 }], failures, workers, quiet: o.quiet, experiment: o.experiment });
  const tWrite = performance.now();
  const seconds = {
    load: (tLoad - t0) / 1000, sweep: (tSweep - tLoad) / 1000, write: (tWrite - tSweep) / 1000, total: (tWrite - t0) / 1000,
  };
  manifest.completedAt = new Date().toISOString();
  manifest.workers = workers;
  manifest.timings = seconds;
  manifest.failed = failures.size;
  lock.check();
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { dir, spec: s, space, summary: fin.summary, failures, baselines: fin.baselines, seconds, workers, evaluated, selection: fin.selection };
}

/** What a journal scan skipped, for the resume line: " (…; …)" or "". */
export function journalNotes(scan: JournalScan): string {
  const notes: string[] = [];
  if (scan.damaged.length) {
    const bytes = scan.damaged.reduce((a, d) => a + d.bytes, 0);
    notes.push(`skipped ${scan.damaged.length} damaged stretch${scan.damaged.length > 1 ? 'es' : ''} of the journal (${bytes} bytes from byte ${scan.damaged[0].offset}); their configurations are computed again`);
  }
  if (scan.overlapping.length) notes.push(`skipped ${scan.overlapping.length} record${scan.overlapping.length > 1 ? 's' : ''} repeating rows already held (or beyond the run's size)`);
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
}

/** Baselines, results.csv (streamed from the journals) and the extra analyses: shared by run and merge. */
export async function finishRun(input: FinishInput): Promise<{ summary: FinalSummary; baselines: Baseline[]; selection: SelectionJson }> {
  const { prep, dir, shards, failures, workers } = input;
  const { spec: s, matrix, targets, space, start, constraints } = prep;
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
  await (await import('../validate/index.js')).runValidation(extras);
  const robust = await (await import('../robust/index.js')).runRobustness({ ...extras, workers });
  // the selection by evidence (issue 11): selection.json, and the ranks results.csv is written with
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
  return { summary, baselines, selection: selection.json };
}
