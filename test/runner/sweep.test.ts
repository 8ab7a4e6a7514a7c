/**
 * The runner's promises (design §7): results byte-identical for any worker count, batch size
 * or resume; a torn journal record is dropped, never misread; resume refuses a changed
 * experiment; injected worker faults fail only their configurations.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runExperiment } from '../../src/runner/run.js';
import { readJournal } from '../../src/results/journal.js';
import { smallExperiment, writeExperiment } from './fixture.js';

let file: string;
let dir: string;
let reference: string;

async function results(runDir: string): Promise<string> {
  return readFile(path.join(runDir, 'results.csv'), 'utf8');
}

beforeAll(async () => {
  ({ file, dir } = await writeExperiment(smallExperiment()));
  const r = await runExperiment({ experiment: file, out: dir, runId: 'w1', workers: 1, quiet: true });
  reference = await results(r.dir);
}, 120_000);

describe('sweep determinism', () => {
  it('has one row per configuration in id order, then the baselines', () => {
    const lines = reference.trim().split('\n');
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    const configIds = ids.filter((x) => /^\d+$/.test(x)).map(Number);
    expect(configIds).toEqual(configIds.map((_, i) => i));
    // hand count: absolute 3 + relative 2 + volatility 2 = 7 band settings × 4 checks × 4 modes
    // (target, edge, inner 0.5, partial 0.5) × 2 cooldowns = 224, drift 1×4×4×2 = 32,
    // calendar 4 checks × (target, partial) × 2 = 16, none 1 → 273
    expect(configIds.length).toBe(273);
    // Baselines (docs/selection.md): calendar monthly, quarterly and yearly always, then the other
    // searched schedules in the space's order (daily, weekly, every 10 rows), then buy-and-hold.
    expect(ids.slice(configIds.length)).toEqual([
      'calendar-monthly',
      'calendar-quarterly',
      'calendar-yearly',
      'calendar-daily',
      'calendar-weekly',
      'calendar-10',
      'none',
    ]);
  });

  it('is byte-identical with 2 workers and a different batch size', async () => {
    const r = await runExperiment({ experiment: file, out: dir, runId: 'w2', workers: 2, batchSize: 7, quiet: true });
    expect(await results(r.dir)).toBe(reference);
  }, 120_000);

  it('resumes a run whose journal lost its tail mid-record, byte-identically', async () => {
    const r = await runExperiment({ experiment: file, out: dir, runId: 'cut', workers: 2, batchSize: 16, quiet: true });
    const j = path.join(r.dir, 'journal.bin');
    const size = (await stat(j)).size;
    // keep a bit under half: the last kept record is torn at an arbitrary byte
    await truncate(j, Math.floor(size * 0.45) + 13);
    await rm(path.join(r.dir, 'results.csv'));
    const before = await readJournal(j);
    expect(before.dropped).toBeGreaterThan(0);
    const kept = before.records.reduce((n, x) => n + (x.to - x.from), 0);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(273);
    const again = await runExperiment({ experiment: file, resume: r.dir, workers: 2, quiet: true });
    expect(await results(again.dir)).toBe(reference);
  }, 120_000);

  it('refuses to resume when the experiment changed, saying why', async () => {
    const r = await runExperiment({ experiment: file, out: dir, runId: 'changed', workers: 1, quiet: true });
    const changed = smallExperiment({ costs: { feeBps: 50 } });
    await writeFile(file, JSON.stringify(changed));
    try {
      await expect(runExperiment({ experiment: file, resume: r.dir, workers: 1, quiet: true })).rejects.toThrow(/refused, because the experiment .* changed/);
    } finally {
      await writeFile(file, JSON.stringify(smallExperiment()));
    }
  }, 120_000);
});

describe('stopped before the sweep starts', () => {
  it('a stop while the data loads fails nothing: the run keeps 0 rows and a resume is byte-identical', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runExperiment({ experiment: file, out: dir, runId: 'early', workers: 2, quiet: true, signal: ac.signal })).rejects.toThrow(
      /stopped: 0 of 273 configurations are kept/,
    );
    const again = await runExperiment({ experiment: file, resume: path.join(dir, 'small', 'early'), workers: 2, quiet: true });
    expect(again.failures.size).toBe(0);
    expect(await results(again.dir)).toBe(reference);
  }, 120_000);
});

describe('fault injection', () => {
  it('a throwing configuration, a crashing worker and one out of memory fail only their ids; the rest is unchanged', async () => {
    process.env.REBALANCE_LAB_FAULTS = 'throw:5,100;exit:42;oom:200';
    let out: string;
    try {
      const r = await runExperiment({ experiment: file, out: dir, runId: 'faults', workers: 2, batchSize: 10, quiet: true, workerMemoryMb: 64 });
      expect([...r.failures.keys()].sort((a, b) => a - b)).toEqual([5, 42, 100, 200]);
      expect(r.failures.get(5)).toMatch(/injected fault/);
      expect(r.failures.get(42)).toMatch(/worker crashed/);
      expect(r.failures.get(200)).toMatch(/worker crashed/);
      out = await results(r.dir);
    } finally {
      delete process.env.REBALANCE_LAB_FAULTS;
    }
    const a = reference.split('\n');
    const b = out.split('\n');
    expect(b.length).toBe(a.length);
    const failedLines = new Set([6, 43, 101, 201]); // header is line 0
    for (let i = 0; i < a.length; i++) {
      if (failedLines.has(i)) {
        expect(b[i].split(',')[0]).toBe(String(i - 1));
        expect(b[i]).toMatch(/(injected fault|worker crashed)/);
        continue;
      }
      // pareto/rank may move when rows fail, so compare id, parameters and metrics only
      expect(b[i].split(',').slice(0, 28)).toEqual(a[i].split(',').slice(0, 28));
    }
  }, 120_000);
});

describe('run folder', () => {
  it('holds results.csv, ranks.bin, selection.json, manifest.json and the journal, and no temp files', async () => {
    const names = await readdir(path.join(dir, 'small', 'w1'));
    expect(names.sort()).toEqual(['journal.bin', 'manifest.json', 'ranks.bin', 'results.csv', 'selection.json']);
    const m = JSON.parse(await readFile(path.join(dir, 'small', 'w1', 'manifest.json'), 'utf8'));
    expect(m.search.size).toBe(273);
    expect(m.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.data.windowStart > '2015-01-01').toBe(true); // lookback 20 warm-up
  });
});
