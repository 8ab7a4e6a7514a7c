/**
 * From CSV records to a raw wide table (design §2): detects the format from the header,
 * checks every row's shape and date, rejects duplicates, and pivots long files to wide.
 * Cells stay raw text here; prices are parsed and judged later, only where they are used.
 */
import { isoDateProblem } from './calendar.js';
import type { CsvRecord } from './csv.js';
import { UserError } from '../errors.js';
import { quote } from './text.js';

/** Longest asset name accepted (it names columns in results and reports). */
export const MAX_ASSET_NAME = 200;

/** A price file as a wide table of raw cells, rows in file order (not yet sorted). */
export interface RawTable {
  file: string;
  format: 'wide' | 'long';
  /** Every asset in the file: wide in header order, long in order of first appearance. */
  assets: string[];
  /** One date per row: wide one per data line, long one per distinct date (first appearance order). */
  dates: string[];
  /** Raw cell text, row-major rows × assets; `undefined` where a long file has no row. */
  cells: (string | undefined)[];
  /** 1-based line of each cell, row-major like `cells`; 0 where a long file has no row. */
  lines: Int32Array;
}

const LONG_HEADER = ['date', 'asset', 'price'];
const HEADER_HINT = 'date,SPY,TLT,… (wide) or date,asset,price (long)';

/** Build the raw table; throws a UserError naming the line for every structural problem. */
export function buildTable(records: CsvRecord[], file: string): RawTable {
  if (records.length === 0) {
    throw new UserError(`${file}: the file is empty; it needs a header line ${HEADER_HINT} and data rows`);
  }
  const header = records[0];
  if (records.length === 1) {
    throw new UserError(`${file} line ${header.line}: only a header, no data rows; add one row per date below it`);
  }
  return isLongHeader(header.fields) ? buildLong(records, file) : buildWide(records, file);
}

/** `date,asset,price` in any letter case means long format. */
export function isLongHeader(fields: readonly string[]): boolean {
  return fields.length === 3 && fields.every((f, i) => f.toLowerCase() === LONG_HEADER[i]);
}

function buildWide(records: CsvRecord[], file: string): RawTable {
  const assets = wideAssets(records[0], file);
  const width = assets.length + 1;
  const rows = records.length - 1;
  const dates: string[] = new Array<string>(rows);
  const cells: (string | undefined)[] = new Array<string>(rows * assets.length);
  const lines = new Int32Array(rows * assets.length);
  const seen = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    const { line, fields } = records[r + 1];
    if (fields.length !== width) throw raggedRow(file, line, fields, records[0]);
    const date = checkDate(file, line, fields[0]);
    checkDuplicate(seen, date, line, file, 'date');
    dates[r] = date;
    for (let a = 0; a < assets.length; a++) {
      cells[r * assets.length + a] = fields[a + 1];
      lines[r * assets.length + a] = line;
    }
  }
  return { file, format: 'wide', assets, dates, cells, lines };
}

/** Asset names from a wide header: first column `date`, then unique non-empty names. */
function wideAssets(header: CsvRecord, file: string): string[] {
  const [first, ...assets] = header.fields;
  const where = `${file} line ${header.line}`;
  if (first.toLowerCase() !== 'date') {
    // never echo more than a short excerpt of a file that may not be a price file at all
    if (assets.length === 0)
      throw new UserError(`${where}: this is not a price CSV (its first line has no comma-separated columns); write the header as ${HEADER_HINT}`);
    throw new UserError(`${where}: the header must start with a date column, found ${quote(first, 24)}; ` + `write the header as ${HEADER_HINT}`);
  }
  if (assets.length === 0) {
    throw new UserError(`${where}: the header has a date column but no asset columns; write it as ${HEADER_HINT}`);
  }
  const seen = new Map<string, number>();
  assets.forEach((name, i) => {
    if (name === '') {
      throw new UserError(`${where}: column ${i + 2} of the header has no asset name; name every column`);
    }
    checkNameLength(name, `${where}: column ${i + 2} of the header`);
    const before = seen.get(name);
    if (before !== undefined) {
      throw new UserError(`${where}: asset ${name} appears twice in the header (columns ${before} and ${i + 2}); ` + `rename or remove one of them`);
    }
    seen.set(name, i + 2);
  });
  return assets;
}

function buildLong(records: CsvRecord[], file: string): RawTable {
  const assetIndex = new Map<string, number>();
  const dateIndex = new Map<string, number>();
  const entries: { r: number; a: number; raw: string; line: number }[] = [];
  for (let k = 1; k < records.length; k++) {
    const { line, fields } = records[k];
    if (fields.length !== 3) throw raggedRow(file, line, fields, records[0]);
    const date = checkDate(file, line, fields[0]);
    const asset = fields[1];
    if (asset === '') {
      throw new UserError(`${file} line ${line} (${date}): the asset name is empty; write the asset's name`);
    }
    checkNameLength(asset, `${file} line ${line} (${date}): the asset name`);
    const r = indexOf(dateIndex, date);
    const a = indexOf(assetIndex, asset);
    entries.push({ r, a, raw: fields[2], line });
  }
  const A = assetIndex.size;
  const cells: (string | undefined)[] = new Array<string | undefined>(dateIndex.size * A).fill(undefined);
  const lines = new Int32Array(dateIndex.size * A);
  const assets = [...assetIndex.keys()];
  const dates = [...dateIndex.keys()];
  for (const { r, a, raw, line } of entries) {
    const k = r * A + a;
    if (lines[k] !== 0) {
      throw new UserError(
        `${file} line ${line} (${dates[r]}): a second ${assets[a]} price for ${dates[r]}, ` + `already given on line ${lines[k]}; remove one of the two rows`,
      );
    }
    cells[k] = raw;
    lines[k] = line;
  }
  return { file, format: 'long', assets, dates, cells, lines };
}

function checkNameLength(name: string, where: string): void {
  if (name.length > MAX_ASSET_NAME) {
    throw new UserError(
      `${where} is ${name.length} characters long (${quote(name, 40)}); asset names may have at most ` +
        `${MAX_ASSET_NAME}; use a short ticker-like name (is a quote missing in the file?)`,
    );
  }
}

/** Index of `key` in an insertion-ordered map, adding it when new. */
function indexOf(map: Map<string, number>, key: string): number {
  let i = map.get(key);
  if (i === undefined) {
    i = map.size;
    map.set(key, i);
  }
  return i;
}

function checkDate(file: string, line: number, text: string): string {
  const problem = isoDateProblem(text);
  if (problem !== null) {
    throw new UserError(`${file} line ${line}: date ${problem}; write a real date as YYYY-MM-DD or remove the row`);
  }
  return text;
}

function checkDuplicate(seen: Map<string, number>, date: string, line: number, file: string, what: string): void {
  const before = seen.get(date);
  if (before !== undefined) {
    throw new UserError(`${file} line ${line} (${date}): duplicate ${what}, already on line ${before}; remove one of the two rows`);
  }
  seen.set(date, line);
}

function raggedRow(file: string, line: number, fields: string[], header: CsvRecord): UserError {
  const expected = header.fields.length;
  const date = isoDateProblem(fields[0]) === null ? ` (${fields[0]})` : '';
  const names = expected <= 8 ? ` (${header.fields.join(',')})` : '';
  return new UserError(
    `${file} line ${line}${date}: ${fields.length} ${fields.length === 1 ? 'field' : 'fields'} but the header ` +
      `on line ${header.line} has ${expected}${names}; give every row one value per column ` +
      `(leave a cell empty for a missing price)`,
  );
}
