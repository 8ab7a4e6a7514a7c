/**
 * Scale (design §8): a million configuration rows must give a report well under 10 MB that opens
 * quickly, because everything is aggregated in TypeScript before it is embedded; and building it
 * from a run folder must take memory that does not grow with the number of rows (results.csv is
 * streamed by src/results/reader.ts into src/report/digest.ts). Build times are printed, not asserted (they depend on the
 * machine).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportInput } from '../../src/report/fromRun.js';
import { buildReport, prepareReport, renderHtml, type ReportModel } from '../../src/report/index.js';
import { forEachRecord, readResults } from '../../src/results/reader.js';
import { RESULT_COLUMNS } from '../../src/results/table.js';
import type { ReportInput } from '../../src/report/types.js';
import { bigInput, bigManifest, bigSpace, writeBigResults, type BigCsvFacts } from './fixture.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MB = 1e6;
const fmt = (n: number) => n.toLocaleString('en-US');

describe('report size (in-memory input)', () => {
  it('1,000,000 configuration rows → HTML under 10 MB', () => {
    let t = performance.now();
    const input = bigInput(1_000_000);
    const genMs = performance.now() - t;
    expect(input.rows.length).toBe(1_000_002);

    t = performance.now();
    const html = buildReport(input);
    const buildMs = performance.now() - t;
    const bytes = Buffer.byteLength(html, 'utf8');

    const model = prepareReport(input);
    const steps = Object.entries(model.timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ');
    console.log(
      `1,000,000 rows: fixture generated in ${(genMs / 1000).toFixed(1)} s; report built in ${(buildMs / 1000).toFixed(2)} s ` +
        `(${steps}); HTML ${(bytes / 1e6).toFixed(2)} MB; scatter shows ${model.scatter.configs.length} configurations`,
    );

    expect(bytes).toBeLessThan(10_000_000);
    expect(model.sampleNote).toMatch(
      /^Showing [\d,]+ of 1,000,000 configurations: a seeded uniform random sample of 5,000, with each plot's Pareto front, the top 20/,
    );
    expect(model.scatter.configs.length).toBeLessThan(6000);
    expect(model.leaderboard.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(html).toContain('of 1,000,000 configurations');
  }, 300_000);
});

async function runDir(parent: string, name: string, n: number): Promise<{ dir: string; facts: BigCsvFacts }> {
  const dir = join(parent, name);
  await rm(dir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  const facts = await writeBigResults(join(dir, 'results.csv'), n);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(bigManifest(n)));
  return { dir, facts };
}

describe('report from a 1,000,000-row results.csv (streamed)', () => {
  let parent: string;
  let dir: string;
  let facts: BigCsvFacts;
  let input: ReportInput;
  let model: ReportModel;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'rl-report-size-'));
    const t = performance.now();
    ({ dir, facts } = await runDir(parent, 'big', 1_000_000));
    console.log(`results.csv of 1,000,000 rows written in ${((performance.now() - t) / 1000).toFixed(1)} s; front ${facts.front.length} points`);
    input = await buildReportInput(dir);
    model = prepareReport(input);
  }, 600_000);

  afterAll(async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it('builds in a separate process with a 256 MB heap cap: bounded heap and RSS, HTML under 10 MB, same page as in this process', async () => {
    // ReportRow objects for 1,000,000 rows take about 1 GB of heap: reading them whole could not run under this cap
    const child = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=256', '--import', 'tsx', 'test/report/size-child.ts', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const r = JSON.parse(child.stdout.trim().split('\n').pop() as string) as Record<string, number>;
    console.log(
      `1,000,000-row results.csv → report in a child process: read ${r.readSeconds.toFixed(1)} s, page ${r.reportSeconds.toFixed(2)} s; ` +
        `heap ${(r.heapBefore / MB).toFixed(0)} → ${(r.heapAfterRead / MB).toFixed(0)} MB after reading (after GC); ` +
        `RSS ${(r.rssBefore / MB).toFixed(0)} MB at start, peak ${(r.maxRss / MB).toFixed(0)} MB; HTML ${(r.htmlBytes / MB).toFixed(2)} MB; ${r.rows} rows kept`,
    );
    expect(r.htmlBytes).toBeLessThan(10_000_000);
    // kept: ~6,600 rows plus the price matrix and the re-run series (a few tens of MB), far from the ~1 GB of all rows
    expect(r.heapAfterRead - r.heapBefore).toBeLessThan(100 * MB);
    expect(r.maxRss - r.rssBefore).toBeLessThan(300 * MB);
    expect(r.rows).toBeLessThan(10_000);
    // deterministic: the child's page (another process, another read) is byte-identical to this one's
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html === renderHtml(input, model)).toBe(true);
  }, 600_000);

  it('counts every row exactly and says what the scatters sample', () => {
    const s = model.summary;
    expect(s.configs).toBe(1_000_000);
    expect(s.feasible).toBe(facts.feasible);
    expect(s.pareto).toBe(facts.front.length);
    expect(input.digest?.failed).toBe(facts.failed);
    expect(model.sampleNote).toBe(
      `Showing ${fmt(model.scatter.configs.length)} of 1,000,000 configurations: a seeded uniform random sample of 5,000, ` +
        `with each plot's Pareto front, the top 20 of the leaderboard and the recommended configuration always shown.`,
    );
    expect(renderHtml(input, model)).toContain('of 1,000,000 configurations');
  });

  it("the chart data holds each plot's exact 2-D front, the top 20 in rank order and the baselines of the file", () => {
    const configs = model.scatter.configs;
    const front = configs
      .filter((d) => d.f0 === true)
      .map((d) => Number(d.id))
      .sort((a, b) => a - b);
    expect(facts.front2.length).toBeGreaterThan(5);
    expect(front).toEqual(facts.front2);
    expect(model.leaderboard.map((r) => Number(r.id))).toEqual(facts.top);
    expect(model.leaderboard.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const ids = new Set(configs.map((d) => Number(d.id)));
    for (const id of facts.top) expect(ids.has(id)).toBe(true);
    expect(model.scatter.baselines.map((d) => d.id)).toEqual(['calendar-monthly', 'none']);
    // the uniform sample: 5,000 rows, each band type about a third of them (the draw does not follow the id order)
    const uniform = input.digest?.sample ?? [];
    expect(uniform.length).toBe(5000);
    for (const band of ['absolute', 'relative', 'drift']) {
      const share = uniform.filter((r) => r.params.band === band).length / uniform.length;
      expect(share, band).toBeGreaterThan(0.3);
      expect(share, band).toBeLessThan(0.37);
    }
  });

  it('parameters come from the space (config(id)), not from the cells', () => {
    const space = bigSpace(1_000_000);
    for (const r of model.leaderboard) {
      const c = space.config(Number(r.id));
      expect(r.params.band).toBe(c.band);
      expect(r.params.width).toBe(c.width);
      expect(r.params.check).toBe(c.check);
    }
  });

  it('parameter effects cover every row: exact counts, quartiles from a seeded per-bin sample, at least 10 bins per numeric parameter', () => {
    const band = input.digest?.effects.find((e) => e.param === 'band');
    const K = input.digest?.reservoir as number;
    expect(K).toBe(2048);
    for (const b of ['absolute', 'relative', 'drift']) {
      const row = band?.rows.find((r) => r.objective === 'turnover' && r.x === b);
      expect(row?.n).toBeLessThanOrEqual(facts.bandCounts[b]);
      expect(row?.n).toBeGreaterThan(facts.bandCounts[b] - facts.failed);
      const [q25, med, q75] = facts.turnoverByBand[b];
      // a quartile of 2,048 draws from ~330,000 rows: standard error about 1.25·σ/√2048 ≈ 5e-4 here (σ of turnover ≈ 0.02); 4 standard errors
      expect(Math.abs((row?.q25 as number) - q25), `${b} q25`).toBeLessThan(2e-3);
      expect(Math.abs((row?.median as number) - med), `${b} median`).toBeLessThan(2e-3);
      expect(Math.abs((row?.q75 as number) - q75), `${b} q75`).toBeLessThan(2e-3);
    }
    const nBand = ['absolute', 'relative', 'drift'].map((b) => band?.rows.find((r) => r.objective === 'turnover' && r.x === b)?.n as number);
    expect(nBand.reduce((a, b) => a + b, 0)).toBe(1_000_000 - facts.failed);
    expect(input.digest?.effects.find((e) => e.param === 'check')?.order).toEqual(['daily', 'weekly', 'monthly', 'quarterly', '5', '21']);
    for (const b of ['absolute', 'relative', 'drift']) {
      const width = input.digest?.effects.find((e) => e.param === 'width' && e.band === b);
      expect(width?.binned).toBe(true);
      expect(new Set(width?.rows.filter((r) => r.objective === 'turnover').map((r) => r.x)).size).toBe(20);
    }
    const h = input.digest?.heatmap;
    expect(h?.xParam).toBe('width');
    expect(h?.band).toBe('absolute');
    expect(h?.cells.reduce((a, c) => a + c.total, 0)).toBe(facts.bandCounts.absolute);
    expect(model.charts.some((c) => c.id === 'chart-heatmap')).toBe(true);
  });
});

describe('streamed reading of small runs and damaged files', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'rl-report-stream-'));
  });
  afterAll(async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it("reads a run folder row by row: configuration params are the space's, the baselines follow", async () => {
    const { dir } = await runDir(parent, 'small', 8000);
    const rows = await readResults(dir);
    expect(rows.length).toBe(8002);
    const space = bigSpace(8000);
    for (const r of rows.slice(0, 200)) {
      const c = space.config(Number(r.id));
      expect(r.params.width).toBe(c.width);
      expect(r.params.mode).toBe(c.mode);
    }
    expect(rows.slice(-2).map((r) => r.kind)).toEqual(['baseline', 'baseline']);
    // the failed row's message (a comma and quotes) is read back whole
    const failed = rows.find((r) => r.id === '4321');
    expect(failed?.error).toBe('simulated failure: "bad data", row skipped');
  }, 120_000);

  it('a quoted cell with a line break is one record', async () => {
    const file = join(parent, 'quoted.csv');
    await writeFile(file, 'id,error\n0,"two\nlines, and ""quotes"""\n1,\n');
    const records: [string, number, number][] = [];
    await forEachRecord(file, (r, n, line) => records.push([r, n, line]));
    expect(records).toEqual([
      ['id,error', 1, 1],
      ['0,"two\nlines, and ""quotes"""', 2, 2],
      ['1,', 3, 4],
    ]);
  });

  it('a damaged file gives a UserError naming the file and the line', async () => {
    const { dir } = await runDir(parent, 'damaged', 300);
    const file = join(dir, 'results.csv');
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    lines[7] = lines[7].split(',').slice(0, 10).join(',');
    await writeFile(file, lines.join('\n'));
    await expect(buildReportInput(dir)).rejects.toThrow(new RegExp(`results\\.csv: line 8 has 10 cells but the header has ${RESULT_COLUMNS.length}`));
    await writeFile(file, text.replace('trackingError', 'te'));
    await expect(buildReportInput(dir)).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringMatching(/results\.csv: the header has no "trackingError" column/),
    });
    await rm(file);
    await expect(buildReportInput(dir)).rejects.toThrow(/no results\.csv; the run did not finish/);
  }, 60_000);
});
