/**
 * Compile once: a validated experiment (zod, src/spec/schema.ts) becomes everything the run
 * needs that does not depend on the prices — the parameter space, the parsed constraints, the
 * baselines and the robustness plan — checked here and nowhere else. The fold plan needs the
 * data's dates and is made once when the prices are loaded (runner's prepare, planFolds below).
 */
import { UserError } from '../errors.js';
import type { Config } from '../policy/types.js';
import { parseConstraints, type Constraint } from '../results/score.js';
import { baselineConfigs } from '../search/baselines.js';
import { ParameterSpace } from '../search/space.js';
import type { ExperimentSpec } from '../spec/schema.js';
import { makeFolds, type Fold } from './folds.js';
import { planRobustness, type RobustPlan } from './robustness.js';

export interface CompiledExperiment {
  spec: ExperimentSpec;
  /** The experiment file as given (names it in messages). */
  file: string;
  space: ParameterSpace;
  constraints: Constraint[];
  /** calendar on each check schedule of the space, and buy-and-hold, at the experiment's costs. */
  baselines: { id: string; config: Config }[];
  robustness: RobustPlan | null;
}

/** Compile a validated spec; every mistake is a UserError naming `file` and the field. */
export function compileSpec(spec: ExperimentSpec, file: string): CompiledExperiment {
  // what zod cannot check: the space's values (band width domains, depth without inner, ...) and the
  // constraints' grammar
  const space = new ParameterSpace(spec.space, spec.search, { costs: spec.costs }, file);
  if (space.size === 0) throw new UserError(`${file}: space: the search space is empty; list at least one value for every parameter`);
  const constraints = parseConstraints(spec.constraints, `${file}: constraints`);
  const baselines = baselineConfigs(space, spec);
  const robustness = planRobustness(spec, space.size + baselines.length, space.seed, file);
  return { spec, file, space, constraints, baselines, robustness };
}

/** The validation folds on the loaded dates (none without `validation`); folds that do not fit are a UserError. */
export function planFolds(c: CompiledExperiment, dates: readonly string[], start: number): Fold[] {
  return c.spec.validation ? makeFolds(dates, start, c.spec.validation, c.file) : [];
}
