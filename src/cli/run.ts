/** `run` and `report` commands. */
import path from 'node:path';
import { UserError } from '../errors.js';
import { runExperiment, type RunOptions, type RunResult, type Shard } from '../runner/run.js';
import { formatLeaderboard } from './leaderboard.js';
import type { Phase } from '../runner/events.js';
import type { DigestStart, RunRows } from '../results/journal-rows.js';

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
    if (v === undefined || v === '')
      throw new UserError(`--shard-from-env ${fromEnv}: the environment variable ${m[1]} is not set; set it to this shard's index 0 … ${Number(m[2]) - 1}`);
    if (!/^\d+$/.test(v.trim())) throw new UserError(`--shard-from-env ${fromEnv}: ${m[1]}="${v}" is not a whole number`);
    if (Number(v.trim()) >= Number(m[2]))
      throw new UserError(
        `--shard-from-env ${fromEnv}: ${m[1]}=${v.trim()} is not a shard index 0 … ${Number(m[2]) - 1}; make n match the job's size (completions / array length)`,
      );
    return parseShard(`${v.trim()}/${m[2]}`, undefined);
  }
  return undefined;
}

/** A flag's text as a whole number (checked for range by the run); anything else is a UserError quoting it. */
export function parseWhole(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = String(raw).trim();
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t))
    throw new UserError(`${flag} ${JSON.stringify(String(raw)).slice(0, 40)}: expected a whole number, e.g. ${flag} 4`);
  return Number(t);
}

/** What the run is doing in each phase after the sweep, for the Ctrl-C message. */
const DOING: Partial<Record<Phase, string>> = {
  write: 'writing results.csv',
  validation: 'validating out of sample',
  robustness: 'resampling histories (robustness)',
  report: 'writing the report',
};

export async function runCommand(o: RunOptions & { experiment: string; json?: boolean }): Promise<void> {
  const ac = new AbortController();
  let phase: Phase = 'load';
  let dir = '';
  const onSig = (): void => {
    const doing = DOING[phase];
    if (doing === undefined && !ac.signal.aborted) {
      // loading or sweeping: the sweep keeps its finished batches and stops with a resume hint
      process.stderr.write('\nstopping: finishing the batches in flight… (Ctrl-C again to stop at once)\n');
      ac.abort();
      return;
    }
    if (doing === undefined) {
      // a second Ctrl-C: every finished batch is already in the journal (appended as it finished)
      const rel = path.relative(process.cwd(), dir) || dir;
      if (phase === 'load' || phase === 'plan' || !dir) {
        process.stderr.write('\nrebalance-lab: stopped before the sweep started; nothing was computed\n');
        process.exit(130);
      }
      process.stderr.write(
        `\nrebalance-lab: stopped at once; the finished batches are kept in ${rel}; finish with \`rebalance-lab run ${o.experiment} --resume ${rel}\`\n`,
      );
      process.exit(130);
    }
    // after the sweep every configuration is in the journal and every file is written atomically:
    // stop now, and the resume finishes the results, the analyses and the report
    const rel = path.relative(process.cwd(), dir) || dir;
    process.stderr.write(
      `\nrebalance-lab: stopped while ${doing}: every configuration is computed and kept in ${rel}; ` +
        `finish the run with \`rebalance-lab run ${o.experiment} --resume ${rel}\`\n`,
    );
    process.exit(130);
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  let r: RunResult;
  try {
    r = await runExperiment({
      ...o,
      signal: ac.signal,
      writeReport: writeRunReport,
      startReport: startRunReport,
      onProgress: (e) => {
        phase = e.phase;
        if (e.phase === 'plan') dir = e.dir;
      },
    });
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  const rel = path.relative(process.cwd(), r.dir) || r.dir;
  if (r.dryRun) {
    if (o.json) process.stdout.write(JSON.stringify({ dryRun: true, dir: rel, plan: r.plan, warnings: r.warnings ?? [] }) + '\n');
    return;
  }
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
  let report: string | null = r.report ?? null;
  if (!o.noReport && report === null) report = await reportCommand(r.dir, true);
  const rel = path.relative(process.cwd(), r.dir) || r.dir;
  if (o.json) {
    const sel = r.selection;
    process.stdout.write(
      JSON.stringify({
        dir: rel,
        results: path.join(rel, 'results.csv'),
        selection: path.join(rel, 'selection.json'),
        report,
        size: r.space.size,
        failed: r.failures.size,
        seconds: r.seconds,
        warnings: r.warnings ?? [],
        // the same pick as results.csv (rank 1, selection "pick"), the leaderboard and the page
        pick: sel?.pickConfig ?? null,
        rule: sel?.rule.text ?? null,
        scoreText: sel?.scoreText ?? null,
        indistinguishable: sel ? sel.indistinguishable.length : null,
        simplest: sel?.simplest ?? null,
        pbo: sel?.pbo ?? null,
      }) + '\n',
    );
    return;
  }
  if (!o.quiet) {
    process.stdout.write('\n' + formatLeaderboard(r) + '\n');
    process.stdout.write(`results: ${path.join(rel, 'results.csv')}\n`);
    if (report) process.stdout.write(`report:  ${report}\n`);
  }
}

/** `merge`: shard runs into one run, its leaderboard and report. */
export async function mergeCommand(o: {
  dirs: string[];
  out?: string;
  breakLock?: boolean;
  noReport?: boolean;
  quiet?: boolean;
  json?: boolean;
}): Promise<void> {
  const { mergeRuns } = await import('../runner/merge.js');
  const r = await mergeRuns({ dirs: o.dirs, out: o.out, quiet: o.quiet, breakLock: o.breakLock });
  await printRun(r, o);
}

/** The report's digest of a run's rows, started while results.csv is written (RunOptions.startReport). */
async function startRunReport(dir: string, rows: RunRows): Promise<DigestStart | null> {
  return (await import('../report/run-report.js')).startRunReport(dir, rows);
}

/** Build and write report.html for a run folder (`digested`: the digest the run made of its rows); returns the file's absolute path. */
export async function writeRunReport(dir: string, digested?: unknown): Promise<string> {
  return (await import('../report/run-report.js')).writeRunReport(dir, digested);
}

/** Rebuild report.html from a run folder; returns its path. */
export async function reportCommand(dir: string, quiet = false): Promise<string> {
  const file = await writeRunReport(dir);
  const rel = path.relative(process.cwd(), file) || file;
  if (!quiet) process.stdout.write(`report: ${rel}\n`);
  return rel;
}
