/**
 * The library API (issue 14): rebalance-lab from a script is as good as from the terminal.
 *
 *   runExperiment(specOrPath, options) — an experiment object (defineExperiment) or a file;
 *     returns every configuration's row with its metrics by name, the pick and the run folder.
 *   backtest({ prices, targets, policy, costs }) — one policy, validated with the CLI's
 *     messages (a shape mistake is a UserError, never NaN metrics).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { didYouMean, UserError } from './errors.js';
import type { ExperimentInput } from './spec/schema.js';
import { isoDateProblem, detectPeriodsPerYear } from './data/calendar.js';
import { windowWarnings } from './data/window.js';
import type { DataInfo, PriceMatrix } from './data/types.js';
import { allocSeries, simulate, type BacktestSeries } from './kernel/backtest.js';
import { KernelContext } from './kernel/context.js';
import { METRICS, N_METRICS, rowToMetrics, type MetricName, type Metrics } from './kernel/metrics.js';
import { BANDS } from './policy/bands.js';
import { resolveTargets } from './policy/targets.js';
import type { CheckEvery, Config, Costs } from './policy/types.js';
import { forEachRecord } from './results/reader.js';
import { type RESULT_COLUMNS, splitCsvLine } from './results/table.js';
import { runExperiment as runInternal, type RunResult } from './runner/run.js';
import type { PhaseSeconds, RunEvent } from './runner/events.js';
import type { Plan } from './runner/plan.js';
import type { SelectionJson } from './results/selection-types.js';
import type { DigestStart, RunRows } from './results/journal-rows.js';
import { parseBand, parseCheck, parseMode } from './policy/parse.js';

// ---------------------------------------------------------------- runExperiment

async function startRunReport(dir: string, rows: RunRows): Promise<DigestStart | null> {
  return (await import('./report/run-report.js')).startRunReport(dir, rows);
}

async function writeRunReport(dir: string, digested?: unknown): Promise<string> {
  return (await import('./report/run-report.js')).writeRunReport(dir, digested);
}

export interface RunExperimentOptions {
  /** Worker threads (default: every core). */
  workers?: number;
  /** Stop the run; finished batches are kept (resume with `resume: runDir`). */
  signal?: AbortSignal;
  /** Phases (load, plan, sweep, write, validation, robustness, report, done) and sweep progress. */
  onProgress?: (e: RunEvent) => void;
  /** Parent folder of run folders (default "reports"). */
  out?: string;
  /** Write the run folder (default true). false: the run goes to a temporary folder that is removed after the rows are read. */
  write?: boolean;
  /** Name of the run folder (default: a timestamp). */
  runId?: string;
  /** Finish the run in this folder. */
  resume?: string;
  /** Write report.html (default true when the run folder is written). */
  report?: boolean;
  /** Start even above 10 million configurations or an estimated hour of sweep. */
  yes?: boolean;
  /** Plan only: nothing is computed or written; `rows` is empty and `plan` says what a run would do. */
  dryRun?: boolean;
  batchSize?: number;
}

/** One configuration's row of results.csv. */
export interface ResultRow {
  id: number;
  config: Config;
  /** Every metric, keyed by its results.csv column name; NaN for a failed configuration. */
  metrics: Record<MetricName, number>;
  score: number;
  /** 1 = best feasible score; null when infeasible or failed. */
  rank: number | null;
  feasible: boolean;
  pareto: boolean;
  /** Why the configuration failed, if it did. */
  error?: string;
}

/** A baseline (calendar on each schedule, buy-and-hold): never ranked. */
export interface BaselineRow {
  id: string;
  config: Config;
  metrics: Record<MetricName, number>;
}

export interface ExperimentResult {
  /** Every configuration, in id order. */
  rows: ResultRow[];
  baselines: BaselineRow[];
  /** The selected configuration (see readPick), or null when nothing is feasible. */
  pick: ResultRow | null;
  /** The run folder, or null when `write: false` or a dry run. */
  runDir: string | null;
  plan: Plan | null;
  /** How the evaluation window differs from the data file and the experiment's dates, and why. */
  warnings: string[];
  seconds: PhaseSeconds;
}

/**
 * The pick of a finished run: THE one place where the library reads which configuration was
 * selected — selection.json's `pick` (the selection by evidence, issue 11), which results.csv's
 * rank 1 also marks; a run folder without selection.json (made before it existed) falls back to
 * the rank-1 row.
 */
export async function readPick(runDir: string, rows: readonly ResultRow[]): Promise<ResultRow | null> {
  try {
    const sel = JSON.parse(await readFile(path.join(runDir, 'selection.json'), 'utf8')) as Pick<SelectionJson, 'pick'>;
    if (sel.pick === null) return null;
    return rows.find((r) => r.id === sel.pick) ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return rows.find((r) => r.rank === 1) ?? null;
  }
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));

/** Every row of a run's results.csv, metrics by name (configurations; baselines apart). */
export async function readResultRows(runDir: string, r: Pick<RunResult, 'space' | 'baselines'>): Promise<{ rows: ResultRow[]; baselines: BaselineRow[] }> {
  // record by record (results/reader.ts: a quoted cell may hold a line break): a results.csv of
  // millions of rows is larger than a string may be
  let head: string[] | null = null;
  const col = (name: (typeof RESULT_COLUMNS)[number]): number => (head ?? []).indexOf(name);
  let mCols: number[] = [];
  let [cId, cFeas, cPar, cScore, cRank, cErr] = [0, 0, 0, 0, 0, 0];
  const rows: ResultRow[] = [];
  const baselines: BaselineRow[] = [];
  const byId = new Map(r.baselines.map((b) => [b.id, b]));
  await forEachRecord(path.join(runDir, 'results.csv'), (line) => {
    if (line === '') return;
    if (head === null) {
      head = splitCsvLine(line);
      mCols = METRICS.map((m) => col(m));
      [cId, cFeas, cPar, cScore, cRank, cErr] = [col('id'), col('feasible'), col('pareto'), col('score'), col('rank'), col('error')];
      return;
    }
    const c = splitCsvLine(line);
    const metrics = Object.fromEntries(METRICS.map((m, j) => [m, num(c[mCols[j]])])) as Record<MetricName, number>;
    const idText = c[cId];
    if (!/^\d+$/.test(idText)) {
      const b = byId.get(idText);
      if (b) baselines.push({ id: idText, config: b.config, metrics });
      return;
    }
    const id = Number(idText);
    const rank = num(c[cRank]);
    const row: ResultRow = {
      id,
      config: r.space.config(id),
      metrics,
      score: num(c[cScore]),
      rank: Number.isFinite(rank) ? rank : null,
      feasible: c[cFeas] === '1',
      pareto: c[cPar] === '1',
    };
    if (c[cErr]) row.error = c[cErr];
    rows.push(row);
  });
  return { rows, baselines };
}

/**
 * Run an experiment (an object from defineExperiment, or a .ts/.json file): sweep it on the
 * worker pool, write the run folder (results.csv, manifest.json, journal.bin, report.html)
 * and return every row in memory.
 */
export async function runExperiment(specOrPath: ExperimentInput | string, options: RunExperimentOptions = {}): Promise<ExperimentResult> {
  checkKeys(options, ['workers', 'signal', 'onProgress', 'out', 'write', 'runId', 'resume', 'report', 'yes', 'dryRun', 'batchSize'], 'runExperiment options');
  if (specOrPath === null || (typeof specOrPath !== 'string' && typeof specOrPath !== 'object'))
    throw new UserError(
      `runExperiment: expected an experiment object (defineExperiment({...})) or the path of a .ts/.json experiment, got ${typeof specOrPath}`,
    );
  const write = options.write ?? true;
  const tmp = write ? null : await mkdtemp(path.join(os.tmpdir(), 'rebalance-lab-'));
  try {
    const r = await runInternal({
      experiment: specOrPath,
      workers: options.workers,
      signal: options.signal,
      onProgress: options.onProgress,
      out: tmp ?? options.out,
      runId: options.runId,
      resume: options.resume,
      batchSize: options.batchSize,
      yes: options.yes,
      dryRun: options.dryRun,
      writeReport: write && (options.report ?? true) ? writeRunReport : undefined,
      startReport: startRunReport,
      quiet: true,
      printPlan: false,
      caller: 'library',
    });
    const warnings = r.warnings ?? [];
    if (r.dryRun) return { rows: [], baselines: [], pick: null, runDir: null, plan: r.plan ?? null, warnings, seconds: r.seconds };
    if (r.shard || !r.summary) throw new UserError('runExperiment: a shard run has no results of its own; merge the shards with `rebalance-lab merge`');
    const { rows, baselines } = await readResultRows(r.dir, r);
    return { rows, baselines, pick: await readPick(r.dir, rows), runDir: write ? r.dir : null, plan: r.plan ?? null, warnings, seconds: r.seconds };
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- backtest

/** Prices as loadPrices returns them, or plain rows: prices[t][i] is asset i on dates[t]. */
export type PricesInput =
  | PriceMatrix
  | { dates: readonly string[]; assets: readonly string[]; prices: readonly (readonly number[])[]; periodsPerYear?: number };

/**
 * A policy, by fields or in the CLI's compact forms (band: "relative:0.25", mode: "inner:0.5").
 * A result row's `config` (which carries its costs) is a PolicyInput too.
 */
export interface PolicyInput extends Partial<Costs> {
  band?: string;
  width?: number;
  relWidth?: number;
  lookback?: number;
  check?: CheckEvery | string;
  mode?: string;
  depth?: number;
  fraction?: number;
  cooldown?: number;
}

export interface BacktestOptions {
  prices: PricesInput;
  /** { SPY: 0.6, TLT: 0.4 }, or one weight per asset in the order of prices.assets. */
  targets: Record<string, number> | readonly number[];
  /** Default: relative:0.25, checked monthly, back to target (the CLI's defaults). */
  policy?: PolicyInput;
  costs?: Partial<Costs>;
  /** Scale the targets to sum to 1 instead of refusing them. */
  normalize?: boolean;
  /** Initial capital (default 100,000). */
  capital?: number;
  /** Annual risk-free rate for Sharpe and Sortino (default 0). */
  riskFree?: number;
  /** Also return the daily series (value, weights, trades, costs). */
  series?: boolean;
}

export interface BacktestResult {
  config: Config;
  metrics: Metrics;
  /** The evaluation window: first date (after any lookback warm-up), last date, rows. */
  window: { start: string; end: string; rows: number; periodsPerYear: number };
  targets: Record<string, number>;
  warnings: string[];
  series?: BacktestSeries;
}

function checkKeys(o: object, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) throw new UserError(`${where}: unknown field "${k}"${didYouMean(k, allowed)}; fields here: ${allowed.join(', ')}`);
}

function finiteAtLeast(x: unknown, min: number, where: string, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min) throw new UserError(`${where}: ${String(x)} must be ${what}`);
  return x;
}

/** Validate the prices' shape: dates ascending ISO, one positive finite price per asset and date. */
function toMatrix(p: PricesInput): PriceMatrix {
  if (p === null || typeof p !== 'object')
    throw new UserError('prices: expected { dates, assets, prices } (e.g. the matrix from loadPrices(file)), got ' + typeof p);
  const { dates, assets } = p;
  if (!Array.isArray(dates) || dates.length < 2)
    throw new UserError(`prices.dates: expected at least two ISO dates (YYYY-MM-DD), got ${Array.isArray(dates) ? dates.length : typeof dates}`);
  if (!Array.isArray(assets) || assets.length === 0 || !assets.every((a) => typeof a === 'string'))
    throw new UserError('prices.assets: expected a list of asset names, e.g. ["SPY", "TLT"]');
  if (new Set(assets).size !== assets.length) throw new UserError(`prices.assets: an asset is listed twice (${assets.join(', ')})`);
  for (let t = 0; t < dates.length; t++) {
    const d = dates[t];
    const problem = typeof d === 'string' ? isoDateProblem(d) : 'is not a string';
    if (problem !== null) throw new UserError(`prices.dates[${t}]: "${String(d)}" ${problem}; write dates as YYYY-MM-DD`);
    if (t > 0 && !(d > dates[t - 1])) throw new UserError(`prices.dates[${t}]: ${d} is not after ${dates[t - 1]}; dates must be strictly increasing`);
  }
  const T = dates.length;
  const N = assets.length;
  let flat: Float64Array;
  if (p.prices instanceof Float64Array) {
    if (p.prices.length !== T * N)
      throw new UserError(`prices.prices: ${p.prices.length} numbers for ${T} dates × ${N} assets; expected ${T * N} (row-major, one row per date)`);
    flat = p.prices;
  } else if (Array.isArray(p.prices)) {
    const rows = p.prices as readonly (readonly number[])[];
    if (rows.length !== T) throw new UserError(`prices.prices: ${rows.length} rows for ${T} dates; give one row per date`);
    flat = new Float64Array(new SharedArrayBuffer(T * N * 8));
    rows.forEach((row, t) => {
      if (!Array.isArray(row) || row.length !== N)
        throw new UserError(
          `prices.prices[${t}] (${dates[t]}): expected ${N} prices, one per asset (${assets.join(', ')}), got ${Array.isArray(row) ? row.length : typeof row}`,
        );
      row.forEach((x, i) => (flat[t * N + i] = x));
    });
  } else throw new UserError('prices.prices: expected rows of numbers (prices[t][i]) or a Float64Array of dates × assets');
  for (let k = 0; k < flat.length; k++) {
    const x = flat[k];
    if (!(Number.isFinite(x) && x > 0)) {
      const t = Math.floor(k / N);
      throw new UserError(`prices: ${assets[k % N]} on ${dates[t]} is ${x}; every price must be a finite number > 0 (fill or drop the gap first)`);
    }
  }
  const given = (p as { periodsPerYear?: unknown }).periodsPerYear;
  const ppy =
    given === undefined
      ? detectPeriodsPerYear(dates).periodsPerYear
      : finiteAtLeast(given, Number.MIN_VALUE, 'prices.periodsPerYear', 'a number > 0, e.g. 252');
  return { dates, assets, prices: flat, T, N, periodsPerYear: ppy };
}

/** The policy as a Config, through the CLI's own parsers (same checks, same words). */
function toPolicy(p: PolicyInput): Pick<Config, 'band' | 'width' | 'relWidth' | 'lookback' | 'mode' | 'depth' | 'fraction' | 'check' | 'cooldown'> {
  checkKeys(p, ['band', 'width', 'relWidth', 'lookback', 'check', 'mode', 'depth', 'fraction', 'cooldown', ...COST_KEYS], 'policy');
  let bandText = p.band ?? 'relative:0.25';
  if (typeof bandText !== 'string')
    throw new UserError(`policy.band: expected a band type, e.g. "relative" (with width: 0.25) or "relative:0.25", got ${typeof bandText}`);
  if (!bandText.includes(':') && p.width !== undefined) {
    const second = p.relWidth ?? p.lookback;
    bandText = `${bandText}:${p.width}${second !== undefined ? `,${second}` : ''}`;
  }
  const band = parseBand(bandText, p.lookback, 'policy.band');
  let modeText = p.mode ?? 'target';
  if (typeof modeText !== 'string') throw new UserError(`policy.mode: expected a rebalance mode, e.g. "edge", got ${typeof modeText}`);
  if (!modeText.includes(':') && modeText === 'inner' && p.depth !== undefined) modeText = `inner:${p.depth}`;
  if (!modeText.includes(':') && modeText === 'partial' && p.fraction !== undefined) modeText = `partial:${p.fraction}`;
  const mode = parseMode(modeText, 'policy.mode');
  const check = parseCheck(String(p.check ?? 'monthly'), 'policy.check');
  const cooldown = p.cooldown ?? 0;
  if (!(Number.isInteger(cooldown) && cooldown >= 0)) throw new UserError(`policy.cooldown: ${cooldown} must be a whole number of periods ≥ 0`);
  return { ...band, ...mode, check, cooldown };
}

const COST_KEYS = ['feeBps', 'halfSpreadBps', 'fixedFee', 'minTrade'] as const;

function toCosts(c: Partial<Costs>): Costs {
  checkKeys(c, COST_KEYS, 'costs');
  const get = (k: keyof Costs): number => finiteAtLeast(c[k] ?? 0, 0, `costs.${k}`, 'a number ≥ 0');
  return { feeBps: get('feeBps'), halfSpreadBps: get('halfSpreadBps'), fixedFee: get('fixedFee'), minTrade: get('minTrade') };
}

/** One policy over the prices, in-process. Every input is checked first; a mistake is a UserError naming the field. */
export function backtest(o: BacktestOptions): BacktestResult {
  if (o === null || typeof o !== 'object') throw new UserError('backtest: expected { prices, targets, policy, costs }');
  checkKeys(o, ['prices', 'targets', 'policy', 'costs', 'normalize', 'capital', 'riskFree', 'series'], 'backtest');
  const matrix = toMatrix(o.prices);
  let weights: Record<string, number>;
  if (Array.isArray(o.targets)) {
    const list = o.targets as readonly number[];
    if (list.length !== matrix.N)
      throw new UserError(
        `targets: ${list.length} weights for ${matrix.N} assets (${matrix.assets.join(', ')}); give one weight per asset in that order, or an object like { ${matrix.assets.map((a) => `${a}: …`).join(', ')} }`,
      );
    weights = Object.fromEntries(matrix.assets.map((a, i) => [a, list[i]]));
  } else if (o.targets !== null && typeof o.targets === 'object') weights = o.targets as Record<string, number>;
  else throw new UserError(`targets: expected an object like { SPY: 0.6, TLT: 0.4 } or one weight per asset, got ${typeof o.targets}`);
  const targets = resolveTargets(weights, matrix.assets, { normalize: o.normalize, where: 'targets', via: 'api' });
  const policy = toPolicy(o.policy ?? {});
  // costs: from the policy (a result row's config carries them), overridden by `costs`
  const fromPolicy = Object.fromEntries(COST_KEYS.filter((k) => o.policy?.[k] !== undefined).map((k) => [k, o.policy![k]]));
  if (o.costs !== undefined && (o.costs === null || typeof o.costs !== 'object'))
    throw new UserError('costs: expected { feeBps, halfSpreadBps, fixedFee, minTrade }');
  const costs = toCosts({ ...fromPolicy, ...(o.costs ?? {}) });
  const capital = finiteAtLeast(o.capital ?? 100_000, Number.MIN_VALUE, 'capital', 'a number > 0');
  const riskFree = o.riskFree ?? 0;
  if (typeof riskFree !== 'number' || !Number.isFinite(riskFree))
    throw new UserError(`riskFree: ${String(riskFree)} must be a number (an annual rate, e.g. 0.02)`);
  const start = BANDS[policy.band].usesLookback ? (policy.lookback ?? 0) : 0;
  if (start > matrix.T - 3)
    throw new UserError(
      `policy.lookback: ${start} is longer than the prices allow (${matrix.T} dates from ${matrix.dates[0]}); use a shorter lookback or more data`,
    );
  const config: Config = { ...policy, ...costs };
  const ctx = KernelContext.forMatrix(matrix, {
    targets,
    start,
    initialCapital: capital,
    riskFree,
  });
  const out = new Float64Array(N_METRICS);
  const series = o.series ? allocSeries(matrix.T - start, matrix.N, BANDS[policy.band].scope === 'asset') : null;
  simulate(ctx, config, out, 0, series);
  const info: DataInfo = {
    file: 'prices',
    format: 'wide',
    rows: matrix.T,
    assets: matrix.assets.map((name) => ({ name, first: matrix.dates[0], last: matrix.dates[matrix.T - 1], observations: matrix.T, filled: 0 })),
    commonStart: matrix.dates[0],
    end: matrix.dates[matrix.T - 1],
    periodsPerYear: matrix.periodsPerYear,
    periodsPerYearReason: '',
    medianGapDays: NaN,
  };
  const warnings = windowWarnings(info, matrix.dates, { lookback: start, lookbackWhat: `the ${policy.band} band's lookback of ${start} periods` }).map(
    (w) => w.message,
  );
  return {
    config,
    metrics: rowToMetrics(out),
    window: { start: matrix.dates[start], end: matrix.dates[matrix.T - 1], rows: matrix.T - start, periodsPerYear: matrix.periodsPerYear },
    targets: Object.fromEntries(matrix.assets.map((a, i) => [a, targets[i]])),
    warnings,
    ...(series ? { series } : {}),
  };
}
