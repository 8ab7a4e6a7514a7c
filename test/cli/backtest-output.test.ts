/**
 * `backtest` output a practitioner can audit (issue 16): the self-describing JSON validated
 * against the shipped JSON Schema (docs/backtest.schema.json), ruin, non-finite values as strings,
 * units, --series per-asset trades, the periods-per-year warning, and ruin in a sweep's
 * results.csv. Run through the built CLI (npm run build first), as a user runs it. Every expected
 * number is worked out by hand in the comments.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// ajv (dev dependency): a maintained JSON Schema validator, so the test checks the shipped
// schema file itself, with the standard's semantics, instead of a hand-written shape check.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT } from '../runner/fixture.js';
import { METRICS } from '../../src/kernel/metrics.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let tmp: string;
let validate: (x: unknown) => boolean;
let errors: () => string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rl-bt-'));
  const schema = JSON.parse(await readFile(path.join(ROOT, 'docs/backtest.schema.json'), 'utf8')) as Record<string, unknown>;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const v = ajv.compile(schema);
  validate = (x) => v(x) as boolean;
  errors = () => ajv.errorsText(v.errors);
});

/** A wide CSV from rows of [date, ...prices]. */
async function csv(name: string, assets: string[], rows: (string | number)[][]): Promise<string> {
  const f = path.join(tmp, name);
  await writeFile(f, [['date', ...assets].join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return f;
}

describe('backtest --json is self-describing and valid against docs/backtest.schema.json', () => {
  it('real output on shipped data validates; inputs are echoed; units cover every metric', async () => {
    const data = 'data/eu_stock_indices_daily_1991_1998.csv';
    const r = cli([
      'backtest',
      '--data',
      data,
      '--weights',
      'DAX=0.5,SMI=0.5',
      '--band',
      'volatility:1,20',
      '--check',
      'weekly',
      '--to',
      'edge',
      '--fee-bps',
      '10',
      '--fixed-fee',
      '2',
      '--capital',
      '50000',
      '--risk-free',
      '0.03',
      '--periods-per-year',
      '260',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    expect(j.schema).toBe('rebalance-lab/backtest/1');
    const sha = createHash('sha256')
      .update(await readFile(path.join(ROOT, data)))
      .digest('hex');
    expect(j.inputs.data.sha256).toBe(sha);
    expect(j.inputs.capital).toBe(50000);
    expect(j.inputs.riskFree).toBe(0.03);
    expect(j.inputs.periodsPerYear).toMatchObject({ value: 260, source: 'override' });
    expect(j.inputs.costs).toEqual({ feeBps: 10, halfSpreadBps: 0, fixedFee: 2, minTrade: 0 });
    expect(j.inputs.policy).toMatchObject({ band: 'volatility', width: 1, lookback: 20, check: 'weekly', mode: 'edge' });
    // the file has 1860 rows (1991-07-01 .. 1998-08-14); the lookback of 20 returns is the
    // warm-up, so the window is rows 20..1859: 1840 rows, 1839 returns, years = 1839/260
    expect(j.inputs.data.loadedRows).toBe(1860);
    expect(j.inputs.window).toMatchObject({ rows: 1840, returns: 1839, warmupRows: 20, end: '1998-08-14' });
    expect(j.inputs.window.years).toBeCloseTo(1839 / 260, 12);
    // units: one per metric, costDrag in basis points a year, the value in currency
    expect(Object.keys(j.units).sort()).toEqual([...METRICS].sort());
    expect(j.units.costDrag).toBe('bp/yr');
    expect(j.units.totalCost).toBe('currency');
    // excessReturn = cagr − benchmark cagr for every column
    for (const c of j.columns) expect(c.metrics.excessReturn).toBeCloseTo(c.metrics.cagr - j.benchmark.cagr, 14);
    expect(j.ruined).toBe(false);
    // the table of the schema names exactly the metrics of the code (they cannot drift apart)
    const schema = JSON.parse(await readFile(path.join(ROOT, 'docs/backtest.schema.json'), 'utf8'));
    expect([...schema.properties.units.required].sort()).toEqual([...METRICS].sort());
  });

  it('the schema rejects what it must: a null metric, a missing unit, an unknown field', () => {
    const r = cli(['backtest', '--data', 'data/eu_stock_indices_daily_1991_1998.csv', '--weights', 'DAX=0.5,SMI=0.5', '--json']);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    const bad1 = structuredClone(j);
    bad1.columns[0].metrics.sortino = null;
    expect(validate(bad1)).toBe(false);
    const bad2 = structuredClone(j);
    delete bad2.units.costDrag;
    expect(validate(bad2)).toBe(false);
    const bad3 = structuredClone(j);
    bad3.inputs.extra = 1;
    expect(validate(bad3)).toBe(false);
  });
});

describe('ruin', () => {
  // A, B at 100; capital 1000 (h = 5 units each), absolute band 5%, target mode, fixed fee 300
  // per asset traded, daily checks. Dates Mon 2024-01-01 .. Fri 01-05 (no weekend → 252).
  // Row 1: A 200: V = 1000 + 500 = 1500, w_A = 2/3 → trade both assets: cost 600 → V = 900,
  //   h_A = 450/200 = 2.25, h_B = 450/100 = 4.5.
  // Row 2: A 100: V = 225 + 450 = 675, w_A = 1/3 → trade: cost 600 → V = 75, h = 0.375 each.
  // Row 3: A 200: V = 75 + 37.5 = 112.5, w_A = 2/3 → trade: cost 600 → V = −487.5 (ruin).
  //   h_A = −243.75/200 = −1.21875, h_B = −2.4375.
  // Row 4 (last, no trade): A 100: V = −121.875 − 243.75 = −365.625.
  // maxDrawdown = 1 − (−487.5)/1000 = 1.4875 ≥ 1 → ruined. totalCost = 3·600 = 1800,
  // assetTrades = 3·2 = 6. Daily calendar trades on the same rows: ruined too.
  // Buy-and-hold: 1000, 1500, 1000, 1500, 1000: not ruined.
  const rows = [
    ['2024-01-01', 100, 100],
    ['2024-01-02', 200, 100],
    ['2024-01-03', 100, 100],
    ['2024-01-04', 200, 100],
    ['2024-01-05', 100, 100],
  ];

  it('ruined: true, a warning on stderr, the numbers of the ruin', async () => {
    const f = await csv('ruin.csv', ['A', 'B'], rows);
    const r = cli([
      'backtest',
      '--data',
      f,
      '--weights',
      'A=0.5,B=0.5',
      '--band',
      'absolute:0.05',
      '--check',
      'daily',
      '--capital',
      '1000',
      '--fixed-fee',
      '300',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    expect(j.ruined).toBe(true);
    const [policy, calendar, hold] = j.columns;
    expect([policy.ruined, calendar.ruined, hold.ruined]).toEqual([true, true, false]);
    expect(policy.metrics.finalValue).toBeCloseTo(-365.625, 9);
    expect(policy.metrics.maxDrawdown).toBeCloseTo(1.4875, 12);
    expect(policy.metrics.totalCost).toBe(1800);
    expect(policy.metrics.assetTrades).toBe(6);
    expect(policy.metrics.rebalances).toBe(3);
    expect(hold.metrics.finalValue).toBe(1000);
    expect(r.err).toMatch(/warning: policy .* is ruined: its value went to or below zero/);
    expect(r.err).toMatch(/warning: calendar .* is ruined/);
    expect(r.err).not.toMatch(/buy-and-hold .* is ruined/);
    expect(j.warnings.length).toBe(2);
    // the table says so too
    const t = cli([
      'backtest',
      '--data',
      f,
      '--weights',
      'A=0.5,B=0.5',
      '--band',
      'absolute:0.05',
      '--check',
      'daily',
      '--capital',
      '1000',
      '--fixed-fee',
      '300',
    ]);
    expect(t.out).toMatch(/policy: .*\(RUINED\)/);
  });

  it('in a sweep a ruined configuration is infeasible with the reason, never ranked (results.csv)', async () => {
    const f = await csv('ruin-sweep.csv', ['A', 'B'], rows);
    const exp = {
      name: 'ruin',
      data: { file: f },
      targets: { A: 0.5, B: 0.5 },
      initialCapital: 1000,
      costs: { feeBps: 0, halfSpreadBps: 0, fixedFee: 300, minTrade: 0 },
      search: { kind: 'grid' },
      // absolute 5% trades on rows 1–3 (ruin, above); 60% never breaches (|w − ½| ≤ 1/6)
      space: { bands: { absolute: { width: [0.05, 0.6] } }, check: 'daily', mode: 'target' },
      constraints: [],
    };
    const expFile = path.join(tmp, 'ruin.json');
    await writeFile(expFile, JSON.stringify(exp));
    const out = path.join(tmp, 'runs');
    const r = cli(['run', expFile, '--workers', '1', '--out', out, '--run-id', 'r1', '--no-report', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const dir = path.join(out, 'ruin', 'r1');
    expect(await readdir(dir)).toContain('results.csv');
    const lines = (await readFile(path.join(dir, 'results.csv'), 'utf8')).trim().split('\n');
    const head = lines[0].split(',');
    // the new columns come last, after error
    expect(head.slice(head.indexOf('error'))).toEqual([
      'error',
      'totalCost',
      'assetTrades',
      'ruined',
      'infeasibleReason',
      'minWidth',
      'flowMode',
      'mwr',
      'flowRebalanceShare',
      'taxPaid',
      'afterTaxCagr',
      'afterTaxValue',
      'unrealisedGain',
    ]);
    const rowOf = (id: string): Record<string, string> => {
      const cells = lines.find((l) => l.startsWith(`${id},`))!.split(',');
      return Object.fromEntries(head.map((h, k) => [h, cells[k]]));
    };
    const ruined = rowOf('0');
    expect(ruined).toMatchObject({ width: '0.05', ruined: '1', feasible: '0', rank: '', totalCost: '1800', assetTrades: '6' });
    expect(ruined.infeasibleReason).toBe('ruined: the value went to or below zero');
    const fine = rowOf('1');
    expect(fine).toMatchObject({ width: '0.6', ruined: '0', feasible: '1', rank: '1', totalCost: '0', assetTrades: '0', infeasibleReason: '' });
  });
});

describe('non-finite values are the strings "Infinity" and "NaN", never null', () => {
  it('Sortino with no period below rf is "Infinity"; Sharpe of a constant path is "NaN"', async () => {
    // A rises 1%, B 2% every day: every buy-and-hold return is > 0 = rf, so the downside mean is
    // 0 and Sortino = mean/0 = +Infinity.
    const up = await csv(
      'up.csv',
      ['A', 'B'],
      [
        ['2024-01-01', 100, 100],
        ['2024-01-02', 101, 102],
        ['2024-01-03', 102.01, 104.04],
        ['2024-01-04', 103.0301, 106.1208],
      ],
    );
    const r = cli(['backtest', '--data', up, '--weights', 'A=0.5,B=0.5', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/"sortino": "Infinity"/);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    expect(j.columns[2].metrics.sortino).toBe('Infinity');
    // constant prices: every return is 0, std 0 → Sharpe = 0/0 = NaN, Sortino = 0/0 = NaN
    const flat = await csv(
      'flat.csv',
      ['A', 'B'],
      [
        ['2024-01-01', 5, 7],
        ['2024-01-02', 5, 7],
        ['2024-01-03', 5, 7],
        ['2024-01-04', 5, 7],
      ],
    );
    const k = JSON.parse(cli(['backtest', '--data', flat, '--weights', 'A=0.5,B=0.5', '--json']).out);
    expect(validate(k), errors()).toBe(true);
    expect(k.columns[2].metrics.sharpe).toBe('NaN');
    expect(k.columns[2].metrics.sortino).toBe('NaN');
  });
});

describe('--series: per-asset traded units and notional, and the cost of each row', () => {
  it('hand-worked trade row', async () => {
    // A, B at 100, capital 1000 (h = 5 each), relative band 10% (b = 0.05), target mode, fee 10 bp.
    // Row 1: A 200: V_pre = 1500, w = (2/3, 1/3) → trade to ½/½.
    //   notional_A = 1500·(½ − 2/3) = −250, notional_B = +250; Q = 500, cost = 500·0.001 = 0.5,
    //   V = 1499.5; h_A = 749.75/200 = 3.74875 → units_A = 3.74875 − 5 = −1.25125;
    //   h_B = 749.75/100 = 7.4975 → units_B = +2.4975.
    //   Check: Σ units·price = −250.25 + 249.75 = −0.5 = Σ notional − cost.
    // Row 2: A 200 again, nothing moves: no trade, zeros. Row 3: last row.
    const f = await csv(
      'series.csv',
      ['A', 'B'],
      [
        ['2024-01-01', 100, 100],
        ['2024-01-02', 200, 100],
        ['2024-01-03', 200, 100],
        ['2024-01-04', 200, 100],
      ],
    );
    const out = path.join(tmp, 'series-out.csv');
    const r = cli([
      'backtest',
      '--data',
      f,
      '--weights',
      'A=0.5,B=0.5',
      '--band',
      'relative:0.1',
      '--check',
      'daily',
      '--capital',
      '1000',
      '--fee-bps',
      '10',
      '--series',
      out,
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    expect(j.series.file).toBe(out);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    const head = lines[0].split(',');
    expect(head).toEqual(['date', 'value', 'w_A', 'w_B', 'trade', 'cost', 'benchmark', 'units_A', 'units_B', 'notional_A', 'notional_B']);
    expect(j.series.columns).toEqual(head);
    const row = (k: number): Record<string, number> => Object.fromEntries(head.slice(1).map((h, c) => [h, Number(lines[k + 1].split(',')[c + 1])]));
    const r1 = row(1);
    expect(r1.trade).toBe(1);
    expect(r1.cost).toBeCloseTo(0.5, 12);
    expect(r1.value).toBeCloseTo(1499.5, 10);
    expect(r1.notional_A).toBeCloseTo(-250, 10);
    expect(r1.notional_B).toBeCloseTo(250, 10);
    expect(r1.units_A).toBeCloseTo(-1.25125, 12);
    expect(r1.units_B).toBeCloseTo(2.4975, 12);
    expect(row(2)).toMatchObject({ trade: 0, cost: 0, units_A: 0, units_B: 0, notional_A: 0, notional_B: 0 });
    expect(j.columns[0].metrics.totalCost).toBeCloseTo(0.5, 12);
    expect(j.columns[0].metrics.assetTrades).toBe(2);
  });

  it('a --series path in a missing folder, or that is a folder, is a user error (exit 2, no stack trace)', async () => {
    const f = await csv(
      'series-bad.csv',
      ['A', 'B'],
      [
        ['2024-01-01', 100, 100],
        ['2024-01-02', 200, 100],
        ['2024-01-03', 200, 100],
      ],
    );
    const base = ['backtest', '--data', f, '--weights', 'A=0.5,B=0.5', '--band', 'relative:0.1'];
    const missing = path.join(tmp, 'no-such-folder', 's.csv');
    const r = cli([...base, '--series', missing]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('--series');
    expect(r.err).toContain(path.join(tmp, 'no-such-folder'));
    expect(r.err).not.toMatch(/internal error|\n\s+at /);
    const dirAsFile = cli([...base, '--series', tmp]);
    expect(dirAsFile.code, dirAsFile.err).toBe(2);
    expect(dirAsFile.err).toMatch(/--series .* is a folder/);
    expect(dirAsFile.err).not.toMatch(/internal error|\n\s+at /);
  });
});

describe('periods per year against the calendar', () => {
  // test/fixtures/famafrench_daily_1950_1951.csv: Fama-French daily 1949-12-31 .. 1951-12-31
  // (NYSE with Saturday sessions). Counted here from the file: 565 rows over 730 days.
  const FF = path.join(ROOT, 'test/fixtures/famafrench_daily_1950_1951.csv');

  it('warns when the measured rows per calendar year differ from periods per year by more than 10%', async () => {
    const text = (await readFile(FF, 'utf8')).trim().split('\n').slice(1);
    const first = text[0].slice(0, 10);
    const last = text[text.length - 1].slice(0, 10);
    const days = (Date.parse(last) - Date.parse(first)) / 86400000;
    const measured = (text.length - 1) / (days / 365.25); // 564 / (730/365.25) = 282.2
    expect(measured).toBeGreaterThan(252 * 1.1);
    const r = cli(['backtest', '--data', FF, '--weights', 'US_MKT_TR=0.6,TBILL_TR=0.4', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(validate(j), errors()).toBe(true);
    expect(j.inputs.periodsPerYear).toMatchObject({ value: 252, source: 'detected' });
    expect(j.inputs.periodsPerYear.rowsPerCalendarYear).toBeCloseTo(measured, 9);
    expect(r.err).toContain(`warning: ${FF}: ${measured.toFixed(1)} rows per calendar year`);
    expect(r.err).toContain('from 252 periods per year');
    expect(j.warnings).toHaveLength(1);
    // overriding with the measured rate silences it; the ETF file (252 a year) never warns
    expect(cli(['backtest', '--data', FF, '--weights', 'US_MKT_TR=0.6,TBILL_TR=0.4', '--periods-per-year', '282']).err).toBe('');
    const etf = cli([
      'backtest',
      '--data',
      'data/etf_daily_adjclose_1993_2023.csv',
      '--weights',
      'SPY=0.6,TLT=0.4',
      '--start',
      '2010-01-01',
      '--end',
      '2012-12-31',
    ]);
    expect(etf.err).toBe('');
  });

  it('data inspect shows both', () => {
    const r = cli(['data', 'inspect', FF]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/periods\/year\s+252 \(/);
    expect(r.out).toMatch(/rows\/cal\. yr\s+282\.2 \(measured 1949-12-31 \.\. 1951-12-31; \+12% from periods\/year/);
  });
});
