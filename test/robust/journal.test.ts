/**
 * Robustness journalled like the sweep (issue 15): a run stopped during the robustness
 * evaluation resumes it — only the missing backtests run, robustness.csv is byte-identical —
 * and running the analyses again on a finished run (a resume, or a merge run again) recomputes
 * nothing.
 */
import { copyFile, mkdir, readdir, readFile, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { scanJournal } from '../../src/results/journal.js';
import { runExperiment } from '../../src/runner/run.js';
import { smallExperiment, writeExperiment } from '../runner/fixture.js';

let file: string;
let dir: string;
let whole: string;
let reference: string;
let journalName: string;

// 273 configurations + 7 baselines (the calendar ones and buy-and-hold, as in results.csv) = 280 rows × 6 paths = 1,680 backtests
const EXP = smallExperiment({ name: 'robj', robustness: { kind: 'block-bootstrap', paths: 6, blockLength: 10, seed: 3 } });

/** Run `f` and return what it wrote on stderr (the resume line). */
async function stderrOf(f: () => Promise<unknown>): Promise<string> {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    await f();
  } finally {
    spy.mockRestore();
  }
  return text;
}

beforeAll(async () => {
  ({ file, dir } = await writeExperiment(EXP));
  const r = await runExperiment({ experiment: file, out: dir, runId: 'whole', workers: 2, quiet: true });
  whole = r.dir;
  reference = await readFile(path.join(whole, 'robustness.csv'), 'utf8');
  const names = (await readdir(whole)).filter((f) => /^robustness-journal-[0-9a-f]{16}\.bin$/.test(f));
  expect(names.length).toBe(1);
  journalName = names[0];
}, 180_000);

describe('robustness journal', () => {
  it('a resume after a stop mid-robustness runs only the missing backtests', async () => {
    const d = path.join(dir, 'robj', 'cut');
    await mkdir(d);
    for (const f of ['manifest.json', 'journal.bin', journalName]) await copyFile(path.join(whole, f), path.join(d, f));
    const j = path.join(d, journalName);
    const { entries } = await scanJournal(j, { truncateTail: false });
    expect(entries.reduce((n, e) => n + e.count, 0)).toBe(1680);
    // keep the first third of the records: as if the run was killed there
    const keep = entries.slice(0, Math.floor(entries.length / 3));
    const kept = keep.reduce((n, e) => n + e.count, 0);
    await truncate(j, keep[keep.length - 1].record + keep[keep.length - 1].length);
    const err = await stderrOf(() => runExperiment({ experiment: file, resume: d, workers: 2 }));
    expect(err).toContain(`robustness: resume: ${kept.toLocaleString('en')} of 1,680 backtests already done`);
    expect(await readFile(path.join(d, 'robustness.csv'), 'utf8')).toBe(reference);
  }, 180_000);

  it('finishing a finished run again recomputes no backtest and gives the same bytes', async () => {
    await rm(path.join(whole, 'robustness.csv'));
    const err = await stderrOf(() => runExperiment({ experiment: file, resume: whole, workers: 2 }));
    expect(err).toContain('robustness: resume: 1,680 of 1,680 backtests already done');
    expect(await readFile(path.join(whole, 'robustness.csv'), 'utf8')).toBe(reference);
  }, 180_000);
});
