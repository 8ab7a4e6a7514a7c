/**
 * Reading user text files safely: a size guard before reading, byte-order marks (UTF-8, UTF-16
 * LE/BE) honoured, invalid UTF-8 reported with its line instead of silently turned into U+FFFD,
 * and values quoted for error messages without pasting megabytes into them.
 */
import { constants } from 'node:buffer';
import { constants as constants_fs, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Default size limit for a price file, in bytes (override: LoadOptions.maxFileBytes or the env
 * variable). Measured: a 50 MB wide file (100 columns) peaks at 0.9 GB resident / 0.5 GB heap,
 * so 128 MiB stays well inside Node's default heap (about 4 GB on a 24 GB machine).
 */
export const DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024;
/** Environment variable that overrides the price-file size limit, in megabytes (MiB). */
export const MAX_FILE_ENV = 'REBALANCE_LAB_MAX_CSV_MB';

/** The price-file size limit in bytes: the option, else the environment variable, else the default. */
export function maxFileBytes(option: number | undefined, file: string): number {
  if (option !== undefined) {
    if (!(option > 0)) throw new UserError(`${file}: maxFileBytes ${option} must be a positive number of bytes`);
    return option;
  }
  const env = process.env[MAX_FILE_ENV];
  if (env === undefined || env.trim() === '') return DEFAULT_MAX_FILE_BYTES;
  const mb = Number(env);
  if (!(Number.isFinite(mb) && mb > 0)) {
    throw new UserError(`${file}: ${MAX_FILE_ENV}=${quote(env)} must be a positive number of megabytes (e.g. ${MAX_FILE_ENV}=2048)`);
  }
  return Math.max(1, Math.floor(mb * 1024 * 1024));
}

/** "1.2 GB", "300 MB", "12 kB" (binary units, one decimal below 10). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  let x = n;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${x < 10 ? x.toFixed(1) : Math.round(x)} ${units[u]}`;
}

/**
 * Read a user's text file: a missing, unreadable or too large file is a UserError naming it
 * (the size is checked before anything is read, so a huge file cannot exhaust memory).
 * `what` names the kind of file in messages ("price file", "experiment file").
 */
export async function readUserText(file: string, limit: number, what: string, tooBigHint: string): Promise<string> {
  // open without blocking (a FIFO would wait forever for a writer), then judge the opened file
  // itself (fstat on the descriptor: no window between a check and the read)
  let fh: FileHandle;
  try {
    fh = await open(file, constants_fs.O_RDONLY | constants_fs.O_NONBLOCK);
  } catch (e) {
    throw readError(file, e, what);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw readError(file, e, what);
    }
    if (st.isDirectory()) throw new UserError(`${file}: is a directory, not ${article(what)}; give the path of the file`);
    if (!st.isFile()) {
      const kind = st.isFIFO()
        ? 'a FIFO (named pipe)'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : st.isSocket()
            ? 'a socket'
            : 'not a regular file';
      throw new UserError(`${file}: is ${kind}, not ${article(what)}; give the path of a regular file`);
    }
    const tooBig = (n: number | null): UserError =>
      new UserError(`${file}: the ${what} is ${n === null ? 'larger than the' : `${formatBytes(n)}, over the`} ${formatBytes(limit)} limit; ${tooBigHint}`);
    if (st.size > limit) throw tooBig(st.size);
    // read with the real byte count checked as it grows (a file can grow, or lie about its size)
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (e) {
        throw readError(file, e, what);
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw tooBig(null);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return decodeText(Buffer.concat(chunks, total), file);
  } finally {
    await fh.close();
  }
}

function article(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function readError(file: string, e: unknown, what: string): UserError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new UserError(`${file}: file not found (looked for ${resolve(file)}); check the path`);
  if (code === 'EISDIR') return new UserError(`${file}: is a directory, not ${article(what)}; give the path of the file`);
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError(`${file}: permission denied (${code}); make the file readable (chmod +r) or copy it somewhere readable`);
  }
  return new UserError(`${file}: cannot read the file (${code ?? String(e)}); check that it exists and is readable`);
}

/**
 * Bytes to text. A UTF-8 BOM is dropped; a UTF-16 BOM (LE or BE) decodes the file as UTF-16;
 * a UTF-32 BOM is refused; otherwise the bytes must be valid UTF-8, and the first invalid byte
 * is reported with its line (a file saved as Latin-1 / Windows-1252, or not a text file).
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if ((b0 === 0xff && b1 === 0xfe && bytes[2] === 0 && bytes[3] === 0) || (b0 === 0 && b1 === 0 && bytes[2] === 0xfe && bytes[3] === 0xff)) {
    throw new UserError(`${file}: the file is saved as UTF-32, which is not supported; save it as UTF-8 (CSV UTF-8 in Excel)`);
  }
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    const le = b0 === 0xff;
    if (bytes.length / 2 > constants.MAX_STRING_LENGTH) throw tooLongForText(file, bytes.length);
    if (bytes.length % 2 !== 0) {
      throw new UserError(
        `${file}: the file starts with a UTF-16 byte-order mark but has an odd number of bytes (truncated?); ` + `save it again, preferably as UTF-8`,
      );
    }
    // the BOM is consumed by the decoder (ignoreBOM false)
    return new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(bytes);
  }
  const start = b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length - start > constants.MAX_STRING_LENGTH) throw tooLongForText(file, bytes.length);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
  } catch {
    const at = firstInvalidUtf8(bytes, start);
    if (at >= bytes.length) throw tooLongForText(file, bytes.length);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const hex = `0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')}`;
    throw new UserError(
      `${file} line ${line}: byte ${hex} at column ${at - lineStart + 1} is not valid UTF-8 ` +
        `(is the file saved as Latin-1/Windows-1252, or not a text file?); save it as UTF-8 (CSV UTF-8 in Excel)`,
    );
  }
}

function tooLongForText(file: string, size: number): UserError {
  return new UserError(
    `${file}: the file (${formatBytes(size)}) is too large to read as text (JavaScript strings hold at most ` +
      `${formatBytes(constants.MAX_STRING_LENGTH)}); split it or keep only the assets and dates you need`,
  );
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (bytes.length when all are valid). */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return i;
}

/** A value for an error message: JSON-quoted, cut to about `max` characters. */
export function quote(s: string, max = 60): string {
  const q = JSON.stringify(s);
  return q.length <= max ? q : `${q.slice(0, max - 12)}…" (${s.length} chars)`;
}

/** Unquoted text for an error message, cut to about `max` characters. */
export function clip(s: string, max = 40): string {
  return s.length <= max ? s : `${s.slice(0, max - 10)}… (${s.length} chars)`;
}

/** A list of names for an error message, cut after `max` names. */
export function nameList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => (n.length > 40 ? quote(n, 40) : n));
  return names.length > max ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}
