/**
 * Issue 14 on the command line: the plan before every run, --dry-run, the refusal above 10
 * million configurations without --yes, the window warnings, phase timings, Ctrl-C while the
 * report is written, --version, help that reads at 80 columns.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, ETF, writeExperiment } from '../runner/fixture.js';
import { N_METRICS } from '../../src/kernel/metrics.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');
function cli(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The dates of the ETF file on or after `from` in which SPY and TLT both have a price (read independently of the loader). */
function etfDates(from: string): string[] {
  const lines = readFileSync(ETF, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const spy = head.indexOf('SPY');
  const tlt = head.indexOf('TLT');
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((c) => c[0] >= from && c[spy] !== '' && c[tlt] !== '')
    .map((c) => c[0]);
}

const SIXTY_FORTY = {
  name: 'sixty-forty',
  data: { file: ETF, start: '2007-04-10', end: '2012-12-31' },
  targets: { SPY: 0.6, TLT: 0.4 },
  space: { bands: { relative: { width: [0.1, 0.25] }, volatility: { width: [1], lookback: [250] } }, check: ['monthly'] },
};

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'rl-plan-'));
});

describe('the plan and --dry-run', () => {
  it('every run prints the plan first; --dry-run stops there, exit 0, nothing written', async () => {
    const { file } = await writeExperiment(SIXTY_FORTY);
    const r = cli(['run', file, '--out', out, '--dry-run']);
    expect(r.code, r.err).toBe(0);
    // 2 relative widths + 1 volatility = 3 configurations
    expect(r.err).toMatch(
      /^plan: sixty-forty: 3 configurations on \d+ workers?\n {2}estimated sweep time: .+ \(.+ ms per configuration, timed on 3 of them here\)\n {2}journal\.bin ~.+, results\.csv ~.+\n/,
    );
    expect(r.err).toContain('dry run: nothing computed or written');
    expect(existsSync(path.join(out, 'sixty-forty'))).toBe(false);
    expect(r.out).toBe('');
  }, 60_000);

  // absolute: 10,000 widths × 100 cooldowns × 6 schedules × 2 modes = 12,000,000 configurations
  const HUGE = {
    name: 'huge',
    data: { file: ETF, start: '2015-01-01', end: '2016-12-31' },
    targets: { SPY: 0.6, TLT: 0.4 },
    space: {
      bands: { absolute: { width: { from: 0.0001, to: 1, step: 0.0001 } } },
      check: ['daily', 'weekly', 'monthly', 'quarterly', 'yearly', 10],
      mode: ['target', 'edge'],
      cooldown: { from: 0, to: 99, step: 1 },
    },
  };

  it('a 12-million-configuration grid is refused without --yes: exit 2, how to shrink it, nothing written', async () => {
    const { file } = await writeExperiment(HUGE);
    const r = cli(['run', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('plan: huge: 12,000,000 configurations');
    expect(r.err).toContain('refused to start: 12,000,000 configurations is over 10,000,000');
    expect(r.err).toContain('search: { kind: "random", samples: 100000 }');
    expect(r.err).toContain('add --yes');
    expect(r.err).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(existsSync(path.join(out, 'huge'))).toBe(false);
  }, 60_000);

  it('accepted with --yes (as a dry run: nothing computed)', async () => {
    const { file } = await writeExperiment(HUGE);
    const r = cli(['run', file, '--out', out, '--yes', '--dry-run']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('12,000,000 configurations');
    // 12e6 rows × N_METRICS float64s (+ 22 bytes a batch) of journal, in GB to one decimal
    expect(r.err).toContain(`journal.bin ~${((12e6 * N_METRICS * 8) / 1e9).toFixed(1)} GB`);
    expect(existsSync(path.join(out, 'huge'))).toBe(false);
  }, 60_000);

  it('--dry-run --json prints the plan as JSON on stdout', async () => {
    const { file } = await writeExperiment(HUGE);
    const r = cli(['run', file, '--out', out, '--dry-run', '--json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.dryRun).toBe(true);
    expect(j.plan.configurations).toBe(12_000_000);
    expect(j.plan.over).toContain('over 10,000,000');
  }, 60_000);
});

describe('say what changed: window warnings', () => {
  it('a 250-period lookback moves the evaluation start, and says so (stderr and manifest)', async () => {
    const { file } = await writeExperiment(SIXTY_FORTY);
    const dates = etfDates('2007-04-10');
    expect(dates[0]).toBe('2007-04-10');
    const r = cli(['run', file, '--out', out, '--run-id', 'lb', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(out, 'sixty-forty', 'lb', 'manifest.json'), 'utf8'));
    expect(manifest.data.windowStart).toBe(dates[250]);
    expect(manifest.warnings).toEqual([
      `the evaluation starts on ${dates[250]}, not 2007-04-10: the first 250 rows warm up the longest lookback in the space (250 periods)`,
    ]);
    // the report shows it in its Data table
    const html = readFileSync(path.join(out, 'sixty-forty', 'lb', 'report.html'), 'utf8');
    expect(html).toContain(`<th>window note</th><td>the evaluation starts on ${dates[250]}, not 2007-04-10`);
    const loud = cli(['run', file, '--out', out, '--dry-run']);
    expect(loud.err).toContain(`rebalance-lab: warning: the evaluation starts on ${dates[250]}, not 2007-04-10`);
  }, 60_000);

  it('--end after the data: a warning with the real end', () => {
    const last = etfDates('2023-01-01').at(-1);
    const r = cli(['backtest', '--data', ETF, '--weights', 'SPY=0.6,TLT=0.4', '--start', '2020-01-01', '--end', '2030-01-01']);
    expect(r.code, r.err).toBe(0);
    // 2020-01-01 is a holiday: starting on the next trading day is not worth a warning
    expect(r.err).toBe(`rebalance-lab: warning: --end 2030-01-01 is after the data: ${ETF} ends on ${last}, so the window ends on ${last}\n`);
  }, 60_000);

  it('an asset that starts later moves the common start, and says which', () => {
    const r = cli(['backtest', '--data', ETF, '--weights', 'SPY=0.6,GLD=0.4', '--start', '2000-01-01', '--end', '2006-12-31']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /^rebalance-lab: warning: the window starts on 2004-11-18, not 2000-01-01: GLD has no price before 2004-11-18 \(common start of the assets\)\n$/,
    );
  }, 60_000);
});

describe('phase timings and Ctrl-C while the report is written', () => {
  const SMALL = {
    ...SIXTY_FORTY,
    name: 'small-report',
    data: { file: ETF, start: '2015-01-01', end: '2016-12-31' },
    space: { bands: { relative: { width: [0.1, 0.25] } } },
  };

  it('the manifest books the time by phase: load, plan, sweep, write, validation, robustness (the bootstrap is not "write"), report', async () => {
    const { file } = await writeExperiment({
      ...SMALL,
      validation: { split: '2016-01-01' },
      robustness: { kind: 'block-bootstrap', paths: 3, blockLength: 5 },
    });
    const r = cli(['run', file, '--out', out, '--run-id', 'timed', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(readFileSync(path.join(out, 'small-report', 'timed', 'manifest.json'), 'utf8'));
    expect(Object.keys(m.timings).sort()).toEqual(['load', 'plan', 'report', 'robustness', 'sweep', 'total', 'validation', 'write']);
    const parts = m.timings.load + m.timings.plan + m.timings.sweep + m.timings.write + m.timings.validation + m.timings.robustness + m.timings.report;
    expect(parts).toBeLessThanOrEqual(m.timings.total + 1e-6);
  }, 60_000);

  it('Ctrl-C during the report: a clear message, exit 130, and a run that --resume finishes', async () => {
    const { file } = await writeExperiment(SMALL);
    const r = cli(['run', file, '--out', out, '--run-id', 'cut'], { REBALANCE_LAB_FAULTS: 'sigint:report' });
    const dir = path.join(out, 'small-report', 'cut');
    const rel = path.relative(ROOT, dir);
    expect(r.code).toBe(130);
    expect(r.err).toContain(
      `rebalance-lab: stopped while writing the report: every configuration is computed and kept in ${rel}; finish the run with \`rebalance-lab run ${file} --resume ${rel}\``,
    );
    expect(existsSync(path.join(dir, 'report.html'))).toBe(false);
    // the exit released the run folder's lock: the resume finds the folder free (no take-over note)
    expect(existsSync(path.join(dir, 'run.lock'))).toBe(false);
    const results = readFileSync(path.join(dir, 'results.csv'));
    const again = cli(['run', file, '--resume', dir, '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).not.toContain('took over the lock');
    expect(existsSync(path.join(dir, 'report.html'))).toBe(true);
    expect(readFileSync(path.join(dir, 'results.csv')).equals(results)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 90_000);

  it('a resume refusal lists the fields that changed', async () => {
    const { file } = await writeExperiment(SMALL);
    expect(cli(['run', file, '--out', out, '--run-id', 'changed', '--quiet', '--no-report']).code).toBe(0);
    const { file: file2 } = await writeExperiment({ ...SMALL, costs: { feeBps: 10 }, space: { bands: { relative: { width: [0.1, 0.3] } } } });
    const r = cli(['run', file2, '--resume', path.join(out, 'small-report', 'changed'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'changed since the run started: costs.feeBps (0 → 10), space.bands.relative.width ([0.1,0.25] → [0.1,0.3]); start a new run instead',
    );
  }, 60_000);
});

describe('--version and help', () => {
  it('--version prints the version in package.json', { timeout: 30_000 }, () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  for (const cmd of [['run'], ['backtest'], ['merge'], ['report'], ['data', 'inspect'], ['init']])
    it(`${cmd.join(' ')} --help: every line fits 80 columns, every option is described, examples are whole`, { timeout: 30_000 }, () => {
      const r = cli([...cmd, '--help'], { COLUMNS: '80' });
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
      // an option line with nothing between the flag and its [type] has no description
      for (const l of lines) expect(l, l).not.toMatch(/^\s+(-\w, )?--[\w-]+\s{2,}\[(string|number|boolean)\]/);
      for (const l of lines) expect(l, l).not.toMatch(/^\s+[a-z]+\s{2,}\[(string|number|boolean)\]( \[required\])?$/); // a positional without a description
      // an example command ends with a backslash when continued, never mid-flag
      const ex = lines.slice(lines.indexOf('Examples:') + 1).filter((l) => l.startsWith('    '));
      expect(ex.length).toBeGreaterThan(0);
      for (const l of ex) expect(l.trimEnd(), l).toMatch(/(^ {4}rebalance-lab .*|^ {6}--?\S.*)( \\)?$/);
    });
});
