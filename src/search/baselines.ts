/**
 * The baselines every run reports beside the searched policies (design §3, issue 11): calendar
 * rebalancing monthly, quarterly and yearly (the usual practice) and on each other check schedule
 * of the space, and buy-and-hold, at the experiment's costs. Each appears once (a schedule both
 * usual and searched is one baseline) and never takes a rank; calendar and buy-and-hold
 * configurations inside the searched space stay rows of results.csv but are not ranked or picked
 * (docs/selection.md).
 */
import type { ExperimentSpec } from '../spec/schema.js';
import { scheduleKey } from '../policy/schedule.js';
import type { CheckEvery, Config } from '../policy/types.js';
import type { ParameterSpace } from './space.js';

/** The calendar schedules always reported. */
export const USUAL_CALENDARS: readonly CheckEvery[] = ['monthly', 'quarterly', 'yearly'];

export function baselineConfigs(space: Pick<ParameterSpace, 'checks'>, s: Pick<ExperimentSpec, 'costs'>): { id: string; config: Config }[] {
  const seen = new Set<string>();
  const out: { id: string; config: Config }[] = [];
  for (const check of [...USUAL_CALENDARS, ...space.checks]) {
    // every 1 period is daily
    const key = scheduleKey(check === 1 ? 'daily' : check);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: `calendar-${check}`, config: { band: 'calendar', width: 0, check, mode: 'target', cooldown: 0, ...s.costs } });
  }
  out.push({ id: 'none', config: { band: 'none', width: 0, check: space.checks[0] ?? 'daily', mode: 'target', cooldown: 0, ...s.costs } });
  return out;
}
