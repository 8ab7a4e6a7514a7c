import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { loadPrices } from '../../src/data/load.js';
import type { PriceMatrix } from '../../src/data/types.js';
import { csv, fixtureDir, userError, type FixtureDir } from './fixtures.js';

let fx: FixtureDir;
beforeAll(async () => {
  fx = await fixtureDir();
});
afterAll(async () => {
  await fx.remove();
});

const WIDE = csv(
  'date,SPY,TLT,GLD',
  '2021-01-04,101.37,150.5,180.1',
  '2021-01-05,102.11,150.25,181.3',
  '2021-01-06,101.5,149.75,179.9',
  '2021-01-07,103.2,149.5,180.4',
);

/** The same prices in long format, rows shuffled. */
const LONG = csv(
  'date,asset,price',
  '2021-01-05,TLT,150.25',
  '2021-01-04,SPY,101.37',
  '2021-01-07,GLD,180.4',
  '2021-01-04,TLT,150.5',
  '2021-01-04,GLD,180.1',
  '2021-01-06,SPY,101.5',
  '2021-01-05,SPY,102.11',
  '2021-01-06,GLD,179.9',
  '2021-01-05,GLD,181.3',
  '2021-01-06,TLT,149.75',
  '2021-01-07,SPY,103.2',
  '2021-01-07,TLT,149.5',
);

/** Row t of the matrix as a plain array. */
function row(m: PriceMatrix, t: number): number[] {
  return Array.from(m.prices.subarray(t * m.N, (t + 1) * m.N));
}

/** Column of one asset. */
function column(m: PriceMatrix, asset: string): number[] {
  const j = m.assets.indexOf(asset);
  return Array.from({ length: m.T }, (_, t) => m.prices[t * m.N + j]);
}

describe('loadPrices: shape and values', () => {
  it('loads a wide file into a row-major T×N float64 matrix over a SharedArrayBuffer', async () => {
    const { matrix, info } = await loadPrices(await fx.write('wide.csv', WIDE));
    expect(matrix.T).toBe(4);
    expect(matrix.N).toBe(3);
    expect(matrix.assets).toEqual(['SPY', 'TLT', 'GLD']);
    expect(matrix.dates).toEqual(['2021-01-04', '2021-01-05', '2021-01-06', '2021-01-07']);
    expect(matrix.prices).toBeInstanceOf(Float64Array);
    expect(matrix.prices.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(matrix.prices.length).toBe(12);
    expect(row(matrix, 1)).toEqual([102.11, 150.25, 181.3]);
    expect(info.format).toBe('wide');
    expect(info.rows).toBe(4);
    expect(info.commonStart).toBe('2021-01-04');
    expect(info.end).toBe('2021-01-07');
  });

  it('keeps exact float64 values (101.37 stays 101.37, not its float32 neighbour)', async () => {
    const file = await fx.write('exact.csv', csv('date,A,B,C', '2021-01-04,101.37,1.0000000000000002,583772.3956', '2021-01-05,0.1,0.9998546,1e-7'));
    const { matrix } = await loadPrices(file);
    expect(matrix.prices[0]).toBe(101.37);
    expect(matrix.prices[0]).not.toBe(Math.fround(101.37));
    expect(matrix.prices[1]).toBe(1.0000000000000002); // 1 + 2^-52: lost in float32
    expect(matrix.prices[1]).not.toBe(1);
    expect(Array.from(matrix.prices)).toEqual([101.37, 1.0000000000000002, 583772.3956, 0.1, 0.9998546, 1e-7]);
  });

  it('wide and long files give the same matrix (long rows in any order)', async () => {
    const wide = await loadPrices(await fx.write('same-wide.csv', WIDE));
    const long = await loadPrices(await fx.write('same-long.csv', LONG), { assets: ['SPY', 'TLT', 'GLD'] });
    expect(long.info.format).toBe('long');
    expect(long.matrix.dates).toEqual(wide.matrix.dates);
    expect(long.matrix.assets).toEqual(wide.matrix.assets);
    expect(Array.from(long.matrix.prices)).toEqual(Array.from(wide.matrix.prices));
  });

  it('long format: default asset order is first appearance; header case-insensitive', async () => {
    const { matrix } = await loadPrices(await fx.write('long-order.csv', LONG.replace('date,asset,price', 'Date,Asset,Price')));
    expect(matrix.assets).toEqual(['TLT', 'SPY', 'GLD']);
    expect(column(matrix, 'SPY')).toEqual([101.37, 102.11, 101.5, 103.2]);
  });

  it('selects assets in the requested order', async () => {
    const { matrix, info } = await loadPrices(await fx.write('select.csv', WIDE), { assets: ['GLD', 'SPY'] });
    expect(matrix.assets).toEqual(['GLD', 'SPY']);
    expect(matrix.N).toBe(2);
    expect(row(matrix, 0)).toEqual([180.1, 101.37]);
    expect(row(matrix, 3)).toEqual([180.4, 103.2]);
    expect(info.assets.map((a) => a.name)).toEqual(['GLD', 'SPY']);
    expect(info.availableAssets).toEqual(['SPY', 'TLT', 'GLD']);
  });

  it('start and end are inclusive', async () => {
    const { matrix } = await loadPrices(await fx.write('range.csv', WIDE), { start: '2021-01-05', end: '2021-01-06' });
    expect(matrix.dates).toEqual(['2021-01-05', '2021-01-06']);
    expect(column(matrix, 'SPY')).toEqual([102.11, 101.5]);
    const open = await loadPrices(await fx.write('range2.csv', WIDE), { start: '2021-01-01', end: '2021-12-31' });
    expect(open.matrix.T).toBe(4);
  });

  it('sorts unsorted dates silently', async () => {
    const lines = WIDE.trim().split('\n');
    const shuffled = csv(lines[0], lines[3], lines[1], lines[4], lines[2]);
    const a = await loadPrices(await fx.write('unsorted.csv', shuffled));
    const b = await loadPrices(await fx.write('sorted.csv', WIDE));
    expect(a.matrix.dates).toEqual(b.matrix.dates);
    expect(Array.from(a.matrix.prices)).toEqual(Array.from(b.matrix.prices));
  });

  it('reads BOM, CRLF, quoted headers and quoted values the same as plain text', async () => {
    const fancy =
      '\ufeff"date","SPY",TLT,"GLD"\r\n' +
      WIDE.split('\n')
        .slice(1, -1)
        .map((l) => l.replace(/,([\d.]+)$/, ',"$1"'))
        .join('\r\n');
    const a = await loadPrices(await fx.write('fancy.csv', fancy));
    const b = await loadPrices(await fx.write('plain.csv', WIDE));
    expect(a.matrix.assets).toEqual(b.matrix.assets);
    expect(Array.from(a.matrix.prices)).toEqual(Array.from(b.matrix.prices));
  });
});

describe('loadPrices: common start and forward-fill', () => {
  const RAGGED = csv('date,A,B,C', '2021-01-04,10,,', '2021-01-05,11,,5', '2021-01-06,12,20,5.5', '2021-01-07,13,21,6', '2021-01-08,14,22,6.5');

  it('starts the window at the first date where every selected asset has a price', async () => {
    const { matrix, info } = await loadPrices(await fx.write('ragged.csv', RAGGED));
    expect(matrix.dates).toEqual(['2021-01-06', '2021-01-07', '2021-01-08']);
    expect(info.commonStart).toBe('2021-01-06');
    expect(row(matrix, 0)).toEqual([12, 20, 5.5]);
    expect(info.assets).toEqual([
      { name: 'A', first: '2021-01-04', last: '2021-01-08', observations: 5, filled: 0 },
      { name: 'B', first: '2021-01-06', last: '2021-01-08', observations: 3, filled: 0 },
      { name: 'C', first: '2021-01-05', last: '2021-01-08', observations: 4, filled: 0 },
    ]);
    expect(info.fileRows).toBe(5);
    const ac = await loadPrices(await fx.write('ragged-ac.csv', RAGGED), { assets: ['A', 'C'] });
    expect(ac.matrix.dates[0]).toBe('2021-01-05');
  });

  it('forward-fills up to maxFill with the previous price and counts the fills', async () => {
    const file = await fx.write('fill.csv', csv('date,A,B', '2021-01-04,10,20', '2021-01-05,,21', '2021-01-06,NA,22', '2021-01-07,13,', '2021-01-08,14,24'));
    const { matrix, info } = await loadPrices(file, { maxFill: 2 });
    expect(column(matrix, 'A')).toEqual([10, 10, 10, 13, 14]);
    expect(column(matrix, 'B')).toEqual([20, 21, 22, 22, 24]);
    expect(info.assets.map((a) => [a.name, a.observations, a.filled])).toEqual([
      ['A', 3, 2],
      ['B', 4, 1],
    ]);
    expect(info.maxFill).toBe(2);
  });

  it('forward-fills a trailing gap, and fills missing long rows', async () => {
    const wide = await loadPrices(await fx.write('trail.csv', csv('date,A,B', '2021-01-04,1,2', '2021-01-05,1.5,', '2021-01-06,1.7,')));
    expect(column(wide.matrix, 'B')).toEqual([2, 2, 2]);
    const long = await loadPrices(
      await fx.write('long-gap.csv', csv('date,asset,price', '2021-01-04,A,1', '2021-01-04,B,2', '2021-01-05,A,1.5', '2021-01-06,A,1.7', '2021-01-06,B,3')),
    );
    expect(column(long.matrix, 'B')).toEqual([2, 2, 3]);
    expect(long.info.assets[1].filled).toBe(1);
  });

  it('a gap longer than maxFill before the window starts does not matter', async () => {
    const file = await fx.write('early-gap.csv', csv('date,A,B', '2021-01-04,1,', '2021-01-05,,', '2021-01-06,,', '2021-01-07,2,5', '2021-01-08,3,6'));
    const { matrix } = await loadPrices(file, { maxFill: 1 });
    expect(matrix.dates[0]).toBe('2021-01-07');
  });

  it('a gap straddling the common start counts the periods before it', async () => {
    const file = await fx.write('straddle.csv', csv('date,A,B', '2021-01-04,1,', '2021-01-05,,', '2021-01-06,,5', '2021-01-07,2,6'));
    const msg = await userError(loadPrices(file, { maxFill: 1 }));
    expect(msg).toContain('straddle.csv line 4 (2021-01-06): A price is missing (empty), 2 consecutive periods after its last price on line 2 (2021-01-04)');
    const ok = await loadPrices(file, { maxFill: 2 });
    expect(column(ok.matrix, 'A')).toEqual([1, 2]);
    expect(ok.info.assets[0].filled).toBe(1); // only the filled cell inside the window counts
  });

  it('a gap beyond maxFill is an error naming the first unfillable line, column and value', async () => {
    const file = await fx.write('gap.csv', csv('date,A,B', '2021-01-04,10,20', '2021-01-05,11,', '2021-01-06,12,NA', '2021-01-07,13,', '2021-01-08,14,24'));
    const msg = await userError(loadPrices(file, { maxFill: 2 }));
    expect(msg).toBe(
      `${file} line 5 (2021-01-07): B price is missing (empty), 3 consecutive periods after its last price on line 2 ` +
        `(2021-01-04); forward-fill covers at most maxFill = 2. Add the missing prices, raise maxFill, or choose a date range that avoids the gap`,
    );
    const na = await userError(loadPrices(file, { maxFill: 1 }));
    expect(na).toContain('gap.csv line 4 (2021-01-06): B price is missing ("NA"), 2 consecutive periods');
    expect((await loadPrices(file)).info.assets[1].filled).toBe(3); // default maxFill 5
  });

  it('an empty price with maxFill 0 is an error naming line, date, column', async () => {
    const file = await fx.write('empty-cell.csv', csv('date,SPY,TLT', '2021-01-04,1,2', '2021-01-05,1.1,', '2021-01-06,1.2,2.2'));
    const msg = await userError(loadPrices(file, { maxFill: 0 }));
    expect(msg).toContain('empty-cell.csv line 3 (2021-01-05): TLT price is missing (empty), 1 consecutive period after its last price on line 2');
  });

  it('a missing long row beyond maxFill names the date, the asset and the last line', async () => {
    const file = await fx.write(
      'long-hole.csv',
      csv('date,asset,price', '2021-01-04,A,1', '2021-01-04,B,2', '2021-01-05,A,1.5', '2021-01-06,A,1.7', '2021-01-06,B,3'),
    );
    const msg = await userError(loadPrices(file, { maxFill: 0 }));
    expect(msg).toContain('long-hole.csv (2021-01-05): no B row for 2021-01-05, 1 consecutive period after its last price on line 3 (2021-01-04)');
  });

  it('assets that never overlap, or overlap on one date only, are errors', async () => {
    const none = await fx.write('no-b.csv', csv('date,A,B', '2021-01-04,1,', '2021-01-05,2,'));
    expect(await userError(loadPrices(none))).toContain('no-b.csv: B has no prices between 2021-01-04 .. 2021-01-05');
    const one = await fx.write('one.csv', csv('date,A,B', '2021-01-04,1,', '2021-01-05,2,3'));
    expect(await userError(loadPrices(one))).toContain('A, B have a common price on only one date (2021-01-05)');
  });
});

describe('loadPrices: every bad input names the line, column and value', () => {
  it('missing file', async () => {
    const file = join(fx.dir, 'nope.csv');
    const msg = await userError(loadPrices(file));
    expect(msg).toBe(`${file}: file not found (looked for ${file}); check the path`);
  });

  it('a directory', async () => {
    const dir = join(fx.dir, 'adir.csv');
    await mkdir(dir);
    expect(await userError(loadPrices(dir))).toContain('is a directory');
  });

  it('empty file, blank file', async () => {
    expect(await userError(loadPrices(await fx.write('empty.csv', '')))).toContain('empty.csv: the file is empty');
    expect(await userError(loadPrices(await fx.write('blank.csv', '\ufeff\n\n  \n')))).toContain('blank.csv: the file is empty');
  });

  it('header only', async () => {
    const msg = await userError(loadPrices(await fx.write('header.csv', 'date,SPY,TLT\n')));
    expect(msg).toBe(`${join(fx.dir, 'header.csv')} line 1: only a header, no data rows; add one row per date below it`);
  });

  it('bad headers', async () => {
    expect(await userError(loadPrices(await fx.write('h1.csv', csv('day,SPY', '2021-01-04,1'))))).toContain(
      'h1.csv line 1: the header must start with a date column, found "day"',
    );
    expect(await userError(loadPrices(await fx.write('h2.csv', csv('date', '2021-01-04'))))).toContain('no asset columns');
    expect(await userError(loadPrices(await fx.write('h3.csv', csv('date,SPY,,TLT', '2021-01-04,1,2,3'))))).toContain(
      'h3.csv line 1: column 3 of the header has no asset name',
    );
    expect(await userError(loadPrices(await fx.write('h4.csv', csv('date,SPY,TLT,SPY', '2021-01-04,1,2,3'))))).toContain(
      'h4.csv line 1: asset SPY appears twice in the header (columns 2 and 4)',
    );
  });

  it('ragged rows (too few and too many fields)', async () => {
    const few = await fx.write('ragged-few.csv', csv('date,SPY,TLT,GLD', '2021-01-04,1,2,3', '2021-01-05,1,2'));
    expect(await userError(loadPrices(few))).toBe(
      `${few} line 3 (2021-01-05): 3 fields but the header on line 1 has 4 (date,SPY,TLT,GLD); ` +
        'give every row one value per column (leave a cell empty for a missing price)',
    );
    const many = await fx.write('ragged-many.csv', csv('date,SPY', '2021-01-04,1', '', '2021-01-05,1,2'));
    expect(await userError(loadPrices(many))).toContain('ragged-many.csv line 4 (2021-01-05): 3 fields but the header on line 1 has 2');
    const long = await fx.write('ragged-long.csv', csv('date,asset,price', '2021-01-04,SPY,1', '2021-01-05,SPY'));
    expect(await userError(loadPrices(long))).toContain('ragged-long.csv line 3 (2021-01-05): 2 fields but the header on line 1 has 3');
  });

  it('unparseable and impossible dates', async () => {
    const slash = await fx.write('d1.csv', csv('date,SPY', '2021-01-04,1', '2021/01/05,2'));
    expect(await userError(loadPrices(slash))).toBe(
      `${slash} line 3: date "2021/01/05" is not an ISO date YYYY-MM-DD; write a real date as YYYY-MM-DD or remove the row`,
    );
    const feb30 = await fx.write('d2.csv', csv('date,SPY', '2021-02-27,1', '2021-02-28,1', '2021-02-30,2'));
    expect(await userError(loadPrices(feb30))).toContain('d2.csv line 4: date "2021-02-30" is not a real date (February 2021 has 28 days)');
    const long = await fx.write('d3.csv', csv('date,asset,price', '2021-13-01,SPY,1'));
    expect(await userError(loadPrices(long))).toContain('d3.csv line 2: date "2021-13-01" is not a real date (month 13 does not exist)');
    const leap = await fx.write('d4.csv', csv('date,SPY', '2020-02-28,1', '2020-02-29,2'));
    expect((await loadPrices(leap)).matrix.dates).toEqual(['2020-02-28', '2020-02-29']);
  });

  it('duplicate dates name both lines, even when not adjacent', async () => {
    const file = await fx.write('dup.csv', csv('date,SPY', '2021-01-05,1', '2021-01-04,2', '2021-01-06,3', '2021-01-05,4'));
    expect(await userError(loadPrices(file))).toBe(`${file} line 5 (2021-01-05): duplicate date, already on line 2; remove one of the two rows`);
    const long = await fx.write('dup-long.csv', csv('date,asset,price', '2021-01-04,SPY,1', '2021-01-04,TLT,2', '2021-01-04,SPY,1'));
    expect(await userError(loadPrices(long))).toContain(
      'dup-long.csv line 4 (2021-01-04): a second SPY price for 2021-01-04, already given on line 2; remove one of the two rows',
    );
  });

  it('negative price: the message of design §9', async () => {
    const file = await fx.write('neg.csv', csv('date,SPY,TLT', '2021-03-04,1.1,2', '2021-03-05,-1.2,2'));
    expect(await userError(loadPrices(file))).toBe(
      `${file} line 3 (2021-03-05): SPY price -1.2 must be > 0; fix it or leave the cell empty (it is then forward-filled)`,
    );
    const long = await fx.write('neg-long.csv', csv('date,asset,price', '2021-03-04,SPY,1', '2021-03-05,SPY,-1.2'));
    expect(await userError(loadPrices(long))).toBe(`${long} line 3 (2021-03-05): SPY price -1.2 must be > 0; fix it or remove the row`);
  });

  it.each([
    ['zero', '0', 'TLT price 0 must be > 0'],
    ['negative zero', '-0', 'TLT price -0 must be > 0'],
    ['NaN', 'NaN', 'TLT price "NaN" is not a number'],
    ['text', 'abc', 'TLT price "abc" is not a number'],
    ['hex', '0x10', 'TLT price "0x10" is not a number'],
    ['decimal comma', '"1,5"', 'TLT price "1,5" is not a number'],
    ['infinity', 'Infinity', 'TLT price "Infinity" is not a number'],
    ['overflow', '1e999', 'TLT price 1e999 is not a finite number'],
  ])('%s price', async (name, value, expected) => {
    const file = await fx.write(`bad-${name.replace(/ /g, '-')}.csv`, csv('date,SPY,TLT', '2021-01-04,1,2', `2021-01-05,1.1,${value}`, '2021-01-06,1.2,2.2'));
    const msg = await userError(loadPrices(file));
    expect(msg).toContain(`line 3 (2021-01-05): ${expected}`);
  });

  it('line numbers count blank lines and sorting does not change them', async () => {
    const file = await fx.write('lines.csv', csv('date,SPY', '2021-01-06,3', '', '2021-01-04,1', '2021-01-05,0'));
    expect(await userError(loadPrices(file))).toContain('lines.csv line 5 (2021-01-05): SPY price 0 must be > 0');
  });

  it('bad cells are judged only where used: unselected columns and rows outside the range are ignored', async () => {
    const file = await fx.write('unused.csv', csv('date,SPY,JUNK', '2021-01-04,1,abc', '2021-01-05,-5,-1', '2021-01-06,1.2,x', '2021-01-07,1.3,0'));
    const { matrix } = await loadPrices(file, { assets: ['SPY'], start: '2021-01-06' });
    expect(column(matrix, 'SPY')).toEqual([1.2, 1.3]);
    expect(await userError(loadPrices(file, { assets: ['SPY'] }))).toContain('line 3 (2021-01-05): SPY price -5 must be > 0');
  });

  it('a bad price before the common start is still an error (it is in a selected column and in range)', async () => {
    const file = await fx.write('early-bad.csv', csv('date,A,B', '2021-01-04,abc,', '2021-01-05,1,2', '2021-01-06,1,2'));
    expect(await userError(loadPrices(file))).toContain('early-bad.csv line 2 (2021-01-04): A price "abc" is not a number');
  });

  it('unknown asset lists the available ones; near-miss case gets a hint', async () => {
    const file = await fx.write('assets.csv', WIDE);
    expect(await userError(loadPrices(file, { assets: ['SPY', 'SPX'] }))).toBe(`${file}: unknown asset "SPX"; the file has SPY, TLT, GLD`);
    expect(await userError(loadPrices(file, { assets: ['spy'] }))).toContain('unknown asset "spy" (did you mean SPY?)');
    expect(await userError(loadPrices(file, { assets: ['SPY', 'SPY'] }))).toContain('asset SPY is selected twice');
    expect(await userError(loadPrices(file, { assets: [] }))).toContain('no assets selected; the file has SPY, TLT, GLD');
  });

  it('bad options', async () => {
    const file = await fx.write('opts.csv', WIDE);
    expect(await userError(loadPrices(file, { start: '2021-02-30' }))).toContain('the start option "2021-02-30" is not a real date');
    expect(await userError(loadPrices(file, { end: 'soon' }))).toContain('the end option "soon" is not an ISO date');
    expect(await userError(loadPrices(file, { start: '2021-02-01', end: '2021-01-01' }))).toContain('start 2021-02-01 is after end 2021-01-01');
    expect(await userError(loadPrices(file, { start: '2022-01-01' }))).toContain(
      'opts.csv: no rows between 2022-01-01 and the end; the file covers 2021-01-04 .. 2021-01-07',
    );
    expect(await userError(loadPrices(file, { maxFill: -1 }))).toContain('maxFill -1 must be a whole number');
    expect(await userError(loadPrices(file, { maxFill: 1.5 }))).toContain('maxFill 1.5 must be a whole number');
    expect(await userError(loadPrices(file, { periodsPerYear: 0 }))).toContain('periodsPerYear 0 must be a number from 1 to 1,000,000');
  });
});

describe('loadPrices: periodsPerYear', () => {
  it('detects from the window dates and reports the reason; the option overrides', async () => {
    const file = await fx.write('ppy.csv', WIDE);
    const detected = await loadPrices(file);
    expect(detected.matrix.periodsPerYear).toBe(252);
    expect(detected.info.periodsPerYearReason).toBe('median gap 1 day, no weekend dates → 252');
    expect(detected.info.medianGapDays).toBe(1);
    const set = await loadPrices(file, { periodsPerYear: 260 });
    expect(set.matrix.periodsPerYear).toBe(260);
    expect(set.info.periodsPerYear).toBe(260);
    expect(set.info.periodsPerYearReason).toContain('set to 260 by the periodsPerYear option');
  });

  it('monthly files → 12, weekend daily files → 365', async () => {
    const monthly = csv('date,A', '2020-01-31,1', '2020-02-29,1.1', '2020-03-31,1.2', '2020-04-30,1.3');
    expect((await loadPrices(await fx.write('monthly.csv', monthly))).matrix.periodsPerYear).toBe(12);
    const daily = csv('date,A', ...Array.from({ length: 14 }, (_, i) => `2021-01-${String(i + 1).padStart(2, '0')},${i + 1}`));
    expect((await loadPrices(await fx.write('daily.csv', daily))).matrix.periodsPerYear).toBe(365);
  });
});
