/**
 * Range, selection and sort (design §1): the rows of the raw table whose date is in range,
 * the selected assets in the order asked for, sorted by date, as typed arrays.
 *
 * Plain loops: this is a filter and a permutation, and the strict reader (table.ts) has already
 * checked every cell. (A DataFrame library here made every command that loads prices import
 * TensorFlow.js; danfojs-node is used where a DataFrame is the natural tool: src/results/frames.ts.)
 */
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

/**
 * Filter `table` to the rows with `inRange[r]`, keep the `selected` asset indices in that order,
 * and sort by date. Dates are unique ISO strings (table.ts refuses duplicates), so plain string
 * order is date order; ties (none) would keep file order.
 */
export function shapeRows(table: RawTable, selected: readonly number[], inRange: readonly boolean[]): SortedRows {
  const order: number[] = [];
  for (let r = 0; r < table.dates.length; r++) if (inRange[r]) order.push(r);
  const d = table.dates;
  order.sort((a, b) => (d[a] < d[b] ? -1 : d[a] > d[b] ? 1 : a - b));
  const A = table.assets.length;
  const N = selected.length;
  const T = order.length;
  const out: SortedRows = { dates: new Array<string>(T), rows: new Int32Array(T), values: new Float64Array(T * N) };
  for (let t = 0; t < T; t++) {
    const r = order[t];
    out.dates[t] = d[r];
    out.rows[t] = r;
    for (let j = 0; j < N; j++) out.values[t * N + j] = parsePrice(table.cells[r * A + selected[j]]);
  }
  return out;
}
