/**
 * Journal format 2 (issue 15): self-delimiting records that resynchronise after damage. Records
 * are built here by hand (rows 10·id + metric index, so any misread row is visible).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { N_METRICS } from '../../src/kernel/metrics.js';
import { encodeRecord, readJournal, scanJournal } from '../../src/results/journal.js';
import { rowsInOrder } from '../../src/results/journal.js';
import type { TaskResult } from '../../src/exec/protocol.js';

function batch(from: number, to: number, failures: [number, string][] = []): TaskResult {
  const rows = new Float64Array((to - from) * N_METRICS);
  for (let id = from; id < to; id++) for (let m = 0; m < N_METRICS; m++) rows[(id - from) * N_METRICS + m] = 10 * id + m;
  return { from, to, rows, failures };
}

/** Five records of 4 rows (ids 0..19); returns the file and each record's byte offset. */
async function fiveRecords(): Promise<{ file: string; at: number[]; len: number }> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'rl-journal-')), 'journal.bin');
  const recs = [0, 4, 8, 12, 16].map((f) => encodeRecord(batch(f, f + 4, f === 8 ? [[9, 'boom']] : [])));
  writeFileSync(file, Buffer.concat(recs));
  // record length: 24 header + 4 rows × N_METRICS × 8 + failures JSON + 4 crc
  const len = 24 + 4 * N_METRICS * 8 + 2 + 4;
  expect(recs[0].length).toBe(len);
  const at: number[] = [];
  recs.reduce((o, r) => (at.push(o), o + r.length), 0);
  return { file, at, len };
}

function flip(file: string, at: number, bit = 0x10): void {
  const b = readFileSync(file);
  b[at] ^= bit;
  writeFileSync(file, b);
}

describe('journal format 2', () => {
  it('reads back every row exactly', async () => {
    const { file } = await fiveRecords();
    const { records, dropped } = await readJournal(file);
    expect(dropped).toBe(0);
    expect(records.map((r) => [r.from, r.to])).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
      [12, 16],
      [16, 20],
    ]);
    expect(records[3].rows[2 * N_METRICS + 5]).toBe(10 * 14 + 5);
    expect(records[2].failures).toEqual([[9, 'boom']]);
  });

  it('a flipped bit in a middle record costs only that record, and nothing is truncated', async () => {
    for (const where of ['rows', 'count field', 'magic']) {
      const { file, at } = await fiveRecords();
      const size = (await stat(file)).size;
      const off = where === 'rows' ? at[1] + 24 + 100 : where === 'count field' ? at[1] + 8 : at[1];
      flip(file, off);
      const scan = await scanJournal(file, { size: 20 });
      expect(
        scan.entries.map((e) => e.from),
        where,
      ).toEqual([0, 8, 12, 16]);
      expect(scan.damaged, where).toEqual([{ offset: at[1], bytes: at[2] - at[1] }]);
      expect(scan.dropped).toBe(0);
      expect(scan.failures).toEqual([[9, 'boom']]);
      expect((await stat(file)).size, 'the intact records after the damage are kept').toBe(size);
    }
  });

  it('a torn tail is still cut off (and only it)', async () => {
    const { file, at } = await fiveRecords();
    const size = (await stat(file)).size;
    const b = readFileSync(file).subarray(0, size - 7);
    writeFileSync(file, b);
    const scan = await scanJournal(file);
    expect(scan.entries.map((e) => e.from)).toEqual([0, 4, 8, 12]);
    expect(scan.dropped).toBe(size - 7 - at[4]);
    expect((await stat(file)).size).toBe(at[4]);
  });

  it('damage in the last complete record counts as a torn tail (nothing valid after it)', async () => {
    const { file, at } = await fiveRecords();
    flip(file, at[4] + 40);
    const scan = await scanJournal(file, { truncateTail: false });
    expect(scan.entries.map((e) => e.from)).toEqual([0, 4, 8, 12]);
    expect(scan.damaged).toEqual([]);
    expect(scan.dropped).toBeGreaterThan(0);
  });

  it('skips a crafted record with a valid checksum that overlaps rows already held, and one beyond the size', async () => {
    const { file } = await fiveRecords();
    const crafted = batch(6, 10);
    crafted.rows.fill(-1);
    writeFileSync(file, Buffer.concat([readFileSync(file), encodeRecord(crafted), encodeRecord(batch(20, 22))]));
    const scan = await scanJournal(file, { size: 20 });
    expect(scan.entries.map((e) => e.from)).toEqual([0, 4, 8, 12, 16]);
    expect(scan.overlapping.map((o) => [o.from, o.count])).toEqual([
      [6, 4],
      [20, 2],
    ]);
  });

  it('refuses a format-1 journal with a clear message', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'rl-journal-')), 'journal.bin');
    const old = Buffer.alloc(64);
    old.writeUInt32LE(0x524c4a31, 0); // format 1's magic
    writeFileSync(file, old);
    await expect(scanJournal(file)).rejects.toThrow(/format 1, written by an older rebalance-lab; this version reads format 2/);
    expect((await stat(file)).size).toBe(64);
  });
});

describe('rows in id order (RowCursor through rowsInOrder)', () => {
  it('gives every row exactly, records of different sizes read into reused buffers', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'rl-journal-')), 'journal.bin');
    // records of 1, 7, 2, 30, 3 rows (ids 0..42): the buffers grow, then shorter records follow
    const cuts = [0, 1, 8, 10, 40, 43];
    writeFileSync(file, Buffer.concat(cuts.slice(1).map((to, i) => encodeRecord(batch(cuts[i], to, i === 2 ? [[9, 'x']] : [])))));
    const scan = await scanJournal(file);
    const seen: number[] = [];
    for (const { id, rows, off } of rowsInOrder([{ file, entries: scan.entries, k: 0, n: 1 }], 43)) {
      for (let m = 0; m < N_METRICS; m++) expect(rows[off + m], `id ${id} metric ${m}`).toBe(10 * id + m);
      seen.push(id);
    }
    expect(seen).toEqual(Array.from({ length: 43 }, (_, i) => i));
  });
});
