/**
 * Words on the page: the glossary has an entry for every results.csv column, named exactly as the
 * column (the metrics table of kernel/metrics.ts and the parameters of the space included), and
 * every entry gives a unit and a definition; the page prints them in the column order.
 */
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../src/kernel/metrics.js';
import { GLOSSARY } from '../../src/report/glossary.js';
import { buildReport } from '../../src/report/index.js';
import { RESULT_COLUMNS } from '../../src/results/table.js';
import { PARAMS } from '../../src/search/space.js';
import { fmtSig, plural } from '../../src/report/format.js';
import { smallInput } from './fixture.js';

describe('glossary', () => {
  it('has an entry for every results.csv column, and none for a column that does not exist', () => {
    expect(Object.keys(GLOSSARY).sort()).toEqual([...RESULT_COLUMNS].sort());
    for (const m of METRICS) expect(GLOSSARY[m], m).toBeDefined();
    for (const p of PARAMS) expect(GLOSSARY[p], p).toBeDefined();
    for (const [k, g] of Object.entries(GLOSSARY)) {
      expect(g.unit.length, `${k} unit`).toBeGreaterThan(0);
      expect(g.text.length, `${k} text`).toBeGreaterThan(20);
    }
    // what tracking error and excess return are measured against
    expect(GLOSSARY.trackingError.text).toMatch(/target weights rebalanced every period at no cost/);
    expect(GLOSSARY.excessReturn.text).toMatch(/target weights rebalanced every period at no cost/);
  });

  it('is on the page, one row per column in the order of results.csv', () => {
    const html = buildReport(smallInput());
    const table = html.slice(html.indexOf('id="glossary-table"'), html.indexOf('</table>', html.indexOf('id="glossary-table"')));
    const names = [...table.matchAll(/<tr id="glossary-([^"]+)"><td><code>([^<]+)<\/code>/g)].map((m) => m[2]);
    expect(names).toEqual([...RESULT_COLUMNS]);
  });
});

describe('numbers a person reads', () => {
  it('rounds searched values to 3 significant digits', () => {
    expect(fmtSig(0.0164095)).toBe('0.0164');
    expect(fmtSig(1.298447139091973)).toBe('1.3');
    expect(fmtSig(250)).toBe('250');
    expect(fmtSig(123456)).toBe('123,456');
  });

  it('says "1 trade", "2 trades", singular when the printed number is 1', () => {
    expect(plural(1, 'trade')).toBe('1 trade');
    expect(plural(2, 'trade')).toBe('2 trades');
    expect(plural(0.96, 'trade', 'trades', '1')).toBe('1 trade');
    expect(plural(0, 'day')).toBe('0 days');
  });
});
