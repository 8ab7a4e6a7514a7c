/** Human labels for configurations ("relative ±25% of target, monthly, to the band edge"). */
import { BANDS } from './bands.js';
import { MODE_SPECS } from './modes.js';
import { describeSchedule } from './schedule.js';
import type { Config } from './types.js';

export function describeConfig(c: Config): string {
  if (c.band === 'none') return 'buy and hold';
  const parts = [BANDS[c.band].label(c), `checked ${describeSchedule(c.check)}`];
  if (c.band !== 'calendar' || c.mode === 'partial') parts.push(MODE_SPECS[c.mode].label(c));
  if (c.cooldown) parts.push(`cooldown ${c.cooldown}`);
  return parts.join(', ');
}
