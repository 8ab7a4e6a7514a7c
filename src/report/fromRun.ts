/**
 * Assemble a ReportInput from a run folder (manifest.json + results.csv) — so `report`
 * rebuilds from the results alone — and re-run the best configuration and the baselines
 * through the kernel for their daily series.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { loadPrices } from '../data/load.js';
import { allocSeries, simulate } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { METRICS, N_METRICS } from '../kernel/metrics.js';
import { BANDS } from '../policy/bands.js';
import { describeConfig } from '../policy/describe.js';
import { resolveTargets } from '../policy/targets.js';
import type { BandType, CheckEvery, Config, Mode } from '../policy/types.js';
import { PARAMS } from '../search/space.js';
import { splitCsvLine } from '../results/table.js';
import type { Manifest } from '../runner/run.js';
import type { ReportInput, ReportRow, ReportSeries } from './types.js';

const numOrNull = (s: string): number | null => (s === '' ? null : Number(s));

export function rowConfig(params: ReportRow['params']): Config {
  const n = (k: string): number | undefined => (params[k] === null || params[k] === undefined ? undefined : Number(params[k]));
  const check = params.check === null ? 'monthly' : /^\d+$/.test(String(params.check)) ? Number(params.check) : (params.check as CheckEvery);
  return {
    band: params.band as BandType,
    width: n('width') ?? 0,
    relWidth: n('relWidth'),
    lookback: n('lookback'),
    check,
    mode: (params.mode ?? 'target') as Mode,
    depth: n('depth'),
    fraction: n('fraction'),
    cooldown: n('cooldown') ?? 0,
    feeBps: n('feeBps') ?? 0,
    halfSpreadBps: n('halfSpreadBps') ?? 0,
    fixedFee: n('fixedFee') ?? 0,
    minTrade: n('minTrade') ?? 0,
  };
}

export async function readResults(file: string): Promise<ReportRow[]> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let head: string[] | null = null;
  const rows: ReportRow[] = [];
  for await (const line of rl) {
    if (line === '') continue;
    const cells = splitCsvLine(line);
    if (!head) {
      head = cells;
      continue;
    }
    const get = (k: string): string => cells[head!.indexOf(k)] ?? '';
    const params: ReportRow['params'] = {};
    for (const p of PARAMS) {
      const v = get(p);
      params[p] = v === '' ? null : p === 'band' || p === 'mode' || (p === 'check' && !/^\d+$/.test(v)) ? v : Number(v);
    }
    const metrics: ReportRow['metrics'] = {};
    for (const m of METRICS) metrics[m] = numOrNull(get(m));
    const id = get('id');
    const isBase = !/^\d+$/.test(id);
    rows.push({
      id, kind: isBase ? 'baseline' : 'config', label: describeConfig(rowConfig(params)), params, metrics,
      feasible: get('feasible') === '1', pareto: get('pareto') === '1', score: numOrNull(get('score')), rank: numOrNull(get('rank')),
    });
  }
  return rows;
}

export async function buildReportInput(dir: string): Promise<ReportInput> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UserError(`${dir}: no readable manifest.json; give the folder of a finished run`);
  }
  const rows = await readResults(path.join(dir, 'results.csv')).catch(() => {
    throw new UserError(`${dir}: no results.csv; the run did not finish — finish it with \`run … --resume ${dir}\``);
  });
  const s = manifest.experiment.spec;
  const { matrix } = await loadPrices(manifest.data.file, {
    assets: manifest.data.assets, start: s.data.start, end: s.data.end, maxFill: s.data.maxFill, periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${manifest.experiment.file}: targets` });
  const start = matrix.dates.indexOf(manifest.data.windowStart);
  const ctx = new KernelContext({
    prices: matrix.prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear,
    start, initialCapital: s.initialCapital, riskFree: s.riskFree,
  });
  const best = rows.find((r) => r.rank === 1);
  const picks = [...(best ? [best] : []), ...rows.filter((r) => r.kind === 'baseline')];
  const dates = matrix.dates.slice(start);
  const out = new Float64Array(N_METRICS);
  const series: ReportSeries[] = picks.map((r) => {
    const cfg = rowConfig(r.params);
    const asset = BANDS[cfg.band].scope === 'asset';
    const sr = allocSeries(matrix.T - start, matrix.N, asset);
    simulate(ctx, cfg, out, 0, sr);
    const Tw = dates.length;
    const N = matrix.N;
    const value = Array.from(sr.value);
    let peak = -Infinity;
    let cum = 0;
    return {
      label: r.kind === 'baseline' ? r.label : `best: ${r.label}`,
      id: r.id,
      dates,
      value,
      drawdown: value.map((v) => ((peak = Math.max(peak, v)), 1 - v / peak)),
      cumCost: Array.from(sr.cost, (c) => (cum += c)),
      weights: matrix.assets.map((_, i) => Array.from({ length: Tw }, (_, t) => sr.weights[t * N + i])),
      bandLower: matrix.assets.map((_, i) => (sr.halfWidth ? Array.from({ length: Tw }, (_, t) => targets[i] - sr.halfWidth![t * N + i]) : null)),
      bandUpper: matrix.assets.map((_, i) => (sr.halfWidth ? Array.from({ length: Tw }, (_, t) => targets[i] + sr.halfWidth![t * N + i]) : null)),
      tradeDays: Array.from(sr.trade).flatMap((x, t) => (x ? [t] : [])),
    };
  });
  return {
    experiment: {
      name: s.name, description: s.description, searchKind: manifest.search.kind, spaceSize: manifest.search.size, seed: manifest.search.seed,
      searchedParams: searchedParams(rows), objectives: s.objectives, heatmap: s.report.heatmap,
    },
    data: { file: manifest.data.file, assets: manifest.data.assets, start: manifest.data.windowStart, end: manifest.data.last, periodsPerYear: manifest.data.periodsPerYear, rows: matrix.T - start },
    targets: Object.fromEntries(matrix.assets.map((a, i) => [a, targets[i]])),
    costs: s.costs,
    run: { id: path.basename(dir), startedAt: manifest.createdAt, seconds: manifest.timings?.total ?? 0, workers: manifest.workers ?? 1, failed: manifest.failed ?? 0 },
    rows,
    series,
  };
}

/** Parameters that take more than one value among the configuration rows. */
function searchedParams(rows: ReportRow[]): string[] {
  const out: string[] = [];
  for (const p of PARAMS) {
    const seen = new Set<string | number | null>();
    for (const r of rows) {
      if (r.kind !== 'config') continue;
      seen.add(r.params[p]);
      if (seen.size > 1) break;
    }
    if (seen.size > 1) out.push(p);
  }
  return out;
}
