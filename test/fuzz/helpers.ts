/**
 * Shared pieces of the hostile-input suites: a temp directory, the "UserError or success, never
 * anything else" check, and a second, deliberately simple price loader used as the oracle for
 * every file the real loader accepts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

/** Fixed seed for every property: failures reproduce exactly. */
export const SEED = 20261124;

export interface TempDir {
  dir: string;
  /** Write bytes or text to a fresh file named `<n><suffix>` and return its path. */
  file(data: string | Uint8Array, suffix?: string): Promise<string>;
  remove(): Promise<void>;
}

export async function tempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    async file(data, suffix = '.csv') {
      const path = join(dir, `f${n++}${suffix}`);
      await writeFile(path, data);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Run `p`: a success gives { ok }, a UserError gives { error } after checking that its message
 * is a clear one-paragraph user message about `file` (starts with the path, no stack trace,
 * bounded length). Anything else thrown fails the test with that error.
 */
export async function outcome<T>(p: Promise<T>, file: string): Promise<{ ok: T; error?: undefined } | { ok?: undefined; error: string }> {
  try {
    return { ok: await p };
  } catch (e) {
    if (!(e instanceof UserError)) {
      throw new Error(`${file}: expected a UserError or a load, got ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`);
    }
    const msg = e.message;
    expect(msg.startsWith(file), `message does not start with the file: ${msg.slice(0, 300)}`).toBe(true);
    expect(msg).not.toMatch(/\n\s+at /); // no stack frames pasted into the message
    expect(msg.length, `message too long: ${msg.slice(0, 300)}`).toBeLessThan(1500);
    return { error: msg };
  }
}

// --- the oracle: a second, plain price loader for files the real one accepted -------------

const MARKERS = ['', 'na', 'n/a', 'null'];

/** Decode like a text editor would: BOMs for UTF-8 and UTF-16, else UTF-8. */
export function refDecode(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/**
 * CSV records, written independently of src/data/csv.ts as a per-character state machine:
 * fields split on commas, records on LF, CRLF or CR; `"` opens a quoted field where `""` is a
 * quote; unquoted fields are trimmed; a record that is one empty field is dropped.
 */
export function refRecords(text: string): string[][] {
  const out: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false; // current field was quoted
  let inQuotes = false;
  let atFieldStart = true;
  const endField = (): void => {
    fields.push(quoted ? field : field.trim());
    field = '';
    quoted = false;
    atFieldStart = true;
  };
  const endRecord = (): void => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) out.push(fields);
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else field += c;
      continue;
    }
    if (c === '"' && atFieldStart) {
      inQuotes = true;
      quoted = true;
      atFieldStart = false;
    } else if (c === ',') endField();
    else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else {
      atFieldStart = false;
      if (!quoted) field += c; // blanks after a closing quote are dropped
    }
  }
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return out;
}

export interface RefMatrix {
  assets: string[];
  dates: string[];
  prices: number[];
}

/**
 * What an accepted file must load as: rows sorted by date, the window starting where every
 * asset has a price, missing cells carrying the previous price forward. Validation is the real
 * loader's job; this only computes the numbers, from the text, independently.
 */
export function refLoad(text: string): RefMatrix {
  const recs = refRecords(text);
  const header = recs[0];
  const cell = new Map<string, Map<string, string>>(); // date -> asset -> raw
  let assets: string[];
  if (header.length === 3 && header.map((h) => h.toLowerCase()).join() === 'date,asset,price') {
    assets = [];
    for (const [d, a, p] of recs.slice(1)) {
      if (!assets.includes(a)) assets.push(a);
      if (!cell.has(d)) cell.set(d, new Map());
      cell.get(d)!.set(a, p);
    }
  } else {
    assets = header.slice(1);
    for (const r of recs.slice(1)) cell.set(r[0], new Map(assets.map((a, i) => [a, r[i + 1]])));
  }
  const allDates = [...cell.keys()].sort();
  const value = (d: string, a: string): number => {
    const raw = cell.get(d)!.get(a);
    return raw === undefined || MARKERS.includes(raw.toLowerCase()) ? NaN : Number(raw);
  };
  let start = 0;
  for (const a of assets)
    start = Math.max(
      start,
      allDates.findIndex((d) => !Number.isNaN(value(d, a))),
    );
  const dates = allDates.slice(start);
  const prices: number[] = [];
  const last = assets.map(() => NaN);
  allDates.forEach((d, t) => {
    assets.forEach((a, j) => {
      const v = value(d, a);
      if (!Number.isNaN(v)) last[j] = v; // carried forward, also from before the window
      if (t >= start) prices.push(last[j]);
    });
  });
  return { assets, dates, prices };
}

/** Bitwise comparison of a loaded matrix with the expected one (so -0 ≠ 0 and NaN shows). */
export function expectMatrix(m: { assets: readonly string[]; dates: readonly string[]; prices: Float64Array }, want: RefMatrix): void {
  expect([...m.assets]).toEqual(want.assets);
  expect([...m.dates]).toEqual(want.dates);
  expect(m.prices.length).toBe(want.prices.length);
  for (let k = 0; k < want.prices.length; k++) {
    if (!Object.is(m.prices[k], want.prices[k])) {
      expect.fail(`price ${k} (row ${Math.floor(k / want.assets.length)}): loaded ${m.prices[k]}, wrote ${want.prices[k]}`);
    }
  }
}
