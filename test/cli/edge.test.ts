/**
 * Hostile input bounded at the edge (issue 15): every bad flag value, path and experiment number
 * ends in one clear message (exit 2, no stack trace) within bounded time, nothing is written
 * outside --out, and costs that eat the portfolio make a row infeasible.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiment/load.js';
import { formatInspect } from '../../src/data/inspect.js';
import type { DataInfo } from '../../src/data/types.js';
import { loadPrices } from '../../src/data/load.js';
import { runExperiment } from '../../src/runner/run.js';
import { ROOT, smallExperiment, writeExperiment } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function cli(args: string[], timeout = 60_000): { code: number | null; err: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout, env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, err: r.stderr, ms: Date.now() - t0 };
}

/** A refused command: exit 2, one message matching `re`, no stack trace. */
function refused(r: { code: number | null; err: string }, re: RegExp): void {
  expect(r.err).toMatch(re);
  expect(r.err).not.toMatch(/internal error|\n\s+at /);
  expect(r.code).toBe(2);
}

let file: string;
let dir: string;
let out: string;
beforeAll(async () => {
  // one configuration: a run is quick
  ({ file, dir } = await writeExperiment(smallExperiment({ space: { bands: { none: {} } } })));
  out = path.join(dir, 'out');
  mkdirSync(out);
});

/** Everything under `d` (relative paths), to see that nothing was written. */
function tree(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d, { recursive: true }).map(String).sort();
}

describe('run flags', () => {
  it('--batch-size 0.5, 1.5, 0, -1, abc, 100.7 are refused before any work', () => {
    for (const v of ['0.5', '1.5', '0', '-1', 'abc', '100.7', '']) {
      const r = cli(['run', file, '--out', out, '--batch-size', v, '--no-report']);
      refused(
        r,
        v === 'abc' || v === ''
          ? /--batch-size "[^"]*": expected a whole number/
          : new RegExp(`--batch-size ${v.replace('.', '\\.')}: expected a whole number from 1 to 1,000,000`),
      );
    }
    expect(tree(out)).toEqual([]);
  }, 120_000);

  it('--workers abc / 0 and --worker-memory-mb 0, 1, -5 are refused', () => {
    refused(cli(['run', file, '--out', out, '--workers', 'abc']), /--workers "abc": expected a whole number/);
    refused(cli(['run', file, '--out', out, '--workers', '0']), /--workers 0: expected a whole number from 1 to 1,024/);
    for (const v of ['0', '1', '-5'])
      refused(cli(['run', file, '--out', out, '--worker-memory-mb', v]), new RegExp(`--worker-memory-mb ${v}: expected a whole number from 64`));
    expect(tree(out)).toEqual([]);
  }, 120_000);

  it('--run-id must be a plain name: nothing is written outside --out', () => {
    const outside = path.join(dir, 'escaped');
    for (const id of ['', '.', '..', '../escaped', '../../escaped', outside, 'a/b']) {
      refused(cli(['run', file, '--out', out, '--run-id', id, '--no-report']), /--run-id .*: expected a plain folder name/);
    }
    expect(existsSync(outside)).toBe(false);
    expect(tree(out)).toEqual([]);
  }, 120_000);

  it("--resume must be a run folder of this experiment inside --out: not '', not a file, not outside", async () => {
    refused(cli(['run', file, '--out', out, '--resume', '']), /--resume '': give the folder of the run/);
    const f = path.join(out, 'a-file');
    writeFileSync(f, 'x');
    refused(cli(['run', file, '--out', out, '--resume', f]), /is a file, not a run folder/);
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'rl-elsewhere-'));
    refused(cli(['run', file, '--out', out, '--resume', elsewhere]), /is not inside --out/);
    const empty = path.join(out, 'empty');
    mkdirSync(empty);
    refused(cli(['run', file, '--out', out, '--resume', empty]), /has no manifest\.json, so it is not a run folder/);
    expect(tree(elsewhere)).toEqual([]);
    expect(tree(empty)).toEqual([]);
  }, 120_000);
});

describe('backtest flags', () => {
  it('a 2-row file, --fee-bps 1e9, --periods-per-year 1e-300 and --fixed-fee 1e12 are messages', async () => {
    const csv = path.join(dir, 'two-bt.csv');
    await writeFile(csv, 'date,SPY,TLT\n2020-01-02,1,1\n2020-01-03,1.1,0.9\n');
    const base = ['backtest', '--data', csv, '--weights', 'SPY=0.5,TLT=0.5'];
    refused(cli(base), /two-bt\.csv: only 2 rows; a backtest needs at least 3/);
    refused(cli([...base, '--fee-bps', '1e9']), /--fee-bps: 1000000000 must be basis points in \[0, 2500\]/);
    refused(cli([...base, '--periods-per-year', '1e-300']), /periodsPerYear 1e-300 must be a number from 1 to 1,000,000/);
    refused(cli([...base, '--fixed-fee', '1e12']), /--fixed-fee: 1000000000000 per asset traded is not below the capital 100000/);
  }, 120_000);
});

describe('data files', () => {
  it('/dev/zero and a FIFO are refused at once (no read, no hang)', async () => {
    for (const dataFile of ['/dev/zero', path.join(dir, 'prices.fifo')]) {
      if (dataFile.endsWith('.fifo')) expect(spawnSync('mkfifo', [dataFile]).status).toBe(0);
      const exp = path.join(dir, 'hostile.json');
      await writeFile(exp, JSON.stringify(smallExperiment({ name: 'hostile', data: { file: dataFile } })));
      const r = cli(['run', exp, '--out', out, '--no-report'], 30_000);
      refused(r, dataFile === '/dev/zero' ? /\/dev\/zero: is a device, not a price file/ : /prices\.fifo: is a FIFO \(named pipe\), not a price file/);
      expect(r.ms).toBeLessThan(30_000);
    }
  }, 120_000);

  it('a file that is not a CSV: its content is not echoed', async () => {
    const secret = path.join(dir, 'secret');
    await writeFile(secret, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1\n');
    await expect(loadPrices(secret)).rejects.toThrow(/this is not a price CSV/);
    await expect(loadPrices(secret)).rejects.not.toThrow(/root:x/);
    // a header with columns: only a short quoted excerpt of its first cell
    await writeFile(secret, 'password=hunter2-very-long-secret-value,b\n1,2\n');
    await expect(loadPrices(secret)).rejects.toThrow(/found "password=hu…" \(39 chars\)/);
  });

  it('a stray 0000-01-01 row is refused with its line', async () => {
    const f = path.join(dir, 'stray.csv');
    await writeFile(f, 'date,A,B\n0000-01-01,1,1\n2020-01-02,1,1\n2020-01-03,1.1,0.9\n2020-01-06,1.2,0.8\n');
    await expect(loadPrices(f)).rejects.toThrow(/stray\.csv line 2: .*"0000-01-01" has year 0000, a placeholder/);
  });

  it('a file with 150,000 columns is described, not a stack overflow', () => {
    const assets = Array.from({ length: 150_000 }, (_, i) => ({ name: `A${i}`, first: '2020-01-01', last: '2020-01-03', observations: 3, filled: 0 }));
    const info = {
      file: 'wide.csv',
      format: 'wide',
      rows: 3,
      assets,
      commonStart: '2020-01-01',
      end: '2020-01-03',
      periodsPerYear: 252,
      periodsPerYearReason: 'r',
      medianGapDays: 1,
      fileRows: 3,
      fileFirst: '2020-01-01',
      fileLast: '2020-01-03',
      availableAssets: assets.map((a) => a.name),
      maxFill: 5,
    } as DataInfo;
    const text = formatInspect(info);
    // one line per asset, and the widest name (A149999, 7 characters) sets the column
    expect(text).toContain('\nA149999  2020-01-01');
  });
});

describe('experiment numbers in their domains', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['feeBps 1e9', { costs: { feeBps: 1e9 } }, /costs\.feeBps: expected basis points in \[0, 2500\]/],
    ['halfSpreadBps 20000', { costs: { halfSpreadBps: 20_000 } }, /costs\.halfSpreadBps: expected basis points in \[0, 2500\]/],
    ['fixedFee 1e12', { costs: { fixedFee: 1e12 } }, /costs\.fixedFee: a fixed fee of 1000000000000 per asset traded is not below the initial capital 100000/],
    ['space.fixedFee list', { space: { bands: { none: {} }, fixedFee: [1, 5e5] } }, /space\.fixedFee\[1\]: a fixed fee of 500000/],
    ['space.feeBps 1e6', { space: { bands: { none: {} }, feeBps: [1e6] } }, /space\.feeBps\[0\]: expected basis points in \[0, 2500\]/],
    ['periodsPerYear 1e-300', { data: { file: 'x.csv', periodsPerYear: 1e-300 } }, /data\.periodsPerYear: expected at least 1 period per year/],
    ['initialCapital 1e300', { initialCapital: 1e300 }, /initialCapital: expected an initial capital of at most 1e15/],
    ['riskFree 5', { riskFree: 5 }, /riskFree: expected an annual rate in \[-1, 1\]/],
    ['random samples 2e9', { search: { kind: 'random', samples: 2e9 } }, /search\.samples: expected at most 100,000,000 samples/],
    ['random samples 5e9', { search: { kind: 'random', samples: 5e9 } }, /search\.samples: expected at most 100,000,000 samples/],
    [
      'blockLength 1e17',
      { robustness: { kind: 'block-bootstrap', paths: 10, blockLength: 1e17 } },
      /robustness\.blockLength: expected a mean block length of at most 100,000/,
    ],
    ['heatmap unknown', { report: { heatmap: ['width', 'colour'] } }, /report\.heatmap\[1\]: unknown parameter "colour"; use two of band, width/],
  ];
  for (const [what, over, re] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => parseExperiment(smallExperiment(over), 'exp.json')).toThrow(re);
    });
  }

  it('a block length longer than the data window is refused before the sweep', async () => {
    const { file: f } = await writeExperiment(smallExperiment({ name: 'blocks', robustness: { kind: 'block-bootstrap', paths: 10, blockLength: 5000 } }));
    // 2015–2019: 1,258 rows; the volatility band's lookback 20 leaves 1,258 − 1 − 20 = 1,237 returns
    await expect(runExperiment({ experiment: f, out, quiet: true })).rejects.toThrow(
      /robustness\.blockLength: a mean block of 5000 periods is longer than the 1237 periods of returns/,
    );
  }, 60_000);

  it('a 2-row file says it has 2 rows (not "lookback 0 is longer than the data")', async () => {
    const csv = path.join(dir, 'two.csv');
    await writeFile(csv, 'date,SPY,TLT\n2020-01-02,1,1\n2020-01-03,1.1,0.9\n');
    const { file: f } = await writeExperiment(
      smallExperiment({ name: 'tworows', data: { file: csv }, targets: { SPY: 0.5, TLT: 0.5 }, space: { bands: { none: {} } } }),
    );
    await expect(runExperiment({ experiment: f, out, quiet: true })).rejects.toThrow(/two\.csv has only 2 rows; a sweep needs at least 3/);
  }, 60_000);

  it('fixed fees that eat the portfolio make the row infeasible (ruined, with the reason) and unranked', async () => {
    // capital 100,000, a fixed fee of 20,000 per asset traded, 3 assets: one daily-checked
    // rebalance of all three costs 60,000; two of them take the value below zero
    const { file: f } = await writeExperiment(
      smallExperiment({
        name: 'ruin',
        costs: { feeBps: 0, halfSpreadBps: 0, fixedFee: 20_000, minTrade: 0 },
        constraints: [],
        space: { bands: { absolute: { width: [0.001] }, none: {} }, check: 'daily', mode: 'target' },
      }),
    );
    const r = await runExperiment({ experiment: f, out, quiet: true, workers: 1 });
    const rows = (await readFile(path.join(r.dir, 'results.csv'), 'utf8')).trim().split('\n');
    const head = rows[0].split(',');
    const col = (name: string): number => head.indexOf(name);
    const cells = rows.slice(1).map((l) => l.split(','));
    const byBand = (b: string): string[] => cells.find((c) => /^\d+$/.test(c[0]) && c[col('band')] === b)!;
    // worked out: two daily rebalances of all three assets cost 120,000 (the backtest shows −29,663)
    const banded = byBand('absolute');
    expect(Number(banded[col('finalValue')])).toBeLessThanOrEqual(0);
    expect(banded[col('feasible')]).toBe('0');
    expect(banded[col('rank')]).toBe('');
    expect(banded[col('ruined')]).toBe('1');
    expect(banded[col('infeasibleReason')]).toMatch(/^"?ruined: the value went to or below zero/);
    expect(r.summary!.feasible).toBe(1);
    // buy-and-hold never trades: it keeps its value and stays feasible
    const none = byBand('none');
    expect(Number(none[col('finalValue')])).toBeGreaterThan(0);
    expect(none[col('feasible')]).toBe('1');
  }, 60_000);
});

describe('a flag given twice', () => {
  it('is one message naming the flag and both values, not a stack trace', () => {
    const r = cli([
      'backtest',
      '--data',
      'data/etf_daily_adjclose_1993_2023.csv',
      '--weights',
      'SPY=0.6,TLT=0.4',
      '--band',
      'relative:0.25',
      '--band',
      'absolute:0.05',
    ]);
    refused(r, /--band was given 2 times \("relative:0\.25", "absolute:0\.05"\); give it once/);
  });
  it('--flow may repeat (it is a list)', () => {
    const r = cli([
      'backtest',
      '--data',
      'data/etf_daily_adjclose_1993_2023.csv',
      '--weights',
      'SPY=0.6,TLT=0.4',
      '--flow',
      '100@monthly',
      '--flow',
      '50@yearly',
    ]);
    expect(r.err).not.toMatch(/given 2 times|internal error/);
    expect(r.code).toBe(0);
  });
});
