/**
 * openRunFrames (src/results/frames.ts): a run folder's tables as danfojs DataFrames, read
 * through `.values` with every float64 digit; and the price-loading path never loads danfojs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunFrames } from '../../src/results/frames.js';
import { UserError } from '../../src/errors.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function runFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-frames-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

// 0.1 + 0.2 and 1/3 are not float32 numbers: float32 would give 0.30000001192092896 and 0.3333333432674408
const RESULTS =
  [
    'id,band,width,cagr,score,rank,error',
    '0,relative,0.25,0.30000000000000004,0.3333333333333333,1,',
    '1,absolute,0.05,,0.5,2,',
    '2,absolute,0.1,,,,"worker crashed, twice\nsecond line"',
    'calendar-monthly,calendar,,0.07,,,',
  ].join('\n') + '\n';

describe('openRunFrames', () => {
  it('reads results.csv with full float64 numbers, NaN for empty cells, text columns as text (quoted newline kept)', async () => {
    const dir = await runFolder({ 'results.csv': RESULTS });
    const { results, robustness, folds } = await openRunFrames(dir);
    expect(robustness).toBeNull();
    expect(folds).toBeNull();
    expect(results.shape).toEqual([4, 7]);
    expect(results.columns).toEqual(['id', 'band', 'width', 'cagr', 'score', 'rank', 'error']);
    const values = results.values as (string | number)[][];
    expect(values[0][3]).toBe(0.1 + 0.2);
    expect(values[0][4]).toBe(1 / 3);
    expect(Number.isNaN(values[1][3])).toBe(true);
    expect(values[2][6]).toBe('worker crashed, twice\nsecond line');
    // id mixes numbers and baseline names: a text column
    expect(values.map((r) => r[0])).toEqual(['0', '1', '2', 'calendar-monthly']);
    expect(results['width'].values.slice(0, 3)).toEqual([0.25, 0.05, 0.1]);
  });

  it('opens robustness.csv and the validation folds when the run has them', async () => {
    const validation = {
      folds: [
        {
          index: 0,
          train: { first: '2010-01-04', last: '2014-12-31', rows: 1258 },
          test: { first: '2015-01-02', last: '2015-12-31', rows: 252 },
          chosen: { id: 7, label: 'relative 25%, monthly, edge' },
          inSample: { score: 0.012 },
          outOfSample: { score: null, feasible: false, metrics: { cagr: 0.0625, turnover: null } },
        },
      ],
    };
    const dir = await runFolder({
      'results.csv': RESULTS,
      'robustness.csv': 'id,label,score.median\n0,"relative 25%, monthly",0.1\ncalendar-monthly,calendar,0.2\n',
      'validation.json': JSON.stringify(validation),
    });
    const { robustness, folds } = await openRunFrames(dir);
    expect(robustness?.shape).toEqual([2, 3]);
    expect(robustness?.['score.median'].values).toEqual([0.1, 0.2]);
    expect(folds?.shape[0]).toBe(1);
    const values = (folds?.values ?? []) as (string | number)[][];
    const row = Object.fromEntries((folds?.columns ?? []).map((c, j) => [c, values[0][j]]));
    expect(row.fold).toBe(0);
    expect(row.testFirst).toBe('2015-01-02');
    expect(row.chosenId).toBe(7);
    expect(row['inSample.score']).toBe(0.012);
    expect(Number.isNaN(row['outOfSample.score'])).toBe(true);
    expect(row['outOfSample.feasible']).toBe(0);
    expect(row['outOfSample.cagr']).toBe(0.0625);
    expect(Number.isNaN(row['outOfSample.turnover'])).toBe(true);
  });

  it('a folder without results.csv is a UserError naming it', async () => {
    const dir = await runFolder({});
    await expect(openRunFrames(dir)).rejects.toThrow(UserError);
    await expect(openRunFrames(dir)).rejects.toThrow(/no results\.csv/);
  });
});

describe('danfojs stays off the price-loading path', () => {
  // A preload that reports every require of danfojs or TensorFlow (danfo loads TensorFlow with require).
  async function preload(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-preload-'));
    const f = path.join(dir, 'watch.cjs');
    await writeFile(
      f,
      "const M = require('module'); const load = M._load;\n" +
        "M._load = function (req, ...rest) { if (/danfojs|@tensorflow/.test(req)) process.stderr.write('LOADED ' + req + '\\n'); return load.call(this, req, ...rest); };\n",
    );
    return f;
  }
  const node = (watch: string, args: string[]) =>
    spawnSync(process.execPath, ['--require', watch, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

  it('`backtest` never loads danfojs or TensorFlow; openRunFrames does (the watch works)', async () => {
    const watch = await preload();
    const bt = node(watch, ['bin/rebalance-lab.js', 'backtest', '--data', 'data/etf_daily_adjclose_1993_2023.csv', '--weights', 'SPY=0.6,TLT=0.4', '--json']);
    expect(bt.status, bt.stderr).toBe(0);
    expect(bt.stderr).not.toMatch(/LOADED/);
    const dir = await runFolder({ 'results.csv': RESULTS });
    const script = `import { openRunFrames } from ${JSON.stringify(path.join(ROOT, 'dist/index.js'))}; await openRunFrames(${JSON.stringify(dir)});`;
    const fr = node(watch, ['--input-type=module', '-e', script]);
    expect(fr.status, fr.stderr).toBe(0);
    expect(fr.stderr).toMatch(/LOADED \S*danfojs-node/);
  }, 60_000);
});
