/**
 * The batch journal: finished batches are appended as self-checking binary records, so a run
 * killed at any byte keeps every complete batch and resume finds exactly what is missing.
 *
 * Record: magic u32 | from u32 | count u32 | failuresLen u32 | rows count×M f64 |
 *         failures JSON (failuresLen bytes) | crc32 u32 of everything before it.
 * A torn or corrupt last record fails its length or crc check and is dropped (the file is
 * truncated back to the last good record), never misread.
 */
import { open, truncate } from 'node:fs/promises';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { N_METRICS } from '../kernel/metrics.js';
import type { TaskResult } from '../runner/protocol.js';
import { describeWriteError } from './atomic.js';
import { UserError } from '../errors.js';

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

/** Where one intact record's rows sit in the journal file. */
export interface JournalEntry {
  /** First (local) index of the record and how many rows it holds. */
  from: number;
  count: number;
  /** Byte offset of the rows (count × N_METRICS float64) in the file. */
  offset: number;
  /** Byte offset and length of the whole record (re-checked against its crc when read). */
  record: number;
  length: number;
}

/**
 * Scan the journal record by record (memory: one record at a time, plus an index entry per
 * record), check every length and crc, and truncate a torn or corrupt tail. The rows stay on
 * disk; read them with RowCursor.
 */
export async function scanJournal(
  file: string,
  /** truncateTail false: only read (merge reads shard journals it does not own). */
  o: { truncateTail?: boolean } = {},
): Promise<{ entries: JournalEntry[]; failures: [number, string][]; dropped: number }> {
  const entries: JournalEntry[] = [];
  const failures: [number, string][] = [];
  if (!existsSync(file)) return { entries, failures, dropped: 0 };
  const fh = await open(file, 'r');
  let off = 0;
  let size = 0;
  try {
    size = (await fh.stat()).size;
    const head = Buffer.alloc(HEAD);
    let rec = Buffer.alloc(0);
    while (off + HEAD <= size) {
      await fh.read(head, 0, HEAD, off);
      if (head.readUInt32LE(0) !== MAGIC) break;
      const from = head.readUInt32LE(4);
      const count = head.readUInt32LE(8);
      const flen = head.readUInt32LE(12);
      const body = count * N_METRICS * 8;
      const len = HEAD + body + flen + 4;
      if (off + len > size) break;
      if (rec.length < len) rec = Buffer.alloc(Math.max(len, rec.length * 2));
      await fh.read(rec, 0, len, off);
      if (crc32(rec.subarray(0, len - 4)) !== rec.readUInt32LE(len - 4)) break;
      let fl: [number, string][];
      try {
        fl = JSON.parse(rec.subarray(HEAD + body, len - 4).toString('utf8')) as [number, string][];
      } catch {
        break;
      }
      for (const f of fl) failures.push(f);
      entries.push({ from, count, offset: off + HEAD, record: off, length: len });
      off += len;
    }
  } finally {
    await fh.close();
  }
  const dropped = size - off;
  if (dropped > 0 && (o.truncateTail ?? true)) await truncate(file, off);
  return { entries, failures, dropped };
}

/** Read every intact record into memory (small journals, tests); truncates a torn tail. */
export async function readJournal(file: string): Promise<{ records: TaskResult[]; dropped: number }> {
  const { entries, failures, dropped } = await scanJournal(file);
  const cur = new RowCursor(file, entries, entries.reduce((m, e) => Math.max(m, e.from + e.count), 0), false);
  const records = entries.map((e) => {
    const rows = cur.readRecord(e);
    const fl = failures.filter(([id]) => id >= e.from && id < e.from + e.count);
    return { from: e.from, to: e.from + e.count, rows, failures: fl };
  });
  cur.close();
  return { records, dropped };
}

/** A record changed between the scan and the read: the run folder was written by someone else. */
export class JournalChanged extends UserError {
  constructor(file: string, e: JournalEntry, why: string) {
    super(
      `${file}: the record of rows ${e.from}..${e.from + e.count - 1} at byte ${e.record} changed while results were written (${why}); ` +
        `another process wrote this run folder, or the disk is failing. Nothing was written from it; run --resume again`,
    );
  }
}

/**
 * Sequential reader of a journal's rows in (local) index order 0..n−1, one record in memory
 * at a time. Checks that the records cover every index exactly once (a later record that
 * overlaps earlier ones is a duplicate and is skipped).
 */
export class RowCursor {
  private readonly fd: number;
  private readonly order: JournalEntry[];
  private k = -1;
  private buf: Float64Array = new Float64Array(0);
  private base = 0;
  private end = 0;

  constructor(
    readonly file: string,
    entries: readonly JournalEntry[],
    readonly n: number,
    checkCover = true,
  ) {
    const sorted = [...entries].sort((a, b) => a.from - b.from || b.count - a.count);
    this.order = [];
    let next = 0;
    for (const e of sorted) {
      if (e.from + e.count <= next) continue; // duplicate of rows already covered
      if (e.from < next) throw new RangeError(`${file}: a record overlaps rows ${e.from}..${next - 1} partly`);
      if (e.from !== next && checkCover) throw new RangeError(`${file}: rows ${next}..${e.from - 1} are missing`);
      this.order.push(e);
      next = e.from + e.count;
    }
    if (checkCover && next < n) throw new RangeError(`${file}: rows ${next}..${n - 1} are missing`);
    this.fd = openSync(file, 'r');
  }

  /**
   * One record's rows, read whole and re-checked: its crc and its header (from, count) must still
   * be what the scan found, so a journal changed under us (another writer, a disk fault) is an
   * error, never a wrong row in results.csv.
   */
  readRecord(e: JournalEntry): Float64Array {
    const rec = Buffer.alloc(e.length);
    let got = 0;
    while (got < rec.length) {
      const r = readSync(this.fd, rec, got, rec.length - got, e.record + got);
      if (r === 0) throw new JournalChanged(this.file, e, 'the file ends inside it');
      got += r;
    }
    if (crc32(rec.subarray(0, rec.length - 4)) !== rec.readUInt32LE(rec.length - 4)) throw new JournalChanged(this.file, e, 'its checksum no longer matches');
    if (rec.readUInt32LE(0) !== MAGIC || rec.readUInt32LE(4) !== e.from || rec.readUInt32LE(8) !== e.count)
      throw new JournalChanged(this.file, e, 'it is no longer the record that was scanned');
    const rows = new Float64Array(e.count * N_METRICS);
    rec.copy(Buffer.from(rows.buffer), 0, e.offset - e.record, e.offset - e.record + rows.byteLength);
    return rows;
  }

  /** Offset of row j (j must increase by one each call) in `rows()`. */
  at(j: number): number {
    while (j >= this.end) {
      const e = this.order[++this.k];
      if (!e) throw new RangeError(`${this.file}: row ${j} is missing`);
      this.buf = this.readRecord(e);
      this.base = e.from;
      this.end = e.from + e.count;
    }
    return (j - this.base) * N_METRICS;
  }

  /** The current record's rows (valid after at()). */
  rows(): Float64Array {
    return this.buf;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * An append-only journal writer; each record is written with one positioned write and fsync'd.
 * Appends are serialised (the sweep hands over results from several lanes at once), so every
 * record's offset is known and the file never interleaves two records.
 */
export class JournalWriter {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly fh: Awaited<ReturnType<typeof open>>,
    private readonly file: string,
    private size: number,
  ) {}

  static async open(file: string): Promise<JournalWriter> {
    const fh = await open(file, existsSync(file) ? 'r+' : 'w+');
    return new JournalWriter(fh, file, (await fh.stat()).size);
  }

  /** Append one batch; returns where its rows are. A full disk is a UserError naming the file. */
  append(r: TaskResult): Promise<JournalEntry> {
    const next = this.queue.then(async () => {
      const rec = encodeRecord(r);
      const at = this.size;
      try {
        // a short write (a nearly full disk) must not leave a gap behind a record we count as written
        for (let done = 0; done < rec.length; ) {
          const { bytesWritten } = await this.fh.write(rec, done, rec.length - done, at + done);
          if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
          done += bytesWritten;
        }
        await this.fh.datasync();
      } catch (e) {
        throw describeWriteError(this.file, e);
      }
      this.size += rec.length;
      return { from: r.from, count: r.to - r.from, offset: at + HEAD, record: at, length: rec.length };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.fh.close();
  }
}
