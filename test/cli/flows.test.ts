/** Cash flows end to end: backtest --flow and an experiment with flows and a searched flowMode (spawned CLI, real data). */
import { describe, it, expect, beforeAll, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ETF, smallExperiment, writeExperiment } from '../runner/fixture.js';

vi.setConfig({ testTimeout: 120_000 });
const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rl-flows-'));
});

const base = [
  'backtest',
  '--data',
  ETF,
  '--weights',
  'SPY=0.6,TLT=0.4',
  '--start',
  '2010-01-01',
  '--end',
  '2014-12-31',
  '--band',
  'relative:0.2',
  '--to',
  'edge',
  '--json',
];

describe('backtest with flows', () => {
  it('a monthly contribution: money-weighted return, flows do the rebalancing in rebalance mode, final value = capital + contributions + gains', () => {
    const pr = cli([...base, '--flow', '1000@monthly']);
    const rb = cli([...base, '--flow', '1000@monthly', '--flow-mode', 'rebalance']);
    const none = cli(base);
    expect(pr.code, pr.err).toBe(0);
    expect(rb.code, rb.err).toBe(0);
    const [p, r, n] = [pr, rb, none].map((x) => JSON.parse(x.out).columns[0].metrics);
    // 2010–2014 has 60 month ends, the last row (2014-12-31) is never a flow row: 59 contributions
    expect(p.finalValue).toBeGreaterThan(n.finalValue + 59_000 * 0.9);
    expect(n.mwr).toBe(n.cagr);
    expect(n.flowRebalanceShare).toBe(0);
    // pro rata the contributions alone keep this band from trading (share 1); to the furthest asset first
    // they keep the weights closer to target on average
    expect(p.rebalances).toBe(0);
    expect(p.flowRebalanceShare).toBe(1);
    expect(r.meanDrift).toBeLessThan(p.meanDrift * 0.9);
    expect(r.flowRebalanceShare).toBeGreaterThan(0.9);
    expect(Number.isFinite(p.mwr)).toBe(true);
  });

  it('a dated withdrawal too large: exit 2 naming the date; a bad --flow: exit 2', async () => {
    const f = path.join(tmp, 'flows.csv');
    await writeFile(f, 'date,amount\n2012-06-29,-500000\n');
    const r = cli([...base, '--flows-file', f]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/flow of -500000 on 2012-06-29 takes the portfolio value .* to zero or below/);
    const bad = cli([...base, '--flow', '1000@fortnightly']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/schedule "fortnightly" is not one of daily, weekly, monthly, quarterly, yearly/);
  });
});

describe('backtest --tax', () => {
  it('tax lowers the value, is reported in bp/yr, and buy-and-hold pays none until the end (only unrealised gains)', () => {
    const t = cli([...base, '--tax', '0.25']);
    const n = cli(base);
    expect(t.code, t.err).toBe(0);
    const [tp, hold] = JSON.parse(t.out)
      .columns.map((c: { metrics: Record<string, number> }) => c.metrics)
      .filter((_: unknown, k: number) => k !== 1);
    const np = JSON.parse(n.out).columns[0].metrics;
    // the policy rebalanced (selling winners) in 2010–2014: some tax paid, less money at the end
    expect(np.rebalances).toBeGreaterThan(0);
    expect(tp.taxPaid).toBeGreaterThan(0);
    expect(tp.finalValue).toBeLessThan(np.finalValue);
    expect(tp.afterTaxValue).toBeLessThan(tp.finalValue);
    expect(hold.taxPaid).toBe(0);
    expect(hold.unrealisedGain).toBeGreaterThan(0);
    // buy and hold never sells: liquidation owes 25% of the unrealised gain
    expect(hold.afterTaxValue).toBeCloseTo(hold.finalValue - 0.25 * hold.unrealisedGain, 6);
    expect(np.taxPaid).toBe(0);
    expect(np.afterTaxValue).toBe(np.finalValue);
    const bad = cli([...base, '--tax', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--tax: 1\.5 must be a rate in \[0, 1\)/);
  });
});

describe('run with flows', () => {
  it('searches flowMode (with a tax): twice the configurations, the flowMode column, identical results across worker counts', async () => {
    const exp = smallExperiment({
      name: 'saver',
      flows: { periodic: ['2000@monthly', { amount: -0.01, percent: true, every: 'quarterly' }] },
      tax: 0.2,
      space: {
        bands: { relative: { width: [0.1, 0.3] }, calendar: {}, none: {} },
        check: ['monthly'],
        mode: ['target', 'edge'],
        flowMode: ['pro-rata', 'rebalance'],
      },
      constraints: [],
    });
    const { file } = await writeExperiment(exp);
    const a = cli(['run', file, '--out', tmp, '--run-id', 'w1', '--workers', '1', '--no-report', '--quiet']);
    expect(a.code, a.err).toBe(0);
    const b = cli(['run', file, '--out', tmp, '--run-id', 'w2', '--workers', '2', '--no-report', '--quiet']);
    expect(b.code, b.err).toBe(0);
    const ra = await readFile(path.join(tmp, 'saver', 'w1', 'results.csv'), 'utf8');
    const rbtext = await readFile(path.join(tmp, 'saver', 'w2', 'results.csv'), 'utf8');
    expect(ra).toBe(rbtext);
    const lines = ra.trim().split('\n');
    const head = lines[0].split(',');
    const fm = head.indexOf('flowMode');
    expect(fm).toBeGreaterThan(0);
    // relative × 2 widths × 2 modes + calendar (1) + none (1) = 6, × 2 flow modes = 12 configurations, then the baselines
    const configs = lines
      .slice(1)
      .filter((l) => /^\d+,/.test(l))
      .map((l) => l.split(','));
    expect(configs).toHaveLength(12);
    expect(configs.slice(0, 6).every((c) => c[fm] === 'pro-rata')).toBe(true);
    expect(configs.slice(6).every((c) => c[fm] === 'rebalance')).toBe(true);
    const share = head.indexOf('flowRebalanceShare');
    expect(configs.some((c) => Number(c[share]) > 0)).toBe(true);
    expect(head).toContain('mwr');
    const tax = head.indexOf('taxPaid');
    expect(configs.some((c) => Number(c[tax]) > 0)).toBe(true);
  });

  it('flowMode without flows is refused, naming the field', async () => {
    const { file } = await writeExperiment(smallExperiment({ name: 'nofl', space: { bands: { calendar: {} }, flowMode: 'rebalance' } }));
    const r = cli(['run', file, '--out', tmp, '--no-report', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/space\.flowMode: there are no flows to invest/);
  });
});
