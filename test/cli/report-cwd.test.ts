/**
 * `rebalance-lab report <run>` from another working directory: the data file is found through the
 * run folder's manifest (data.fromRun) and its sha256 is checked, as merge does.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ETF, ROOT } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
const cli = (cwd: string, args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

let here: string;
let elsewhere: string;

beforeAll(async () => {
  here = await mkdtemp(path.join(os.tmpdir(), 'rl-here-'));
  elsewhere = await mkdtemp(path.join(os.tmpdir(), 'rl-elsewhere-'));
  await copyFile(ETF, path.join(here, 'prices.csv'));
  const exp = {
    name: 'cwd',
    data: { file: 'prices.csv', start: '2017-01-01', end: '2018-12-31' }, // relative to the folder the run starts in
    targets: { SPY: 0.6, TLT: 0.4 },
    space: { bands: { relative: { width: [0.1, 0.2] }, none: {} }, check: ['monthly'], mode: ['target'] },
  };
  await writeFile(path.join(here, 'cwd.json'), JSON.stringify(exp));
  const r = cli(here, ['run', 'cwd.json', '--out', 'runs', '--run-id', 'r', '--quiet', '--no-report', '--workers', '1']);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(here, { recursive: true, force: true });
  await rm(elsewhere, { recursive: true, force: true });
});

describe('report <run> from another working directory', () => {
  it('finds the data through the manifest and writes the report', async () => {
    const run = path.join(here, 'runs/cwd/r');
    const m = JSON.parse(await readFile(path.join(run, 'manifest.json'), 'utf8')) as { data: { file: string; fromRun: string } };
    expect(m.data.file).toBe('prices.csv');
    expect(path.resolve(run, m.data.fromRun)).toBe(path.join(here, 'prices.csv'));
    const r = cli(elsewhere, ['report', run]);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(path.join(run, 'report.html'))).toBe(true);
  }, 120_000);

  it('refuses (exit 2, no stack trace) when the data file changed since the run, naming it', async () => {
    await appendFile(path.join(here, 'prices.csv'), '\n');
    const r = cli(elsewhere, ['report', path.join(here, 'runs/cwd/r')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/report: the data file .*prices\.csv changed since the run \(sha256/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
