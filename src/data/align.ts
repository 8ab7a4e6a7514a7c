/**
 * From sorted rows to the backtest window (design §2): every used price is judged, the window
 * starts at the first date where every selected asset has started, and gaps are forward-filled
 * up to `maxFill` consecutive periods. Pure: arrays in, arrays out, errors name the line.
 */
import { UserError } from '../errors.js';
import type { SortedRows } from './frame.js';
import { isMissing, MAX_PRICE, MIN_PRICE, priceProblem } from './prices.js';
import { nameList } from './text.js';
import type { RawTable } from './table.js';

/** What align needs to know about the selection. */
export interface Selection {
  table: RawTable;
  /** Selected asset indices into `table.assets`, in output order. */
  selected: readonly number[];
  maxFill: number;
}

/** The aligned window and per-asset statistics. */
export interface Window {
  /** Index into the sorted rows of the window's first row (the common start). */
  start: number;
  /** Row-major (T − start)×N prices of the window, forward-filled. */
  prices: Float64Array;
  /** Per selected asset, over all sorted (in-range) rows: first/last observed row, count. */
  firstRow: number[];
  lastRow: number[];
  observations: number[];
  /** Per selected asset: cells forward-filled inside the window. */
  filled: number[];
}

/** Throw for the first (by date, then asset order) present cell that is not a number in [MIN_PRICE, MAX_PRICE]. */
export function checkPrices(sorted: SortedRows, sel: Selection): void {
  const N = sel.selected.length;
  const A = sel.table.assets.length;
  for (let t = 0; t < sorted.dates.length; t++) {
    for (let j = 0; j < N; j++) {
      const v = sorted.values[t * N + j];
      if (v >= MIN_PRICE && v <= MAX_PRICE) continue;
      const k = sorted.rows[t] * A + sel.selected[j];
      const raw = sel.table.cells[k];
      if (raw === undefined || isMissing(raw)) continue;
      const problem = priceProblem(raw, sel.table.format);
      if (problem !== null) {
        throw new UserError(`${sel.table.file} line ${sel.table.lines[k]} (${sorted.dates[t]}): ${sel.table.assets[sel.selected[j]]} price ${problem}`);
      }
    }
  }
}

/** Find the common start and forward-fill the window; throws for a gap longer than maxFill. */
export function alignWindow(sorted: SortedRows, sel: Selection): Window {
  const stats = observationStats(sorted, sel);
  // a loop, not Math.max(...): a spread of 100,000+ columns overflows the call stack
  let start = 0;
  for (const r of stats.firstRow) if (r > start) start = r;
  const N = sel.selected.length;
  const T = sorted.dates.length;
  const prices = new Float64Array((T - start) * N);
  const filled = new Array<number>(N).fill(0);
  const last = stats.firstRow.slice(); // row of each asset's latest observation so far
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < N; j++) {
      if (t < stats.firstRow[j]) continue;
      const v = sorted.values[t * N + j];
      const missing = Number.isNaN(v);
      if (!missing) last[j] = t;
      if (t < start) continue;
      if (missing) {
        if (t - last[j] > sel.maxFill) throw gapError(sorted, sel, t, j, last[j]);
        filled[j]++;
      }
      prices[(t - start) * N + j] = sorted.values[(missing ? last[j] : t) * N + j];
    }
  }
  return { start, prices, filled, ...stats };
}

/** First and last observed row and the number of observations of each selected asset. */
function observationStats(sorted: SortedRows, sel: Selection): { firstRow: number[]; lastRow: number[]; observations: number[] } {
  const N = sel.selected.length;
  const firstRow = new Array<number>(N).fill(-1);
  const lastRow = new Array<number>(N).fill(-1);
  const observations = new Array<number>(N).fill(0);
  for (let t = 0; t < sorted.dates.length; t++) {
    for (let j = 0; j < N; j++) {
      if (Number.isNaN(sorted.values[t * N + j])) continue;
      if (firstRow[j] < 0) firstRow[j] = t;
      lastRow[j] = t;
      observations[j]++;
    }
  }
  const empty = sel.selected.filter((_, j) => firstRow[j] < 0).map((a) => sel.table.assets[a]);
  if (empty.length > 0) {
    const range = `${sorted.dates[0]} .. ${sorted.dates[sorted.dates.length - 1]}`;
    throw new UserError(
      `${sel.table.file}: ${nameList(empty)} ${empty.length === 1 ? 'has' : 'have'} no prices between ${range}; ` + `choose other assets or a wider date range`,
    );
  }
  return { firstRow, lastRow, observations };
}

/** The error for a missing cell at sorted row t that is more than maxFill periods after the last price. */
function gapError(sorted: SortedRows, sel: Selection, t: number, j: number, lastT: number): UserError {
  const { table } = sel;
  const A = table.assets.length;
  const a = sel.selected[j];
  const k = sorted.rows[t] * A + a;
  const lastLine = table.lines[sorted.rows[lastT] * A + a];
  const raw = table.cells[k];
  const what =
    raw === undefined
      ? `${table.file} (${sorted.dates[t]}): no ${table.assets[a]} row for ${sorted.dates[t]}`
      : `${table.file} line ${table.lines[k]} (${sorted.dates[t]}): ${table.assets[a]} price is missing (${raw === '' ? 'empty' : JSON.stringify(raw)})`;
  const periods = t - lastT;
  return new UserError(
    `${what}, ${periods} consecutive ${periods === 1 ? 'period' : 'periods'} after its last price ` +
      `on line ${lastLine} (${sorted.dates[lastT]}); forward-fill covers at most maxFill = ${sel.maxFill}. ` +
      `Add the missing prices, raise maxFill, or choose a date range that avoids the gap`,
  );
}
