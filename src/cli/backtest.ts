/**
 * `rebalance-lab backtest`: one policy on one data file, printed beside the calendar
 * baseline on the same check schedule and buy-and-hold.
 */
import { loadPrices } from '../data/load.js';
import { UserError } from '../errors.js';
import { MAX_COST_BPS } from '../search/space.js';
import { allocSeries, simulate, type BacktestSeries } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { METRICS, N_METRICS, rowToMetrics, type Metrics } from '../kernel/metrics.js';
import { BANDS } from '../policy/bands.js';
import { describeConfig } from '../policy/describe.js';
import { parseWeights, resolveTargets } from '../policy/targets.js';
import type { Config } from '../policy/types.js';
import { writeFileAtomic } from '../results/atomic.js';
import { num } from '../results/table.js';
import { fmtMetric, metricMeta } from '../report/format.js';
import { parseBand, parseCheck, parseMode } from './spec.js';

export interface BacktestArgs {
  data: string;
  weights: string;
  band: string;
  check: string;
  to: string;
  lookback?: number;
  cooldown: number;
  feeBps: number;
  halfSpreadBps: number;
  fixedFee: number;
  minTrade: number;
  start?: string;
  end?: string;
  maxFill?: number;
  periodsPerYear?: number;
  capital: number;
  riskFree: number;
  normalize: boolean;
  json: boolean;
  series?: string;
}

export interface BacktestReport {
  data: { file: string; assets: string[]; first: string; last: string; windowStart: string; rows: number; periodsPerYear: number };
  targets: Record<string, number>;
  columns: { name: string; label: string; config: Config; metrics: Metrics }[];
}

function nonNegative(x: number, flag: string): number {
  if (!(Number.isFinite(x) && x >= 0)) throw new UserError(`${flag}: ${x} must be a number ≥ 0`);
  return x;
}

/** A proportional cost in basis points, in the experiment's domain [0, MAX_COST_BPS]. */
function bps(x: number, flag: string): number {
  if (!(Number.isFinite(x) && x >= 0 && x <= MAX_COST_BPS)) throw new UserError(`${flag}: ${x} must be basis points in [0, ${MAX_COST_BPS}] (${MAX_COST_BPS} bps is 25% of the traded amount)`);
  return x;
}

export async function backtestCommand(a: BacktestArgs): Promise<BacktestReport> {
  const band = parseBand(a.band, a.lookback);
  const mode = parseMode(a.to);
  const check = parseCheck(a.check);
  if (!(Number.isInteger(a.cooldown) && a.cooldown >= 0)) throw new UserError(`--cooldown: ${a.cooldown} must be a whole number of periods ≥ 0`);
  const costs = {
    feeBps: bps(a.feeBps, '--fee-bps'),
    halfSpreadBps: bps(a.halfSpreadBps, '--half-spread-bps'),
    fixedFee: nonNegative(a.fixedFee, '--fixed-fee'),
    minTrade: nonNegative(a.minTrade, '--min-trade'),
  };
  if (!(Number.isFinite(a.capital) && a.capital > 0 && a.capital <= 1e15)) throw new UserError(`--capital: ${a.capital} must be a positive amount of at most 1e15`);
  if (costs.fixedFee >= a.capital)
    throw new UserError(`--fixed-fee: ${costs.fixedFee} per asset traded is not below the capital ${a.capital}; one trade would cost the whole portfolio`);
  const weights = parseWeights(a.weights);
  const { matrix } = await loadPrices(a.data, {
    assets: Object.keys(weights), start: a.start, end: a.end, maxFill: a.maxFill, periodsPerYear: a.periodsPerYear,
  });
  const targets = resolveTargets(weights, matrix.assets, { normalize: a.normalize, where: '--weights' });
  const start = BANDS[band.band].usesLookback ? (band.lookback ?? 0) : 0;
  if (matrix.T < 3)
    throw new UserError(`${a.data}: only ${matrix.T} rows${a.start || a.end ? ' in the chosen dates' : ''}; a backtest needs at least 3 (two periods of returns); use a longer date range`);
  if (start > matrix.T - 3)
    throw new UserError(`--band ${a.band}: lookback ${start} is longer than the data allows (${matrix.T} rows from ${matrix.dates[0]} in ${a.data}); use a shorter lookback or more data`);
  const policy: Config = { ...band, ...mode, check, cooldown: a.cooldown, ...costs };
  const calendar: Config = { band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...costs };
  const hold: Config = { band: 'none', width: 0, check, mode: 'target', cooldown: 0, ...costs };
  const ctx = new KernelContext({
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear,
    start, initialCapital: a.capital, riskFree: a.riskFree,
  });
  const out = new Float64Array(N_METRICS);
  const series = a.series ? allocSeries(matrix.T - start, matrix.N, false) : null;
  const columns = ([['policy', policy], ['calendar', calendar], ['buy-and-hold', hold]] as const).map(([name, config], k) => {
    simulate(ctx, config, out, 0, k === 0 ? series : null);
    return { name, label: describeConfig(config), config, metrics: rowToMetrics(out) };
  });
  if (a.series && series) await writeSeries(a.series, matrix.dates.slice(start), matrix.assets, series);
  return {
    data: {
      file: a.data, assets: [...matrix.assets], first: matrix.dates[0], last: matrix.dates[matrix.T - 1],
      windowStart: matrix.dates[start], rows: matrix.T - start, periodsPerYear: matrix.periodsPerYear,
    },
    targets: Object.fromEntries(matrix.assets.map((x, i) => [x, targets[i]])),
    columns,
  };
}

async function writeSeries(file: string, dates: readonly string[], assets: readonly string[], s: BacktestSeries): Promise<void> {
  const N = assets.length;
  const lines = [['date', 'value', ...assets.map((x) => `w_${x}`), 'trade', 'cost', 'benchmark'].join(',')];
  for (let j = 0; j < dates.length; j++) {
    const w: string[] = [];
    for (let i = 0; i < N; i++) w.push(num(s.weights[j * N + i]));
    lines.push([dates[j], num(s.value[j]), ...w, String(s.trade[j]), num(s.cost[j]), num(s.benchmark[j])].join(','));
  }
  await writeFileAtomic(file, lines.join('\n') + '\n');
}

/** The readable table: one row per metric, one column per policy. */
export function formatBacktest(r: BacktestReport): string {
  const head = ['metric', ...r.columns.map((c) => c.name)];
  const body = METRICS.map((m) => [metricMeta(m).title, ...r.columns.map((c) => fmtMetric(m, c.metrics[m]))]);
  const widths = head.map((_, j) => Math.max(...[head, ...body].map((row) => row[j].length)));
  const line = (row: string[]): string => row.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join('  ');
  const d = r.data;
  const out = [
    `${d.file}: ${d.assets.join(', ')}, ${d.windowStart} → ${d.last} (${d.rows} rows, ${d.periodsPerYear} periods/yr)`,
    `targets: ${Object.entries(r.targets).map(([k, v]) => `${k} ${+(v * 100).toPrecision(6)}%`).join(', ')}`,
    ...r.columns.map((c) => `${c.name}: ${c.label}`),
    '',
    line(head),
    line(widths.map((w) => '─'.repeat(w))),
    ...body.map(line),
  ];
  return out.join('\n') + '\n';
}
