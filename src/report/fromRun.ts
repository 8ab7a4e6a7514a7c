/**
 * Assemble a ReportInput from a run folder (manifest.json + results.csv) — so `report`
 * rebuilds from the results alone — and re-run the best configuration and the baselines
 * through the kernel for their daily series.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadPrices } from '../data/load.js';
import { allocSeries, simulate } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { N_METRICS } from '../kernel/metrics.js';
import { BANDS } from '../policy/bands.js';
import { resolveTargets } from '../policy/targets.js';
import { locateRunData, type Manifest } from '../results/manifest.js';
import { readResultsDigest, rowConfig, type DigestOptions } from './stream.js';
import type { ReportInput, ReportSeries } from './types.js';


/** How much of a large results.csv the report keeps (see stream.ts); defaults suit 1,000,000+ rows. */
export type ReadOptions = Omit<DigestOptions, 'seed' | 'objectives' | 'heatmap'>;

export async function buildReportInput(dir: string, opts: ReadOptions = {}): Promise<ReportInput> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UserError(`${dir}: no readable manifest.json; give the folder of a finished run`);
  }
  const s = manifest.experiment.spec;
  const read = await readResultsDigest(path.join(dir, 'results.csv'), {
    topN: s.report?.top ?? 20,
    ...opts,
    seed: manifest.search.seed,
    objectives: s.objectives,
    heatmap: s.report?.heatmap,
  }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new UserError(`${dir}: no results.csv; the run did not finish — finish it with \`run … --resume ${dir}\``);
  });
  const rows = read.rows;
  const dataFile = await locateRunData(dir, manifest, 'report');
  const { matrix } = await loadPrices(dataFile, {
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
      searchedParams: read.searchedParams, objectives: s.objectives, heatmap: s.report.heatmap,
    },
    data: { file: manifest.data.file, assets: manifest.data.assets, start: manifest.data.windowStart, end: manifest.data.last, periodsPerYear: manifest.data.periodsPerYear, rows: matrix.T - start, ...(manifest.warnings?.length ? { warnings: manifest.warnings } : {}) },
    targets: Object.fromEntries(matrix.assets.map((a, i) => [a, targets[i]])),
    costs: s.costs,
    run: { id: path.basename(dir), startedAt: manifest.createdAt, seconds: manifest.timings?.total ?? 0, workers: manifest.workers ?? 1, failed: manifest.failed ?? 0 },
    rows,
    ...(read.digest ? { digest: read.digest } : {}),
    series,
    ...(await import('./extrasRobust.js').then((m) => m.readRobustness(dir)).then((r) => (r ? { robustness: r } : {}))),
    ...(await import('./extrasValidation.js').then((m) => m.readValidationExtras(dir, s, matrix.assets, targets))),
  };
}
