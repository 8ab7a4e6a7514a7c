/**
 * Out-of-sample validation of a run (issue 5): folds (folds.ts), the walk-forward choice and its
 * stitched out-of-sample record (walkforward.ts), written to `validation.json` in the run folder
 * for the report (src/report/extrasValidation.ts). Does nothing when the experiment has no
 * `validation` field.
 */
import type { ExtrasInput } from '../experiment/extras.js';
import path from 'node:path';
import { METRICS } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { DEFAULT_RISK_AVERSION, theoryBand } from '../policy/theory.js';
import type { Config } from '../policy/types.js';
import { PARAMS, paramValue } from '../search/space.js';
import { writeFileAtomic } from '../results/atomic.js';
import type { MetricRecord, ValidationFile } from '../results/validation.js';
import { walkForward, type WalkResult } from './walkforward.js';

export { walkForward, stitchMetrics, pickBest } from './walkforward.js';

export type ValidationInput = ExtrasInput;

type Num = number | null;

const fin = (x: number): Num => (Number.isFinite(x) ? x : null);

export function metricRecord(row: ArrayLike<number>, o = 0): MetricRecord {
  const r = {} as MetricRecord;
  METRICS.forEach((m, i) => (r[m] = fin(row[o + i])));
  return r;
}

export function configParams(c: Config): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const p of PARAMS) out[p] = paramValue(c, p);
  return out;
}

/** Evenly spaced ids 0..K−1, at most `max` of them (all when K ≤ max). */
export function sampleIds(K: number, max: number): Int32Array {
  if (K <= max) return Int32Array.from({ length: K }, (_, i) => i);
  return Int32Array.from({ length: max }, (_, j) => Math.floor((j * K) / max));
}

const r6 = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(6)) : NaN);

function chain(rets: Float64Array, capital: number): number[] {
  const v = [capital];
  let x = capital;
  for (const r of rets) v.push(r6((x *= 1 + r)));
  return v;
}

/** The file's content: deterministic (no timings), so it is byte-identical run to run. */
export function buildValidationFile(inp: ValidationInput, w: WalkResult, ids: Int32Array): ValidationFile {
  const { spec, dates, space } = inp;
  const v = spec.validation!;
  const capital = spec.initialCapital;
  const win = (x: { from: number; to: number }) => ({ first: dates[x.from], last: dates[x.to - 1], rows: x.to - x.from });
  const folds = w.folds.map((f) => ({
    index: f.fold.index,
    train: win(f.fold.train),
    test: win(f.fold.test),
    chosen: { id: f.chosen.id, label: describeConfig(f.chosen.config), params: configParams(f.chosen.config), feasibleInSample: f.chosen.feasibleInSample },
    feasibleInSample: f.feasibleCount,
    failed: f.failed,
    inSample: { score: fin(f.inSample.score), metrics: metricRecord(f.inSample.metrics) },
    outOfSample: { score: fin(f.outOfSample.score), feasible: f.outOfSample.feasible, metrics: metricRecord(f.outOfSample.metrics) },
    baselines: f.baselines.map((b, j) => ({ id: w.baselines[j].id, score: fin(b.score), metrics: metricRecord(b.metrics) })),
  }));
  // stability: how often each configuration was chosen, and each searched parameter's values
  const counts = new Map<number, number>();
  for (const f of w.folds) counts.set(f.chosen.id, (counts.get(f.chosen.id) ?? 0) + 1);
  let modalId = w.folds[0].chosen.id;
  for (const [id, n] of counts) if (n > counts.get(modalId)! || (n === counts.get(modalId)! && id < modalId)) modalId = id;
  const params: Record<string, (string | number | null)[]> = {};
  for (const p of space.searched) params[p] = w.folds.map((f) => paramValue(f.chosen.config, p));
  const seriesDates = [dates[w.folds[0].fold.test.from], ...Array.from(w.rows, (t) => dates[t])];
  return {
    kind: v.kind,
    spec: v,
    window: { first: dates[inp.start], last: dates[inp.T - 1] },
    configs: { total: space.size, evaluated: ids.length, sampled: ids.length < space.size },
    scoreWeights: spec.scoreWeights,
    constraints: spec.constraints,
    folds,
    stitched: {
      label: v.kind === 'split' ? 'chosen on the training window' : 'walk-forward choice',
      score: fin(w.stitched.score),
      feasible: w.stitched.feasible,
      metrics: metricRecord(w.stitched.metrics),
    },
    baselines: w.baselines.map((b) => ({
      id: b.id,
      label: describeConfig(b.config),
      score: fin(b.score),
      feasible: b.feasible,
      metrics: metricRecord(b.metrics),
    })),
    stability: {
      distinctConfigs: counts.size,
      modal: { id: modalId, label: describeConfig(space.config(modalId)), folds: counts.get(modalId)! },
      params,
    },
    series: {
      dates: seriesDates,
      foldStarts: w.folds.map((f) => dates[f.fold.test.from]),
      values: [
        { id: 'walk-forward', label: v.kind === 'split' ? 'chosen configuration' : 'walk-forward choice', value: chain(w.stitched.rets, capital) },
        ...w.baselines.map((b) => ({ id: b.id, label: describeConfig(b.config), value: chain(b.rets, capital) })),
      ],
    },
    theory: theoryBand(
      inp.spec.data.assets ?? Object.keys(inp.spec.targets),
      inp.targets,
      inp.spec.costs,
      inp.spec.theory?.riskAversion ?? DEFAULT_RISK_AVERSION,
    ),
  };
}

/** Run the experiment's validation (if any) and write dir/validation.json atomically. */
export async function runValidation(input: ValidationInput): Promise<void> {
  const v = input.spec.validation;
  if (!v) return;
  const t0 = performance.now();
  const folds = input.folds;
  const K = input.space.size;
  const ids = sampleIds(K, v.maxConfigs);
  if (!input.quiet) {
    const what =
      ids.length < K
        ? `${ids.length.toLocaleString('en')} of ${K.toLocaleString('en')} configurations (evenly spaced ids; raise validation.maxConfigs to use all)`
        : `${K.toLocaleString('en')} configurations`;
    process.stderr.write(`validation: ${v.kind}, ${folds.length} fold${folds.length > 1 ? 's' : ''} × ${what}\n`);
  }
  const w = walkForward({
    prices: input.prices,
    T: input.T,
    N: input.N,
    dates: input.dates,
    periodsPerYear: input.periodsPerYear,
    targets: input.targets,
    initialCapital: input.spec.initialCapital,
    riskFree: input.spec.riskFree,
    space: input.space,
    ids,
    scoreWeights: input.spec.scoreWeights,
    constraints: input.constraints,
    folds,
    baselines: input.baselines,
  });
  const file = buildValidationFile(input, w, ids);
  const seconds = (performance.now() - t0) / 1000;
  await writeFileAtomic(path.join(input.dir, 'validation.json'), JSON.stringify(file) + '\n');
  if (!input.quiet) process.stderr.write(`validation: done in ${seconds.toFixed(1)} s (validation.json)\n`);
}
