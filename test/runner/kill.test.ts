/**
 * Crash safety (issue 6): a real sweep (a spawned CLI process) is killed with SIGKILL at random
 * moments — while loading, mid-sweep with a record half on disk, while writing results — then
 * resumed (and killed again), until a resume finishes: results.csv must be byte-identical to an
 * uninterrupted run's, whatever the kill moments. Kill moments come from fixed seeds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../search/helpers.js';
import { ROOT, smallExperiment, writeExperiment, LONG_SPACE } from './fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

/**
 * Start the CLI and SIGKILL it after `ms`, or as soon as `journal` holds `bytes` or more (when
 * given: a kill in the middle of the sweep however slow the start-up); resolves to how it ended.
 */
function runAndKill(args: string[], ms: number, journal?: string, bytes = Infinity): Promise<{ killed: boolean; code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t0 = Date.now();
    const timer = setInterval(() => {
      const grown = journal !== undefined && existsSync(journal) && statSync(journal).size >= bytes;
      if (grown || Date.now() - t0 >= ms) p.kill('SIGKILL');
    }, 5);
    p.on('exit', (code, signal) => {
      clearInterval(timer);
      resolve({ killed: signal === 'SIGKILL', code, err });
    });
  });
}

// a sweep long enough to be killed in the middle: 753 configurations, tiny batches, each
// batch fsync'd to the journal
const EXP = smallExperiment({
  name: 'killme',
  space: LONG_SPACE,
});

let file: string;
let dir: string;
let reference: string;
let journalBytes: number;

beforeAll(async () => {
  ({ file, dir } = await writeExperiment(EXP));
  const r = spawnSync(process.execPath, [BIN, 'run', file, '--out', dir, '--run-id', 'whole', '--no-report', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  reference = await readFile(path.join(dir, 'killme', 'whole', 'results.csv'), 'utf8');
  journalBytes = (await stat(path.join(dir, 'killme', 'whole', 'journal.bin'))).size;
}, 180_000);

describe('kill -9 at random moments, then resume', () => {
  it('gives results byte-identical to an uninterrupted run (several seeds)', async () => {
    const K = reference
      .trim()
      .split('\n')
      .filter((l) => /^\d+,/.test(l)).length;
    // (8 absolute + 6 relative + 3×2 volatility) × 4 checks × 4 modes × 2 cooldowns = 640,
    // drift 3 × 4 × 4 × 2 = 96, calendar 4 × (target, partial) × 2 = 16, none 1 → 753
    expect(K).toBe(753);
    let midSweep = 0;
    for (const seed of [1, 2, 3, 4]) {
      const next = mulberry32(seed);
      const runDir = path.join(dir, 'killme', `k${seed}`);
      const common = ['--no-report', '--quiet', '--workers', '2', '--batch-size', '3'];
      // up to three kills, then a resume that is left to finish
      for (let attempt = 0; ; attempt++) {
        const args = existsSync(runDir) ? ['run', file, '--resume', runDir, ...common] : ['run', file, '--out', dir, '--run-id', `k${seed}`, ...common];
        if (attempt === 3) {
          const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
          break;
        }
        // even attempts: when the journal reaches a random share of its final size (mid-sweep);
        // odd attempts: at a random moment (start-up, sweep, or writing the results)
        const j = path.join(runDir, 'journal.bin');
        const r = attempt % 2 === 0 ? await runAndKill(args, 60_000, j, next() * journalBytes) : await runAndKill(args, 200 + next() * 3000);
        if (!r.killed) {
          expect(r.code, r.err).toBe(0); // it finished before the kill
          break;
        }
        if (existsSync(j) && (await stat(j)).size > 0 && !existsSync(path.join(runDir, 'results.csv'))) midSweep++;
      }
      expect(await readFile(path.join(runDir, 'results.csv'), 'utf8')).toBe(reference);
    }
    // the kills did land during sweeps, not only before or after them
    expect(midSweep).toBeGreaterThan(0);
  }, 600_000);
});

describe('Ctrl-C', () => {
  it('stops cleanly, keeps the finished batches, says how to resume; the resume is byte-identical', async () => {
    const runDir = path.join(dir, 'killme', 'ctrlc');
    const args = ['run', file, '--out', dir, '--run-id', 'ctrlc', '--workers', '2', '--batch-size', '3', '--no-report'];
    // wait until the sweep has written some batches, then interrupt as a terminal would
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const j = path.join(runDir, 'journal.bin');
    while (!(existsSync(j) && (await stat(j)).size > 0)) await new Promise((r) => setTimeout(r, 20));
    p.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => p.on('exit', (c) => resolve(c)));
    if (code === 0) return expect.fail('the run finished before it could be interrupted; make the sweep longer');
    expect(code).toBe(2);
    expect(err).toMatch(/stopped: \d+ of 753 configurations are kept in .*ctrlc; finish with `rebalance-lab run .* --resume .*`/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(runDir, 'results.csv'))).toBe(false);
    const r = spawnSync(process.execPath, [BIN, 'run', file, '--resume', runDir, '--no-report', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(await readFile(path.join(runDir, 'results.csv'), 'utf8')).toBe(reference);
  }, 180_000);
});
