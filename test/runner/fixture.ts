/** A small real-data experiment written to a temp dir, for runner and CLI tests. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ETF = path.join(ROOT, 'data/etf_daily_adjclose_1993_2023.csv');

/**
 * A space long enough to stop or kill in the middle of a sweep (kill, lock and Slurm tests):
 * 753 configurations (test/runner/kill.test.ts works the count out).
 */
export const LONG_SPACE = {
  bands: {
    absolute: { width: [0.005, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1] },
    relative: { width: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4] },
    volatility: { width: [0.5, 1, 1.5], lookback: [20, 60] },
    drift: { width: [0.01, 0.02, 0.04] },
    calendar: {},
    none: {},
  },
  check: ['daily', 'weekly', 'monthly', 10],
  mode: ['target', 'edge', 'inner', 'partial'],
  depth: [0.5],
  fraction: [0.5],
  cooldown: [0, 3],
};

export function smallExperiment(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'small',
    data: { file: ETF, start: '2015-01-01', end: '2019-12-31' },
    targets: { SPY: 0.5, TLT: 0.3, GLD: 0.2 },
    costs: { feeBps: 5, halfSpreadBps: 2, fixedFee: 1, minTrade: 50 },
    search: { kind: 'grid' },
    space: {
      bands: {
        absolute: { width: [0.01, 0.03, 0.06] },
        relative: { width: [0.1, 0.3] },
        volatility: { width: [0.5, 1], lookback: [20] },
        drift: { width: [0.02] },
        calendar: {},
        none: {},
      },
      check: ['daily', 'weekly', 'monthly', 10],
      mode: ['target', 'edge', 'inner', 'partial'],
      depth: [0.5],
      fraction: [0.5],
      cooldown: [0, 3],
    },
    constraints: ['trackingError <= 0.02'],
    ...over,
  };
}

export async function writeExperiment(exp: Record<string, unknown>): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rl-run-'));
  const file = path.join(dir, `${String(exp.name)}.json`);
  await writeFile(file, JSON.stringify(exp, null, 2));
  return { dir, file };
}
