/**
 * Scale (design §8): a million configuration rows must give a report well under 10 MB that opens
 * quickly, because everything is aggregated in TypeScript before it is embedded. The build time is
 * printed, not asserted (it depends on the machine).
 */
import { describe, expect, it } from 'vitest';
import { buildReport, prepareReport } from '../../src/report/index.js';
import { bigInput } from './fixture.js';

describe('report size', () => {
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
