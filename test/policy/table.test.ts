/**
 * A band or mode is one table entry (policy/bands.ts, policy/modes.ts): the experiment schema, the
 * descriptions and the report's words read the tables.
 */
import { describe, expect, it } from 'vitest';
import { BAND_PARAMS, BANDS } from '../../src/policy/bands.js';
import { MODE_SPECS } from '../../src/policy/modes.js';
import { BAND_TYPES, MODES } from '../../src/policy/types.js';
import { describeConfig } from '../../src/report/format.js';
import type { ReportRow } from '../../src/report/types.js';
import { Space } from '../../src/spec/schema.js';

const row = (params: Record<string, string | number | null>): ReportRow =>
  ({ id: '0', kind: 'config', label: 'the label', params, metrics: {} }) as unknown as ReportRow;

describe('band and mode tables', () => {
  it('the schema takes, for each band type, exactly the fields BAND_PARAMS lists', () => {
    for (const b of BAND_TYPES) {
      const fields = Object.fromEntries(BAND_PARAMS[b].map((p) => [p, p === 'lookback' ? [20] : [0.1]]));
      expect(Space.safeParse({ bands: { [b]: fields } }).success, b).toBe(true);
      for (const extra of (['width', 'relWidth', 'lookback'] as const).filter((p) => !(BAND_PARAMS[b] as readonly string[]).includes(p)))
        expect(Space.safeParse({ bands: { [b]: { ...fields, [extra]: [1] } } }).success, `${b} with ${extra}`).toBe(false);
    }
    // usesLookback / usesRelWidth agree with the parameter lists
    expect(BAND_TYPES.filter((b) => BANDS[b].usesLookback)).toEqual(['volatility', 'risk']);
    expect(BAND_TYPES.filter((b) => BANDS[b].usesRelWidth)).toEqual(['hybrid']);
    expect(MODES.filter((m) => MODE_SPECS[m].param !== null)).toEqual(['inner', 'partial']);
  });

  it("the report's words come from the tables", () => {
    const d = (p: Record<string, string | number | null>) => describeConfig(row(p));
    expect(d({ band: 'relative', width: 0.22, check: 'weekly', mode: 'edge' })).toBe('relative band 22%, checked weekly, trading to the edge');
    expect(d({ band: 'absolute', width: 0.05, check: 'monthly', mode: 'inner', depth: 0.5 })).toBe(
      'absolute band ±5%, checked monthly, trading into the band (to 50% of the way to the edge)',
    );
    expect(d({ band: 'hybrid', width: 0.05, relWidth: 0.25, check: 'monthly', mode: 'partial', fraction: 0.5 })).toBe(
      'hybrid band min(5%, 25% of target), checked monthly, closing 50% of the gap',
    );
    expect(d({ band: 'volatility', width: 1.5, lookback: 60, check: 'daily', mode: 'target' })).toBe(
      'volatility band 1.5σ, lookback 60, checked daily, trading back to target',
    );
    expect(d({ band: 'calendar', check: 'monthly', mode: 'target' })).toBe('calendar rebalancing, checked monthly');
    expect(d({ band: 'none', check: 'monthly', mode: 'target' })).toBe('buy and hold (never rebalance)');
    // not a band type (not even an Object.prototype name): the row's own label
    expect(d({ band: 'constructor', check: 'monthly' })).toBe('the label');
  });
});
