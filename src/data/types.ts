/**
 * The price matrix every backtest runs over (design §1–§2).
 *
 * `prices` is a row-major T×N Float64Array: prices[t * N + i] is asset i's price on dates[t].
 * Its buffer is a SharedArrayBuffer so worker threads read it without copies.
 */
export interface PriceMatrix {
  /** ISO YYYY-MM-DD, strictly increasing, length T. */
  readonly dates: readonly string[];
  /** Asset names, length N, in column order. */
  readonly assets: readonly string[];
  /** Row-major T×N prices over a SharedArrayBuffer. */
  readonly prices: Float64Array;
  readonly T: number;
  readonly N: number;
  /** Detected (or overridden) number of periods per year. */
  readonly periodsPerYear: number;
}

/** What the loader found, for `data inspect` and the manifest. */
export interface DataInfo {
  file: string;
  format: 'wide' | 'long';
  /** Rows of the loaded matrix (T): commonStart .. end. */
  rows: number;
  /** Per asset: first and last date with an observed (not filled) price, and how many cells were forward-filled inside the loaded window. */
  assets: { name: string; first: string; last: string; observations: number; filled: number }[];
  /** First date where every selected asset has a price. */
  commonStart: string;
  end: string;
  periodsPerYear: number;
  /** Human-readable reason, e.g. "median gap 1 day, weekend dates present → 365". */
  periodsPerYearReason: string;
  medianGapDays: number;
  /** Whether periodsPerYear was detected from the dates or set by the caller. */
  periodsPerYearSource?: 'detected' | 'override';
  /** Measured (rows − 1)/(calendar span in years of 365.25 days) over the loaded rows. */
  rowsPerCalendarYear?: number;
  /** Data rows in the file (wide: lines after the header; long: distinct dates). */
  fileRows?: number;
  /** First and last date anywhere in the file. */
  fileFirst?: string;
  fileLast?: string;
  /** Every asset column in the file, in file order. */
  availableAssets?: string[];
  /** The forward-fill limit used. */
  maxFill?: number;
}

export interface LoadOptions {
  /** Assets to keep, in this order; default: every asset column. */
  assets?: readonly string[];
  /** Inclusive ISO dates bounding the loaded rows. */
  start?: string;
  end?: string;
  /** Forward-fill at most this many consecutive missing periods (default 5). */
  maxFill?: number;
  /** Overrides detection. */
  periodsPerYear?: number;
  /**
   * Refuse files larger than this many bytes, before reading them (default 128 MiB, or the
   * REBALANCE_LAB_MAX_CSV_MB environment variable): the whole table is held in memory.
   */
  maxFileBytes?: number;
}
