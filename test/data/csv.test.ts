import { describe, it, expect } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { userErrorSync } from './fixtures.js';

const F = 'prices.csv';

describe('parseCsv', () => {
  it('splits fields and numbers lines from 1 (header is line 1)', () => {
    expect(parseCsv('date,A\n2021-01-04,1.5\n2021-01-05,2\n', F)).toEqual([
      { line: 1, fields: ['date', 'A'] },
      { line: 2, fields: ['2021-01-04', '1.5'] },
      { line: 3, fields: ['2021-01-05', '2'] },
    ]);
  });

  it('drops a BOM, accepts CRLF and a missing final newline', () => {
    expect(parseCsv('\ufeffdate,A\r\n2021-01-04,1.5\r\n2021-01-05,2', F)).toEqual([
      { line: 1, fields: ['date', 'A'] },
      { line: 2, fields: ['2021-01-04', '1.5'] },
      { line: 3, fields: ['2021-01-05', '2'] },
    ]);
  });

  it('skips blank lines but keeps counting them', () => {
    const recs = parseCsv('date,A\n\n2021-01-04,1\n   \n2021-01-05,2\n\n', F);
    expect(recs.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('keeps empty fields (ragged-at-start wide files)', () => {
    expect(parseCsv('date,A,B\n2021-01-04,,\n', F)[1].fields).toEqual(['2021-01-04', '', '']);
  });

  it('reads quoted fields: commas, doubled quotes, newlines (which still count as lines)', () => {
    const recs = parseCsv('date,"A,1","B ""x"""\n2021-01-04,"1.5","multi\nline"\n2021-01-05,2,3\n', F);
    expect(recs[0].fields).toEqual(['date', 'A,1', 'B "x"']);
    expect(recs[1]).toEqual({ line: 2, fields: ['2021-01-04', '1.5', 'multi\nline'] });
    expect(recs[2].line).toBe(4);
  });

  it('trims spaces around unquoted fields', () => {
    expect(parseCsv('date , A\n 2021-01-04 , 1.5 \n', F)[1].fields).toEqual(['2021-01-04', '1.5']);
  });

  it('rejects an unclosed quote, naming the line it opened on', () => {
    const msg = userErrorSync(() => parseCsv('date,A\n2021-01-04,1\n2021-01-05,"2\n2021-01-06,3\n', F));
    expect(msg).toContain('prices.csv line 3: a quoted field opened on this line is never closed');
  });

  it('rejects text after a closing quote', () => {
    const msg = userErrorSync(() => parseCsv('date,A\n2021-01-04,"1"5\n', F));
    expect(msg).toContain('prices.csv line 2: unexpected text after the closing quote');
  });
});
