/**
 * The batch journal: finished batches are appended as self-checking binary records, so a run
 * killed at any byte keeps every complete batch and resume finds exactly what is missing.
 *
 * Format 2 (one record; little-endian; the file is nothing but records back to back):
 *   magic u32 "RLJ2" | from u32 | count u32 | failuresLen u32 | reserved u32 (0) |
 *   headCrc u32 (crc32 of the 20 bytes before it) | rows count×M f64 | failures JSON (failuresLen
 *   bytes: [[localId, message], …], ids inside the record) | crc32 u32 of everything before it.
 * Records are self-delimiting and resynchronise: a record that fails any check (magic, header
 * crc, a length beyond the file or the limits, the record crc, the failures' shape) is skipped
 * and the scan looks for the next magic that starts a record passing every check. So damage in
 * the middle costs only the damaged record's configurations (the resume recomputes them and
 * appends them at the end); damage with nothing valid after it is a torn tail and is cut off, as
 * a kill during a write leaves it. A record whose rows overlap rows an earlier record already
 * holds (or lie beyond the run's size) is skipped too: the first record of a row wins.
 * Format 1 (magic "RLJ1", before issue 15) is refused with a message.
 */
import { open, truncate } from 'node:fs/promises';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { N_METRICS } from '../kernel/metrics.js';
import type { TaskResult } from '../exec/protocol.js';
import { describeWriteError } from './atomic.js';
import { UserError } from '../errors.js';

export const JOURNAL_FORMAT = 2;
const MAGIC = 0x324a4c52; // bytes "RLJ2" in the file
const MAGIC_BYTES = Buffer.from('RLJ2', 'latin1');
const OLD_MAGIC = 0x524c4a31; // format 1 wrote the u32 0x524c4a31 ("1JLR" on disk)
const HEAD = 24;
/** Limits a record header must respect (a batch is at most a few thousand rows). */
const MAX_COUNT = 1 << 22;
const MAX_FAILURES_BYTES = 64 << 20;

export function encodeRecord(r: TaskResult): Buffer {
  const count = r.to - r.from;
  const fail = Buffer.from(JSON.stringify(r.failures), 'utf8');
  const body = count * N_METRICS * 8;
  const buf = Buffer.alloc(HEAD + body + fail.length + 4);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(r.from, 4);
  buf.writeUInt32LE(count, 8);
  buf.writeUInt32LE(fail.length, 12);
  buf.writeUInt32LE(0, 16);
  buf.writeUInt32LE(crc32(buf.subarray(0, 20)), 20);
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

export interface JournalScan {
  /** The records kept, in file order (never overlapping one another). */
  entries: JournalEntry[];
  /** The kept records' failed configurations (local ids). */
  failures: [number, string][];
  /** Bytes of a torn tail (cut off unless truncateTail is false). */
  dropped: number;
  /** Damaged stretches in the middle, skipped: where and how long. */
  damaged: { offset: number; bytes: number }[];
  /** Intact records skipped because their rows overlap an earlier record's or exceed the size. */
  overlapping: { from: number; count: number; offset: number }[];
}

type Parsed = { from: number; count: number; len: number; failures: [number, string][] };

/** The record at `off` if it passes every check, else null. */
async function parseAt(fh: Awaited<ReturnType<typeof open>>, off: number, size: number, scratch: { buf: Buffer }): Promise<Parsed | null> {
  if (off + HEAD + 4 > size) return null;
  const head = Buffer.alloc(HEAD);
  await fh.read(head, 0, HEAD, off);
  if (head.readUInt32LE(0) !== MAGIC || crc32(head.subarray(0, 20)) !== head.readUInt32LE(20)) return null;
  const from = head.readUInt32LE(4);
  const count = head.readUInt32LE(8);
  const flen = head.readUInt32LE(12);
  if (count === 0 || count > MAX_COUNT || flen > MAX_FAILURES_BYTES || head.readUInt32LE(16) !== 0) return null;
  const body = count * N_METRICS * 8;
  const len = HEAD + body + flen + 4;
  if (off + len > size) return null;
  if (scratch.buf.length < len) scratch.buf = Buffer.alloc(Math.max(len, scratch.buf.length * 2));
  const rec = scratch.buf;
  await fh.read(rec, 0, len, off);
  if (crc32(rec.subarray(0, len - 4)) !== rec.readUInt32LE(len - 4)) return null;
  let fl: unknown;
  try {
    fl = JSON.parse(rec.subarray(HEAD + body, len - 4).toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(fl)) return null;
  for (const f of fl as unknown[]) {
    if (!Array.isArray(f) || f.length !== 2 || !Number.isInteger(f[0]) || typeof f[1] !== 'string') return null;
    if ((f[0] as number) < from || (f[0] as number) >= from + count) return null;
  }
  return { from, count, len, failures: fl as [number, string][] };
}

/** The next offset ≥ `from` where a record passing every check starts, or -1. */
async function resync(fh: Awaited<ReturnType<typeof open>>, from: number, size: number, scratch: { buf: Buffer }): Promise<number> {
  const CHUNK = 1 << 20;
  const chunk = Buffer.alloc(CHUNK + MAGIC_BYTES.length - 1);
  for (let base = from; base < size; base += CHUNK) {
    const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, size - base), base);
    const view = chunk.subarray(0, bytesRead);
    for (let i = view.indexOf(MAGIC_BYTES); i !== -1 && i < CHUNK; i = view.indexOf(MAGIC_BYTES, i + 1)) {
      if ((await parseAt(fh, base + i, size, scratch)) !== null) return base + i;
    }
  }
  return -1;
}

/**
 * Scan the journal record by record (memory: one record at a time, plus an index entry per
 * record), check every length and crc, resynchronise after damage, and cut a torn tail. With
 * `size` (the run's number of local ids), records reaching beyond it or overlapping rows an
 * earlier record holds are skipped. The rows stay on disk; read them with RowCursor.
 */
export async function scanJournal(
  file: string,
  /** truncateTail false: only read (merge reads shard journals it does not own). */
  o: { truncateTail?: boolean; size?: number } = {},
): Promise<JournalScan> {
  const out: JournalScan = { entries: [], failures: [], dropped: 0, damaged: [], overlapping: [] };
  if (!existsSync(file)) return out;
  const fh = await open(file, 'r');
  let off = 0;
  let size = 0;
  const covered = o.size === undefined ? null : new Uint8Array(o.size);
  try {
    size = (await fh.stat()).size;
    if (size >= 4) {
      const first = Buffer.alloc(4);
      await fh.read(first, 0, 4, 0);
      if (first.readUInt32LE(0) === OLD_MAGIC)
        throw new UserError(
          `${file}: this journal is in format 1, written by an older rebalance-lab; this version reads format ${JOURNAL_FORMAT}. ` +
            'Finish that run with the version that started it, or start a new run (a new --run-id)',
        );
    }
    const scratch = { buf: Buffer.alloc(0) };
    while (off < size) {
      const r = await parseAt(fh, off, size, scratch);
      if (r === null) {
        const next = await resync(fh, off + 1, size, scratch);
        if (next === -1) break; // nothing valid after it: a torn tail
        out.damaged.push({ offset: off, bytes: next - off });
        off = next;
        continue;
      }
      const e: JournalEntry = { from: r.from, count: r.count, offset: off + HEAD, record: off, length: r.len };
      off += r.len;
      if (covered) {
        const end = r.from + r.count;
        let clash = end > covered.length;
        for (let i = r.from; !clash && i < end; i++) if (covered[i]) clash = true;
        if (clash) {
          out.overlapping.push({ from: r.from, count: r.count, offset: e.record });
          continue;
        }
        covered.fill(1, r.from, end);
      }
      out.entries.push(e);
      for (const f of r.failures) out.failures.push(f);
    }
  } finally {
    await fh.close();
  }
  out.dropped = size - off;
  if (out.dropped > 0 && (o.truncateTail ?? true)) await truncate(file, off);
  return out;
}

/** Read every intact record into memory (small journals, tests); truncates a torn tail. */
export async function readJournal(file: string): Promise<{ records: TaskResult[]; dropped: number }> {
  const { entries, failures, dropped } = await scanJournal(file);
  const cur = new RowCursor(
    file,
    entries,
    entries.reduce((m, e) => Math.max(m, e.from + e.count), 0),
    false,
  );
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
  private recBuf: Buffer = Buffer.alloc(0);
  private rowsBuf: Float64Array = new Float64Array(0);
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
    return this.read(e, Buffer.alloc(e.length), new Float64Array(e.count * N_METRICS));
  }

  /** readRecord into `rec` (at least e.length bytes) and `rows` (at least e.count rows); returns `rows`. */
  private read(e: JournalEntry, rec: Buffer, rows: Float64Array): Float64Array {
    const len = e.length;
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, rec, got, len - got, e.record + got);
      if (r === 0) throw new JournalChanged(this.file, e, 'the file ends inside it');
      got += r;
    }
    if (crc32(rec.subarray(0, len - 4)) !== rec.readUInt32LE(len - 4)) throw new JournalChanged(this.file, e, 'its checksum no longer matches');
    if (rec.readUInt32LE(0) !== MAGIC || rec.readUInt32LE(4) !== e.from || rec.readUInt32LE(8) !== e.count)
      throw new JournalChanged(this.file, e, 'it is no longer the record that was scanned');
    const bytes = e.count * N_METRICS * 8;
    rec.copy(Buffer.from(rows.buffer, rows.byteOffset, bytes), 0, e.offset - e.record, e.offset - e.record + bytes);
    return rows;
  }

  /**
   * The next record's rows for `at`, in buffers reused from record to record (a million rows
   * would otherwise allocate, and collect, the journal's size twice over per pass).
   */
  private readReused(e: JournalEntry): Float64Array {
    if (this.recBuf.length < e.length) this.recBuf = Buffer.allocUnsafe(Math.max(e.length, 2 * this.recBuf.length));
    const need = e.count * N_METRICS;
    if (this.rowsBuf.length < need) this.rowsBuf = new Float64Array(Math.max(need, 2 * this.rowsBuf.length));
    return this.read(e, this.recBuf, this.rowsBuf);
  }

  /** Offset of row j (j must increase by one each call) in `rows()`. */
  at(j: number): number {
    while (j >= this.end) {
      const e = this.order[++this.k];
      if (!e) throw new RangeError(`${this.file}: row ${j} is missing`);
      this.buf = this.readReused(e);
      this.base = e.from;
      this.end = e.from + e.count;
    }
    return (j - this.base) * N_METRICS;
  }

  /** The current record's rows (valid after at(), until at() moves to the next record; it may be longer than the record). */
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

/** One journal holding the ids ≡ k (mod n), at local index ⌊id/n⌋. A plain run is shard 0 of 1. */
export interface ShardJournal {
  file: string;
  entries: JournalEntry[];
  k: number;
  n: number;
}

/** How many ids of 0..K−1 are ≡ k (mod n). */
export function shardCount(K: number, k: number, n: number): number {
  return k >= K ? 0 : Math.floor((K - 1 - k) / n) + 1;
}

export interface RowRef {
  id: number;
  /** The metrics are rows[off .. off + N_METRICS). */
  rows: Float64Array;
  off: number;
}

/**
 * Every row in id order as a cursor (one journal record per shard in memory): `next()` moves to
 * the next id and is false after the last; `close()` when done. The fields are the current row.
 */
export class RowsInOrder implements RowRef {
  id = -1;
  rows: Float64Array = new Float64Array(0);
  off = 0;
  private readonly byK: RowCursor[];

  constructor(
    shards: readonly ShardJournal[],
    private readonly K: number,
  ) {
    const n = shards.length;
    this.byK = new Array<RowCursor>(n);
    try {
      for (const s of shards) this.byK[s.k] = new RowCursor(s.file, s.entries, shardCount(K, s.k, n));
    } catch (e) {
      this.close();
      throw e;
    }
  }

  next(): boolean {
    const id = this.id + 1;
    if (id >= this.K) return false;
    const n = this.byK.length;
    const c = this.byK[id % n];
    this.off = c.at(Math.floor(id / n));
    this.rows = c.rows();
    this.id = id;
    return true;
  }

  close(): void {
    for (const c of this.byK) c?.close();
  }
}

/** Every row in id order (one reused RowRef; one journal record per shard in memory). */
export function* rowsInOrder(shards: readonly ShardJournal[], K: number): Generator<RowRef> {
  const it = new RowsInOrder(shards, K);
  try {
    while (it.next()) yield it;
  } finally {
    it.close();
  }
}
