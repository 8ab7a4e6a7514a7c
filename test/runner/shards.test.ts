/**
 * Shards (design §7, issue 6): `run --shard k/n` in separate processes, then `merge`, gives the
 * very bytes of an unsharded run; merge refuses a missing, duplicated, unfinished or foreign
 * shard and says why. Spawned processes, as a scheduler would start them.
 */
import { spawnSync } from 'node:child_process';
import { cp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseShard } from '../../src/cli/run.js';
import { shardCount } from '../../src/results/journal.js';
import { ROOT, smallExperiment, writeExperiment } from './fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function cli(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

let file: string;
let dir: string;
let reference: string;

beforeAll(async () => {
  ({ file, dir } = await writeExperiment(smallExperiment()));
  const r = cli(['run', file, '--out', dir, '--run-id', 'whole', '--workers', '2', '--no-report', '--quiet']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  reference = await readFile(path.join(dir, 'small', 'whole', 'results.csv'), 'utf8');
}, 120_000);

describe('shards', () => {
  it('counts the ids of each shard (id mod n = k)', () => {
    // 10 ids over 4 shards: {0,4,8} {1,5,9} {2,6} {3,7}
    expect([0, 1, 2, 3].map((k) => shardCount(10, k, 4))).toEqual([3, 3, 2, 2]);
    expect(shardCount(3, 5, 8)).toBe(0);
    expect(shardCount(1, 0, 1)).toBe(1);
  });

  it('reads the shard from the flag or the environment, refusing nonsense', () => {
    expect(parseShard('2/4', undefined)).toEqual({ k: 2, n: 4 });
    expect(parseShard(undefined, 'JOB_COMPLETION_INDEX/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ k: 3, n: 4 });
    expect(parseShard(undefined, undefined)).toBeUndefined();
    expect(() => parseShard('4/4', undefined)).toThrow(/k must be 0 … n−1/);
    expect(() => parseShard('a/4', undefined)).toThrow(/expected k\/n/);
    expect(() => parseShard(undefined, 'SLURM_ARRAY_TASK_ID/4', {})).toThrow(/SLURM_ARRAY_TASK_ID is not set/);
    expect(() => parseShard(undefined, 'I/4', { I: 'x' })).toThrow(/not a whole number/);
    expect(() => parseShard(undefined, 'JOB_COMPLETION_INDEX/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/JOB_COMPLETION_INDEX=4 is not a shard index 0 … 3/);
    expect(() => parseShard('0/2', 'I/2')).toThrow(/not both/);
  });

  it('4 shards in separate processes, merged, are byte-identical to one run; resume and report work on the merge', async () => {
    for (let k = 0; k < 4; k++) {
      // shard 2 takes its index from the environment, as a Kubernetes Indexed Job would
      const args = k === 2 ? ['--shard-from-env', 'JOB_COMPLETION_INDEX/4'] : ['--shard', `${k}/4`];
      const r = cli(['run', file, ...args, '--out', dir, '--run-id', 'sh', '--workers', String(1 + (k % 2)), '--batch-size', String(3 + k)], {
        JOB_COMPLETION_INDEX: '2',
      });
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`shard ${k}/4 done`));
    }
    const runDir = path.join(dir, 'small', 'sh');
    expect((await readdir(runDir)).sort()).toEqual(['shard-0-of-4', 'shard-1-of-4', 'shard-2-of-4', 'shard-3-of-4']);
    const m = cli(['merge', runDir]);
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/273 configurations/);
    expect(m.out).toMatch(/report: /);
    expect(await readFile(path.join(runDir, 'results.csv'), 'utf8')).toBe(reference);
    const manifest = JSON.parse(await readFile(path.join(runDir, 'manifest.json'), 'utf8'));
    expect(manifest.mergedFrom).toEqual(['shard-0-of-4', 'shard-1-of-4', 'shard-2-of-4', 'shard-3-of-4']);
    expect(manifest.shard).toBeUndefined();
    // merging again (e.g. a retried merge step) gives the same bytes
    const again = cli(['merge', ...[0, 1, 2, 3].map((k) => path.join(runDir, `shard-${k}-of-4`)), '--no-report', '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(await readFile(path.join(runDir, 'results.csv'), 'utf8')).toBe(reference);
    // a restarted shard (a scheduler retry) finds its folder and does nothing twice
    const retry = cli(['run', file, '--shard', '1/4', '--out', dir, '--run-id', 'sh', '--quiet']);
    expect(retry.code, retry.err).toBe(0);
  }, 240_000);

  it('refuses a missing, duplicated, unfinished or foreign shard, with the reason', async () => {
    for (let k = 0; k < 2; k++) expect(cli(['run', file, '--shard', `${k}/2`, '--out', dir, '--run-id', 'two', '--quiet']).code).toBe(0);
    const two = path.join(dir, 'small', 'two');
    const s0 = path.join(two, 'shard-0-of-2');
    const s1 = path.join(two, 'shard-1-of-2');

    let r = cli(['merge', s0]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shard 1 of 2 missing/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace

    r = cli(['merge', s0, s0, s1]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shard 0\/2 is given twice/);

    // a shard of another experiment (different costs) into another run
    const other = path.join(path.dirname(file), 'other.json');
    await writeFile(other, JSON.stringify(smallExperiment({ costs: { feeBps: 30 } })));
    expect(cli(['run', other, '--shard', '1/2', '--out', dir, '--run-id', 'foreign', '--quiet']).code).toBe(0);
    r = cli(['merge', s0, path.join(dir, 'small', 'foreign', 'shard-1-of-2'), '--out', path.join(dir, 'mixed')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does not belong with .*experiment .* changed between the shards/);

    // different n
    expect(cli(['run', file, '--shard', '1/3', '--out', dir, '--run-id', 'three', '--quiet']).code).toBe(0);
    r = cli(['merge', s0, path.join(dir, 'small', 'three', 'shard-1-of-3'), '--out', path.join(dir, 'mixed')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/every shard must use the same n|does not belong/);

    // an unfinished shard: its journal lost its second half
    const cut = path.join(dir, 'cut');
    await cp(two, cut, { recursive: true });
    const j = path.join(cut, 'shard-1-of-2', 'journal.bin');
    const size = (await readFile(j)).length;
    await truncate(j, Math.floor(size / 2));
    r = cli(['merge', cut]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shard 1\/2 .* is not finished \(\d+ of 136 configurations\); finish it with .*--resume/);
    // …and once resumed, the merge is whole again
    expect(cli(['run', file, '--resume', path.join(cut, 'shard-1-of-2'), '--quiet']).code).toBe(0);
    r = cli(['merge', cut, '--no-report', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(await readFile(path.join(cut, 'results.csv'), 'utf8')).toBe(reference);

    // --shard without --run-id cannot meet its siblings
    r = cli(['run', file, '--shard', '0/2', '--out', dir]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/needs --run-id/);
    await rm(cut, { recursive: true, force: true });
  }, 240_000);
});
