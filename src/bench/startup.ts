/**
 * `npm run bench -- --startup`: the wall time of the CLI's commands on the demo, each in a
 * fresh process (what a user waits for: module loading, price loading, the work, exit).
 *   - `--help`            module loading only
 *   - `backtest`          one policy on the demo's four ETFs (start-up dominated)
 *   - `run`               experiments/quickstart.ts (148 configurations) with --no-report, 1 worker
 * Each command runs `rounds` times, interleaved with `--against <root>` (another checkout's
 * built tree, e.g. the previous commit's) when given, so a comparison shares the machine's load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { median } from 'simple-statistics';

interface Variant {
  name: string;
  root: string;
}

function commands(root: string, out: string): [string, string[]][] {
  const data = path.join(root, 'data/etf_daily_adjclose_1993_2023.csv');
  return [
    ['--help', ['--help']],
    [
      'backtest',
      [
        'backtest',
        '--data',
        data,
        '--weights',
        'SPY=0.4,TLT=0.3,GLD=0.15,SHY=0.15',
        '--band',
        'relative:0.25',
        '--check',
        'monthly',
        '--to',
        'edge',
        '--fee-bps',
        '5',
        '--json',
      ],
    ],
    ['run', ['run', path.join(root, 'experiments/quickstart.ts'), '--out', out, '--quiet', '--no-report', '--workers', '1']],
  ];
}

export async function startupBench(root: string, args: string[], rounds = 5): Promise<string> {
  const variants: Variant[] = [{ name: 'this build', root }];
  const i = args.indexOf('--against');
  if (i >= 0 && args[i + 1]) variants.push({ name: path.resolve(args[i + 1]), root: path.resolve(args[i + 1]) });
  const out = await mkdtemp(path.join(os.tmpdir(), 'rl-startup-'));
  const times = new Map<string, number[]>();
  try {
    for (let r = 0; r < rounds; r++)
      for (const v of variants)
        for (const [label, argv] of commands(v.root, out)) {
          const t0 = performance.now();
          const p = spawnSync(process.execPath, [path.join(v.root, 'bin/rebalance-lab.js'), ...argv], { cwd: v.root, encoding: 'utf8' });
          const s = (performance.now() - t0) / 1000;
          if (p.status !== 0) throw new Error(`${v.name}: rebalance-lab ${argv.join(' ')} exited ${p.status}: ${p.stderr}`);
          const k = `${label}\t${v.name}`;
          times.set(k, [...(times.get(k) ?? []), s]);
        }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  const lines = [`start-up: wall seconds of a fresh process, median (min) of ${rounds}, interleaved`];
  for (const [k, t] of times) {
    const [label, name] = k.split('\t');
    lines.push(`  ${label.padEnd(9)} ${name.padEnd(Math.max(...variants.map((v) => v.name.length)))} ${median(t).toFixed(2)} (${Math.min(...t).toFixed(2)})`);
  }
  return lines.join('\n') + '\n';
}
