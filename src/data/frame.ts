/**
 * The danfojs step (design §1): the selected assets of the raw table become a DataFrame of
 * float64 prices, which danfo filters to the date range and reorders by date. Values are read back through `.values` (plain JS numbers), never `.tensor` (float32).
 *
 * danfojs is imported lazily, so modules that only need the calendar or the inspect text do
 * not pay for loading it (and workers never load it).
 */
import type { DataFrame } from 'danfojs-node';
import { parsePrice } from './prices.js';
import type { RawTable } from './table.js';

/** Selected, in-range rows sorted by date. */
export interface SortedRows {
  /** Sorted dates, length T. */
  dates: string[];
  /** For each sorted row, its row index in the RawTable (to find raw cells and lines). */
  rows: Int32Array;
  /** Row-major T×N parsed prices; NaN where the cell is missing or not a number. */
  values: Float64Array;
}

// Internal column names cannot collide with asset names: assets are addressed by index.
const DATE = 'date';
const ROW = 'row';
const col = (a: number): string => `c${a}`;

/**
 * Filter `table` to the rows whose date is in [start, end], keep the `selected` asset indices
 * in that order, and sort by date, with danfojs. The caller ensures at least one row is in range.
 *
 * Only linear-time danfo operations are used: `query` with a boolean mask and `iloc` with a
 * row permutation (both positional). danfo's `loc` and `sortValues` look every label up with
 * `indexOf`, which is quadratic: 150,000 rows took 12 s and 100,000 columns 15 s. The sort
 * permutation is therefore computed here (dates are unique ISO strings, so plain string order
 * is date order and the result does not depend on the sort's stability), and the frame holds
 * only the selected columns.
 */
export async function shapeRows(
  table: RawTable,
  selected: readonly number[],
  inRange: readonly boolean[],
): Promise<SortedRows> {
  const dfd = await import('danfojs-node');
  const frame = new dfd.DataFrame(frameRows(table, selected), { columns: [DATE, ROW, ...selected.map(col)] });
  const ranged = frame.query([...inRange]);
  // `.values` is typed as 1-D or 2-D of mixed scalars; a DataFrame's is 2-D [date, row, ...prices].
  const dates = (ranged.values as (string | number)[][]).map((r) => String(r[0]));
  const order = dates.map((_, i) => i).sort((a, b) => (dates[a] < dates[b] ? -1 : dates[a] > dates[b] ? 1 : a - b));
  return readBack(ranged.iloc({ rows: order }), selected.length);
}

/** One array per table row: date, row index, then each selected asset's parsed price. */
function frameRows(table: RawTable, selected: readonly number[]): (string | number)[][] {
  const A = table.assets.length;
  const N = selected.length;
  return table.dates.map((date, r) => {
    const row: (string | number)[] = new Array<string | number>(N + 2);
    row[0] = date;
    row[1] = r;
    for (let j = 0; j < N; j++) row[j + 2] = parsePrice(table.cells[r * A + selected[j]]);
    return row;
  });
}

/** Copy a shaped frame's `.values` (float64 JS numbers) into typed arrays. */
function readBack(frame: DataFrame, N: number): SortedRows {
  // `.values` is typed as 1-D or 2-D of mixed scalars; a DataFrame's is 2-D [date, row, ...prices].
  const values = frame.values as (string | number)[][];
  const T = values.length;
  const out: SortedRows = { dates: new Array<string>(T), rows: new Int32Array(T), values: new Float64Array(T * N) };
  for (let t = 0; t < T; t++) {
    const row = values[t];
    out.dates[t] = String(row[0]);
    out.rows[t] = Number(row[1]);
    for (let j = 0; j < N; j++) out.values[t * N + j] = Number(row[j + 2]);
  }
  return out;
}
