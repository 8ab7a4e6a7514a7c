/**
 * Issue 14: the library as a script meets it — the example script, an experiment object,
 * targets as an object or an array, input mistakes as UserErrors with the CLI's words (never
 * NaN metrics), progress events and an AbortSignal.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backtest, readPick, runExperiment, type ResultRow } from '../../src/api.js';
import { loadPrices } from '../../src/data/load.js';
import { METRICS } from '../../src/kernel/metrics.js';
import { defineExperiment } from '../../src/spec/schema.js';
import { isUserError } from '../../src/errors.js';
import { ROOT, ETF } from '../runner/fixture.js';

function userMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!isUserError(e)) throw e;
    return e.message;
  }
  throw new Error('accepted');
}

/** A 13-configuration experiment: absolute {0.02, 0.05, 0.1} × {weekly, monthly} × {target, edge} = 12, plus buy-and-hold. */
const SMALL = defineExperiment({
  name: 'api-small',
  data: { file: ETF, start: '2010-01-01', end: '2014-12-31' },
  targets: { SPY: 0.6, TLT: 0.4 },
  costs: { feeBps: 5 },
  space: { bands: { absolute: { width: [0.02, 0.05, 0.1] }, none: {} }, check: ['weekly', 'monthly'], mode: ['target', 'edge'] },
  constraints: ['trackingError <= 0.05'],
});

describe('the example script (examples/library.ts)', () => {
  it('runs as a user runs it and prints a backtest and a sweep with a pick', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples/library.ts')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [bt, run] = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(bt.step).toBe('backtest');
    expect(Object.keys(bt.metrics)).toEqual([...METRICS]); // by name, not {"0": …}
    // every metric is a number; unrealisedGain is NaN (an empty cell) when there is no tax rate
    for (const m of METRICS) expect(Number.isFinite(bt.metrics[m]), m).toBe(m !== 'unrealisedGain');
    expect(bt.window.start).toBe('2010-01-04'); // the first trading day of 2010
    expect(run.configurations).toBe(13); // 3 widths × 2 schedules × 2 modes + buy-and-hold
    expect(run.swept).toBe(13);
    expect(run.phases).toEqual(['load', 'plan', 'sweep', 'write', 'done']);
    expect(run.runDir).toBeNull(); // write: false leaves nothing behind
    const feasible = run.rows.filter((x: { feasible: boolean }) => x.feasible);
    const best = Math.min(...feasible.map((x: { score: number }) => x.score));
    expect(run.pick.score).toBe(best);
    expect(run.pick.trackingError).toBeLessThanOrEqual(0.05);
  }, 120_000);
});

describe('runExperiment with an experiment object', () => {
  it('writes the run folder and returns every row, metrics keyed by the results.csv columns', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'rl-api-'));
    const events: string[] = [];
    const r = await runExperiment(SMALL, { workers: 2, out, runId: 'obj', onProgress: (e) => events.push(e.phase) });
    expect(r.runDir).toBe(path.join(out, 'api-small', 'obj'));
    for (const f of ['results.csv', 'manifest.json', 'journal.bin', 'report.html']) expect(existsSync(path.join(r.runDir!, f)), f).toBe(true);
    expect(r.rows.map((x) => x.id)).toEqual([...Array(13).keys()]);
    // every metric cell of results.csv is the row's metric of that name
    const lines = (await readFile(path.join(r.runDir!, 'results.csv'), 'utf8')).trim().split('\n');
    const head = lines[0].split(',');
    for (const row of r.rows) {
      const cells = lines[row.id + 1].split(',');
      // an empty cell is a value that does not exist (NaN), e.g. unrealisedGain without tax
      for (const m of METRICS) {
        const cell = cells[head.indexOf(m)];
        expect(row.metrics[m], m).toBe(cell === '' ? NaN : Number(cell));
      }
    }
    // the baselines are results.csv's rows with a name for an id, in file order
    const named = lines
      .slice(1)
      .map((l) => l.split(',')[0])
      .filter((id) => !/^\d+$/.test(id));
    expect(r.baselines.map((b) => b.id)).toEqual(named);
    expect(named).toContain('none'); // buy-and-hold
    expect(r.pick).toEqual(await readPick(r.runDir!, r.rows));
    expect(r.pick!.rank).toBe(1);
    // the pick's metrics by a second path: the in-process backtest over the same window
    const { matrix } = await loadPrices(ETF, { assets: ['SPY', 'TLT'], start: '2010-01-01', end: '2014-12-31' });
    const again = backtest({ prices: matrix, targets: SMALL.targets as Record<string, number>, policy: r.pick!.config }); // a row's config carries its costs
    expect(again.metrics.trackingError).toBeCloseTo(r.pick!.metrics.trackingError, 12);
    expect(again.metrics.turnover).toBeCloseTo(r.pick!.metrics.turnover, 12);
    expect(events[0]).toBe('load');
    expect(events.at(-1)).toBe('done');
    expect(events).toContain('report');
    const manifest = JSON.parse(await readFile(path.join(r.runDir!, 'manifest.json'), 'utf8'));
    expect(manifest.experiment.file).toBe('(experiment object)');
  }, 120_000);

  it('a mistake in the object is the same message as in a file, naming the field', async () => {
    const bad = { ...SMALL, space: { ...SMALL.space, check: ['weekly', 'montly'] } };
    await expect(runExperiment(bad as never, { write: false })).rejects.toThrow(/space\.check\[1\]: "montly" is not a schedule \(did you mean "monthly"\?\)/);
  });

  it('an AbortSignal stops the run with the way to resume it', async () => {
    const ac = new AbortController();
    ac.abort();
    const out = await mkdtemp(path.join(os.tmpdir(), 'rl-api-'));
    await expect(runExperiment(SMALL, { workers: 1, out, runId: 'stop', signal: ac.signal })).rejects.toThrow(
      /stopped: 0 of 13 .*runExperiment\(spec, \{ resume: /,
    );
  }, 60_000);

  it('a dry run returns the plan and writes nothing', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'rl-api-'));
    const r = await runExperiment(SMALL, { out, dryRun: true });
    expect(r.plan!.configurations).toBe(13);
    expect(r.rows).toEqual([]);
    expect(existsSync(path.join(out, 'api-small'))).toBe(false);
  }, 60_000);
});

describe('backtest(): targets as an object or an array, never NaN for a shape mistake', () => {
  // three dates, two assets, by hand: A 100 → 110 → 121, B 50 → 50 → 45
  const prices = {
    dates: ['2020-01-06', '2020-01-07', '2020-01-08'],
    assets: ['A', 'B'],
    prices: [
      [100, 50],
      [110, 50],
      [121, 45],
    ],
    periodsPerYear: 252,
  };

  it('buy-and-hold: final value worked out by hand; object and array targets agree', () => {
    const byObject = backtest({ prices, targets: { A: 0.6, B: 0.4 }, policy: { band: 'none' }, capital: 1000 });
    const byArray = backtest({ prices, targets: [0.6, 0.4], policy: { band: 'none' }, capital: 1000 });
    // 600 in A grows ×1.21 = 726; 400 in B shrinks ×0.9 = 360; total 1086
    expect(byObject.metrics.finalValue).toBeCloseTo(1086, 9);
    expect(byArray.metrics).toEqual(byObject.metrics);
    expect(byObject.metrics.turnover).toBe(0);
    for (const m of METRICS) expect(Number.isNaN(byObject.metrics[m]), m).toBe(m === 'unrealisedGain'); // no tax: no basis
  });

  it('daily calendar rebalancing: by hand', () => {
    // day 1: A 600×1.1 = 660, B 400 → 1060, back to 636/424; day 2: 636×1.1 = 699.6, 424×0.9 = 381.6 → 1081.2
    const r = backtest({ prices, targets: { A: 0.6, B: 0.4 }, policy: { band: 'calendar', check: 'daily' }, capital: 1000 });
    expect(r.metrics.finalValue).toBeCloseTo(1081.2, 9);
  });

  const mistakes: [string, () => unknown, RegExp][] = [
    [
      'an array of the wrong length',
      () => backtest({ prices, targets: [1], policy: { band: 'none' } }),
      /^targets: 1 weights for 2 assets \(A, B\); give one weight per asset/,
    ],
    ['an unknown asset (the CLI words)', () => backtest({ prices, targets: { A: 0.6, C: 0.4 } }), /^targets: asset "C" is not in the data; available: A, B/],
    ['weights not summing to 1', () => backtest({ prices, targets: { A: 0.6, B: 0.3 } }), /sum to 0\.9.*not 1; .*`normalize: true`/],
    [
      'a misspelt band',
      () => backtest({ prices, targets: [0.5, 0.5], policy: { band: 'relativ', width: 0.2 } }),
      /^policy\.band: unknown band type "relativ" \(did you mean "relative"\?\)/,
    ],
    [
      'a misspelt schedule',
      () => backtest({ prices, targets: [0.5, 0.5], policy: { check: 'montly' } }),
      /^policy\.check: "montly" is not a schedule \(did you mean "monthly"\?\)/,
    ],
    [
      'a width out of range',
      () => backtest({ prices, targets: [0.5, 0.5], policy: { band: 'absolute', width: 2 } }),
      /^policy\.band absolute:2: width 2 is outside/,
    ],
    [
      'a misspelt cost',
      () => backtest({ prices, targets: [0.5, 0.5], costs: { feeBp: 5 } as never }),
      /^costs: unknown field "feeBp" \(did you mean "feeBps"\?\)/,
    ],
    [
      'a short price row',
      () => backtest({ prices: { ...prices, prices: [[100, 50], [110], [121, 45]] }, targets: [0.5, 0.5] }),
      /^prices\.prices\[1\] \(2020-01-07\): expected 2 prices/,
    ],
    [
      'a missing price',
      () =>
        backtest({
          prices: {
            ...prices,
            prices: [
              [100, 50],
              [NaN, 50],
              [121, 45],
            ],
          },
          targets: [0.5, 0.5],
        }),
      /^prices: A on 2020-01-07 is NaN/,
    ],
    [
      'dates out of order',
      () => backtest({ prices: { ...prices, dates: ['2020-01-06', '2020-01-08', '2020-01-07'] }, targets: [0.5, 0.5] }),
      /^prices\.dates\[2\]: 2020-01-07 is not after 2020-01-08/,
    ],
  ];
  for (const [name, fn, want] of mistakes) it(name, () => expect(userMessage(fn)).toMatch(want));

  it('the same words as the CLI for the same mistake', () => {
    const cli = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/rebalance-lab.js'), 'backtest', '--data', ETF, '--weights', 'SPY=0.6,TLT=0.4', '--check', 'montly'],
      { encoding: 'utf8' },
    );
    expect(cli.status).toBe(2);
    const lib = userMessage(() => backtest({ prices, targets: [0.5, 0.5], policy: { check: 'montly' } }));
    expect(cli.stderr.replace('rebalance-lab: --check', '').trim()).toBe(lib.replace('policy.check', ''));
  });
});

// the declarations a TypeScript user imports are shipped
describe('type declarations', () => {
  it('package.json points types and exports at dist/index.d.ts, which declares the API', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.types).toBe('dist/index.d.ts');
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
    const dts = readFileSync(path.join(ROOT, 'dist/index.d.ts'), 'utf8');
    for (const name of ['runExperiment', 'backtest', 'defineExperiment', 'RunExperimentOptions', 'ResultRow', 'BacktestOptions']) expect(dts).toContain(name);
    const row: ResultRow | null = null;
    expect(row).toBeNull();
  });
});
