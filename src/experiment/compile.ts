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
import { PARAMS, ParameterSpace } from '../search/space.js';
import { quote } from '../data/text.js';
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
  checkDomains(spec, space, file);
  const baselines = baselineConfigs(space, spec);
  const robustness = planRobustness(spec, space.size + baselines.length, space.seed, file);
  return { spec, file, space, constraints, baselines, robustness };
}

/** The validation folds on the loaded dates (none without `validation`); folds that do not fit are a UserError. */
export function planFolds(c: CompiledExperiment, dates: readonly string[], start: number): Fold[] {
  return c.spec.validation ? makeFolds(dates, start, c.spec.validation, c.file) : [];
}

/** What one field cannot say alone (issue 15): a fixed fee against the capital, the heatmap's parameters. */
function checkDomains(e: ExperimentSpec, space: ParameterSpace, file: string): void {
  const cap = e.initialCapital;
  const fees: [string, number][] = [['costs.fixedFee', e.costs.fixedFee]];
  const sf = e.space.fixedFee;
  if (typeof sf === 'number') fees.push(['space.fixedFee', sf]);
  else if (Array.isArray(sf)) sf.forEach((x, i) => fees.push([`space.fixedFee[${i}]`, x]));
  else if (sf && 'to' in sf) fees.push(['space.fixedFee.to', sf.to]);
  else if (sf && 'max' in sf) fees.push(['space.fixedFee.max', sf.max]);
  for (const [where, x] of fees)
    if (x >= cap)
      throw new UserError(
        `${file}: ${where}: a fixed fee of ${x} per asset traded is not below the initial capital ${cap}; one trade would cost the whole portfolio. Use a fee well below initialCapital`,
      );
  const hm = e.report.heatmap;
  if (hm) {
    for (const [i, p] of hm.entries()) {
      if (!(PARAMS as readonly string[]).includes(p))
        throw new UserError(
          `${file}: report.heatmap[${i}]: unknown parameter ${quote(p, 40)}; use two of ${PARAMS.join(', ')}${space.searched.length ? ` (this experiment searches ${space.searched.join(', ')})` : ''}`,
        );
    }
    if (hm[0] === hm[1]) throw new UserError(`${file}: report.heatmap: names ${hm[0]} twice; give two different parameters`);
  }
}
