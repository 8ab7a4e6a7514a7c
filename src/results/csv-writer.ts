/**
 * results.csv's writer (issue 12, "write at disk speed"): rows are formatted straight into two
 * large preallocated byte regions (numbers by results/dtoa.ts, text cells copied as UTF-8), and
 * a full region is written to the file while the other one fills, so no string is made per
 * number or row and memory stays at the two regions whatever the file's size. The bytes are
 * those of `formatRow` (table.ts) line after line: test/results/csv-writer.test.ts compares them.
 */
import type { FileHandle } from 'node:fs/promises';
import { NUMBER_ROOM, numberFormatter } from './dtoa.js';
import { type CellSink, quoteCell, StringRow } from './table.js';

/** A row sink that writes to a file: `flush` when `full` (between rows), `close` at the end. */
export interface FileRowSink extends CellSink {
  readonly full: boolean;
  flush(): Promise<void>;
  /** Write what is left and wait for every write. */
  close(): Promise<void>;
  /** Wait for the writes in flight, ignoring their errors (before giving up on the file). */
  settle(): Promise<void>;
}

/** Bytes per region (two of them): large writes, few of them. */
const REGION = 8 << 20;
/** Text cells kept encoded (parameter values, reasons repeat); messages beyond this are encoded each time. */
const CACHE_LIMIT = 4096;

/** Writes `buf[off, off + len)` at file position `at`, all of it. */
async function writeAll(fh: FileHandle, buf: Uint8Array, off: number, len: number, at: number): Promise<void> {
  while (len > 0) {
    const { bytesWritten } = await fh.write(buf, off, len, at);
    off += bytesWritten;
    at += bytesWritten;
    len -= bytesWritten;
  }
}

export class CsvFileWriter implements FileRowSink {
  private readonly buf: Buffer;
  private readonly put: (x: number, pos: number) => number;
  private readonly base: number;
  private readonly region: number;
  private half = 0;
  private start: number;
  /** Past `hard` a cell may not start (room for the longest number); past `soft` the region is full. */
  private hard: number;
  private soft: number;
  private pos: number;
  private first = true;
  /** Bytes moved out of the region by a row that did not fit, written before it. */
  private spilled: Buffer[] = [];
  private filePos = 0;
  private inflight: Promise<void> = Promise.resolve();
  private readonly encoded = new Map<string, Buffer>();

  /** `region` bytes per region (tests use small ones); `wasm: false` formats numbers with String(x). */
  constructor(
    private readonly fh: FileHandle,
    o: { region?: number; wasm?: boolean } = {},
  ) {
    this.region = Math.max(4096, o.region ?? REGION);
    const f = o.wasm === false ? numberFormatter(2 * this.region, null) : numberFormatter(2 * this.region);
    this.buf = f.buf;
    this.put = f.put;
    this.base = f.start;
    this.start = this.pos = this.base;
    this.hard = this.start + this.region - NUMBER_ROOM;
    this.soft = this.start + ((this.region * 7) >> 3);
  }

  get full(): boolean {
    return this.pos > this.soft;
  }

  private sep(): void {
    if (this.first) this.first = false;
    else this.buf[this.pos++] = 44;
  }

  /** Move the region's bytes out (a row too long for what is left); the region starts over. */
  private spill(): void {
    const n = this.pos - this.start;
    if (n > 0) {
      const copy = Buffer.allocUnsafe(n);
      this.buf.copy(copy, 0, this.start, this.pos);
      this.spilled.push(copy);
    }
    this.pos = this.start;
  }

  num(x: number): void {
    if (this.pos > this.hard) this.spill();
    this.sep();
    if (Number.isFinite(x)) this.pos = this.put(x, this.pos);
  }

  value(v: string | number | null): void {
    if (typeof v === 'number') this.num(v);
    else if (typeof v === 'string') this.bytes(v, true);
    else this.plain(''); // null, or a field a hand-made Config leaves undefined (formatRow's join writes '')
  }

  plain(s: string): void {
    if (s === '') {
      if (this.pos > this.hard) this.spill();
      this.sep();
    } else this.bytes(s, false);
  }

  private bytes(s: string, quote: boolean): void {
    let b = this.encoded.get(s);
    if (b === undefined) {
      b = Buffer.from(quote ? quoteCell(s) : s, 'utf8');
      if (this.encoded.size < CACHE_LIMIT) this.encoded.set(s, b);
    }
    if (this.pos + 1 + b.length > this.hard) {
      this.spill();
      if (1 + b.length > this.hard - this.start) {
        // a cell longer than a region: written from its own buffer
        this.sep();
        this.spill();
        this.spilled.push(b);
        return;
      }
    }
    this.sep();
    const buf = this.buf;
    let p = this.pos;
    if (b.length <= 32) for (let i = 0; i < b.length; i++) buf[p++] = b[i];
    else p += b.copy(buf, p);
    this.pos = p;
  }

  endRow(): void {
    if (this.pos > this.hard) this.spill();
    this.buf[this.pos++] = 10;
    this.first = true;
  }

  /**
   * Start writing this region (after the writes before it) and switch to the other one, once
   * its own earlier write is done: one write in flight while the next region fills.
   */
  async flush(): Promise<void> {
    const spilled = this.spilled;
    this.spilled = [];
    const from = this.start;
    const n = this.pos - from;
    const prev = this.inflight;
    this.inflight = prev.then(async () => {
      for (const b of spilled) {
        await writeAll(this.fh, b, 0, b.length, this.filePos);
        this.filePos += b.length;
      }
      await writeAll(this.fh, this.buf, from, n, this.filePos);
      this.filePos += n;
    });
    // a failed write surfaces at the next flush or close; this keeps it from counting as unhandled meanwhile
    this.inflight.catch(() => {});
    this.half ^= 1;
    this.start = this.pos = this.base + this.half * this.region;
    this.hard = this.start + this.region - NUMBER_ROOM;
    this.soft = this.start + ((this.region * 7) >> 3);
    await prev;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.inflight;
  }

  async settle(): Promise<void> {
    await this.inflight.catch(() => {});
  }
}

/**
 * The string path results.csv was written with before the byte writer: each row joined from
 * `String(x)` cells (formatRow), lines appended to a string, written every 64 KB. Kept so tests
 * can compare the two writers' files on the same run.
 */
export class StringLineWriter implements FileRowSink {
  private row = new StringRow();
  private text = '';
  private filePos = 0;

  constructor(private readonly fh: FileHandle) {}

  get full(): boolean {
    return this.text.length > 1 << 16;
  }
  num(x: number): void {
    this.row.num(x);
  }
  value(v: string | number | null): void {
    this.row.value(v);
  }
  plain(s: string): void {
    this.row.plain(s);
  }
  endRow(): void {
    this.text += this.row.parts.join(',') + '\n';
    this.row = new StringRow();
  }
  async flush(): Promise<void> {
    const b = Buffer.from(this.text, 'utf8');
    this.text = '';
    await writeAll(this.fh, b, 0, b.length, this.filePos);
    this.filePos += b.length;
  }
  close(): Promise<void> {
    return this.flush();
  }
  async settle(): Promise<void> {}
}
