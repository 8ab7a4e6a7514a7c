/**
 * Scale (design §8): a million configuration rows must give a report well under 10 MB that opens
 * quickly, because everything is aggregated in TypeScript before it is embedded; and building it
 * from a run folder must take memory that does not grow with the number of rows (results.csv is
 * streamed, see src/report/stream.ts). Build times are printed, not asserted (they depend on the
 * machine).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportInput } from '../../src/report/fromRun.js';
import { buildReport, prepareReport, renderHtml, type ReportModel } from '../../src/report/index.js';
import { readResults, readResultsDigest } from '../../src/report/stream.js';
import type { ReportInput } from '../../src/report/types.js';
import { bigInput, writeBigResults, type BigCsvFacts } from './fixture.js';

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
    expect(model.sampleNote).toMatch(/^Showing [\d,]+ of 1,000,000 configurations: a seeded uniform random sample of [\d,]+, with every Pareto point \(301\) included and the top 20/);
    expect(model.scatter.configs.length).toBeLessThan(6000);
    expect(model.leaderboard.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(html).toContain('of 1,000,000 configurations');
  }, 300_000);
});

/** A manifest like the runner's, for the quickstart data (the best row and the baselines are re-run on it). */
function manifest(n: number): object {
  return {
    tool: 'rebalance-lab',
    version: '0.1.0',
    experiment: {
      name: 'big-random',
      file: 'experiments/big-random.ts',
      sha256: '0',
      spec: {
        name: 'big-random',
        description: 'A synthetic random search for the streaming report test.',
        data: { file: 'data/etf_daily_adjclose_1993_2023.csv' },
        targets: { SPY: 0.4, TLT: 0.3, GLD: 0.15, SHY: 0.15 },
        normalizeTargets: false,
        initialCapital: 100000,
        riskFree: 0,
        costs: { feeBps: 5, halfSpreadBps: 2, fixedFee: 0, minTrade: 0 },
        search: { kind: 'random', n, seed: 2024 },
        space: {},
        objectives: ['turnover', 'trackingError', 'maxDrawdown'],
        scoreWeights: { trackingError: 1, costDrag: 1e-4, turnover: 1e-3 },
        constraints: ['trackingError <= 0.02'],
        report: { heatmap: ['width', 'check'], top: 20 },
      },
    },
    data: {
      file: 'data/etf_daily_adjclose_1993_2023.csv',
      // the report checks the data file is the one the run used
      sha256: createHash('sha256').update(readFileSync(resolve(import.meta.dirname, '../../data/etf_daily_adjclose_1993_2023.csv'))).digest('hex'),
      assets: ['SPY', 'TLT', 'GLD', 'SHY'],
      rows: 4637,
      first: '2004-11-18',
      last: '2023-04-21',
      windowStart: '2004-11-18',
      periodsPerYear: 252,
    },
    search: { kind: 'random', seed: 2024, size: n },
    createdAt: '2024-01-01T00:00:00.000Z',
    completedAt: '2024-01-01T00:10:00.000Z',
    workers: 2,
    timings: { total: 600 },
    failed: 0,
  };
}

async function runDir(parent: string, name: string, n: number): Promise<{ dir: string; facts: BigCsvFacts }> {
  const dir = join(parent, name);
  await rm(dir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  const facts = await writeBigResults(join(dir, 'results.csv'), n);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest(n)));
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
        `with every Pareto point (${fmt(facts.front.length)}) included and the top 20 of the leaderboard always shown.`,
    );
    expect(model.notes.join(' ')).toMatch(/computed over all 1,000,000 configurations, not the sample/);
    const html = renderHtml(input, model);
    expect(html).toContain('of 1,000,000 configurations');
    expect(html).toContain('value intervals per metric');
  });

  it('the chart data holds exactly the Pareto rows, the top 20 in rank order and the baselines of the file', () => {
    const configs = model.scatter.configs;
    const front = configs.filter((d) => d.pareto === true).map((d) => Number(d.id)).sort((a, b) => a - b);
    expect(front).toEqual(facts.front);
    expect(model.leaderboard.map((r) => Number(r.id))).toEqual(facts.top);
    expect(model.leaderboard.map((r) => r.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const ids = new Set(configs.map((d) => Number(d.id)));
    for (const id of facts.top) expect(ids.has(id)).toBe(true);
    expect(model.scatter.baselines.map((d) => d.id)).toEqual(['calendar-monthly', 'none']);
    // the uniform part: 5,000 rows, each band type about a third of them (the draw does not follow the id order)
    const uniform = configs.filter((d) => d.pareto !== true && !facts.top.includes(Number(d.id)));
    expect(uniform.length).toBeGreaterThan(5000 - 30);
    expect(uniform.length).toBeLessThanOrEqual(5000);
    for (const band of ['absolute', 'relative', 'drift']) {
      const share = uniform.filter((d) => d.p_band === band).length / uniform.length;
      expect(share, band).toBeGreaterThan(0.3);
      expect(share, band).toBeLessThan(0.37);
    }
  });

  it('parameter effects and the heatmap cover every row: exact counts, quartiles within one value interval', () => {
    const band = input.digest?.effects.find((e) => e.param === 'band');
    for (const b of ['absolute', 'relative', 'drift']) {
      const row = band?.rows.find((r) => r.objective === 'turnover' && r.x === b);
      // rows with a turnover: every row of the band but the failed ones (every 9,973rd id from 4,321 on, spread over bands)
      expect(row?.n).toBeLessThanOrEqual(facts.bandCounts[b]);
      expect(row?.n).toBeGreaterThan(facts.bandCounts[b] - facts.failed);
      const [q25, med, q75] = facts.turnoverByBand[b];
      // one interval holds ~1/1,024 of the rows, i.e. ~3e-5 of turnover around these quantiles (an IQR of ~0.025);
      // a median estimated from a uniform sample of 50,000 rows instead would be off by ~1e-4
      expect(Math.abs((row?.q25 as number) - q25), `${b} q25`).toBeLessThan(2e-5);
      expect(Math.abs((row?.median as number) - med), `${b} median`).toBeLessThan(2e-5);
      expect(Math.abs((row?.q75 as number) - q75), `${b} q75`).toBeLessThan(2e-5);
    }
    const nBand = ['absolute', 'relative', 'drift'].map((b) => band?.rows.find((r) => r.objective === 'turnover' && r.x === b)?.n as number);
    expect(nBand.reduce((a, b) => a + b, 0)).toBe(1_000_000 - facts.failed);
    // check mixes names and numbers: six categories, named schedules first in calendar order
    expect(input.digest?.effects.find((e) => e.param === 'check')?.order).toEqual(['daily', 'weekly', 'monthly', 'quarterly', '5', '21']);
    const width = input.digest?.effects.find((e) => e.param === 'width');
    expect(width?.binned).toBe(true);
    expect(width?.order.length).toBe(20);
    const h = input.digest?.heatmap;
    expect(h?.xParam).toBe('width');
    expect(h?.cells.reduce((a, c) => a + c.total, 0)).toBe(1_000_000);
    expect(h?.cells.reduce((a, c) => a + c.feasible, 0)).toBe(facts.feasible);
    expect(model.charts.some((c) => c.id === 'chart-heatmap')).toBe(true);
  });

  it('a front longer than the cap is thinned deterministically, and the report says so', async () => {
    const a = await readResultsDigest(join(dir, 'results.csv'), { seed: 2024, objectives: ['turnover', 'trackingError', 'maxDrawdown'], paretoCap: 500, statSample: 20_000 });
    const kept = a.rows.filter((r) => r.pareto).map((r) => Number(r.id));
    // the 500 of the cap, plus the front rows the uniform sample (5,000 rows, ~0.16% of them on the front) or the top 20 drew
    expect(kept.length).toBeGreaterThanOrEqual(500);
    expect(kept.length).toBeLessThan(500 + 60);
    const front = new Set(facts.front);
    for (const id of kept) expect(front.has(id)).toBe(true);
    expect(a.digest?.pareto).toBe(facts.front.length);
    expect(a.digest?.paretoKept).toBe(kept.length);
    // the same selection on a second read
    const b = await readResultsDigest(join(dir, 'results.csv'), { seed: 2024, objectives: ['turnover', 'trackingError', 'maxDrawdown'], paretoCap: 500, statSample: 20_000 });
    expect(b.rows.map((r) => r.id)).toEqual(a.rows.map((r) => r.id));
    const m = prepareReport({ ...input, rows: a.rows, digest: a.digest });
    expect(m.sampleNote).toContain(`${fmt(kept.length)} of the ${fmt(facts.front.length)} Pareto-front points (a seeded uniform selection) included`);
  }, 300_000);
});

describe('streamed reading of small runs and damaged files', () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'rl-report-stream-'));
  });
  afterAll(async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it('a run of at most the sample size is read whole: the same rows as reading every row, no digest', async () => {
    const { dir } = await runDir(parent, 'small', 8000);
    const file = join(dir, 'results.csv');
    const all = await readResults(file);
    const r = await readResultsDigest(file, { seed: 2024, objectives: ['turnover', 'trackingError', 'maxDrawdown'] });
    expect(r.digest).toBeUndefined();
    expect(r.rows).toEqual(all);
    expect(all.length).toBe(8002);
    expect(r.searchedParams).toEqual(['band', 'width', 'check', 'mode', 'depth', 'fraction', 'cooldown']);
    const input = await buildReportInput(dir);
    expect(input.digest).toBeUndefined();
    expect(prepareReport(input).notes.join(' ')).not.toMatch(/value intervals/);
  }, 120_000);

  it('a damaged file gives a UserError naming the file and the line', async () => {
    const { dir } = await runDir(parent, 'damaged', 300);
    const file = join(dir, 'results.csv');
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    lines[7] = lines[7].split(',').slice(0, 10).join(',');
    await writeFile(file, lines.join('\n'));
    await expect(readResultsDigest(file, { seed: 1, objectives: ['turnover'] })).rejects.toThrow(/results\.csv: line 8 has 10 cells but the header has 33/);
    await writeFile(file, text.replace('trackingError', 'te'));
    await expect(buildReportInput(dir)).rejects.toMatchObject({ name: 'UserError', message: expect.stringMatching(/results\.csv: the header has no "trackingError" column/) });
    await rm(file);
    await expect(buildReportInput(dir)).rejects.toThrow(/no results\.csv; the run did not finish/);
  }, 60_000);
});
