/**
 * `rebalance-lab run`: an experiment end to end — load and validate, sweep on the worker
 * pool (journalled batch by batch), baselines, scoring, results.csv + manifest.json, report.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadExperiment, type LoadedExperiment } from '../experiment/load.js';
import type { ExperimentSpec } from '../experiment/schema.js';
import { loadPrices } from '../data/load.js';
import type { DataInfo, PriceMatrix } from '../data/types.js';
import { KernelContext } from '../kernel/context.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import { resolveTargets } from '../policy/targets.js';
import type { Config } from '../policy/types.js';
import { ParameterSpace } from '../search/space.js';
import { JournalWriter, readJournal } from '../results/journal.js';
import { writeFileAtomic, writeLinesAtomic } from '../results/atomic.js';
import { formatRow, RESULT_COLUMNS } from '../results/table.js';
import { paretoFront, parseConstraints, rankRows, satisfies, score, type Constraint } from '../results/score.js';
import type { TaskResult, WorkerData } from './protocol.js';
import { defaultWorkers, runSweep, SweepAborted } from './sweep.js';
import { Progress } from './progress.js';

export const VERSION = '0.1.0';

export interface RunOptions {
  experiment: string;
  workers?: number;
  /** Parent folder of runs (default reports/). */
  out?: string;
  runId?: string;
  /** An existing run folder to finish. */
  resume?: string;
  batchSize?: number;
  /** Print nothing but errors. */
  quiet?: boolean;
  /** Skip the HTML report. */
  noReport?: boolean;
  /** For tests: an AbortSignal to stop the sweep. */
  signal?: AbortSignal;
}

/** Everything a finished run holds in memory (for the report and the leaderboard). */
export interface RunResult {
  dir: string;
  exp: LoadedExperiment;
  matrix: PriceMatrix;
  info: DataInfo;
  targets: Float64Array;
  space: ParameterSpace;
  start: number;
  rows: Float64Array;
  failures: Map<number, string>;
  feasible: Uint8Array;
  pareto: Uint8Array;
  scores: Float64Array;
  ranks: Uint32Array;
  baselines: { id: string; config: Config; metrics: Float64Array }[];
  seconds: { load: number; sweep: number; write: number; total: number };
  workers: number;
}

export interface Manifest {
  tool: 'rebalance-lab';
  version: string;
  experiment: { name: string; file: string; sha256: string; spec: ExperimentSpec };
  data: { file: string; sha256: string; assets: string[]; rows: number; first: string; last: string; windowStart: string; periodsPerYear: number };
  search: { kind: string; seed: number; size: number };
  createdAt: string;
  completedAt?: string;
  workers?: number;
  timings?: Record<string, number>;
  failed?: number;
}

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

function runStamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** What must match for --resume (everything that changes a result). */
function fingerprint(m: Manifest): string {
  return JSON.stringify([m.version, m.experiment.spec, m.data.sha256, m.data.assets, m.data.windowStart, m.search]);
}

function explainMismatch(old: Manifest, cur: Manifest): string {
  if (old.data.sha256 !== cur.data.sha256) return `the data file ${cur.data.file} changed (sha256 ${old.data.sha256.slice(0, 12)}… → ${cur.data.sha256.slice(0, 12)}…)`;
  if (JSON.stringify(old.experiment.spec) !== JSON.stringify(cur.experiment.spec)) return `the experiment ${cur.experiment.file} changed since the run started`;
  if (old.version !== cur.version) return `it was made by rebalance-lab ${old.version}, this is ${cur.version}`;
  return 'the search or data window differ';
}

export async function prepare(expFile: string): Promise<{
  exp: LoadedExperiment; matrix: PriceMatrix; info: DataInfo; targets: Float64Array; space: ParameterSpace; start: number; constraints: Constraint[];
}> {
  const exp = await loadExperiment(expFile);
  const s = exp.spec;
  const f = path.relative(process.cwd(), exp.file) || exp.file;
  const space = new ParameterSpace(s.space, s.search, { costs: s.costs }, f);
  if (space.size === 0) throw new UserError(`${f}: space: the search space is empty; list at least one value for every parameter`);
  const assets = s.data.assets ?? Object.keys(s.targets);
  const { matrix, info } = await loadPrices(exp.dataFile, {
    assets, start: s.data.start, end: s.data.end, maxFill: s.data.maxFill, periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${f}: targets` });
  const start = space.maxLookback;
  if (start > matrix.T - 3)
    throw new UserError(`${f}: space: lookback ${start} needs more data than the ${matrix.T} rows of ${s.data.file} from ${matrix.dates[0]}; use a shorter lookback or a longer date range`);
  const constraints = parseConstraints(s.constraints, `${f}: constraints`);
  return { exp, matrix, info, targets, space, start, constraints };
}

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const { exp, matrix, info, targets, space, start, constraints } = await prepare(o.experiment);
  const s = exp.spec;
  const workers = Math.max(1, o.workers ?? defaultWorkers());
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
  let dir: string;
  if (o.resume) {
    dir = path.resolve(o.resume);
    const mf = path.join(dir, 'manifest.json');
    if (!existsSync(mf)) throw new UserError(`--resume ${o.resume}: no manifest.json there; give the folder of a run that was started with \`run\``);
    const old = JSON.parse(await readFile(mf, 'utf8')) as Manifest;
    if (fingerprint(old) !== fingerprint(manifest))
      throw new UserError(`--resume ${o.resume}: refused, because ${explainMismatch(old, manifest)}; start a new run instead`);
    manifest.createdAt = old.createdAt;
  } else {
    dir = path.resolve(o.out ?? 'reports', s.name, o.runId ?? runStamp());
    if (existsSync(path.join(dir, 'manifest.json'))) throw new UserError(`${dir} already holds a run; pick another --run-id or use --resume`);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
  const tLoad = performance.now();

  // results so far (resume) and what is missing
  const K = space.size;
  const rows = new Float64Array(K * N_METRICS).fill(NaN);
  const done = new Uint8Array(K);
  const failures = new Map<number, string>();
  const journalFile = path.join(dir, 'journal.bin');
  const take = (r: TaskResult): void => {
    rows.set(r.rows, r.from * N_METRICS);
    done.fill(1, r.from, r.to);
    for (const [id, why] of r.failures) failures.set(id, why);
  };
  let resumed = 0;
  if (o.resume) {
    const { records, dropped } = await readJournal(journalFile);
    for (const r of records) if (r.to <= K) take(r);
    resumed = records.reduce((n, r) => n + (r.to - r.from), 0);
    if (!o.quiet) process.stderr.write(`resume: ${resumed} of ${K} configurations already done${dropped ? ` (dropped a torn last record of ${dropped} bytes)` : ''}\n`);
  }
  const ranges: [number, number][] = [];
  for (let i = 0; i < K; ) {
    if (done[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < K && !done[j]) j++;
    ranges.push([i, j]);
    i = j;
  }
  const workerData: WorkerData = {
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets,
    periodsPerYear: matrix.periodsPerYear, start, initialCapital: s.initialCapital, riskFree: s.riskFree,
    space: s.space, search: s.search, costs: s.costs, faults: process.env.REBALANCE_LAB_FAULTS,
  };
  const journal = await JournalWriter.open(journalFile);
  const progress = new Progress(K - resumed, !o.quiet, `${s.name}: ${K.toLocaleString('en')} configurations on ${workers} worker${workers > 1 ? 's' : ''}`);
  try {
    await runSweep({
      workerData, ranges, workers, batchSize: o.batchSize, signal: o.signal,
      onResult: async (r) => {
        await journal.append(r);
        take(r);
        progress.tick(r.to - r.from);
      },
    });
  } catch (e) {
    progress.stop();
    await journal.close();
    if (e instanceof SweepAborted) {
      throw new UserError(`stopped: ${done.reduce((a, b) => a + b, 0)} of ${K} configurations are kept in ${dir}; finish with \`rebalance-lab run ${o.experiment} --resume ${path.relative(process.cwd(), dir) || dir}\``);
    }
    throw e;
  }
  progress.stop();
  await journal.close();
  const tSweep = performance.now();

  // baselines on the same window and costs: calendar on each check schedule, and buy-and-hold
  const ctx = new KernelContext({
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear,
    start, initialCapital: s.initialCapital, riskFree: s.riskFree,
  });
  const baselines = baselineConfigs(space, s).map(({ id, config }) => {
    const m = new Float64Array(N_METRICS);
    simulate(ctx, config, m, 0);
    return { id, config, metrics: m };
  });

  // scoring
  const feasible = new Uint8Array(K);
  const scores = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    const ok = !failures.has(i);
    scores[i] = ok ? score(rows, i * N_METRICS, s.scoreWeights) : NaN;
    feasible[i] = ok && satisfies(rows, i * N_METRICS, constraints) ? 1 : 0;
  }
  const okRows = new Uint8Array(K);
  for (let i = 0; i < K; i++) okRows[i] = failures.has(i) ? 0 : 1;
  const pareto = paretoFront(rows, K, s.objectives, okRows);
  const ranks = rankRows(scores, feasible, K);

  await writeResults(path.join(dir, 'results.csv'), space, rows, failures, feasible, pareto, scores, ranks, baselines, s, constraints);
  const tWrite = performance.now();
  const seconds = {
    load: (tLoad - t0) / 1000, sweep: (tSweep - tLoad) / 1000, write: (tWrite - tSweep) / 1000, total: (tWrite - t0) / 1000,
  };
  manifest.completedAt = new Date().toISOString();
  manifest.workers = workers;
  manifest.timings = seconds;
  manifest.failed = failures.size;
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { dir, exp, matrix, info, targets, space, start, rows, failures, feasible, pareto, scores, ranks, baselines, seconds, workers };
}

export function baselineConfigs(space: ParameterSpace, s: ExperimentSpec): { id: string; config: Config }[] {
  const out: { id: string; config: Config }[] = space.checks.map((check) => ({
    id: `calendar-${check}`,
    config: { band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...s.costs },
  }));
  out.push({ id: 'none', config: { band: 'none', width: 0, check: space.checks[0], mode: 'target', cooldown: 0, ...s.costs } });
  return out;
}

async function writeResults(
  file: string, space: ParameterSpace, rows: Float64Array, failures: Map<number, string>, feasible: Uint8Array,
  pareto: Uint8Array, scores: Float64Array, ranks: Uint32Array, baselines: RunResult['baselines'], s: ExperimentSpec, cs: Constraint[],
): Promise<void> {
  const K = space.size;
  function* lines(): Generator<string> {
    yield RESULT_COLUMNS.join(',') + '\n';
    let buf = '';
    for (let i = 0; i < K; i++) {
      const err = failures.get(i) ?? '';
      buf += formatRow({
        id: i, config: space.config(i), metrics: rows, offset: i * N_METRICS, feasible: feasible[i] === 1, pareto: pareto[i] === 1,
        score: scores[i], rank: ranks[i], error: err,
      }) + '\n';
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    for (const b of baselines) {
      buf += formatRow({
        id: b.id, config: b.config, metrics: b.metrics, offset: 0, feasible: satisfies(b.metrics, 0, cs), pareto: false,
        score: score(b.metrics, 0, s.scoreWeights), rank: 0, error: '',
      }) + '\n';
    }
    yield buf;
  }
  await writeLinesAtomic(file, lines());
}
