/**
 * Loads of the shipped real data (data/README.md), checked against facts from the data notes and
 * against the CSV text itself, cell by cell.
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadPrices } from '../../src/data/load.js';
import type { PriceMatrix } from '../../src/data/types.js';

const DATA = fileURLToPath(new URL('../../data/', import.meta.url));
const ETF = `${DATA}etf_daily_adjclose_1993_2023.csv`;
const CRYPTO = `${DATA}crypto_daily_close_2014_2025.csv`;
const EU = `${DATA}eu_stock_indices_daily_1991_1998.csv`;
const SHILLER = `${DATA}us_stocks_bonds_monthly_shiller_1871_2023.csv`;
const FF = `${DATA}us_market_tbill_monthly_famafrench_1926_2024.csv`;

/** The CSV text as header + a map from date to cell texts (the shipped files have no quotes). */
async function csvCells(file: string): Promise<{ header: string[]; byDate: Map<string, string[]> }> {
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const header = lines[0].split(',');
  const byDate = new Map(lines.slice(1).map((l) => [l.slice(0, 10), l.split(',')] as const));
  return { header, byDate };
}

/** The matrix value of `asset` on `date`. */
function at(m: PriceMatrix, date: string, asset: string): number {
  const t = m.dates.indexOf(date);
  const j = m.assets.indexOf(asset);
  expect(t).toBeGreaterThanOrEqual(0);
  expect(j).toBeGreaterThanOrEqual(0);
  return m.prices[t * m.N + j];
}

/** Last value of `asset` on or before the end of `year`. */
function yearEnd(m: PriceMatrix, year: number, asset: string): number {
  const dates = m.dates.filter((d) => d <= `${year}-12-31`);
  return at(m, dates[dates.length - 1], asset);
}

describe('shipped data', () => {
  it('files are the curated, byte-identical copies (sha256)', async () => {
    const expected: Record<string, string> = {
      [CRYPTO]: '4c21c25c542ba1891d4375ad48f059cff4b6df807db7d6fbd7abcb503ec91d78',
      [ETF]: '43f5c3794baf955867358400f5afa0f9ba5df14f9c4ebc707391de034badfbea',
      [EU]: '05c1b7ed2c32717f8431fc1c55a1705af8f2a6bd69a8260f7eb5e48d29356391',
      [FF]: '3b55ec441349a65a0de84aa68a6c65ef8146ad1ce4ac5eeacee7a84f055b4393',
      [SHILLER]: 'c5497217a6b0d2df89d645ad114c259661317878dbe793d898cf13a3c04a704e',
    };
    for (const [file, sha] of Object.entries(expected)) {
      expect(
        createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
        file,
      ).toBe(sha);
    }
  });

  it.each([ETF, CRYPTO, EU, SHILLER, FF])('every window cell of %s equals Number(cell text) exactly', async (file) => {
    const { matrix } = await loadPrices(file);
    const { header, byDate } = await csvCells(file);
    expect(matrix.assets).toEqual(header.slice(1));
    expect(matrix.dates[matrix.T - 1]).toBe([...byDate.keys()].at(-1));
    for (let t = 0; t < matrix.T; t++) {
      const cells = byDate.get(matrix.dates[t]);
      expect(cells).toBeDefined();
      for (let j = 0; j < matrix.N; j++) {
        if (matrix.prices[t * matrix.N + j] !== Number(cells![j + 1])) {
          expect.fail(`${file} ${matrix.dates[t]} ${matrix.assets[j]}: ${matrix.prices[t * matrix.N + j]} vs ${cells![j + 1]}`);
        }
      }
    }
  });

  it('ETF: SPY+TLT+GLD+SHY start together on 2004-11-18, daily trading days → 252', async () => {
    const { matrix, info } = await loadPrices(ETF, { assets: ['SPY', 'TLT', 'GLD', 'SHY'] });
    const { byDate } = await csvCells(ETF);
    expect(info.commonStart).toBe('2004-11-18');
    expect(info.end).toBe('2023-04-21');
    expect(matrix.periodsPerYear).toBe(252);
    expect(info.periodsPerYearReason).toBe('median gap 1 day, no weekend dates → 252');
    expect(matrix.T).toBe([...byDate.keys()].filter((d) => d >= '2004-11-18').length);
    expect(info.assets.map((a) => a.filled)).toEqual([0, 0, 0, 0]); // no interior gaps
    expect(info.assets.map((a) => a.first)).toEqual(['1993-01-29', '2002-07-30', '2004-11-18', '2002-07-30']);
    expect(info.fileRows).toBe(7612);
    // The CSV row of 2004-11-18 reads SPY 83.0824, GLD 44.3800.
    expect(matrix.prices[0]).toBe(83.0824);
    expect(at(matrix, '2004-11-18', 'GLD')).toBe(44.38);
  });

  it('ETF: SPY 2008 −36.8% and 2013 +32.3%; TLT 2022 −31.2% (data notes)', async () => {
    const { matrix } = await loadPrices(ETF, { assets: ['SPY', 'TLT'] });
    expect(matrix.dates[0]).toBe('2002-07-30');
    const ret = (year: number, asset: string): number => yearEnd(matrix, year, asset) / yearEnd(matrix, year - 1, asset) - 1;
    expect(ret(2008, 'SPY')).toBeCloseTo(-0.368, 3);
    expect(ret(2013, 'SPY')).toBeCloseTo(0.323, 3);
    expect(ret(2022, 'TLT')).toBeCloseTo(-0.312, 3);
  });

  it('crypto: every day of the week → 365; all 17 start on 2020-09-22; BTC 2017 high 19,497.4 on 2017-12-16', async () => {
    const all = await loadPrices(CRYPTO);
    expect(all.matrix.periodsPerYear).toBe(365);
    expect(all.info.periodsPerYearReason).toMatch(/weekend dates present .* → 365$/);
    expect(all.info.commonStart).toBe('2020-09-22');
    expect(all.matrix.N).toBe(17);
    const btc = await loadPrices(CRYPTO, { assets: ['BTC'], start: '2017-01-01', end: '2017-12-31' });
    expect(btc.matrix.T).toBe(365);
    const max = Math.max(...btc.matrix.prices);
    expect(max).toBe(19497.4);
    expect(at(btc.matrix, '2017-12-16', 'BTC')).toBe(19497.4);
  });

  it('EU indices: 1860 synthetic weekdays → 252', async () => {
    const { matrix, info } = await loadPrices(EU);
    expect(matrix.assets).toEqual(['DAX', 'SMI', 'CAC', 'FTSE']);
    expect(matrix.T).toBe(1860);
    expect([info.commonStart, info.end]).toEqual(['1991-07-01', '1998-08-14']);
    expect(matrix.periodsPerYear).toBe(252);
    expect(at(matrix, '1991-07-01', 'DAX')).toBe(1628.75);
  });

  it('Shiller monthly → 12, both indices 1 in 1871-01', async () => {
    const { matrix, info } = await loadPrices(SHILLER);
    expect(matrix.periodsPerYear).toBe(12);
    expect(info.periodsPerYearReason).toBe('median gap 31 days → 12');
    expect(matrix.T).toBe(1827);
    expect(Array.from(matrix.prices.subarray(0, 2))).toEqual([1, 1]);
    expect(at(matrix, '1871-02-01', 'SP500_TR')).toBe(1.018393393);
    expect(at(matrix, '2023-03-01', 'SP500_TR')).toBe(583772.3956);
  });

  it('Fama-French monthly (month-end) → 12, base row 1926-06-30', async () => {
    const { matrix, info } = await loadPrices(FF, { assets: ['TBILL_TR', 'US_MKT_TR'] });
    expect(matrix.periodsPerYear).toBe(12);
    expect(matrix.T).toBe(1179);
    expect(info.commonStart).toBe('1926-06-30');
    expect(at(matrix, '2024-08-31', 'US_MKT_TR')).toBe(13855.67712);
    expect(at(matrix, '2024-08-31', 'TBILL_TR')).toBe(23.55855752);
  });

  it('loads the largest files well within a second or two (warm)', async () => {
    await loadPrices(CRYPTO); // warm up the danfojs import and the JIT
    for (const file of [ETF, CRYPTO]) {
      const t0 = performance.now();
      await loadPrices(file);
      expect(performance.now() - t0, file).toBeLessThan(2000);
    }
  });
});
