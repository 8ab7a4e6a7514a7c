/**
 * The Slurm recipe, for real (issue 15; slow tier): a one-node cluster on localhost
 * (test/slurm/cluster.sh: munged, slurmctld, slurmd; proctrack/linuxproc, no cgroups; as root)
 * runs deploy/slurm/sweep.sbatch as a job array and deploy/slurm/merge.sbatch with
 * --dependency=afterok; the merged results.csv must be byte-identical to a local run. Then one
 * array task is killed (SIGKILL) in the middle of its sweep, resubmitted alone with the same
 * RUN_ID, the merge queued after it, and the result checked again.
 *
 * Never skipped: without the Debian packages slurm-wlm and munge (.ci/run installs them) or
 * without root, it fails and says what is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, smallExperiment, writeExperiment, LONG_SPACE } from '../runner/fixture.js';

const CLUSTER = path.join(ROOT, 'test/slurm/cluster.sh');
const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
const SHARDS = 4;

let state: string;
let env: NodeJS.ProcessEnv;
let file: string;
let out: string;
let reference: string;

// 753 configurations (kill.test.ts works the count out), small batches: a shard runs long
// enough to be killed in the middle
const EXP = smallExperiment({
  name: 'slurmy',
  space: LONG_SPACE,
});

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
}

/** sbatch with the recipe's own script; returns the job id. */
function sbatch(args: string[]): string {
  return sh('sbatch', ['--parsable', ...args])
    .trim()
    .split(';')[0];
}

/** The state of every job with this id (array tasks included), from scontrol. */
function jobStates(jid: string): string[] {
  const r = spawnSync('scontrol', ['show', 'job', jid, '-o'], { env, encoding: 'utf8' });
  return [...r.stdout.matchAll(/JobState=(\S+)/g)].map((m) => m[1]);
}

const DONE = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE']);

/** Wait (bounded) until every job of `jid` has ended; returns the states. */
async function waitJob(jid: string, ms = 240_000): Promise<string[]> {
  const t0 = Date.now();
  for (;;) {
    const s = jobStates(jid);
    if (s.length > 0 && s.every((x) => DONE.has(x))) return s;
    if (Date.now() - t0 > ms) throw new Error(`job ${jid} still not done after ${ms / 1000} s: ${s.join(', ')}; squeue:\n${sh('squeue', [])}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function log(f: string): Promise<string> {
  return existsSync(f) ? readFile(f, 'utf8') : `(no ${f})`;
}

beforeAll(async () => {
  state = await mkdtemp(path.join(os.tmpdir(), 'rl-slurm-'));
  const r = spawnSync('bash', [CLUSTER, 'start', state], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the Slurm cluster did not start: ${r.stderr || r.stdout}`);
  env = { ...process.env, SLURM_CONF: path.join(state, 'slurm.conf') };
  ({ file } = await writeExperiment(EXP));
  out = path.join(state, 'out');
  const local = spawnSync(process.execPath, [BIN, 'run', file, '--out', out, '--run-id', 'local', '--no-report', '--quiet'], { cwd: ROOT, encoding: 'utf8' });
  expect(local.status, local.stderr).toBe(0);
  reference = await readFile(path.join(out, 'slurmy', 'local', 'results.csv'), 'utf8');
}, 240_000);

afterAll(() => {
  if (state) spawnSync('bash', [CLUSTER, 'stop', state]);
});

/** The settings the recipes read from the environment, for this experiment. */
function recipeEnv(runId: string, rlArgs = '--batch-size 2'): string {
  return `ALL,OUT=${out},RUN_ID=${runId},EXPERIMENT=${file},SHARDS=${SHARDS},EXP_NAME=slurmy,WORKERS=1,RL_ARGS=${rlArgs}`;
}

/** sbatch flags that fit a small node (they override the recipe's #SBATCH lines). */
const SMALL = ['--cpus-per-task=1', '--mem=1G', '--time=00:10:00'];

describe('deploy/slurm on a real one-node cluster', () => {
  it('array + merge with --dependency=afterok: results.csv byte-identical to a local run', async () => {
    const logs = path.join(state, 'logs-a');
    sh('mkdir', ['-p', logs]);
    const jid = sbatch([...SMALL, `--array=0-${SHARDS - 1}`, `--output=${logs}/sweep-%A_%a.log`, `--export=${recipeEnv('arr1')}`, 'deploy/slurm/sweep.sbatch']);
    const mid = sbatch([
      ...SMALL,
      `--dependency=afterok:${jid}`,
      `--output=${logs}/merge-%j.log`,
      `--export=${recipeEnv('arr1', '--no-report')}`,
      'deploy/slurm/merge.sbatch',
    ]);
    const sweep = await waitJob(jid);
    expect(sweep, await log(`${logs}/sweep-${jid}_0.log`)).toEqual(Array(SHARDS).fill('COMPLETED'));
    expect(await waitJob(mid), await log(`${logs}/merge-${mid}.log`)).toEqual(['COMPLETED']);
    expect(await readFile(path.join(out, 'slurmy', 'arr1', 'results.csv'), 'utf8')).toBe(reference);
  }, 300_000);

  it('a task killed mid-run, resubmitted alone with the same RUN_ID, then merged: the same bytes', async () => {
    const logs = path.join(state, 'logs-b');
    sh('mkdir', ['-p', logs]);
    // task 2 pauses 100 ms on each of its configurations after its first 40 (ids 2 + 4j, j ≥ 40:
    // 148 × 0.1 s ≈ 15 s), so it is surely still running when it is killed; a fast machine
    // could otherwise finish its 188 configurations between the journal check and the kill
    const slow = `slow:${Array.from({ length: 188 - 40 }, (_, j) => 2 + 4 * (40 + j)).join(',')}`;
    // (given through the submitter's environment, which --export=ALL passes on: the id list has commas)
    const jid = execFileSync(
      'sbatch',
      ['--parsable', ...SMALL, `--array=0-${SHARDS - 1}`, `--output=${logs}/sweep-%A_%a.log`, `--export=${recipeEnv('arr2')}`, 'deploy/slurm/sweep.sbatch'],
      { cwd: ROOT, env: { ...env, REBALANCE_LAB_FAULTS: slow }, encoding: 'utf8' },
    )
      .trim()
      .split(';')[0];
    // kill task 2 as soon as its journal holds a few records (SIGKILL: no clean-up, the lock stays)
    const journal = path.join(out, 'slurmy', 'arr2', `shard-2-of-${SHARDS}`, 'journal.bin');
    const t0 = Date.now();
    while (!(existsSync(journal) && statSync(journal).size > 2000)) {
      if (Date.now() - t0 > 240_000) throw new Error(`task 2 never started writing ${journal}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    sh('scancel', ['--signal=KILL', '--full', `${jid}_2`]);
    const states = await waitJob(jid);
    expect(states.filter((s) => s === 'COMPLETED').length).toBe(SHARDS - 1);
    const manifest = JSON.parse(await readFile(path.join(path.dirname(journal), 'manifest.json'), 'utf8')) as { completedAt?: string };
    expect(manifest.completedAt, 'task 2 was killed before it finished').toBeUndefined();
    // resubmit index 2 alone; merge after it
    const again = sbatch([...SMALL, '--array=2', `--output=${logs}/retry-%A_%a.log`, `--export=${recipeEnv('arr2')}`, 'deploy/slurm/sweep.sbatch']);
    const mid = sbatch([
      ...SMALL,
      `--dependency=afterok:${again}`,
      `--output=${logs}/merge-%j.log`,
      `--export=${recipeEnv('arr2', '--no-report')}`,
      'deploy/slurm/merge.sbatch',
    ]);
    expect(await waitJob(again), await log(`${logs}/retry-${again}_2.log`)).toEqual(['COMPLETED']);
    expect(await waitJob(mid), await log(`${logs}/merge-${mid}.log`)).toEqual(['COMPLETED']);
    expect(await log(`${logs}/retry-${again}_2.log`)).toMatch(/resume: \d+ of 188 configurations already done/);
    expect(await readFile(path.join(out, 'slurmy', 'arr2', 'results.csv'), 'utf8')).toBe(reference);
  }, 300_000);
});
