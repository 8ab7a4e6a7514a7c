/** The CLI end to end, as a user runs it: a spawned process on real files. */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ETF, smallExperiment, writeExperiment } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
function cli(args: string[], cwd = ROOT): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rl-cli-'));
});

describe('backtest', () => {
  const base = ['backtest', '--data', ETF, '--weights', 'SPY=0.6,TLT=0.4', '--start', '2010-01-01', '--end', '2012-12-31'];

  it('prints the policy beside the calendar baseline and buy-and-hold', () => {
    const r = cli([...base, '--band', 'relative:0.25', '--check', 'monthly', '--to', 'edge', '--fee-bps', '10']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/metric\s+policy\s+calendar\s+buy-and-hold/);
    for (const m of ['turnover', 'tracking error', 'max drawdown', 'CAGR', 'Sharpe', 'Sortino', 'cost drag', 'excess return']) expect(r.out).toContain(m);
    expect(r.err).toBe('');
  });

  it('--json gives the same as JSON; buy-and-hold never trades; calendar on the same schedule', () => {
    const r = cli([...base, '--band', 'absolute:0.05', '--check', 'weekly', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.columns.map((c: { name: string }) => c.name)).toEqual(['policy', 'calendar', 'buy-and-hold']);
    expect(j.columns[2].metrics.rebalances).toBe(0);
    expect(j.columns[2].metrics.turnover).toBe(0);
    expect(j.columns[1].config.check).toBe('weekly');
    // calendar trades at every weekly check: about 52 a year over three years (2010–2012)
    expect(j.columns[1].metrics.rebalancesPerYear).toBeGreaterThan(50);
    expect(j.columns[1].metrics.rebalancesPerYear).toBeLessThan(53);
  });

  it('--series writes the daily value, weights and trade flags', async () => {
    const f = path.join(tmp, 'series.csv');
    const r = cli([...base, '--band', 'relative:0.1', '--series', f]);
    expect(r.code).toBe(0);
    const lines = (await readFile(f, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('date,value,w_SPY,w_TLT,trade,cost,benchmark,units_SPY,units_TLT,notional_SPY,notional_TLT');
    expect(lines[1]).toMatch(/^2010-01-04,100000,0.6,0.4,0,0,1,0,0,0,0$/);
    for (const l of lines.slice(1)) {
      const c = l.split(',');
      expect(Math.abs(Number(c[2]) + Number(c[3]) - 1)).toBeLessThan(1e-12);
    }
  });

  const bad: [string, string[], RegExp][] = [
    ['missing file', ['--data', 'nope.csv'], /nope\.csv/],
    ['unknown asset', ['--weights', 'SPY=0.6,XYZ=0.4'], /XYZ/],
    ['weights not summing to one', ['--weights', 'SPY=0.6,TLT=0.3'], /sum to 0\.9.*not 1/],
    ['non-positive weight', ['--weights', 'SPY=1,TLT=0'], /TLT.*> 0/],
    ['unknown band', ['--band', 'wobbly:0.1'], /unknown band type "wobbly"/],
    ['unknown mode', ['--to', 'sideways'], /unknown rebalance mode "sideways"/],
    ['band width outside its domain', ['--band', 'absolute:1.5'], /width 1\.5 is outside \(0, 1\]/],
    ['lookback longer than the data', ['--band', 'volatility:1,100000'], /lookback 100000/],
    ['bad schedule', ['--check', 'fortnightly'], /fortnightly/],
  ];
  for (const [what, args, msg] of bad) {
    it(`bad input: ${what} → one clear message, exit 2, no stack trace`, () => {
      const argv = [...base];
      for (let i = 0; i < args.length; i += 2) {
        const k = argv.indexOf(args[i]);
        if (k >= 0) argv[k + 1] = args[i + 1];
        else argv.push(args[i], args[i + 1]);
      }
      const r = cli(argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }
});

describe('data inspect', () => {
  it('shows assets, dates and the detected periods per year', () => {
    const r = cli(['data', 'inspect', path.join(ROOT, 'data/crypto_daily_close_2014_2025.csv'), '--assets', 'BTC,ETH']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/BTC/);
    expect(r.out).toMatch(/2017-11-09/);
    expect(r.out).toMatch(/365/);
  });
});

describe('run', () => {
  it('runs an experiment: leaderboard on stdout, results and report on disk', async () => {
    const { file, dir } = await writeExperiment(smallExperiment({ name: 'cli-small' }));
    const r = cli(['run', file, '--out', dir, '--run-id', 'r1', '--workers', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/273 configurations/);
    expect(r.out).toMatch(/calendar-monthly/);
    expect(existsSync(path.join(dir, 'cli-small', 'r1', 'results.csv'))).toBe(true);
    expect(existsSync(path.join(dir, 'cli-small', 'r1', 'report.html'))).toBe(true);
  }, 120_000);

  it('an experiment mistake is one message naming the file and field, exit 2, before any work', async () => {
    const exp = smallExperiment({ name: 'bad' });
    (exp.space as { bands: Record<string, unknown> }).bands = { absolute: { width: { from: 0.1, to: 1.5, step: 0.1 } } };
    const { file, dir } = await writeExperiment(exp);
    const r = cli(['run', file, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(file);
    // the first out-of-range value of the range (1.1) is reported, at the range field
    expect(r.err).toMatch(/space\.bands\.absolute\.width\.(to|step): expected an? absolute width in \(0, 1\], got 1\.1/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
  });

  it('init writes a starter that validates and runs', async () => {
    const r = cli(['init', 'starter', '--dir', tmp, '--json']);
    expect(r.code).toBe(0);
    const f = path.join(tmp, 'starter.json');
    const exp = JSON.parse(await readFile(f, 'utf8'));
    exp.data.file = ETF;
    exp.data.start = '2018-01-01';
    await writeFile(f, JSON.stringify(exp));
    const run = cli(['run', f, '--out', tmp, '--no-report', '--workers', '1']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/configurations/);
  }, 120_000);
});
