/**
 * Assemble a ReportInput from a run folder (manifest.json, the rows, selection.json when there is
 * one), so `report <run>` rebuilds the page from the results alone. The rows are read ONCE, one at a
 * time, into the report's one digest (digest.ts), whose bins come from the manifest's experiment
 * spec: from the binary journal(s) and ranks.bin (src/results/journal-rows.ts; each configuration
 * as a RowView, built into a row only when the digest keeps it) when they still
 * match results.csv, else by parsing results.csv (src/results/reader.ts; older runs, a journal
 * gone, a csv edited by hand) — the same rows either way; then the recommended configuration and the baselines are re-run
 * through the kernel for their daily series, with the benchmark (targets rebalanced every period,
 * no cost) on the same dates.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { loadPrices } from '../data/load.js';
import { allocSeries, simulate } from '../kernel/backtest.js';
import { KernelContext } from '../kernel/context.js';
import { N_METRICS } from '../kernel/metrics.js';
import { BANDS } from '../policy/bands.js';
import { describeConfig } from '../policy/describe.js';
import { resolveTargets } from '../policy/targets.js';
import type { Config } from '../policy/types.js';
import { locateRunData } from '../results/manifest.js';
import { journalRows, type RunRows, visitRunRows } from '../results/journal-rows.js';
import { readResultRows, readRunInfo, rowConfig, type RunInfo } from '../results/reader.js';
import { TRADEOFF_PLOTS } from './charts/tradeoff.js';
import { axesFromSpec, Digest, type DigestResult } from './digest.js';
import { selectionIds } from './selectionIds.js';
import type { ReportInput, ReportRow, ReportSeries, Selection } from './types.js';

/** Configurations (best by rank) whose over-time views the page's drill-down offers. */
export const DRILL_TOP = 10;

export interface ReadOptions {
  /** Configuration rows drawn uniformly for the scatters. Default 5,000. */
  scatterSample?: number;
  /** Rows per effect bin behind its quartiles. Default 512. */
  reservoir?: number;
  /**
   * Where the rows come from: 'auto' (default) the journal(s) with ranks.bin when they still
   * match results.csv, else results.csv; 'csv' always results.csv; 'journal' the journal or an error.
   */
  source?: 'auto' | 'csv' | 'journal';
  /** Told which source was read, and why not the journal when it was not. */
  onSource?: (source: 'journal' | 'csv', why?: string) => void;
}

/** selection.json of a run folder, or undefined (older runs). A damaged file is an error that names it. */
export async function readSelection(dir: string): Promise<Selection | undefined> {
  const file = path.join(dir, 'selection.json');
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(
      `${file}: not valid JSON (${(e as Error).message}); delete it to fall back to the in-sample best, or rerun the run's last step with \`report\``,
    );
  }
  const o = raw as Partial<Selection> | null;
  if (!o || typeof o !== 'object' || !('pick' in o) || (o.pick !== null && typeof o.pick !== 'number')) {
    throw new UserError(
      `${file}: has no "pick" (a configuration id or null); it was not written by rebalance-lab — delete it to fall back to the in-sample best`,
    );
  }
  return o as Selection;
}

/** The report's digest of a run folder's rows, before any row: its options from the manifest and selection.json. */
function newDigest(info: RunInfo, selection: Selection | undefined, opts: ReadOptions, everyId: boolean): Digest {
  const { manifest, space } = info;
  const s = manifest.experiment.spec;
  const pickCfg = typeof selection?.pick === 'number' && selection.pick < space.size ? space.config(selection.pick) : null;
  return new Digest(axesFromSpec(s), {
    seed: manifest.search.seed,
    objectives: s.objectives,
    heatmap: s.report?.heatmap,
    heatmapBand: pickCfg?.band,
    fronts: TRADEOFF_PLOTS.map((p) => [p.x, p.y] as [string, string]),
    topN: s.report?.top ?? 20,
    scatterSample: opts.scatterSample,
    reservoir: opts.reservoir,
    keep: selectionIds(selection),
    // every id of the space once (the journal's rows)
    ...(everyId ? { ids: space.size } : {}),
  });
}

/** The digest of a run folder's rows: from the journal(s) and ranks.bin when they still match results.csv, else from results.csv. */
async function digestFolder(info: RunInfo, selection: Selection | undefined, opts: ReadOptions): Promise<DigestResult> {
  const want = opts.source ?? 'auto';
  const fromJournal = want === 'csv' ? 'results.csv was asked for' : await journalRows(info);
  const digest = newDigest(info, selection, opts, typeof fromJournal !== 'string');
  if (typeof fromJournal === 'string') {
    if (want === 'journal') throw new UserError(`${info.dir}: cannot read the rows from the journal: ${fromJournal}`);
    opts.onSource?.('csv', fromJournal);
    await readResultRows(info, (r) => digest.add(r));
  } else {
    opts.onSource?.('journal');
    await fromJournal.visit(
      (v) => digest.addView(v),
      (r) => digest.add(r),
      { labels: false },
    );
  }
  return digest.finish();
}

/**
 * The digest of a run's rows while its results.csv is being written (report/digest-worker.ts):
 * the same as buildReportInput makes from the journal and ranks.bin once they are written (the
 * manifest and selection.json are in the folder already).
 */
export async function digestRunRows(dir: string, rows: RunRows): Promise<DigestResult> {
  const info = await readRunInfo(dir);
  const digest = newDigest(info, await readSelection(dir), {}, true);
  visitRunRows(
    info.space,
    rows,
    (v) => digest.addView(v),
    (r) => digest.add(r),
  );
  return digest.finish();
}

/** `digested`: the digest of the run's rows made while results.csv was written (digestRunRows); then no row is read here. */
export async function buildReportInput(dir: string, opts: ReadOptions & { digested?: DigestResult } = {}): Promise<ReportInput> {
  const info = await readRunInfo(dir);
  const { manifest, space } = info;
  const s = manifest.experiment.spec;
  const selection = await readSelection(dir);
  const d = opts.digested ?? (await digestFolder(info, selection, opts));
  // journal rows come unlabelled (the digest never reads a label): label the few rows it kept
  for (const r of [...d.sample, ...d.top, ...d.kept.values(), ...d.bestPerBand.values(), ...d.bestPerMode.values(), ...d.fronts.flatMap((f) => f.rows)])
    if (r.label === '' && r.kind === 'config') r.label = describeConfig(space.config(Number(r.id)));
  const byId = new Map<string, ReportRow>();
  for (const r of [...d.sample, ...d.top, ...d.kept.values(), ...d.fronts.flatMap((f) => f.rows)]) byId.set(r.id, r);
  const rows = [...[...byId.values()].sort((a, b) => Number(a.id) - Number(b.id)), ...d.baselines];

  const dataFile = await locateRunData(dir, manifest, 'report');
  const { matrix } = await loadPrices(dataFile, {
    assets: manifest.data.assets,
    start: s.data.start,
    end: s.data.end,
    maxFill: s.data.maxFill,
    periodsPerYear: s.data.periodsPerYear,
  });
  const targets = resolveTargets(s.targets, matrix.assets, { normalize: s.normalizeTargets, where: `${manifest.experiment.file}: targets` });
  const start = matrix.dates.indexOf(manifest.data.windowStart);
  const ctx = KernelContext.forMatrix(matrix, {
    targets,
    start,
    initialCapital: s.initialCapital,
    riskFree: s.riskFree,
    flows: manifest.flows ?? null,
    tax: s.tax ?? null,
    taxAware: s.taxAware ?? false,
  });
  const pick = (typeof selection?.pick === 'number' ? byId.get(String(selection.pick)) : undefined) ?? d.top[0];
  const picks = [...(pick ? [pick] : []), ...d.baselines];
  const dates = matrix.dates.slice(start);
  const out = new Float64Array(N_METRICS);
  const configOf = (r: ReportRow): Config =>
    r.kind === 'config' && /^\d+$/.test(r.id) ? space.config(Number(r.id)) : (info.baselines.get(r.id) ?? rowConfig(r.params));
  const seriesOf = (r: ReportRow, label: string): ReportSeries => {
    const cfg = configOf(r);
    const asset = BANDS[cfg.band].scope === 'asset';
    const sr = allocSeries(matrix.T - start, matrix.N, asset);
    simulate(ctx, cfg, out, 0, sr);
    const Tw = dates.length;
    const N = matrix.N;
    const value = Array.from(sr.value);
    let peak = -Infinity;
    let cum = 0;
    return {
      label,
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
  };
  const series: ReportSeries[] = picks.map((r) => seriesOf(r, r.kind === 'baseline' ? r.label : `recommended: ${r.label}`));
  // the drill-down's candidates: the top 10 by results.csv rank, each re-run the same way (precomputed for the page)
  const drill: ReportSeries[] = d.top
    .slice(0, DRILL_TOP)
    .map((r) => seriesOf(r, `rank ${r.rank} (id ${r.id}${r.id === pick?.id ? ', the recommended one' : ''}): ${r.label}`));
  // the benchmark: target weights rebalanced every period at no cost (design §4, tracking error's reference)
  const benchmark = new Array<number>(dates.length);
  let bv = s.initialCapital;
  for (let t = 0; t < dates.length; t++) {
    if (t > 0) {
      let r = 0;
      for (let i = 0; i < matrix.N; i++) r += targets[i] * (matrix.prices[(start + t) * matrix.N + i] / matrix.prices[(start + t - 1) * matrix.N + i] - 1);
      bv *= 1 + r;
    }
    benchmark[t] = bv;
  }
  return {
    experiment: {
      name: s.name,
      description: s.description,
      searchKind: manifest.search.kind,
      spaceSize: manifest.search.size,
      seed: manifest.search.seed,
      searchedParams: space.searched.filter((p) => d.searched.includes(p)),
      objectives: s.objectives,
      heatmap: s.report?.heatmap,
      constraints: s.constraints,
      scoreWeights: s.scoreWeights as Record<string, number>,
    },
    data: {
      file: manifest.data.file,
      assets: manifest.data.assets,
      start: manifest.data.windowStart,
      end: manifest.data.last,
      periodsPerYear: manifest.data.periodsPerYear,
      rows: matrix.T - start,
      ...(manifest.warnings?.length ? { warnings: manifest.warnings } : {}),
    },
    targets: Object.fromEntries(matrix.assets.map((a, i) => [a, targets[i]])),
    costs: s.costs,
    run: {
      id: path.basename(dir),
      startedAt: manifest.createdAt,
      seconds: manifest.timings?.total ?? 0,
      workers: manifest.workers ?? 1,
      failed: manifest.failed ?? 0,
    },
    rows,
    digest: d,
    ...(selection ? { selection } : {}),
    benchmark,
    series,
    drill,
    ...(await import('./extrasRobust.js').then((m) => m.readRobustness(dir)).then((r) => (r ? { robustness: r } : {}))),
    ...(await import('./extrasValidation.js').then((m) => m.readValidationExtras(dir, s, matrix.assets, targets))),
  };
}
