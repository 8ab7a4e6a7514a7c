/**
 * On a real run (with two failing configurations, so error cells appear), results.csv written
 * by the byte writer is byte-identical to the one the string path writes (formatRow's `String(x)`
 * cells joined per row, as before issue 12): the second run has the results module's writer
 * swapped for the string one.
 */
import { readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { smallExperiment, writeExperiment } from '../runner/fixture.js';

const FAULTS = process.env.REBALANCE_LAB_FAULTS;
afterAll(() => {
  if (FAULTS === undefined) delete process.env.REBALANCE_LAB_FAULTS;
  else process.env.REBALANCE_LAB_FAULTS = FAULTS;
  vi.doUnmock('../../src/results/csv-writer.js');
});

describe('results.csv of a real run', () => {
  it('is the same bytes from the byte writer and from the string path', async () => {
    process.env.REBALANCE_LAB_FAULTS = 'throw:3,17';
    const { file, dir } = await writeExperiment(smallExperiment());
    const { runExperiment } = await import('../../src/runner/run.js');
    const a = await runExperiment({ experiment: file, out: dir, runId: 'bytes', workers: 1, quiet: true, noReport: true });

    vi.resetModules();
    let stringWriters = 0;
    vi.doMock('../../src/results/csv-writer.js', async (importOriginal) => {
      const m = await importOriginal<typeof import('../../src/results/csv-writer.js')>();
      class Counted extends m.StringLineWriter {
        constructor(fh: FileHandle) {
          super(fh);
          stringWriters++;
        }
      }
      return { ...m, CsvFileWriter: Counted };
    });
    const { runExperiment: runWithStrings } = await import('../../src/runner/run.js');
    const b = await runWithStrings({ experiment: file, out: dir, runId: 'strings', workers: 1, quiet: true, noReport: true });

    expect(stringWriters).toBe(1); // the second run did write through the string path
    const bytes = readFileSync(path.join(a.dir, 'results.csv'));
    const strings = readFileSync(path.join(b.dir, 'results.csv'));
    const text = bytes.toString('utf8');
    expect(text.split('\n').length).toBeGreaterThan(50);
    expect(text).toMatch(/,"?[^,\n]*(Error|fault|throw)/i); // the failing configurations' error cells
    expect(bytes.equals(strings)).toBe(true);
  });
});
