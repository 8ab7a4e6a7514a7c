/** `run` and `report` commands. */
import path from 'node:path';
import { runExperiment, type RunOptions } from '../runner/run.js';
import { formatLeaderboard } from '../results/leaderboard.js';

export async function runCommand(o: RunOptions & { json?: boolean }): Promise<void> {
  const ac = new AbortController();
  const onSig = (): void => {
    process.stderr.write('\nstopping: finishing the batches in flight…\n');
    ac.abort();
  };
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  let r;
  try {
    r = await runExperiment({ ...o, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
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
