/**
 * ranks.bin: what results.csv adds to the journal's metric rows, kept in binary beside it, so the
 * report reads its rows from the journal(s) (Float64 metrics, parameters from `space.config(id)`)
 * instead of parsing results.csv again (issue 12 item 4).
 *
 * finalize (results/finalize.ts) writes it right after results.csv: per configuration its rank
 * and its feasible/pareto flags exactly as written in the csv, the baselines' rows (they are not
 * in any journal), and stamps of the files it was made from — results.csv (size and modification
 * time) and each journal (path relative to the run folder, size). `journalRows` hands rows to the
 * report only when every stamp still matches; otherwise (no ranks.bin: older runs; a journal gone
 * or grown; a results.csv rewritten or edited by hand) it says why, and the report reads
 * results.csv as before. Either way the report gets the same rows (test/report/journal.test.ts).
 *
 * Format (little-endian): magic "RLR1" | headLen u32 | head JSON (headLen bytes) |
 * rank K × u32 (0 = no rank) | flags K × u8 (bit 0 feasible, bit 1 pareto) | crc32 u32 of
 * everything before it. The head: { K, csv: { size, mtimeMs }, journals: [{ file, k, n, bytes }],
 * baselines: [{ id, metrics (METRICS order, null when not finite), feasible }] }.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { M, METRICS, type MetricName } from '../kernel/metrics.js';
import { writeFileAtomic } from './atomic.js';
import { type Constraint, satisfies, score } from './score.js';

export const RANKS_FILE = 'ranks.bin';
const MAGIC = Buffer.from('RLR1', 'latin1');
export const FEASIBLE = 1;
export const PARETO = 2;

export interface RanksHead {
  K: number;
  csv: { size: number; mtimeMs: number };
  journals: { file: string; k: number; n: number; bytes: number }[];
  baselines: { id: string; metrics: (number | null)[]; feasible: boolean; score: number | null }[];
}

/** Per-row rank and flags, filled by finalize's second pass. */
export class RanksOut {
  readonly flags: Uint8Array;
  constructor(
    /** The ranks array itself (the selection's, when there is one: no copy). */
    readonly rank: Uint32Array,
  ) {
    this.flags = new Uint8Array(rank.length);
  }
  set(id: number, rank: number, feasible: boolean, pareto: boolean): void {
    this.rank[id] = rank;
    this.flags[id] = (feasible ? FEASIBLE : 0) | (pareto ? PARETO : 0);
  }
}

/** Size and modification time of results.csv as the report will check them. */
function csvStamp(file: string): RanksHead['csv'] {
  const st = statSync(file);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

export const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? (v === 0 ? 0 : v) : null);

/** Write ranks.bin for the results.csv just written (`csvFile`, in the same folder). */
export async function writeRanks(
  file: string,
  csvFile: string,
  out: RanksOut,
  journals: readonly { file: string; k: number; n: number }[],
  baselines: readonly { id: string; metrics: Float64Array }[],
  /** What results.csv's baseline rows were written with (feasible, score). */
  constraints: readonly Constraint[],
  scoreWeights: Partial<Record<MetricName, number>>,
): Promise<void> {
  const dir = path.dirname(file);
  const head: RanksHead = {
    K: out.rank.length,
    csv: csvStamp(csvFile),
    journals: journals.map((s) => ({ file: path.relative(dir, s.file), k: s.k, n: s.n, bytes: statSync(s.file).size })),
    baselines: baselines.map((b) => ({
      id: b.id,
      metrics: METRICS.map((m) => finiteOrNull(b.metrics[M[m]])),
      feasible: satisfies(b.metrics, 0, constraints),
      score: finiteOrNull(score(b.metrics, 0, scoreWeights)),
    })),
  };
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const K = head.K;
  const buf = Buffer.alloc(8 + json.length + 5 * K + 4);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(json.length, 4);
  json.copy(buf, 8);
  let o = 8 + json.length;
  Buffer.from(out.rank.buffer, out.rank.byteOffset, 4 * K).copy(buf, o);
  o += 4 * K;
  Buffer.from(out.flags.buffer, out.flags.byteOffset, K).copy(buf, o);
  o += K;
  buf.writeUInt32LE(crc32(buf.subarray(0, o)), o);
  await writeFileAtomic(file, buf);
}

/** ranks.bin read and checked against the run folder, or why it cannot be used. */
export async function readRanks(dir: string, K: number): Promise<{ head: RanksHead; rank: Uint32Array; flags: Uint8Array } | string> {
  const file = path.join(dir, RANKS_FILE);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return `no ${RANKS_FILE}`;
  }
  if (buf.length < 12 || !buf.subarray(0, 4).equals(MAGIC)) return `${RANKS_FILE} is not in a format this version reads`;
  if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) return `${RANKS_FILE} is damaged (checksum)`;
  const hl = buf.readUInt32LE(4);
  let head: RanksHead;
  try {
    head = JSON.parse(buf.subarray(8, 8 + hl).toString('utf8')) as RanksHead;
  } catch {
    return `${RANKS_FILE} is damaged (head)`;
  }
  if (head.K !== K || buf.length !== 8 + hl + 5 * K + 4) return `${RANKS_FILE} is not for this run's ${K} configurations`;
  let st: RanksHead['csv'];
  try {
    st = csvStamp(path.join(dir, 'results.csv'));
  } catch {
    return 'no results.csv';
  }
  if (st.size !== head.csv.size || st.mtimeMs !== head.csv.mtimeMs) return `results.csv changed after ${RANKS_FILE} was written`;
  const rank = new Uint32Array(K);
  Buffer.from(rank.buffer).set(buf.subarray(8 + hl, 8 + hl + 4 * K));
  const flags = new Uint8Array(buf.subarray(8 + hl + 4 * K, 8 + hl + 5 * K));
  return { head, rank, flags };
}
