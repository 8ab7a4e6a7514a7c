/**
 * The report's rows from the binary journal(s) and ranks.bin (issue 12 item 4) against the same
 * rows parsed from results.csv: on real run folders written by the CLI — with failed
 * configurations and ranks from the robust selection, and a merged run whose journals are in its
 * shard folders — both sources give a deep-equal report input (digest, rows, series) and the same
 * page, byte for byte. A folder whose journal or ranks.bin is gone, or whose results.csv was
 * edited after the run, is read from results.csv, and the page shows the edit. The digest a run
 * makes on its own thread while it writes results.csv is the one read back from either source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReportInput, type ReadOptions } from '../../src/report/fromRun.js';
import { startRunReport, writeRunReport } from '../../src/report/run-report.js';
import { runExperiment } from '../../src/runner/run.js';
import { prepareReport, renderHtml } from '../../src/report/index.js';
import type { ReportInput } from '../../src/report/types.js';
import { splitCsvLine } from '../../src/results/table.js';
import { ROOT, smallExperiment, writeExperiment } from '../runner/fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function cli(args: string[], env: Record<string, string> = {}): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  expect(r.status, r.stderr).toBe(0);
}

const exp = smallExperiment({
  name: 'jr',
  data: { file: path.join(ROOT, 'data/etf_daily_adjclose_1993_2023.csv'), start: '2016-01-01', end: '2019-12-31' },
  scoreWeights: { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 },
});

/** The report input from one source, and which source was read (with the reason for the csv). */
async function build(dir: string, source: ReadOptions['source']): Promise<{ input: ReportInput; read: string; why?: string; html: string }> {
  let read = '';
  let why: string | undefined;
  const input = await buildReportInput(dir, {
    source,
    onSource: (s, w) => {
      read = s;
      why = w;
    },
  });
  return { input, read, why, html: renderHtml(input, prepareReport(input)) };
}

/** results.csv by column name, as text cells. */
async function csvRows(dir: string): Promise<Record<string, string>[]> {
  const lines = (await readFile(path.join(dir, 'results.csv'), 'utf8')).trimEnd().split('\n');
  const head = splitCsvLine(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(splitCsvLine(l).map((c, i) => [head[i], c])));
}

let parent: string;
let plain: string;
let merged: string;

beforeAll(async () => {
  const robust = { ...exp, robustness: { kind: 'block-bootstrap', paths: 8, blockLength: 10, seed: 3 } };
  let file: string;
  ({ dir: parent, file } = await writeExperiment(robust));
  // two configurations fail in the worker: their rows carry the message and no metrics
  cli(['run', file, '--out', parent, '--run-id', 'plain', '--workers', '2', '--no-report'], { REBALANCE_LAB_FAULTS: 'throw:3,17' });
  plain = path.join(parent, 'jr', 'plain');
  const shardFile = path.join(parent, 'shards.json');
  await writeFile(shardFile, JSON.stringify(exp));
  for (const k of [0, 1]) cli(['run', shardFile, '--out', parent, '--run-id', 'sh', '--shard', `${k}/2`, '--workers', '1', '--quiet']);
  merged = path.join(parent, 'jr', 'sh');
  cli(['merge', merged, '--no-report', '--quiet']);
}, 240_000);

describe('report rows from the journal', () => {
  it('a run: the same report input and the same page as from results.csv (failures, robust ranks)', async () => {
    expect(existsSync(path.join(plain, 'ranks.bin'))).toBe(true);
    const j = await build(plain, 'auto');
    const c = await build(plain, 'csv');
    expect(j.read).toBe('journal');
    expect(c.read).toBe('csv');
    expect(j.input.digest).toEqual(c.input.digest);
    expect(j.input).toEqual(c.input);
    expect(j.html === c.html).toBe(true);
    // the counts, worked out from results.csv's cells
    const rows = (await csvRows(plain)).filter((r) => /^\d+$/.test(r.id));
    const d = j.input.digest!;
    expect(d.configs).toBe(rows.length);
    expect(d.failed).toBe(2);
    expect(rows.filter((r) => r.error !== '').map((r) => r.id)).toEqual(['3', '17']);
    expect(d.feasible).toBe(rows.filter((r) => r.feasible === '1').length);
    expect(d.pareto).toBe(rows.filter((r) => r.pareto === '1').length);
    expect(d.top.map((r) => r.id)).toEqual(
      rows
        .filter((r) => r.rank !== '')
        .sort((a, b) => Number(a.rank) - Number(b.rank))
        .slice(0, d.top.length)
        .map((r) => r.id),
    );
    expect(d.baselines.map((r) => r.id)).toEqual((await csvRows(plain)).filter((r) => !/^\d+$/.test(r.id)).map((r) => r.id));
  });

  it('a merged run reads the journals in its shard folders: the same input and page as from results.csv', async () => {
    const j = await build(merged, 'journal');
    const c = await build(merged, 'csv');
    expect(j.read).toBe('journal');
    expect(j.input).toEqual(c.input);
    expect(j.html === c.html).toBe(true);
  });

  it('falls back to results.csv, saying why, when ranks.bin or the journal is gone or results.csv was edited', async () => {
    const dir = merged;
    // no ranks.bin (a run written before it existed)
    const ranks = await readFile(path.join(dir, 'ranks.bin'));
    await rm(path.join(dir, 'ranks.bin'));
    const older = await build(dir, 'auto');
    expect([older.read, older.why]).toEqual(['csv', 'no ranks.bin']);
    await writeFile(path.join(dir, 'ranks.bin'), ranks);

    // a shard's journal gone
    const shardJournal = path.join(dir, 'shard-1-of-2', 'journal.bin');
    const journal = await readFile(shardJournal);
    await rm(shardJournal);
    const gone = await build(dir, 'auto');
    expect([gone.read, gone.why]).toEqual(['csv', 'the journal shard-1-of-2/journal.bin is gone']);
    await expect(buildReportInput(dir, { source: 'journal' })).rejects.toThrow(
      /cannot read the rows from the journal: the journal shard-1-of-2\/journal\.bin is gone/,
    );
    await writeFile(shardJournal, journal);
    expect((await build(dir, 'auto')).read).toBe('journal');

    // an edit by hand: the tracking error of the rank-1 configuration; the report follows the csv
    const csvFile = path.join(dir, 'results.csv');
    const lines = (await readFile(csvFile, 'utf8')).split('\n');
    const head = splitCsvLine(lines[0]);
    const [te, rank] = [head.indexOf('trackingError'), head.indexOf('rank')];
    const at = lines.findIndex((l, i) => i > 0 && splitCsvLine(l)[rank] === '1');
    const cells = splitCsvLine(lines[at]);
    cells[te] = '0.123456';
    lines[at] = cells.join(',');
    await writeFile(csvFile, lines.join('\n'));
    const edited = await build(dir, 'auto');
    expect([edited.read, edited.why]).toEqual(['csv', 'results.csv changed after ranks.bin was written']);
    expect(edited.input.digest!.top[0].id).toBe(cells[0]);
    expect(edited.input.digest!.top[0].metrics.trackingError).toBe(0.123456);
  });
});

describe("the report's digest made while results.csv is written", () => {
  it('is the digest read back from the journal and from results.csv (failures, constraints, robust ranks)', async () => {
    const { dir, file } = await writeExperiment({
      ...exp,
      name: 'jd',
      constraints: ['rebalancesPerYear <= 12'],
      robustness: { kind: 'block-bootstrap', paths: 8, blockLength: 10, seed: 3 },
    });
    const made: { digested?: unknown; started: number } = { started: 0 };
    const before = process.env.REBALANCE_LAB_FAULTS;
    process.env.REBALANCE_LAB_FAULTS = 'throw:5,40';
    try {
      await runExperiment({
        experiment: file,
        out: dir,
        runId: 'r',
        workers: 2,
        quiet: true,
        startReport: async (d, rows) => {
          made.started++;
          return startRunReport(d, rows);
        },
        writeReport: async (d, digested) => {
          made.digested = digested;
          return path.join(d, 'report.html');
        },
      });
    } finally {
      if (before === undefined) delete process.env.REBALANCE_LAB_FAULTS;
      else process.env.REBALANCE_LAB_FAULTS = before;
    }
    expect(made.started).toBe(1);
    // the worker's digest arrived (not the fallback that reads the rows after the write)
    expect(made.digested).toBeDefined();
    const run = path.join(dir, 'jd', 'r');
    const j = await build(run, 'journal');
    const c = await build(run, 'csv');
    // the report input (and page) from the handed-over digest is the one read back from the folder
    const fed = await buildReportInput(run, { digested: made.digested as NonNullable<ReportInput['digest']> });
    expect(fed.digest).toEqual(j.input.digest);
    expect(fed.digest).toEqual(c.input.digest);
    expect(fed).toEqual(j.input);
    expect(renderHtml(fed, prepareReport(fed)) === j.html).toBe(true);
    const d = j.input.digest!;
    expect(d.failed).toBe(2);
    expect(d.feasible).toBeGreaterThan(0);
    expect(d.feasible).toBeLessThan(d.configs - d.failed);
    expect(d.pareto).toBeGreaterThan(0);
  }, 120_000);

  it('a digest thread that fails, or does not start, leaves the report to read the rows: the run still writes its page', async () => {
    const { dir, file } = await writeExperiment({ ...exp, name: 'jf' });
    for (const [runId, startReport] of [
      ['failed', async () => ({ digest: Promise.reject(new Error('planted')), stop: async () => {} })],
      ['unstarted', async () => Promise.reject(new Error('planted'))],
    ] as const) {
      const handed: unknown[] = [];
      const r = await runExperiment({
        experiment: file,
        out: dir,
        runId,
        workers: 1,
        quiet: true,
        startReport,
        writeReport: async (d, digested) => {
          handed.push(digested);
          return writeRunReport(d, digested);
        },
      });
      expect(handed).toEqual([undefined]);
      expect(r.report).toBeDefined();
      // the page was built from the folder's rows (the same rows the cases above check)
      const page = await readFile(path.join(dir, 'jf', runId, 'report.html'), 'utf8');
      expect(page).toContain('<h1>jf</h1>');
    }
  }, 120_000);
});
