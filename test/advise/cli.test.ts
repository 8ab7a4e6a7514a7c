/** advise and policy export through the CLI (spawned, on real files), and their bad-input messages. */
import { describe, it, expect, beforeAll, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ETF, smallExperiment, writeExperiment } from '../runner/fixture.js';

vi.setConfig({ testTimeout: 90_000 });
const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const FLAGS = ['--weights', 'SPY=0.6,TLT=0.4', '--band', 'absolute:0.05', '--to', 'edge', '--check', 'monthly'];
let tmp: string;
let runDir: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'rl-advise-'));
  const exp = smallExperiment({
    name: 'adv',
    space: { bands: { absolute: { width: [0.02, 0.05] }, relative: { width: [0.2] }, calendar: {}, none: {} }, check: ['monthly'], mode: ['target', 'edge'] },
    constraints: [],
  });
  const { file } = await writeExperiment(exp);
  const r = cli(['run', file, '--out', tmp, '--run-id', 'r1', '--workers', '1', '--no-report', '--quiet']);
  expect(r.code, r.err).toBe(0);
  runDir = path.join(tmp, 'adv', 'r1');
}, 120_000);

describe('advise CLI', () => {
  it('by flags, prices by hand: one breach under edge, --json orders worked out by hand', () => {
    // SPY 70 × 100 = 7000, TLT 60 × 50 = 3000: w_SPY = 0.7, dev +0.1 > 0.05; edge s = 0.5 → 0.65 / 0.35
    // SPY 6500/100 = 65 → sell 5; TLT 3500/50 = 70 → buy 10
    const r = cli(['advise', ...FLAGS, '--holdings', 'SPY=70,TLT=60', '--prices', 'SPY=100,TLT=50', '--as-of', '2024-05-15', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.trade).toBe(true);
    expect(j.orders).toHaveLength(2);
    expect(j.orders[0]).toMatchObject({ asset: 'SPY', side: 'sell', cost: 0 });
    expect(j.orders[0].units).toBeCloseTo(5, 10);
    expect(j.orders[1]).toMatchObject({ asset: 'TLT', side: 'buy' });
    expect(j.orders[1].units).toBeCloseTo(10, 10);
    expect(j.postTradeWeights.SPY).toBeCloseTo(0.65, 12);
    expect(j.weights.SPY).toBeCloseTo(0.7, 12);
    expect(j.nextCheck).toBe('2024-05-31');
  });

  it('the readable form says no trade inside the band, with the next check', () => {
    const r = cli(['advise', ...FLAGS, '--holdings', 'SPY=62,TLT=76', '--prices', 'SPY=100,TLT=50', '--as-of', '2024-05-31']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('no trade: every asset inside its band');
    // as of the month's last weekday, the next check is June's: 2024-06-28 (a Friday)
    expect(r.out).toContain('next check: 2024-06-28');
  });

  it('a holdings CSV file and the price file row of --as-of', async () => {
    const h = path.join(tmp, 'holdings.csv');
    await writeFile(h, 'asset,units\nSPY,100\nTLT,300\n');
    const r = cli(['advise', ...FLAGS, '--holdings', h, '--prices', ETF, '--as-of', '2020-03-20', '--json']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    // ETF file on 2020-03-20: SPY 218.5609, TLT 150.4847 → w_SPY = 21856.09 / 67001.5
    expect(j.weights.SPY).toBeCloseTo(21856.09 / 67001.5, 12);
    expect(j.trade).toBe(true);
  });

  it('bad input: one clear message each, exit 2', async () => {
    const extra = cli(['advise', ...FLAGS, '--holdings', 'SPY=1,TLT=1,QQQ=1', '--prices', 'SPY=100,TLT=50']);
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/asset QQQ is not in the policy \(its assets: SPY, TLT\)/);
    const missing = cli(['advise', ...FLAGS, '--holdings', 'SPY=1', '--prices', 'SPY=100,TLT=50']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no units for TLT, which the policy holds; give TLT=0/);
    // 2020-03-21 is a Saturday: no row in the ETF file
    const noDate = cli(['advise', ...FLAGS, '--holdings', 'SPY=1,TLT=1', '--prices', ETF, '--as-of', '2020-03-21']);
    expect(noDate.code).toBe(2);
    expect(noDate.err).toMatch(/no prices on the as-of date 2020-03-21 \(the last date on or before it is 2020-03-20\)/);
    const noPrice = cli(['advise', ...FLAGS, '--holdings', 'SPY=1,TLT=1', '--prices', 'SPY=100']);
    expect(noPrice.code).toBe(2);
    expect(noPrice.err).toMatch(/no price for TLT/);
    // a price file where one asset stops before the as-of date
    const pf = path.join(tmp, 'prices.csv');
    await writeFile(pf, 'date,SPY,TLT\n2024-05-13,100,50\n2024-05-14,101,\n2024-05-15,102,\n');
    const stale = cli(['advise', ...FLAGS, '--holdings', 'SPY=1,TLT=1', '--prices', pf, '--as-of', '2024-05-15']);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(/no price for TLT on 2024-05-15 \(its last price is on 2024-05-13\)/);
    const v2 = path.join(tmp, 'v2.json');
    await writeFile(v2, JSON.stringify({ format: 'rebalance-lab-policy', version: 2 }));
    const ver = cli(['advise', '--policy', v2, '--holdings', 'SPY=1,TLT=1', '--prices', 'SPY=100,TLT=50']);
    expect(ver.code).toBe(2);
    expect(ver.err).toMatch(/policy file version 2 is not supported \(this rebalance-lab reads version 1\)/);
    for (const r of [extra, missing, noDate, noPrice, stale, ver]) expect(r.err).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('policy export', () => {
  it('exports rank 1 of a run as a versioned policy that advise reads, with the same decision as --policy <run>', async () => {
    const out = path.join(tmp, 'policy.json');
    const e = cli(['policy', 'export', `${runDir}#1`, '--out', out]);
    expect(e.code, e.err).toBe(0);
    const p = JSON.parse(await readFile(out, 'utf8'));
    expect(p).toMatchObject({ format: 'rebalance-lab-policy', version: 1, assets: ['SPY', 'TLT', 'GLD'], targets: { SPY: 0.5, TLT: 0.3, GLD: 0.2 } });
    expect(p.costs).toEqual({ feeBps: 5, halfSpreadBps: 2, fixedFee: 1, minTrade: 50 });
    expect(p.source.rank).toBe(1);
    // the rank-1 row of results.csv
    const rows = (await readFile(path.join(runDir, 'results.csv'), 'utf8')).trim().split('\n');
    const head = rows[0].split(',');
    const row = rows.map((l) => l.split(',')).find((c) => c[head.indexOf('rank')] === '1');
    expect(row).toBeDefined();
    expect(p.band.type).toBe(row?.[head.indexOf('band')]);
    expect(p.band.width).toBe(Number(row?.[head.indexOf('width')]));
    expect(p.mode.type).toBe(row?.[head.indexOf('mode')]);
    const args = ['--holdings', 'SPY=100,TLT=100,GLD=100', '--prices', ETF, '--as-of', '2019-12-31', '--json'];
    const a = cli(['advise', '--policy', out, ...args]);
    const b = cli(['advise', '--policy', `${runDir}#1`, ...args]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(JSON.parse(a.out)).toEqual(JSON.parse(b.out));
    // #id picks a configuration by id: the calendar baseline always trades off-target holdings
    const c = cli(['advise', '--policy', `${runDir}#id=calendar-monthly`, ...args]);
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out).trade).toBe(true);
    const bad = cli(['policy', 'export', `${runDir}#999`]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no row with rank 999/);
  });
});
