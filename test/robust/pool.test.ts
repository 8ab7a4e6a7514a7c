/**
 * The robustness pool end to end through runRobustness (workers load the BUILT dist/robust/worker.js:
 * build first): robustness.csv is byte-identical for 1 and 2 workers and any task split; with one
 * path, every statistic is the value of an in-process backtest on that bootstrap path.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPrices } from '../../src/data/load.js';
import { parseExperiment } from '../../src/experiment/load.js';
import type { ExperimentSpec } from '../../src/spec/schema.js';
import { backtest } from '../../src/kernel/backtest.js';
import { resolveTargets } from '../../src/policy/targets.js';
import { score } from '../../src/results/score.js';
import { splitCsvLine } from '../../src/results/table.js';
import { bootstrapPath, bootstrapSource } from '../../src/robust/bootstrap.js';
import { runRobustness, type RobustnessJson } from '../../src/robust/index.js';
import { compileSpec } from '../../src/experiment/compile.js';
import { planTasks, runRobustPool } from '../../src/robust/pool.js';
import { ParameterSpace } from '../../src/search/space.js';
import type { PriceMatrix } from '../../src/data/types.js';
import { ETF } from '../runner/fixture.js';

function experiment(robustness: Record<string, unknown>): ExperimentSpec {
  return parseExperiment({
    name: 'robust-small',
    data: { file: ETF, start: '2016-01-01', end: '2019-12-31' },
    targets: { SPY: 0.5, TLT: 0.3, GLD: 0.2 },
    costs: { feeBps: 5, halfSpreadBps: 2 },
    search: { kind: 'grid' },
    space: {
      bands: { absolute: { width: [0.02, 0.05] }, volatility: { width: [1], lookback: [20] }, drift: { width: [0.03] }, calendar: {}, none: {} },
      check: ['daily', 'monthly'],
      mode: ['target', 'edge'],
    },
    constraints: ['trackingError <= 0.02'],
    robustness,
  });
}

let matrix: PriceMatrix;
let tmp: string;

beforeAll(async () => {
  ({ matrix } = await loadPrices(ETF, { assets: ['SPY', 'TLT', 'GLD'], start: '2016-01-01', end: '2019-12-31' }));
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rl-robust-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function run(spec: ExperimentSpec, name: string, workers: number, taskSize?: number): Promise<string> {
  const c = compileSpec(spec, 'robust-small.json');
  const space = c.space;
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  await runRobustness({
    dir,
    spec,
    prices: matrix.prices,
    T: matrix.T,
    N: matrix.N,
    dates: matrix.dates,
    periodsPerYear: matrix.periodsPerYear,
    targets: resolveTargets(spec.targets, matrix.assets, { normalize: false, where: 'targets' }),
    start: space.maxLookback,
    space,
    constraints: c.constraints,
    baselines: c.baselines,
    folds: [],
    robustness: c.robustness,
    workers,
    quiet: true,
    file: 'robust-small.json',
    taskSize,
  });
  return dir;
}

describe('robustness pool', () => {
  it('writes byte-identical robustness.csv with 1 and 2 workers and other task splits', async () => {
    const spec = experiment({ kind: 'block-bootstrap', paths: 24, blockLength: 20, seed: 7 });
    const a = await readFile(path.join(await run(spec, 'w1', 1), 'robustness.csv'), 'utf8');
    const b = await readFile(path.join(await run(spec, 'w2', 2, 5), 'robustness.csv'), 'utf8'); // 1 path × 5-id tasks
    const c = await readFile(path.join(await run(spec, 'w2b', 2, 100), 'robustness.csv'), 'utf8'); // several paths per task
    expect(b).toBe(a);
    expect(c).toBe(a);
    const lines = a.trim().split('\n');
    const head = splitCsvLine(lines[0]);
    // hand count: absolute 2 + volatility 1 + drift 1 = 4 bands × 2 checks × 2 modes = 16, calendar 2 × target = 2, none 1;
    // then the baselines: calendar monthly, quarterly, yearly and on each other searched schedule (daily), and buy and hold
    expect(lines.length - 1).toBe(19 + 5);
    const all = lines.slice(1).map(splitCsvLine);
    expect(all.map((r) => r[0])).toEqual([
      ...Array.from({ length: 19 }, (_, i) => String(i)),
      'calendar-monthly',
      'calendar-quarterly',
      'calendar-yearly',
      'calendar-daily',
      'none',
    ]);
    const rows = all.slice(0, 19);
    // a baseline is never a candidate for the front, the top 10 or the robust rank
    for (const b of all.slice(19)) expect([b[head.indexOf('paretoFreq')], b[head.indexOf('top10Freq')], b[head.indexOf('robustRank')]]).toEqual(['0', '0', '']);
    // the calendar-monthly baseline is configuration "calendar, checked monthly" of the space: the same numbers
    const cal = rows.find((r) => r[1] === 'calendar, checked monthly')!;
    expect(all.find((r) => r[0] === 'calendar-monthly')!.slice(1, head.indexOf('feasibleFreq') + 1)).toEqual(cal.slice(1, head.indexOf('feasibleFreq') + 1));
    const col = (r: string[], k: string): number => Number(r[head.indexOf(k)]);
    for (const r of rows) {
      for (const m of ['turnover', 'trackingError', 'maxDrawdown', 'cagr', 'score']) {
        expect(col(r, `${m}_p5`)).toBeLessThanOrEqual(col(r, `${m}_median`));
        expect(col(r, `${m}_median`)).toBeLessThanOrEqual(col(r, `${m}_p95`));
      }
      for (const f of ['paretoFreq', 'top10Freq', 'feasibleFreq']) {
        expect(col(r, f)).toBeGreaterThanOrEqual(0);
        expect(col(r, f)).toBeLessThanOrEqual(1);
      }
    }
    // buy and hold never trades on any path
    const none = rows.find((r) => r[1] === 'buy and hold')!;
    expect(col(none, 'turnover_p95')).toBe(0);
    // 24 paths: each puts 10 rows in its top 10 when at least 10 are feasible, so the frequencies sum to ≤ 10
    expect(rows.reduce((s, r) => s + col(r, 'top10Freq'), 0)).toBeLessThanOrEqual(10 + 1e-9);
    const ranks = rows
      .map((r) => r[head.indexOf('robustRank')])
      .filter((x) => x !== '')
      .map(Number)
      .sort((x, y) => x - y);
    expect(ranks).toEqual(Array.from({ length: ranks.length }, (_, i) => i + 1));
    const json = JSON.parse(await readFile(path.join(tmp, 'w2', 'robustness.json'), 'utf8')) as RobustnessJson;
    expect(json.paths).toBe(24);
    // 19 configurations + 5 baselines (calendar monthly, quarterly, yearly always, then the searched daily, then none: issue 11)
    expect(json.backtests).toBe(24 * 24);
    expect(json.baselines).toEqual(['calendar-monthly', 'calendar-quarterly', 'calendar-yearly', 'calendar-daily', 'none']);
    expect(json.workers).toBe(2);
    expect(json.top[0].robustRank).toBe(1);
  }, 120_000);

  it('with one path, every statistic is an in-process backtest on bootstrap path 0 of the seed (default: the search seed)', async () => {
    const spec = experiment({ kind: 'block-bootstrap', paths: 1, blockLength: 10 });
    const space = new ParameterSpace(spec.space, spec.search, { costs: spec.costs });
    const dir = await run(spec, 'one', 2);
    const lines = (await readFile(path.join(dir, 'robustness.csv'), 'utf8')).trim().split('\n');
    const head = splitCsvLine(lines[0]);
    // grid search: seed 0; the path made here independently of the pool
    const prices = bootstrapPath(bootstrapSource(matrix.prices, matrix.T, matrix.N), 0, 0, 10, new Float64Array(matrix.T * matrix.N));
    const targets = resolveTargets(spec.targets, matrix.assets, { normalize: false, where: 'targets' });
    const baselines = compileSpec(spec, 'x').baselines;
    expect(lines.length - 1).toBe(space.size + baselines.length);
    for (const line of lines.slice(1)) {
      const r = splitCsvLine(line);
      const config = /^\d+$/.test(r[0]) ? space.config(Number(r[0])) : baselines.find((b) => b.id === r[0])!.config;
      const { metrics } = backtest(
        { prices, T: matrix.T, N: matrix.N, dates: matrix.dates, targets, periodsPerYear: matrix.periodsPerYear, start: space.maxLookback },
        config,
      );
      for (const m of ['turnover', 'trackingError', 'maxDrawdown', 'cagr'] as const) {
        for (const s of ['median', 'p5', 'p95']) expect(Number(r[head.indexOf(`${m}_${s}`)])).toBe(metrics[m]);
      }
      const sc = score(Float64Array.from(Object.values(metrics)), 0, spec.scoreWeights);
      expect(Number(r[head.indexOf('robustScore')])).toBe(sc);
    }
  }, 120_000);

  it('fails with a clear error, not a hang, when the workers cannot load', async () => {
    const spec = experiment({ kind: 'block-bootstrap', paths: 4, blockLength: 20 });
    const space = new ParameterSpace(spec.space, spec.search, { costs: spec.costs });
    const run = runRobustPool({
      workerData: {
        prices: matrix.prices,
        T: matrix.T,
        N: matrix.N,
        dates: matrix.dates,
        targets: Float64Array.of(0.5, 0.3, 0.2),
        periodsPerYear: 252,
        start: 20,
        initialCapital: 1e5,
        riskFree: 0,
        space: spec.space,
        search: spec.search,
        costs: spec.costs,
        seed: 1,
        blockLength: 20,
        baselines: [],
      },
      tasks: planTasks(space.size, 4, 2),
      workers: 2,
      onResult: () => {},
      filename: path.join(import.meta.dirname, 'fixtures/broken-worker.mjs'),
    });
    await expect(run).rejects.toThrow(/^robustness: a worker failed on paths 0–.*run `npm run build`/s);
  }, 60_000);

  it('plans path-major tasks that cover every (path, id) once', () => {
    for (const [K, P, w, size] of [
      [19, 24, 2, undefined],
      [19, 24, 1, 5],
      [1000, 3, 2, 256],
      [7, 1, 2, 3],
    ] as const) {
      const seen = new Uint8Array(K * P);
      let lastPath = -1;
      for (const t of planTasks(K, P, w, size)) {
        expect(t.pathFrom).toBeGreaterThanOrEqual(lastPath);
        lastPath = t.pathFrom;
        for (let p = t.pathFrom; p < t.pathTo; p++) for (let i = t.from; i < t.to; i++) seen[p * K + i]++;
      }
      expect(seen.every((x) => x === 1)).toBe(true);
    }
  });
});
