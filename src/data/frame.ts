/**
 * The danfojs step (design §1): the raw table becomes a DataFrame of float64 prices, which
 * danfo filters to the date range, narrows to the selected assets in their order, and sorts by
 * date. Values are read back through `.values` (plain JS numbers), never `.tensor` (float32).
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
 */
export async function shapeRows(
  table: RawTable,
  selected: readonly number[],
  inRange: readonly boolean[],
): Promise<SortedRows> {
  const dfd = await import('danfojs-node');
  const frame = new dfd.DataFrame(frameRows(table), { columns: [DATE, ROW, ...table.assets.map((_, a) => col(a))] });
  const shaped = frame
    .query([...inRange])
    .loc({ columns: [DATE, ROW, ...selected.map(col)] })
    .sortValues(DATE, { ascending: true });
  return readBack(shaped, selected.length);
}

/** One array per table row: date, row index, then every asset's parsed price. */
function frameRows(table: RawTable): (string | number)[][] {
  const A = table.assets.length;
  return table.dates.map((date, r) => {
    const row: (string | number)[] = new Array<string | number>(A + 2);
    row[0] = date;
    row[1] = r;
    for (let a = 0; a < A; a++) row[a + 2] = parsePrice(table.cells[r * A + a]);
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
