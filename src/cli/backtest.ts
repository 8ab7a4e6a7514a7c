/**
 * `rebalance-lab backtest`: one policy on one data file, printed beside the calendar
 * baseline on the same check schedule and buy-and-hold.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { periodsPerYearWarning, rowsPerCalendarYear } from '../data/calendar.js';
import { loadPrices } from '../data/load.js';
import { FLOW_MODES, parseDatedFlows, parseFlow, type FlowMode, type FlowsSpec } from '../policy/flows.js';
import { windowWarnings } from '../data/window.js';
import { UserError } from '../errors.js';
import { allocSeries, simulate, type BacktestSeries } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { isRuined, METRIC_UNITS, METRICS, N_METRICS, rowToMetrics, type MetricName, type Metrics } from '../kernel/metrics.js';
import { BANDS } from '../policy/bands.js';
import { DOMAINS, MAX_COST_BPS } from '../policy/domains.js';
import { describeConfig } from '../policy/describe.js';
import { parseWeights, resolveTargets } from '../policy/targets.js';
import { COST_KEYS, type Config, type Costs } from '../policy/types.js';
import { writeFileAtomic } from '../results/atomic.js';
import { num } from '../results/table.js';
import { fmtMetric, metricMeta } from '../report/format.js';
import { parseBand, parseCheck, parseMode } from './spec.js';

/** The parsed flags; costs are the experiment schema's cost fields (same names, camel case). */
export interface BacktestArgs extends Costs {
  data: string;
  weights: string;
  band: string;
  check: string;
  to: string;
  lookback?: number;
  cooldown: number;
  start?: string;
  end?: string;
  maxFill?: number;
  periodsPerYear?: number;
  capital: number;
  riskFree: number;
  normalize: boolean;
  json: boolean;
  series?: string;
  /** Cash flows (docs/flows-and-taxes.md): AMOUNT@SCHEDULE texts, how they are invested, growth, a CSV of dated flows. */
  flow?: string[];
  flowMode?: string;
  flowGrowth?: number;
  flowsFile?: string;
  /** Capital-gains tax rate (docs/flows-and-taxes.md). */
  tax?: number;
  taxAware?: boolean;
}

/** The `schema` of `backtest --json` (docs/backtest.schema.json); bump on an incompatible change. */
export const BACKTEST_SCHEMA = 'rebalance-lab/backtest/1';

export interface BacktestColumn {
  name: 'policy' | 'calendar' | 'buy-and-hold';
  label: string;
  config: Config;
  /** The value went to or below zero on some row (then every other metric describes a ruin). */
  ruined: boolean;
  metrics: Metrics;
}

/** What `backtest` computed, with every input needed to reproduce it (docs/backtest.md). */
export interface BacktestReport {
  schema: typeof BACKTEST_SCHEMA;
  generator: { name: 'rebalance-lab'; version: string };
  inputs: {
    data: {
      file: string;
      sha256: string;
      format: 'wide' | 'long';
      assets: string[];
      /** Rows loaded after alignment (the same count as manifest.json's data.rows). */
      loadedRows: number;
      first: string;
      last: string;
      maxFill: number | null;
    };
    /** The evaluation window: rows start..end; the first row is the costless initial allocation. */
    window: {
      start: string;
      end: string;
      rows: number;
      returns: number;
      /** Loaded rows before the window (the lookback warm-up). */
      warmupRows: number;
      /** returns / periodsPerYear: the years every annualized metric uses. */
      years: number;
      /** (end − start) in days / 365.25. */
      calendarYears: number;
    };
    periodsPerYear: { value: number; source: 'detected' | 'override'; reason: string; rowsPerCalendarYear: number };
    capital: number;
    riskFree: number;
    targets: Record<string, number>;
    costs: { feeBps: number; halfSpreadBps: number; fixedFee: number; minTrade: number };
    policy: Config & { label: string };
  };
  /** Unit of every metric key (see docs/backtest.md for the vocabulary). */
  units: Record<MetricName, string>;
  benchmark: { definition: string; cagr: number };
  columns: BacktestColumn[];
  /** The policy column is ruined (see columns[].ruined). */
  ruined: boolean;
  warnings: string[];
  series: { file: string; columns: string[] } | null;
}

function nonNegative(x: number, flag: string): number {
  if (!DOMAINS.cost.ok(x)) throw new UserError(`${flag}: ${x} must be a number ${DOMAINS.cost.text}`);
  return x;
}

export async function backtestCommand(a: BacktestArgs): Promise<BacktestReport> {
  const band = parseBand(a.band, a.lookback);
  const mode = parseMode(a.to);
  const check = parseCheck(a.check);
  if (!DOMAINS.cooldown.ok(a.cooldown)) throw new UserError(`--cooldown: ${a.cooldown} must be a whole number of periods ≥ 0`);
  if (!(Number.isFinite(a.capital) && a.capital > 0 && a.capital <= 1e15))
    throw new UserError(`--capital: ${a.capital} must be a number > 0 and at most 1e15 (the initial value, e.g. 100000)`);
  if (!Number.isFinite(a.riskFree)) throw new UserError(`--risk-free: ${a.riskFree} must be a number (an annual rate, e.g. 0.02)`);
  const costs = Object.fromEntries(COST_KEYS.map((k) => [k, nonNegative(a[k], `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)])) as unknown as Costs; // every key of Costs, from COST_KEYS
  if (a.series) checkSeriesPath(a.series);
  // issue 15: proportional costs in their domain, and a fixed fee below the capital
  if (!DOMAINS.bps.ok(costs.feeBps))
    throw new UserError(`--fee-bps: ${costs.feeBps} must be basis points in [0, ${MAX_COST_BPS}] (${MAX_COST_BPS} bps is 25% of the traded amount)`);
  if (!DOMAINS.bps.ok(costs.halfSpreadBps))
    throw new UserError(
      `--half-spread-bps: ${costs.halfSpreadBps} must be basis points in [0, ${MAX_COST_BPS}] (${MAX_COST_BPS} bps is 25% of the traded amount)`,
    );
  if (costs.fixedFee >= a.capital)
    throw new UserError(`--fixed-fee: ${costs.fixedFee} per asset traded is not below the capital ${a.capital}; one trade would cost the whole portfolio`);
  const weights = parseWeights(a.weights);
  const { matrix, info } = await loadPrices(a.data, {
    assets: Object.keys(weights),
    start: a.start,
    end: a.end,
    maxFill: a.maxFill,
    periodsPerYear: a.periodsPerYear,
  });
  const fileSha = createHash('sha256')
    .update(await readFile(a.data))
    .digest('hex');
  const targets = resolveTargets(weights, matrix.assets, { normalize: a.normalize, where: '--weights', via: 'cli' });
  const start = BANDS[band.band].usesLookback ? (band.lookback ?? 0) : 0;
  if (matrix.T < 3)
    throw new UserError(
      `${a.data}: only ${matrix.T} rows${a.start || a.end ? ' in the chosen dates' : ''}; a backtest needs at least 3 (two periods of returns); use a longer date range`,
    );
  if (start > matrix.T - 3)
    throw new UserError(
      `--band ${a.band}: lookback ${start} is longer than the data allows (${matrix.T} rows from ${matrix.dates[0]} in ${a.data}); use a shorter lookback or more data`,
    );
  if (a.tax !== undefined && !(Number.isFinite(a.tax) && a.tax >= 0 && a.tax < 1)) throw new UserError(`--tax: ${a.tax} must be a rate in [0, 1), e.g. 0.25`);
  if (a.taxAware && a.tax === undefined) throw new UserError('--tax-aware needs --tax RATE');
  const flows = await cliFlows(a);
  const flowMode = parseFlowMode(a.flowMode);
  const policy: Config = { ...band, ...mode, check, cooldown: a.cooldown, ...costs, ...(flows ? { flowMode } : {}) };
  const calendar: Config = { band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...costs };
  const hold: Config = { band: 'none', width: 0, check, mode: 'target', cooldown: 0, ...costs };
  const ppy = matrix.periodsPerYear;
  const ctx = new KernelContext({
    prices: matrix.prices,
    T: matrix.T,
    N: matrix.N,
    dates: matrix.dates,
    targets,
    periodsPerYear: ppy,
    start,
    initialCapital: a.capital,
    riskFree: a.riskFree,
    flows,
    tax: a.tax ?? null,
    taxAware: a.taxAware ?? false,
  });
  const out = new Float64Array(N_METRICS);
  const series = a.series ? allocSeries(matrix.T - start, matrix.N, false) : null;
  const columns: BacktestColumn[] = (
    [
      ['policy', policy],
      ['calendar', calendar],
      ['buy-and-hold', hold],
    ] as const
  ).map(([name, config], k) => {
    simulate(ctx, config, out, 0, k === 0 ? series : null);
    return { name, label: describeConfig(config), config, ruined: isRuined(out), metrics: rowToMetrics(out) };
  });
  const windowDates = matrix.dates.slice(start);
  // how the window differs from the data file and --start/--end, and why (issue 14)
  const warnings: string[] = windowWarnings(info, matrix.dates, {
    start: a.start,
    end: a.end,
    lookback: start,
    startName: '--start',
    endName: '--end',
    lookbackWhat: `the ${band.band} band's lookback of ${start} periods`,
  }).map((w) => w.message);
  const ppyWarning = periodsPerYearWarning(windowDates, ppy, a.data);
  if (ppyWarning !== null) warnings.push(ppyWarning);
  for (const c of columns) {
    if (c.ruined)
      warnings.push(
        `${c.name} (${c.label}) is ruined: its value went to or below zero (final value ${c.metrics.finalValue.toFixed(2)}, ` +
          `capital ${a.capital}); its other metrics describe a ruin. Raise --capital or lower the fixed fee`,
      );
  }
  let seriesOut: BacktestReport['series'] = null;
  if (a.series && series) seriesOut = { file: a.series, columns: await writeSeries(a.series, windowDates, matrix.assets, series) };
  const returns = matrix.T - 1 - start;
  return {
    schema: BACKTEST_SCHEMA,
    generator: { name: 'rebalance-lab', version: await packageVersion() },
    inputs: {
      data: {
        file: a.data,
        sha256: fileSha,
        format: info.format,
        assets: [...matrix.assets],
        loadedRows: matrix.T,
        first: matrix.dates[0],
        last: matrix.dates[matrix.T - 1],
        maxFill: info.maxFill ?? null,
      },
      window: {
        start: windowDates[0],
        end: windowDates[windowDates.length - 1],
        rows: windowDates.length,
        returns,
        warmupRows: start,
        years: returns / ppy,
        calendarYears: rowsPerCalendarYear(windowDates).calendarYears,
      },
      periodsPerYear: {
        value: ppy,
        source: a.periodsPerYear === undefined ? 'detected' : 'override',
        reason: info.periodsPerYearReason,
        rowsPerCalendarYear: rowsPerCalendarYear(windowDates).rowsPerCalendarYear,
      },
      capital: a.capital,
      riskFree: a.riskFree,
      targets: Object.fromEntries(matrix.assets.map((x, i) => [x, targets[i]])),
      costs,
      policy: { ...policy, label: describeConfig(policy) },
    },
    units: { ...METRIC_UNITS },
    benchmark: { definition: 'target weights rebalanced every period, no cost (design §4)', cagr: ctx.benchCagr },
    columns,
    ruined: columns[0].ruined,
    warnings,
    series: seriesOut,
  };
}

/** --series must name a file in an existing folder: checked before the backtest runs, so nothing computed is lost. */
function checkSeriesPath(file: string): void {
  const dir = path.dirname(path.resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(`--series ${file}: the folder ${dir} does not exist; create it or give a path in an existing folder`);
  if (existsSync(file) && statSync(file).isDirectory())
    throw new UserError(`--series ${file} is a folder; give a file name, e.g. ${path.join(file, 'series.csv')}`);
}

/** The flows of --flow, --flow-growth and --flows-file (null when none). */
async function cliFlows(a: BacktestArgs): Promise<FlowsSpec | null> {
  const periodic = (a.flow ?? []).map((x) => parseFlow(x, a.flowGrowth));
  const dated = a.flowsFile
    ? parseDatedFlows(
        await readFile(a.flowsFile, 'utf8').catch(() => {
          throw new UserError(`--flows-file ${a.flowsFile}: cannot read it; give a CSV of date,amount rows`);
        }),
        a.flowsFile,
      )
    : [];
  if (a.flowGrowth !== undefined && !(Number.isFinite(a.flowGrowth) && a.flowGrowth > -1))
    throw new UserError(`--flow-growth: ${a.flowGrowth} must be a number > −1 (e.g. 0.02)`);
  return periodic.length + dated.length > 0 ? { periodic, dated } : null;
}

function parseFlowMode(x: string | undefined): FlowMode {
  if (x === undefined) return 'pro-rata';
  if (!(FLOW_MODES as readonly string[]).includes(x)) throw new UserError(`--flow-mode: "${x}" is not one of ${FLOW_MODES.join(', ')}`);
  return x as FlowMode;
}

/** The package version (package.json beside dist/ and src/). */
async function packageVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return String((JSON.parse(text) as { version?: unknown }).version ?? 'unknown');
}

/** JSON text of a report: non-finite numbers as the strings "Infinity", "-Infinity", "NaN". */
export function backtestJson(r: BacktestReport): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n';
}

/**
 * The per-row CSV of the policy: date, value, end-of-day weights, trade flag, cost, benchmark,
 * then per asset the units bought (+) or sold (−) and the traded notional V_pre·(w'_i − w_i).
 * Returns its header.
 */
async function writeSeries(file: string, dates: readonly string[], assets: readonly string[], s: BacktestSeries): Promise<string[]> {
  const N = assets.length;
  const head = [
    'date',
    'value',
    ...assets.map((x) => `w_${x}`),
    'trade',
    'cost',
    'benchmark',
    ...assets.map((x) => `units_${x}`),
    ...assets.map((x) => `notional_${x}`),
  ];
  const lines = [head.join(',')];
  for (let j = 0; j < dates.length; j++) {
    const w: string[] = [];
    const u: string[] = [];
    const q: string[] = [];
    for (let i = 0; i < N; i++) {
      w.push(num(s.weights[j * N + i]));
      u.push(num(s.units[j * N + i]));
      q.push(num(s.notional[j * N + i]));
    }
    lines.push([dates[j], num(s.value[j]), ...w, String(s.trade[j]), num(s.cost[j]), num(s.benchmark[j]), ...u, ...q].join(','));
  }
  await writeFileAtomic(file, lines.join('\n') + '\n');
  return head;
}

/** The readable table: one row per metric, one column per policy. */
export function formatBacktest(r: BacktestReport): string {
  const head = ['metric', ...r.columns.map((c) => c.name)];
  const body = METRICS.map((m) => [metricMeta(m).title, ...r.columns.map((c) => fmtMetric(m, c.metrics[m]))]);
  const widths = head.map((_, j) => Math.max(...[head, ...body].map((row) => row[j].length)));
  const line = (row: string[]): string => row.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join('  ');
  const { data: d, window: w, periodsPerYear: p } = r.inputs;
  const out = [
    `${d.file}: ${d.assets.join(', ')}, ${w.start} → ${w.end} (${w.rows} rows, ${w.years.toFixed(2)} years at ${p.value} periods/yr ${p.source}; ` +
      `calendar ${w.calendarYears.toFixed(2)} years)`,
    `targets: ${Object.entries(r.inputs.targets)
      .map(([k, v]) => `${k} ${+(v * 100).toPrecision(6)}%`)
      .join(', ')}; ` + `capital ${r.inputs.capital}, risk-free ${r.inputs.riskFree}`,
    ...r.columns.map((c) => `${c.name}: ${c.label}${c.ruined ? '  (RUINED)' : ''}`),
    `benchmark (target weights rebalanced every period, no cost): CAGR ${fmtMetric('cagr', r.benchmark.cagr)}`,
    '',
    line(head),
    line(widths.map((w) => '─'.repeat(w))),
    ...body.map(line),
  ];
  return out.join('\n') + '\n';
}
