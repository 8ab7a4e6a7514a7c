import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { formatInspect } from '../../src/data/inspect.js';
import { loadPrices } from '../../src/data/load.js';
import type { DataInfo } from '../../src/data/types.js';
import { csv, fixtureDir, type FixtureDir } from './fixtures.js';

let fx: FixtureDir;
beforeAll(async () => {
  fx = await fixtureDir();
});
afterAll(async () => {
  await fx.remove();
});

describe('formatInspect', () => {
  it('shows file, format, rows and range, common start, periods per year with reason, and a per-asset table', async () => {
    const file = await fx.write('inspect.csv', csv('date,SPY,TLT,GLD', '2021-01-04,1,,9', '2021-01-05,1.1,2,9', '2021-01-06,1.2,,9', '2021-01-07,1.3,2.2,9'));
    const { info } = await loadPrices(file, { assets: ['SPY', 'TLT'] });
    expect(formatInspect(info)).toBe(
      [
        `file          ${file}`,
        'format        wide',
        'rows          3 (2021-01-05 .. 2021-01-07)',
        'file rows     4 (2021-01-04 .. 2021-01-07)',
        'common start  2021-01-05 (first price of TLT)',
        'periods/year  252 (median gap 1 day, no weekend dates → 252)',
        // 2 gaps over 2 days (2021-01-05 .. 01-07): 2/(2/365.25) = 365.25 rows per calendar year
        'rows/cal. yr  365.3 (measured 2021-01-05 .. 2021-01-07, span under a year)',
        'max fill      5 consecutive periods',
        'not selected  GLD',
        '',
        'asset  first       last        observations  filled',
        'SPY    2021-01-04  2021-01-07             4       0',
        'TLT    2021-01-05  2021-01-07             2       1',
        '',
      ].join('\n'),
    );
  });

  it('works on the required DataInfo fields alone', () => {
    const info: DataInfo = {
      file: 'x.csv',
      format: 'long',
      rows: 2,
      assets: [{ name: 'A', first: '2020-01-31', last: '2020-02-29', observations: 2, filled: 0 }],
      commonStart: '2020-01-31',
      end: '2020-02-29',
      periodsPerYear: 12,
      periodsPerYearReason: 'median gap 29 days → 12',
      medianGapDays: 29,
    };
    const text = formatInspect(info);
    expect(text).toContain('format        long');
    expect(text).toContain('common start  2020-01-31 (every asset starts here)');
    expect(text).toContain('periods/year  12 (median gap 29 days → 12)');
    expect(text).toContain('A      2020-01-31  2020-02-29             2       0');
  });
});
