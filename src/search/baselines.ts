/**
 * The baselines every run reports beside the searched policies (design §3): calendar on each
 * check schedule of the space, and buy-and-hold, at the experiment's costs.
 */
import type { ExperimentSpec } from '../spec/schema.js';
import type { Config } from '../policy/types.js';
import type { ParameterSpace } from './space.js';

export function baselineConfigs(space: ParameterSpace, s: Pick<ExperimentSpec, 'costs'>): { id: string; config: Config }[] {
  const out: { id: string; config: Config }[] = space.checks.map((check) => ({
    id: `calendar-${check}`,
    config: { band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...s.costs },
  }));
  out.push({ id: 'none', config: { band: 'none', width: 0, check: space.checks[0], mode: 'target', cooldown: 0, ...s.costs } });
  return out;
}
