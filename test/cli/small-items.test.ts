/**
 * The smaller findings of issue 15: orphan temp files removed on the next run in the folder, no
 * MaxListenersExceededWarning with 3+ workers, an honest resume count with a repeated record,
 * `init X --dir /elsewhere` gives a starter that runs, and an empty fold window is described.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initCommand } from '../../src/cli/init.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { N_METRICS } from '../../src/kernel/metrics.js';
import { encodeRecord } from '../../src/results/journal.js';
import { ROOT, smallExperiment, writeExperiment } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function cli(args: string[]): { code: number | null; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, err: r.stderr };
}

let file: string;
let dir: string;
beforeAll(async () => {
  ({ file, dir } = await writeExperiment(smallExperiment()));
  const r = cli(['run', file, '--out', dir, '--run-id', 'w3', '--workers', '3', '--batch-size', '5', '--no-report', '--quiet']);
  expect(r.code, r.err).toBe(0);
  // the warning is printed on stderr by Node itself, even with --quiet
  expect(r.err).not.toMatch(/MaxListenersExceededWarning/);
}, 120_000);

describe('small items', () => {
  it('3 workers print no MaxListenersExceededWarning (checked in beforeAll) and resume counts each configuration once', async () => {
    const whole = path.join(dir, 'small', 'w3');
    const d = path.join(dir, 'small', 'again');
    await mkdir(d);
    for (const f of ['manifest.json', 'journal.bin']) await copyFile(path.join(whole, f), path.join(d, f));
    // a repeated record (rows 0..99 once more) and an orphan temp file of a killed results write
    const j = path.join(d, 'journal.bin');
    writeFileSync(j, Buffer.concat([readFileSync(j), encodeRecord({ from: 0, to: 100, rows: new Float64Array(100 * N_METRICS), failures: [] })]));
    const orphan = path.join(d, '.results.csv.12345.1764681234567.tmp');
    writeFileSync(orphan, 'half a file');
    const r = cli(['run', file, '--resume', d, '--no-report']);
    expect(r.code, r.err).toBe(0);
    // 273 configurations (sweep.test.ts works the count out), not 373
    expect(r.err).toMatch(/resume: 273 of 273 configurations already done \(skipped 1 record repeating rows already held/);
    expect(existsSync(orphan)).toBe(false);
    expect(readFileSync(path.join(d, 'results.csv'), 'utf8')).toBe(readFileSync(path.join(whole, 'results.csv'), 'utf8'));
    expect((await readdir(d)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('init X --dir /elsewhere writes a starter that loads (its import resolves)', async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'rl-init-'));
    const f = await initCommand('starter1', elsewhere, false);
    const text = readFileSync(f, 'utf8');
    expect(text).not.toMatch(/from 'rebalance-lab'/);
    const exp = await loadExperiment(f);
    expect(exp.spec.name).toBe('starter1');
    expect(existsSync(exp.dataFile)).toBe(true);
  }, 60_000);
});
