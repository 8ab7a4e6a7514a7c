/**
 * `loadPrices`: a price CSV to a validated PriceMatrix (design §1–§2).
 *
 *   read file → tokenize (csv.ts, line numbers) → raw table, wide or long (table.ts: header,
 *   shape, dates, duplicates) → range, selection, sort (frame.ts) → judge used prices,
 *   common start, forward-fill (align.ts) → periods per year (calendar.ts) → PriceMatrix.
 *
 * Every user mistake is a UserError naming the file, the line, the date, the column, the value
 * and the fix.
 */
import { alignWindow, checkPrices, type Selection, type Window } from './align.js';
import { detectPeriodsPerYear, isoDateProblem, rowsPerCalendarYear } from './calendar.js';
import { parseCsv } from './csv.js';
import { UserError } from '../errors.js';
import { shapeRows, type SortedRows } from './frame.js';
import { buildTable, type RawTable } from './table.js';
import { clip, MAX_FILE_ENV, maxFileBytes, nameList, quote, readUserText } from './text.js';
import type { DataInfo, LoadOptions, PriceMatrix } from './types.js';

/** Default forward-fill limit, in consecutive missing periods. */
export const DEFAULT_MAX_FILL = 5;

/** Load, validate and align a price file. See the module comment for the steps. */
export async function loadPrices(file: string, opts: LoadOptions = {}): Promise<{ matrix: PriceMatrix; info: DataInfo }> {
  const maxFill = checkOptions(file, opts);
  const limit = maxFileBytes(opts.maxFileBytes, file);
  const table = buildTable(parseCsv(await readText(file, limit), file), file);
  const selected = selectAssets(table, opts.assets);
  const inRange = rangeMask(table, opts.start, opts.end);
  const sorted = shapeRows(table, selected, inRange);
  const sel: Selection = { table, selected, maxFill };
  checkPrices(sorted, sel);
  const window = alignWindow(sorted, sel);
  return assemble(table, sel, sorted, window, opts.periodsPerYear);
}

/**
 * The file's text; a missing, unreadable or too large file is a UserError. The size is checked
 * before reading: loading holds the table in memory several times over (measured about 25× the
 * file size), so a multi-gigabyte file would exhaust memory instead of failing clearly.
 */
async function readText(file: string, limit: number): Promise<string> {
  return readUserText(
    file,
    limit,
    'price file',
    `loading needs about 25 times the file size in memory. Keep only the assets and dates you need ` +
      `in the file, or raise the limit with ${MAX_FILE_ENV}=<megabytes> ` +
      `(and give Node more memory with NODE_OPTIONS=--max-old-space-size=<megabytes>)`,
  );
}

/** Validate the options that do not need the file; returns maxFill. */
function checkOptions(file: string, opts: LoadOptions): number {
  for (const key of ['start', 'end'] as const) {
    const v = opts[key];
    const problem = v === undefined ? null : isoDateProblem(v);
    if (problem !== null) throw new UserError(`${file}: the ${key} option ${problem}; write it as YYYY-MM-DD`);
  }
  if (opts.start !== undefined && opts.end !== undefined && opts.start > opts.end) {
    throw new UserError(`${file}: start ${opts.start} is after end ${opts.end}; swap them or fix one`);
  }
  const maxFill = opts.maxFill ?? DEFAULT_MAX_FILL;
  if (!Number.isInteger(maxFill) || maxFill < 0) {
    throw new UserError(`${file}: maxFill ${maxFill} must be a whole number of periods ≥ 0 (default ${DEFAULT_MAX_FILL})`);
  }
  const ppy = opts.periodsPerYear;
  if (ppy !== undefined && !(Number.isFinite(ppy) && ppy >= 1 && ppy <= 1_000_000)) {
    throw new UserError(`${file}: periodsPerYear ${ppy} must be a number from 1 to 1,000,000 (e.g. 252, 365, 52, 12)`);
  }
  return maxFill;
}

/** Indices of the requested assets in request order (default: every asset, file order). */
function selectAssets(table: RawTable, requested: readonly string[] | undefined): number[] {
  if (requested === undefined) return table.assets.map((_, a) => a);
  const available = `the file has ${nameList(table.assets)}`;
  if (requested.length === 0) throw new UserError(`${table.file}: no assets selected; ${available}`);
  const index = new Map(table.assets.map((name, a) => [name, a]));
  const seen = new Set<string>();
  return requested.map((name) => {
    const a = index.get(name);
    if (a === undefined) {
      const near = table.assets.find((x) => x.toLowerCase() === name.toLowerCase());
      const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
      throw new UserError(`${table.file}: unknown asset ${quote(name)}${hint}; ${available}`);
    }
    if (seen.has(name)) throw new UserError(`${table.file}: asset ${clip(name)} is selected twice; list each asset once`);
    seen.add(name);
    return a;
  });
}

/** Which table rows fall in [start, end]; throws when none does. */
function rangeMask(table: RawTable, start: string | undefined, end: string | undefined): boolean[] {
  const mask = table.dates.map((d) => (start === undefined || d >= start) && (end === undefined || d <= end));
  if (!mask.includes(true)) {
    throw new UserError(
      `${table.file}: no rows between ${start ?? 'the start'} and ${end ?? 'the end'}; ` + `the file covers ${minDate(table.dates)} .. ${maxDate(table.dates)}`,
    );
  }
  return mask;
}

/** Build the PriceMatrix (over a SharedArrayBuffer) and the DataInfo. */
function assemble(
  table: RawTable,
  sel: Selection,
  sorted: SortedRows,
  window: Window,
  ppyOverride: number | undefined,
): { matrix: PriceMatrix; info: DataInfo } {
  const dates = sorted.dates.slice(window.start);
  const assets = sel.selected.map((a) => table.assets[a]);
  if (dates.length < 2) {
    throw new UserError(
      `${table.file}: ${nameList(assets)} have a common price on only one date (${dates[0]}); ` +
        `a backtest needs at least two, so choose other assets or a wider date range`,
    );
  }
  const N = assets.length;
  const T = dates.length;
  const prices = new Float64Array(new SharedArrayBuffer(T * N * Float64Array.BYTES_PER_ELEMENT));
  prices.set(window.prices);
  const ppy = detectPeriodsPerYear(dates, ppyOverride);
  const matrix: PriceMatrix = { dates, assets, prices, T, N, periodsPerYear: ppy.periodsPerYear };
  const info: DataInfo = {
    file: table.file,
    format: table.format,
    rows: T,
    assets: assets.map((name, j) => ({
      name,
      first: sorted.dates[window.firstRow[j]],
      last: sorted.dates[window.lastRow[j]],
      observations: window.observations[j],
      filled: window.filled[j],
    })),
    commonStart: dates[0],
    end: dates[T - 1],
    periodsPerYear: ppy.periodsPerYear,
    periodsPerYearReason: ppy.reason,
    medianGapDays: ppy.medianGapDays,
    periodsPerYearSource: ppyOverride === undefined ? 'detected' : 'override',
    rowsPerCalendarYear: rowsPerCalendarYear(dates).rowsPerCalendarYear,
    fileRows: table.dates.length,
    fileFirst: minDate(table.dates),
    fileLast: maxDate(table.dates),
    availableAssets: [...table.assets],
    maxFill: sel.maxFill,
  };
  return { matrix, info };
}

function minDate(dates: readonly string[]): string {
  return dates.reduce((m, d) => (d < m ? d : m));
}

function maxDate(dates: readonly string[]): string {
  return dates.reduce((m, d) => (d > m ? d : m));
}
