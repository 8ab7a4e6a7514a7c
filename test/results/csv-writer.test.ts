/**
 * results.csv's byte writer (results/csv-writer.ts) against the string path it replaced
 * (StringLineWriter: formatRow's `String(x)` cells joined per row): the same rows through both
 * must give the same bytes, with the wasm formatter and with its `String(x)` fallback, with
 * regions small enough that rows cross them, cells need quotes, messages are longer than a
 * region, metrics are not finite and parameters do not apply.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { N_METRICS } from '../../src/kernel/metrics.js';
import type { Config } from '../../src/policy/types.js';
import { CsvFileWriter, type FileRowSink, StringLineWriter } from '../../src/results/csv-writer.js';
import { formatRow, type ResultRowInput, writeRow } from '../../src/results/table.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-csvw-'));

function rows(): ResultRowInput[] {
  let s = 7;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const configs: Config[] = [
    { band: 'absolute', width: 0.05, check: 'monthly', mode: 'target', cooldown: 0 } as Config,
    { band: 'none' } as Config,
    { band: 'calendar', check: 'quarterly' } as Config,
    { band: 'volatility', width: 1.5, lookback: 20, minWidth: 0.01, check: 5, mode: 'partial', fraction: 0.3, flowMode: 'rebalance' } as Config,
    { band: 'hybrid', width: 0.02, relWidth: 0.25, check: 'weekly', mode: 'inner', depth: 0.5, cooldown: 3 } as Config,
  ];
  const specials = [NaN, Infinity, -Infinity, -0, 5e-324, 1e21, 1e-7, 0.1 + 0.2];
  const out: ResultRowInput[] = [];
  for (let i = 0; i < 3000; i++) {
    const metrics = new Float64Array(N_METRICS);
    for (let j = 0; j < N_METRICS; j++)
      metrics[j] = rnd() < 0.05 ? specials[Math.floor(rnd() * specials.length)] : (rnd() - 0.3) * 10 ** Math.floor(rnd() * 8 - 4);
    const error =
      i % 97 === 5 ? 'Error: "bad", worse\nline two' : i % 389 === 7 ? `long message ${'é—'.repeat(5000)}, with a comma` : i % 211 === 3 ? 'plain failure' : '';
    out.push({
      id: i,
      config: configs[i % configs.length],
      metrics,
      offset: 0,
      feasible: error === '' && i % 3 !== 0,
      pareto: i % 7 === 0,
      score: i % 50 === 0 ? NaN : metrics[0],
      rank: i % 4 === 0 ? 0 : i,
      selection: i === 1 ? 'pick' : i % 11 === 0 ? 'indistinguishable' : '',
      error,
      reason: i % 3 === 0 && error === '' ? 'maxDrawdown > 0.2, "ruined"' : '',
    });
  }
  out.push({
    id: 'calendar-monthly',
    config: configs[2],
    metrics: new Float64Array(N_METRICS).fill(0.5),
    offset: 0,
    feasible: true,
    pareto: false,
    score: 1,
    rank: 0,
    error: '',
  });
  return out;
}

async function writeWith(name: string, make: (fh: import('node:fs/promises').FileHandle) => FileRowSink): Promise<Buffer> {
  const file = path.join(dir, name);
  const fh = await open(file, 'w');
  const out = make(fh);
  try {
    for (const r of rows()) {
      writeRow(out, r);
      if (out.full) await out.flush();
    }
    await out.close();
  } finally {
    await out.settle();
    await fh.close();
  }
  return readFileSync(file);
}

describe('results.csv byte writer', () => {
  it('the string path is formatRow line after line', async () => {
    const expected = rows()
      .map((r) => formatRow(r) + '\n')
      .join('');
    expect((await writeWith('strings.csv', (fh) => new StringLineWriter(fh))).toString('utf8')).toBe(expected);
  });

  it('writes the bytes of the string path: wasm numbers, String(x) fallback, small and default regions', async () => {
    const reference = await writeWith('strings.csv', (fh) => new StringLineWriter(fh));
    expect(reference.includes(Buffer.from('"Error: ""bad"", worse\nline two"'))).toBe(true);
    for (const [name, o] of [
      ['wasm-small.csv', { region: 4096 }],
      ['fallback-small.csv', { region: 4096, wasm: false }],
      ['wasm-default.csv', {}],
      ['fallback-default.csv', { wasm: false }],
    ] as const) {
      const got = await writeWith(name, (fh) => new CsvFileWriter(fh, o));
      expect(got.length, name).toBe(reference.length);
      expect(got.equals(reference), name).toBe(true);
    }
  });

  it('a failed write is an error of close (or the next flush), not an unhandled rejection', async () => {
    const file = path.join(dir, 'closed.csv');
    const fh = await open(file, 'w');
    const out = new CsvFileWriter(fh, { region: 4096 });
    await fh.close(); // every write now fails (EBADF)
    let thrown: unknown;
    try {
      for (const r of rows().slice(0, 200)) {
        writeRow(out, r);
        if (out.full) await out.flush();
      }
      await out.close();
    } catch (e) {
      thrown = e;
    } finally {
      await out.settle();
    }
    expect((thrown as NodeJS.ErrnoException | undefined)?.code).toBe('EBADF');
  });
});
