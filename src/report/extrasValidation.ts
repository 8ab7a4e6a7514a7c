/**
 * Read a run's out-of-sample validation (validation.json, written by src/validate/) and compute the
 * theory baseline band (src/policy/theory.ts) for the report input. The theory band is computed
 * for every run (it needs only the targets and costs), validation only when the run has it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { DEFAULT_RISK_AVERSION, theoryBand, type TheoryBand } from '../policy/theory.js';
import type { ValidationFile } from '../results/validation.js';

export type { TheoryBand } from '../policy/theory.js';
export type ValidationReport = ValidationFile;

export async function readValidation(dir: string): Promise<ValidationReport | undefined> {
  const file = path.join(dir, 'validation.json');
  if (!existsSync(file)) return undefined;
  let v: ValidationReport;
  try {
    v = JSON.parse(await readFile(file, 'utf8')) as ValidationReport;
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message}); run the experiment again to rewrite it`);
  }
  if (!v || (v.kind !== 'walk-forward' && v.kind !== 'split') || !Array.isArray(v.folds) || v.folds.length === 0) {
    throw new UserError(`${file}: not a validation result of this version; run the experiment again to rewrite it`);
  }
  return v;
}

/** The report input's `theory` and (when present) `validation` fields, to spread into it. */
export async function readValidationExtras(
  dir: string,
  spec: ExperimentSpec,
  assets: readonly string[],
  targets: ArrayLike<number>,
): Promise<{ theory: TheoryBand; validation?: ValidationReport }> {
  const theory = theoryBand(assets, targets, spec.costs, spec.theory?.riskAversion ?? DEFAULT_RISK_AVERSION);
  const validation = await readValidation(dir);
  return validation ? { theory, validation } : { theory };
}
