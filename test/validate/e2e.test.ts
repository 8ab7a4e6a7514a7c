/**
 * End to end through the CLI (a spawned process on the BUILT dist/): the shipped example
 * experiments/out-of-sample.ts, which asks for both validation and robustness. Checks the
 * validation.json it writes against the data (fold dates, no training day after a test start),
 * one fold's out-of-sample metrics against a direct in-process backtest of its test window, and
 * the report's out-of-sample section and theory sentence.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrices } from '../../src/data/load.js';
import { backtest } from '../../src/kernel/backtest.js';
import { METRICS } from '../../src/kernel/metrics.js';
import { rowConfig } from '../../src/results/reader.js';
import { splitCsvLine } from '../../src/results/table.js';
import type { ValidationFile } from '../../src/results/validation.js';
import { addOffset } from '../../src/experiment/folds.js';
import { ROOT } from '../runner/fixture.js';

let out: string;
let dir: string;
let stderr: string;
let v: ValidationFile;

beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rl-val-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/rebalance-lab.js'), 'run', 'experiments/out-of-sample.ts', '--out', out, '--run-id', 'val'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  stderr = r.stderr;
  expect(r.status, r.stderr).toBe(0);
  dir = path.join(out, 'out-of-sample', 'val');
  v = JSON.parse(await readFile(path.join(dir, 'validation.json'), 'utf8')) as ValidationFile;
}, 300_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('out-of-sample example: validation', () => {
  it('walk-forward 3y/1y over 2004-11-18 .. 2023-04-21: 15 complete folds of 184 configurations', () => {
    expect(stderr).toMatch(/validation: walk-forward, 15 folds × 184 configurations/);
    expect(v.kind).toBe('walk-forward');
    expect(v.window).toEqual({ first: '2004-11-18', last: '2023-04-21' });
    expect(v.configs).toEqual({ total: 184, evaluated: 184, sampled: false });
    // fold k trains from 2004-11-18 + k years for 3 years and tests the following year; the 16th
    // would test until 2023-11-18, after the last date
    expect(v.folds.length).toBe(15);
    v.folds.forEach((f, k) => {
      const d0 = addOffset('2004-11-18', { months: 12 * k, days: 0 });
      const trainEnd = addOffset(d0, { months: 36, days: 0 });
      const testEnd = addOffset(trainEnd, { months: 12, days: 0 });
      expect(f.train.first >= d0).toBe(true);
      expect(f.train.last < trainEnd).toBe(true); // no training day on or after the test start
      expect(f.test.first).toBe(f.train.last); // allocated at the close of the last training day
      expect(f.test.last < testEnd).toBe(true);
      if (k > 0) expect(f.test.first).toBe(v.folds[k - 1].test.last); // test windows tile the data
      expect(f.chosen.id).toBeGreaterThanOrEqual(0);
      expect(f.chosen.id).toBeLessThan(184);
    });
    // the run's baselines (issue 11): calendar monthly, quarterly, yearly always, then the other searched schedules, then buy-and-hold
    expect(v.baselines.map((b) => b.id)).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-daily', 'calendar-weekly', 'none']);
  });

  it('the chosen parameters are those of results.csv for the same id', async () => {
    const lines = (await readFile(path.join(dir, 'results.csv'), 'utf8')).trim().split('\n').map(splitCsvLine);
    const head = lines[0];
    for (const f of v.folds) {
      const row = lines.find((l) => l[0] === String(f.chosen.id))!;
      for (const p of ['band', 'width', 'check', 'mode']) expect(String(f.chosen.params[p])).toBe(row[head.indexOf(p)]);
    }
  });

  it("one fold's out-of-sample metrics = a direct backtest of its test window", async () => {
    const f = v.folds[3];
    const { matrix } = await loadPrices(path.join(ROOT, 'data/etf_daily_adjclose_1993_2023.csv'), { assets: ['SPY', 'TLT', 'GLD'] });
    const from = matrix.dates.indexOf(f.test.first);
    const to = matrix.dates.indexOf(f.test.last) + 1;
    const r = backtest(
      {
        prices: matrix.prices.subarray(0, to * 3),
        T: to,
        N: 3,
        dates: matrix.dates.slice(0, to),
        targets: [0.5, 0.3, 0.2],
        periodsPerYear: matrix.periodsPerYear,
        start: from,
      },
      rowConfig(f.chosen.params),
    );
    for (const m of METRICS) {
      // validation.json is JSON: a value that does not exist (unrealisedGain without tax: NaN) is null
      if (Number.isNaN(r.metrics[m])) expect(f.outOfSample.metrics[m], m).toBeNull();
      else expect(f.outOfSample.metrics[m], m).toBeCloseTo(r.metrics[m], 10);
    }
  });

  it('the stitched record: its value path gives its CAGR and final value', () => {
    const s = v.series.values[0];
    const n = v.series.dates.length - 1;
    expect(s.value.length).toBe(n + 1);
    expect(s.value[0]).toBe(100_000);
    const cagr = Math.pow(s.value[n] / s.value[0], 252 / n) - 1;
    expect(cagr).toBeCloseTo(v.stitched.metrics.cagr!, 5);
    expect(s.value[n] / v.stitched.metrics.finalValue!).toBeCloseTo(1, 5);
    // the record covers exactly the test windows' return days
    expect(n).toBe(v.folds.reduce((a, f) => a + f.test.rows - 1, 0));
  });

  it('the report has the out-of-sample section, its charts and the theory sentence', async () => {
    const html = await readFile(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<section id="validation"><h2>Out of sample</h2>');
    expect(html).toContain('"chart-validation-scores"');
    expect(html).toContain('"chart-validation-value"');
    expect(html).toMatch(/id="theory-band">Theory: at this cost level \(0\.10% of each trade/);
    expect(html).toContain('<section id="robustness">');
  });
});
