/**
 * The batch journal: finished batches are appended as self-checking binary records, so a run
 * killed at any byte keeps every complete batch and resume finds exactly what is missing.
 *
 * Record: magic u32 | from u32 | count u32 | failuresLen u32 | rows count×M f64 |
 *         failures JSON (failuresLen bytes) | crc32 u32 of everything before it.
 * A torn or corrupt last record fails its length or crc check and is dropped (the file is
 * truncated back to the last good record), never misread.
 */
import { open, readFile, truncate } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { N_METRICS } from '../kernel/metrics.js';
import type { TaskResult } from '../runner/protocol.js';

const MAGIC = 0x524c4a31; // "RLJ1"
const HEAD = 16;

export function encodeRecord(r: TaskResult): Buffer {
  const count = r.to - r.from;
  const fail = Buffer.from(JSON.stringify(r.failures), 'utf8');
  const body = count * N_METRICS * 8;
  const buf = Buffer.alloc(HEAD + body + fail.length + 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(r.from, 4);
  buf.writeUInt32LE(count, 8);
  buf.writeUInt32LE(fail.length, 12);
  Buffer.from(r.rows.buffer, r.rows.byteOffset, body).copy(buf, HEAD);
  fail.copy(buf, HEAD + body);
  buf.writeUInt32LE(crc32(buf.subarray(0, buf.length - 4)), buf.length - 4);
  return buf;
}

/** Read every intact record; truncate a torn tail. Returns the records in file order. */
export async function readJournal(file: string): Promise<{ records: TaskResult[]; dropped: number }> {
  if (!existsSync(file)) return { records: [], dropped: 0 };
  const buf = await readFile(file);
  const records: TaskResult[] = [];
  let off = 0;
  while (off + HEAD <= buf.length) {
    if (buf.readUInt32LE(off) !== MAGIC) break;
    const from = buf.readUInt32LE(off + 4);
    const count = buf.readUInt32LE(off + 8);
    const flen = buf.readUInt32LE(off + 12);
    const body = count * N_METRICS * 8;
    const end = off + HEAD + body + flen + 4;
    if (end > buf.length) break;
    if (crc32(buf.subarray(off, end - 4)) !== buf.readUInt32LE(end - 4)) break;
    const rows = new Float64Array(count * N_METRICS);
    Buffer.from(rows.buffer).set(buf.subarray(off + HEAD, off + HEAD + body));
    let failures: [number, string][];
    try {
      failures = JSON.parse(buf.subarray(off + HEAD + body, end - 4).toString('utf8')) as [number, string][];
    } catch {
      break;
    }
    records.push({ from, to: from + count, rows, failures });
    off = end;
  }
  const dropped = buf.length - off;
  if (dropped > 0) await truncate(file, off);
  return { records, dropped };
}

/** An append-only journal writer; each record is written with one write and fsync'd. */
export class JournalWriter {
  private constructor(private readonly fh: Awaited<ReturnType<typeof open>>) {}

  static async open(file: string): Promise<JournalWriter> {
    return new JournalWriter(await open(file, 'a'));
  }

  async append(r: TaskResult): Promise<void> {
    await this.fh.write(encodeRecord(r));
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
