/** `run` and `report` commands. */
import path from 'node:path';
import { UserError } from '../errors.js';
import { runExperiment, type RunOptions, type RunResult, type Shard } from '../runner/run.js';
import { formatLeaderboard } from './leaderboard.js';

/** `--shard k/n` or `--shard-from-env VAR/n` (k from the environment: Kubernetes, Slurm). */
export function parseShard(shard: string | undefined, fromEnv: string | undefined, env = process.env): Shard | undefined {
  if (shard !== undefined && fromEnv !== undefined) throw new UserError('give either --shard or --shard-from-env, not both');
  if (shard !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(shard);
    if (!m) throw new UserError(`--shard ${shard}: expected k/n, e.g. --shard 0/4 (shard 0 of 4)`);
    const k = Number(m[1]);
    const n = Number(m[2]);
    if (n < 1 || k >= n) throw new UserError(`--shard ${shard}: k must be 0 … n−1 and n ≥ 1, e.g. --shard 3/4`);
    return { k, n };
  }
  if (fromEnv !== undefined) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\/\s*(\d+)\s*$/.exec(fromEnv);
    if (!m) throw new UserError(`--shard-from-env ${fromEnv}: expected VAR/n, e.g. --shard-from-env JOB_COMPLETION_INDEX/4`);
    const v = env[m[1]];
    if (v === undefined || v === '') throw new UserError(`--shard-from-env ${fromEnv}: the environment variable ${m[1]} is not set; set it to this shard's index 0 … ${Number(m[2]) - 1}`);
    if (!/^\d+$/.test(v.trim())) throw new UserError(`--shard-from-env ${fromEnv}: ${m[1]}="${v}" is not a whole number`);
    if (Number(v.trim()) >= Number(m[2]))
      throw new UserError(`--shard-from-env ${fromEnv}: ${m[1]}=${v.trim()} is not a shard index 0 … ${Number(m[2]) - 1}; make n match the job's size (completions / array length)`);
    return parseShard(`${v.trim()}/${m[2]}`, undefined);
  }
  return undefined;
}

/** `run`: the run, then (unless noReport: --no-report) the report and the leaderboard. */
export async function runCommand(o: RunOptions & { json?: boolean; noReport?: boolean }): Promise<void> {
  const ac = new AbortController();
  const onSig = (): void => {
    process.stderr.write('\nstopping: finishing the batches in flight…\n');
    ac.abort();
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  let r: RunResult;
  try {
    r = await runExperiment({ ...o, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  const rel = path.relative(process.cwd(), r.dir) || r.dir;
  if (r.shard) {
    const { k, n } = r.shard;
    if (o.json) process.stdout.write(JSON.stringify({ dir: rel, shard: `${k}/${n}`, size: r.space.size, failed: r.failures.size, seconds: r.seconds }) + '\n');
    else if (!o.quiet)
      process.stdout.write(`shard ${k}/${n} done in ${rel} (${r.failures.size} failed); when every shard is done: rebalance-lab merge ${path.dirname(rel)}\n`);
    return;
  }
  await printRun(r, o);
}

async function printRun(r: RunResult, o: { noReport?: boolean; json?: boolean; quiet?: boolean }): Promise<void> {
  let report: string | null = null;
  if (!o.noReport) report = await reportCommand(r.dir, true);
  const rel = path.relative(process.cwd(), r.dir) || r.dir;
  if (o.json) {
    process.stdout.write(JSON.stringify({ dir: rel, results: path.join(rel, 'results.csv'), report, size: r.space.size, failed: r.failures.size, seconds: r.seconds }) + '\n');
    return;
  }
  if (!o.quiet) {
    process.stdout.write('\n' + formatLeaderboard(r) + '\n');
    process.stdout.write(`results: ${path.join(rel, 'results.csv')}\n`);
    if (report) process.stdout.write(`report:  ${report}\n`);
  }
}

/** `merge`: shard runs into one run, its leaderboard and report. */
export async function mergeCommand(o: { dirs: string[]; out?: string; noReport?: boolean; quiet?: boolean; json?: boolean }): Promise<void> {
  const { mergeRuns } = await import('../runner/merge.js');
  const r = await mergeRuns({ dirs: o.dirs, out: o.out, quiet: o.quiet });
  await printRun(r, o);
}

/** Rebuild report.html from a run folder; returns its path. */
export async function reportCommand(dir: string, quiet = false): Promise<string> {
  const { buildReportInput } = await import('../report/fromRun.js');
  const { writeReport } = await import('../report/html.js');
  const input = await buildReportInput(path.resolve(dir));
  const file = await writeReport(path.resolve(dir), input);
  const rel = path.relative(process.cwd(), file) || file;
  if (!quiet) process.stdout.write(`report: ${rel}\n`);
  return rel;
}
