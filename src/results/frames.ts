/**
 * A run folder's tables as danfojs DataFrames, for scripting (pandas-like filtering, grouping,
 * describe): results.csv always, robustness.csv and the validation folds when the run has them.
 *
 *   import { openRunFrames } from 'rebalance-lab';
 *   const { results } = await openRunFrames('reports/quickstart/20250101-120000');
 *   results.query(results['feasible'].eq(1)).sortValues('score').head(5).print();
 *
 * danfojs (and the TensorFlow.js it loads) is imported here only, lazily: loading prices,
 * `backtest`, `run` and the workers never load it (test/layers.test.ts keeps it so).
 * Numbers are JavaScript float64 in `.values` and in column `.values`; a DataFrame's `.tensor`
 * is float32 (about 7 significant digits), so read `.values` when the digits matter.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataFrame } from 'danfojs-node';
import { parseCsv } from '../data/csv.js';
import { UserError } from '../errors.js';
import { METRICS } from '../kernel/metrics.js';
import type { ValidationFile } from './validation.js';

export interface RunFrames {
  /** results.csv: one row per configuration (id order), then the baselines. */
  results: DataFrame;
  /** robustness.csv, or null when the run has no robustness analysis. */
  robustness: DataFrame | null;
  /**
   * One row per validation fold (from validation.json), or null without validation: fold, train
   * and test dates, the chosen configuration, its in-sample score and its out-of-sample score,
   * feasibility and metrics (`outOfSample.<metric>`).
   */
  folds: DataFrame | null;
}

type Cell = string | number;

/** Columns of a CSV file: a column whose non-empty cells are all numbers becomes numbers (empty = NaN). */
export function csvColumns(text: string, file: string): Record<string, Cell[]> {
  const records = parseCsv(text, file);
  if (records.length === 0) throw new UserError(`${file}: empty file; it should start with a header row`);
  const head = records[0].fields;
  const cols: Record<string, Cell[]> = {};
  head.forEach((h, j) => {
    const raw = records.slice(1).map((r) => r.fields[j] ?? '');
    const numeric = raw.every((c) => c === '' || Number.isFinite(Number(c)));
    cols[h] = numeric ? raw.map((c) => (c === '' ? NaN : Number(c))) : raw;
  });
  return cols;
}

async function frameOfCsv(file: string): Promise<DataFrame> {
  const dfd = await import('danfojs-node');
  return new dfd.DataFrame(csvColumns(await readFile(file, 'utf8'), file));
}

function foldColumns(v: ValidationFile): Record<string, Cell[]> {
  const n = (x: number | null): number => (x === null ? NaN : x);
  const cols: Record<string, Cell[]> = {
    fold: v.folds.map((f) => f.index),
    trainFirst: v.folds.map((f) => f.train.first),
    trainLast: v.folds.map((f) => f.train.last),
    testFirst: v.folds.map((f) => f.test.first),
    testLast: v.folds.map((f) => f.test.last),
    chosenId: v.folds.map((f) => f.chosen.id),
    chosenLabel: v.folds.map((f) => f.chosen.label),
    'inSample.score': v.folds.map((f) => n(f.inSample.score)),
    'outOfSample.score': v.folds.map((f) => n(f.outOfSample.score)),
    'outOfSample.feasible': v.folds.map((f) => (f.outOfSample.feasible ? 1 : 0)),
  };
  for (const m of METRICS) cols[`outOfSample.${m}`] = v.folds.map((f) => n(f.outOfSample.metrics[m]));
  return cols;
}

/** Open a run folder's results (and robustness / validation tables when present) as DataFrames. */
export async function openRunFrames(dir: string): Promise<RunFrames> {
  const results = path.join(dir, 'results.csv');
  if (!existsSync(results))
    throw new UserError(`${dir}: no results.csv; give the folder of a finished run (a shard's results are in the merged folder after \`merge\`)`);
  const robust = path.join(dir, 'robustness.csv');
  const validation = path.join(dir, 'validation.json');
  let folds: DataFrame | null = null;
  if (existsSync(validation)) {
    const dfd = await import('danfojs-node');
    folds = new dfd.DataFrame(foldColumns(JSON.parse(await readFile(validation, 'utf8')) as ValidationFile));
  }
  return {
    results: await frameOfCsv(results),
    robustness: existsSync(robust) ? await frameOfCsv(robust) : null,
    folds,
  };
}
