/**
 * A journal that loses only what is damaged (issue 15): a flipped bit in the middle of a run's
 * journal costs exactly that record's configurations, which the resume recomputes (counted);
 * a crafted overlapping record with a valid checksum is skipped (nothing recomputed, results
 * unchanged); a resume needs the manifest; a folder with a journal but no manifest is refused.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { N_METRICS } from '../../src/kernel/metrics.js';
import { encodeRecord, scanJournal } from '../../src/results/journal.js';
import { runExperiment } from '../../src/runner/run.js';
import { smallExperiment, writeExperiment } from './fixture.js';

let file: string;
let dir: string;
let reference: string;
let whole: string;

beforeAll(async () => {
  ({ file, dir } = await writeExperiment(smallExperiment()));
  const r = await runExperiment({ experiment: file, out: dir, runId: 'whole', workers: 1, batchSize: 10, quiet: true });
  whole = r.dir;
  reference = await readFile(path.join(r.dir, 'results.csv'), 'utf8');
}, 120_000);

/** A copy of the whole run's folder, without results.csv, as `name`. */
async function copyRun(name: string): Promise<string> {
  const d = path.join(dir, 'small', name);
  await mkdir(d);
  for (const f of ['manifest.json', 'journal.bin']) await copyFile(path.join(whole, f), path.join(d, f));
  return d;
}

describe('journal damage and resume', () => {
  it('a flipped bit mid-journal: only that record is recomputed (10 configurations), results byte-identical', async () => {
    const d = await copyRun('flipped');
    const j = path.join(d, 'journal.bin');
    const before = await scanJournal(j, { truncateTail: false });
    // 273 configurations in batches of 10: 28 records
    expect(before.entries.length).toBe(28);
    const victim = before.entries[13];
    const b = readFileSync(j);
    b[victim.offset + 3 * N_METRICS * 8 + 2] ^= 0x04; // one bit of a row's metric
    writeFileSync(j, b);
    const r = await runExperiment({ experiment: file, resume: d, workers: 1, quiet: true });
    expect(victim.count).toBe(10);
    expect(r.evaluated).toBe(10);
    expect(await readFile(path.join(d, 'results.csv'), 'utf8')).toBe(reference);
  }, 120_000);

  it('a crafted record with a valid checksum that overlaps two records is skipped: nothing recomputed, results unchanged', async () => {
    const d = await copyRun('crafted');
    const j = path.join(d, 'journal.bin');
    const rows = new Float64Array(10 * N_METRICS).fill(123456);
    writeFileSync(j, Buffer.concat([readFileSync(j), encodeRecord({ from: 55, to: 65, rows, failures: [] })]));
    const r = await runExperiment({ experiment: file, resume: d, workers: 1, quiet: true });
    expect(r.evaluated).toBe(0);
    expect(await readFile(path.join(d, 'results.csv'), 'utf8')).toBe(reference);
    // and again: the crafted record does not break later resumes
    const again = await runExperiment({ experiment: file, resume: d, workers: 1, quiet: true });
    expect(again.evaluated).toBe(0);
    expect(await readFile(path.join(d, 'results.csv'), 'utf8')).toBe(reference);
  }, 120_000);

  it("--resume refuses a folder with a journal but no manifest (another experiment's rows are never adopted)", async () => {
    const d = await copyRun('nomanifest');
    await rm(path.join(d, 'manifest.json'));
    await expect(runExperiment({ experiment: file, resume: d, workers: 1, quiet: true })).rejects.toThrow(/has no manifest\.json, so it is not a run folder/);
  });

  it('a new run into a folder holding a journal or results but no manifest is refused (nothing overwritten)', async () => {
    const d = path.join(dir, 'small', 'stray');
    await mkdir(d);
    await writeFile(path.join(d, 'results.csv'), 'precious\n');
    await expect(runExperiment({ experiment: file, out: dir, runId: 'stray', workers: 1, quiet: true })).rejects.toThrow(
      /holds results\.csv but no manifest\.json/,
    );
    expect(await readFile(path.join(d, 'results.csv'), 'utf8')).toBe('precious\n');
  });
});
