/**
 * `npm run bench`: the fixed workload of src/bench/workload.ts (5 ETFs, 2,520 daily prices,
 * 10,000 configurations over every band type, mode and schedule), measured in one run:
 *  1. the single-thread kernel (configurations/s, µs per configuration), in this process and
 *     in 3 fresh processes (V8's speed can differ between processes: the spread is reported);
 *  2. the pool's throughput and speed-up for 1..cores workers;
 *  3. the end-to-end wall time of a `run` (load, sweep, write, report), and, on the same run
 *     folder, the report again with its rows parsed from results.csv (the fallback) for comparison;
 *  4. writing results.csv: the number formatter vs `String(x)` (ns/number) and 200,000 rows by
 *     the byte writer vs the string path it replaced (src/bench/write.ts; alone: `--write`).
 * `--big` adds a 1,000,000-configuration run with its peak memory; `--huge` a 5,000,000 one;
 * `--e2e-only` runs section 3 alone.
 * `--startup [--against <root>]` only times the CLI's start-up on the demo (src/bench/startup.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPrices } from '../data/load.js';
import { parseExperiment } from '../experiment/load.js';
import { KernelContext, matrixOf } from '../kernel/context.js';
import { simulateMany } from '../kernel/simd.js';
import { simulate } from '../kernel/backtest.js';
import { N_METRICS } from '../kernel/metrics.js';
import { resolveTargets } from '../policy/targets.js';
import type { FlowMode, FlowsSpec } from '../policy/flows.js';
import { ParameterSpace } from '../search/space.js';
import { runSweep, defaultWorkers } from '../runner/sweep.js';
import { runExperiment } from '../runner/run.js';
import { warmUp } from '../exec/warmup.js';
import type { WorkerData } from '../exec/protocol.js';
import { benchExperiment } from './workload.js';
import { startupBench } from './startup.js';
import { writeBench } from './write.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'data/etf_daily_adjclose_1993_2023.csv');

async function setup(samples = 10_000) {
  const spec = parseExperiment(benchExperiment(samples, DATA));
  const { matrix } = await loadPrices(DATA, { assets: Object.keys(spec.targets), start: spec.data.start });
  const targets = resolveTargets(spec.targets, matrix.assets, { where: 'bench' });
  const space = new ParameterSpace(spec.space, spec.search, { costs: spec.costs });
  return { spec, matrix, targets, space };
}

/** Configurations per second of the in-process kernel, best of `rounds`. */
async function kernelRate(rounds = 3): Promise<number[]> {
  const { matrix, targets, space } = await setup();
  const ctx = KernelContext.forMatrix(matrix, {
    targets,
    start: space.maxLookback,
  });
  warmUp(matrix.N);
  const cfgs = Array.from({ length: space.size }, (_, i) => space.config(i));
  const out = new Float64Array(cfgs.length * N_METRICS);
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    // as a sweep worker runs them: SIMD passes of four configurations of a kind, JS for the rest
    simulateMany(ctx, cfgs, out, (j, e) => {
      throw new Error(`configuration ${j}: ${String(e)}`);
    });
    rates.push(cfgs.length / ((performance.now() - t0) / 1000));
  }
  return rates;
}

/**
 * The kernel with and without cash flows (issue 13), interleaved in one process so the ratios
 * are comparable: the same 10,000 configurations, with no flows, with a monthly contribution
 * invested pro rata, and with the same contribution plus a 1% quarterly withdrawal invested to
 * the assets furthest from target. Best of `rounds` each.
 */
async function flowRates(rounds = 3): Promise<{ label: string; rate: number }[]> {
  const { matrix, targets, space } = await setup();
  const ctxOf = (flows: FlowsSpec | null, tax: number | null = null): KernelContext =>
    KernelContext.forMatrix(matrix, {
      targets,
      start: space.maxLookback,
      flows,
      tax,
    });
  const cases: { label: string; ctx: KernelContext; flowMode?: FlowMode }[] = [
    { label: 'no flows', ctx: ctxOf(null) },
    { label: 'monthly contribution, pro-rata', ctx: ctxOf({ periodic: [{ amount: 1000, every: 'monthly' }], dated: [] }), flowMode: 'pro-rata' },
    {
      label: 'monthly in + quarterly 1% out, rebalance',
      ctx: ctxOf({
        periodic: [
          { amount: 1000, every: 'monthly' },
          { amount: -0.01, percent: true, every: 'quarterly' },
        ],
        dated: [],
      }),
      flowMode: 'rebalance',
    },
    { label: 'tax 25% (readable path)', ctx: ctxOf(null, 0.25) },
    { label: 'monthly contribution + tax 25%', ctx: ctxOf({ periodic: [{ amount: 1000, every: 'monthly' }], dated: [] }, 0.25), flowMode: 'pro-rata' },
  ];
  warmUp(matrix.N);
  const out = new Float64Array(N_METRICS);
  const best = cases.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, k) => {
      const cfgs = Array.from({ length: space.size }, (_, i) => (c.flowMode ? { ...space.config(i), flowMode: c.flowMode } : space.config(i)));
      const t0 = performance.now();
      for (const cfg of cfgs) simulate(c.ctx, cfg, out, 0);
      best[k] = Math.max(best[k], cfgs.length / ((performance.now() - t0) / 1000));
    });
  }
  return cases.map((c, k) => ({ label: c.label, rate: best[k] }));
}

/** Section 4 on the kernel's metrics for the 10,000 workload configurations. */
async function writeSection(): Promise<string> {
  const { matrix, targets, space } = await setup();
  const ctx = KernelContext.forMatrix(matrix, { targets, start: space.maxLookback });
  warmUp(matrix.N);
  const cfgs = Array.from({ length: space.size }, (_, i) => space.config(i));
  const out = new Float64Array(cfgs.length * N_METRICS);
  simulateMany(ctx, cfgs, out, (j, e) => {
    throw new Error(`configuration ${j}: ${String(e)}`);
  });
  const w = await writeBench(cfgs, out);
  return (
    `4. writing results.csv (one process, interleaved rounds, best of 3)\n` +
    table(
      ['what', 'byte writer', 'string path', 'speed-up'],
      [
        [
          `ns/number (${fmt(w.numbers)} metrics${w.wasm ? '' : '; NO WASM: String fallback'})`,
          fmt(w.nsWasm, 1),
          fmt(w.nsString, 1),
          `${(w.nsString / w.nsWasm).toFixed(1)}×`,
        ],
        [
          `s for ${fmt(w.rows)} rows (${fmt(w.bytes / 2 ** 20)} MB)`,
          fmt(w.secondsBytes, 2),
          fmt(w.secondsStrings, 2),
          `${(w.secondsStrings / w.secondsBytes).toFixed(1)}×`,
        ],
        ['MB/s', fmt(w.bytes / 2 ** 20 / w.secondsBytes), fmt(w.bytes / 2 ** 20 / w.secondsStrings), ''],
      ],
    ) +
    '\n\n'
  );
}

function flowTable(rates: { label: string; rate: number }[]): string {
  const base = rates[0].rate;
  return (
    '1b. single-thread kernel with cash flows and taxes (same configurations, interleaved rounds, best of 3)\n' +
    table(
      ['flows / tax', 'configs/s', 'µs/config', 'vs none'],
      rates.map((r) => [r.label, fmt(r.rate), fmt(1e6 / r.rate, 1), `${(r.rate / base).toFixed(2)}×`]),
    ) +
    '\n\n'
  );
}

const fmt = (x: number, d = 0): string => x.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });
function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells
    .map((r, i) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ') + (i === 0 ? '\n' + w.map((x) => '─'.repeat(x)).join('  ') : ''))
    .join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--w1')) {
    const { runW1 } = await import('./w1.js');
    const r = await runW1();
    if (args.includes('--json')) process.stdout.write(JSON.stringify(r) + '\n');
    else process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  if (args.includes('--startup')) {
    process.stdout.write(await startupBench(ROOT, args));
    return;
  }
  if (args.includes('--kernel-only')) {
    const r = await kernelRate(3);
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  if (args.includes('--write')) {
    process.stdout.write(await writeSection());
    return;
  }
  if (args.includes('--flows-only')) {
    process.stdout.write(flowTable(await flowRates(3)));
    return;
  }
  const { matrix, targets, space } = await setup();
  process.stdout.write(
    `workload: ${matrix.assets.join(', ')}; ${matrix.T} daily rows ${matrix.dates[0]} → ${matrix.dates[matrix.T - 1]}; ${space.size.toLocaleString('en')} configurations (random, seed 1); ${os.cpus().length} cores, node ${process.version}\n\n`,
  );

  // `--e2e-only`: only the end-to-end rows (with --big: the 1,000,000-configuration run)
  const e2eOnly = args.includes('--e2e-only');
  if (!e2eOnly) {
    // 1. kernel, in this process and in fresh processes
    const here = await kernelRate(3);
    const spread: number[] = [];
    for (let p = 0; p < 3; p++) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--kernel-only'], { encoding: 'utf8' });
      const rates = JSON.parse(r.stdout.trim().split('\n').pop() ?? '[]') as number[];
      spread.push(Math.max(...rates));
    }
    const best = Math.max(...here);
    process.stdout.write(
      '1. single-thread kernel\n' +
        table(
          ['where', 'configs/s (best of 3)', 'µs/config', 'vs 40,000/s target'],
          [
            ['this process', fmt(best), fmt(1e6 / best, 1), `${fmt((best / 40_000) * 100)}%`],
            ...spread.map((x, i) => [`fresh process ${i + 1}`, fmt(x), fmt(1e6 / x, 1), `${fmt((x / 40_000) * 100)}%`]),
          ],
        ) +
        `\n   spread across processes: ${fmt(Math.min(...spread))} – ${fmt(Math.max(...spread))} configs/s (max/min ${(Math.max(...spread) / Math.min(...spread)).toFixed(2)}×)\n\n`,
    );

    process.stdout.write(flowTable(await flowRates(3)));

    // 2. pool throughput for 1..cores workers, on 100,000 configurations of the same workload so
    // that pool start-up (threads, module load, warm-up) is visible apart from the throughput
    const poolSpec = parseExperiment(benchExperiment(100_000, DATA), 'bench');
    const poolSpace = new ParameterSpace(poolSpec.space, poolSpec.search, { costs: poolSpec.costs });
    const wd: WorkerData = {
      ...matrixOf(matrix),
      targets,
      start: poolSpace.maxLookback,
      initialCapital: poolSpec.initialCapital,
      riskFree: poolSpec.riskFree,
      space: poolSpec.space,
      search: poolSpec.search,
      costs: poolSpec.costs,
      shard: { k: 0, n: 1 },
    };
    const poolRows: (string | number)[][] = [];
    let one = 0;
    let oneSteady = 0;
    for (let w = 1; w <= defaultWorkers(); w++) {
      let done = 0;
      let first = 0;
      let atFirst = 0;
      const t0 = performance.now();
      await runSweep({
        workerData: wd,
        ranges: [[0, poolSpace.size]],
        workers: w,
        onResult: (r) => {
          if (!first) {
            first = performance.now();
            atFirst = r.to - r.from;
          }
          done += r.to - r.from;
        },
      });
      const t1 = performance.now();
      const rate = done / ((t1 - t0) / 1000);
      const steady = (done - atFirst) / ((t1 - first) / 1000);
      if (w === 1) {
        one = rate;
        oneSteady = steady;
      }
      poolRows.push([String(w), fmt((first - t0) / 1000, 2), fmt(steady), `${(steady / oneSteady).toFixed(2)}×`, fmt(rate), `${(rate / one).toFixed(2)}×`]);
    }
    process.stdout.write(
      '2. worker pool, 100,000 configurations (start-up = pool start, module load and warm-up until the first batch is back)\n' +
        table(['workers', 'start-up s', 'configs/s after start-up', 'speed-up', 'configs/s overall', 'speed-up'], poolRows) +
        '\n\n',
    );
  }

  // 3. end to end
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-bench-'));
  const e2e = async (samples: number) => {
    const f = path.join(dir, `bench-${samples}.json`);
    await writeFile(f, JSON.stringify({ ...benchExperiment(samples, DATA), name: `bench-${samples}` }));
    const t0 = performance.now();
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    // the run as `run` makes it: the report's digest on its own thread while results.csv is written
    const { startRunReport, writeRunReport } = await import('../report/run-report.js');
    let handed = false;
    const r = await runExperiment({
      experiment: f,
      out: dir,
      runId: 'r',
      quiet: true,
      startReport: async (d, rows) => startRunReport(d, rows),
      writeReport: async (d, digested) => {
        handed = digested !== undefined;
        return writeRunReport(d, digested);
      },
    });
    const t1 = performance.now();
    const runPeak = Math.max(peak, process.memoryUsage().rss);
    if (!handed) throw new Error("bench: the run's report did not get the digest made while results.csv was written");
    const { buildReportInput } = await import('../report/fromRun.js');
    const { writeReport } = await import('../report/html.js');
    // the report again on the same run folder, as `report <run>` makes it: its rows from the journal
    // + ranks.bin, then parsed from results.csv (the fallback, and how the report was built before)
    let source = '';
    await writeReport(r.dir, await buildReportInput(r.dir, { onSource: (s) => (source = s) }));
    const t2 = performance.now();
    await writeReport(r.dir, await buildReportInput(r.dir, { source: 'csv' }));
    const t3 = performance.now();
    if (source !== 'journal') throw new Error(`bench: the report read ${source}, not the journal`);
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const report = r.seconds.report ?? 0;
    return [
      fmt(samples),
      fmt(r.seconds.load ?? 0, 2),
      fmt(r.seconds.sweep ?? 0, 2),
      fmt(r.seconds.write ?? 0, 2),
      fmt(report, 2),
      fmt((t2 - t1) / 1000, 2),
      fmt((t3 - t2) / 1000, 2),
      fmt((t1 - t0) / 1000, 2),
      // the target of issue 12: writing and reporting take at most 20% of the sweep's time
      `${fmt((100 * ((r.seconds.write ?? 0) + report)) / (r.seconds.sweep ?? 1))}%`,
      `${fmt(runPeak / 2 ** 20)} MB`,
      `${fmt(peak / 2 ** 20)} MB`,
    ];
  };
  const rows = [await e2e(10_000)];
  if (args.includes('--big')) rows.push(await e2e(1_000_000));
  if (args.includes('--huge')) rows.push(await e2e(5_000_000));
  process.stdout.write(
    '3. end-to-end run (seconds)\n' +
      table(
        ['configs', 'load', 'sweep', 'write', 'report', 'report <run>', 'report from csv', 'wall', '(write + report) / sweep', 'peak RSS run', 'peak RSS all'],
        rows,
      ) +
      "\n`report` is the run's own report phase (its digest made on a second thread during the write);\n" +
      '`report <run>` rebuilds it from the folder (journal + ranks.bin), `report from csv` from results.csv; wall is the run.\n' +
      'peak RSS run: the process during the run (sampled every 0.1 s); all: including the two rebuilt reports.\n' +
      '\n\n',
  );
  if (!e2eOnly) process.stdout.write(await writeSection());
  await rm(dir, { recursive: true, force: true });
}

await main();
