/**
 * `npm run bench` section 4 (alone: `--write`): writing results.csv (issue 12, "write at disk
 * speed"), measured in one process with interleaved rounds so the ratios are comparable:
 *  - the number formatter (results/dtoa.ts, wasm) against `String(x)`, ns per number, on the
 *    metrics of real backtests;
 *  - results.csv rows written by the byte writer (results/csv-writer.ts) against the string
 *    path it replaced (formatRow's `String(x)` cells, a joined line per row), to a temp file.
 */
import { rm } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { N_METRICS } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import { CsvFileWriter, type FileRowSink, StringLineWriter } from '../results/csv-writer.js';
import { numberFormatter } from '../results/dtoa.js';
import { writeRow } from '../results/table.js';

export interface WriteBench {
  numbers: number;
  nsWasm: number;
  nsString: number;
  wasm: boolean;
  rows: number;
  bytes: number;
  secondsBytes: number;
  secondsStrings: number;
}

/** `rows` results.csv rows cycling over `configs` and their metrics (N_METRICS per configuration). */
export async function writeBench(configs: readonly Config[], metrics: Float64Array, rows = 200_000, rounds = 3): Promise<WriteBench> {
  const n = configs.length;
  const xs = metrics.subarray(0, n * N_METRICS).filter((x) => Number.isFinite(x));
  const f = numberFormatter(1 << 20);
  const sb = Buffer.allocUnsafe((1 << 20) + 64);
  let nsWasm = Infinity;
  let nsString = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    let p = f.start;
    for (let i = 0; i < xs.length; i++) {
      if (p > f.start + (1 << 20) - 64) p = f.start;
      p = f.put(xs[i], p);
    }
    nsWasm = Math.min(nsWasm, ((performance.now() - t0) * 1e6) / xs.length);
    sink += p;
    t0 = performance.now();
    p = 0;
    for (let i = 0; i < xs.length; i++) {
      if (p > (1 << 20) - 64) p = 0;
      p += sb.write(String(xs[i]), p, 'latin1');
    }
    nsString = Math.min(nsString, ((performance.now() - t0) * 1e6) / xs.length);
    sink += p;
  }

  const file = path.join(os.tmpdir(), `rl-bench-write-${process.pid}.csv`);
  const once = async (make: (fh: import('node:fs/promises').FileHandle) => FileRowSink): Promise<{ seconds: number; bytes: number }> => {
    const t0 = performance.now();
    const fh = await open(file, 'w');
    const out = make(fh);
    try {
      for (let i = 0; i < rows; i++) {
        const k = i % n;
        writeRow(out, {
          id: i,
          config: configs[k],
          metrics,
          offset: k * N_METRICS,
          feasible: i % 3 !== 0,
          pareto: i % 50 === 0,
          score: metrics[k * N_METRICS],
          rank: i % 3 !== 0 ? i + 1 : 0,
          selection: '',
          error: '',
          reason: i % 3 === 0 ? 'maxDrawdown > 0.3' : '',
        });
        if (out.full) await out.flush();
      }
      await out.close();
    } finally {
      await out.settle();
    }
    const { size } = await fh.stat();
    await fh.close();
    return { seconds: (performance.now() - t0) / 1000, bytes: size };
  };
  let secondsBytes = Infinity;
  let secondsStrings = Infinity;
  let bytes = 0;
  for (let r = 0; r < rounds; r++) {
    const a = await once((fh) => new CsvFileWriter(fh));
    const b = await once((fh) => new StringLineWriter(fh));
    if (a.bytes !== b.bytes) throw new Error(`the two writers wrote ${a.bytes} and ${b.bytes} bytes`);
    bytes = a.bytes;
    secondsBytes = Math.min(secondsBytes, a.seconds);
    secondsStrings = Math.min(secondsStrings, b.seconds);
  }
  await rm(file, { force: true });
  if (sink === -1) process.stdout.write(''); // keep the loops' results alive
  return { numbers: xs.length, nsWasm, nsString, wasm: f.wasm, rows, bytes, secondsBytes, secondsStrings };
}
