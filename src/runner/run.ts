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
import { loadExperiment, type LoadedExperiment } from '../experiment/load.js';
import { planFolds, type CompiledExperiment } from '../experiment/compile.js';
import type { Fold } from '../experiment/folds.js';
import type { ExperimentSpec } from '../spec/schema.js';
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
  /** For tests: an AbortSignal to stop the sweep. */
  signal?: AbortSignal;
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
  if (start > matrix.T - 3)
    throw new UserError(`${f}: space: lookback ${start} needs more data than the ${matrix.T} rows of ${s.data.file} from ${matrix.dates[0]}; use a shorter lookback or a longer date range`);
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

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const prep = await prepare(o.experiment);
  const { exp, matrix, targets, space, start } = prep;
  const s = exp.spec;
  const workers = Math.max(1, o.workers ?? defaultWorkers());
  let shard = o.shard;
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
  if (!resuming) {
    await mkdir(dir, { recursive: true });
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
  const { entries, failures: oldFailures, dropped } = await scanJournal(journalFile);
  let resumed = 0;
  for (const e of entries) {
    done.fill(1, e.from, Math.min(Kl, e.from + e.count));
    resumed += e.count;
  }
  for (const [j, why] of oldFailures) failures.set(globalId(j), why);
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
  const journal = await JournalWriter.open(journalFile);
  const label = `${s.name}${shard ? ` shard ${sh.k}/${sh.n}` : ''}: ${Kl.toLocaleString('en')} configurations on ${workers} worker${workers > 1 ? 's' : ''}`;
  const progress = new Progress(Kl - resumed, !o.quiet, label);
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

  if (shard) {
    const seconds = { load: (tLoad - t0) / 1000, sweep: (tSweep - tLoad) / 1000, write: 0, total: (tSweep - t0) / 1000 };
    manifest.completedAt = new Date().toISOString();
    manifest.workers = workers;
    manifest.timings = seconds;
    manifest.failed = failures.size;
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    return { dir, spec: s, space, summary: null, failures, baselines: [], seconds, workers, shard, evaluated };
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
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { dir, spec: s, space, summary: fin.summary, failures, baselines: fin.baselines, seconds, workers, evaluated };
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
export async function finishRun(input: FinishInput): Promise<{ summary: FinalSummary; baselines: Baseline[] }> {
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
  const summary = await finalizeResults({
    file: path.join(dir, 'results.csv'), space, shards, failures, baselines,
    scoreWeights: s.scoreWeights, constraints, objectives: s.objectives,
  });
  // the analyses beyond the sweep (issue 5), each a no-op unless the experiment asks for it
  const extras: ExtrasInput = {
    dir, spec: s, prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, periodsPerYear: matrix.periodsPerYear,
    targets, start, space, constraints, baselines: prep.baselines, folds: prep.folds, robustness: prep.robustness,
    quiet: input.quiet, file: input.experiment,
  };
  await (await import('../validate/index.js')).runValidation(extras);
  await (await import('../robust/index.js')).runRobustness({ ...extras, workers });
  return { summary, baselines };
}
