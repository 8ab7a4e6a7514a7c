/**
 * The results table of a run (design §7): one row per configuration in id order, then the
 * baselines. Columns: id, every parameter, the metrics of design §4, feasible, pareto, score,
 * rank, selection, error, then (issue 16, added at the end so earlier columns keep their places)
 * totalCost, assetTrades, ruined, infeasibleReason, minWidth, then (issue 13) flowMode, mwr,
 * flowRebalanceShare, taxPaid, afterTaxCagr, afterTaxValue, unrealisedGain. `rank` is the place under the
 * selection rule (docs/selection.md; 1 = the pick), empty for rows that are not candidates
 * (infeasible, failed, calendar/buy-and-hold, baselines); `selection` is `pick`,
 * `indistinguishable` (not significantly worse than the pick) or empty.
 * Numbers are written in JavaScript's shortest round-trip form (deterministic); non-finite
 * numbers and parameters that do not apply are empty cells.
 */
import { isRuined, M, METRICS, type MetricName } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import { PARAM_VALUE, PARAMS, type ParamName } from '../search/space.js';

/** Metrics written after the flag columns (added by issue 16). */
const TAIL_METRICS: readonly MetricName[] = ['totalCost', 'assetTrades'];
/** Cash flows and taxes (issue 13), written last: how flows are invested, then their metrics. */
const FLOW_TAX_PARAMS: readonly ParamName[] = ['flowMode'];
const FLOW_TAX_METRICS: readonly MetricName[] = ['mwr', 'flowRebalanceShare', 'taxPaid', 'afterTaxCagr', 'afterTaxValue', 'unrealisedGain'];
const HEAD_METRICS: readonly MetricName[] = METRICS.filter((m) => !TAIL_METRICS.includes(m) && !FLOW_TAX_METRICS.includes(m));

/** Parameters written last (added by issue 16): the volatility band's minimum width. */
const TAIL_PARAMS: readonly ParamName[] = ['minWidth'];
const HEAD_PARAMS: readonly ParamName[] = PARAMS.filter((p) => !TAIL_PARAMS.includes(p) && !FLOW_TAX_PARAMS.includes(p));

export const RESULT_COLUMNS = [
  'id',
  ...HEAD_PARAMS,
  ...HEAD_METRICS,
  'feasible',
  'pareto',
  'score',
  'rank',
  'selection',
  'error',
  ...TAIL_METRICS,
  'ruined',
  'infeasibleReason',
  ...TAIL_PARAMS,
  ...FLOW_TAX_PARAMS,
  ...FLOW_TAX_METRICS,
] as const;

export function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

/** A text cell: quoted (inner quotes doubled) when it holds a quote, comma or line break. */
export function quoteCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * Where a row's cells go, in order: one string (formatRow) or results.csv's byte buffers
 * (results/csv-writer.ts). The sink puts the commas between cells and the line end.
 */
export interface CellSink {
  /** A number: its shortest round-trip form, or an empty cell when not finite. */
  num(x: number): void;
  /** A parameter, id or message: null is empty, a number as `num`, a string quoted as needed. */
  value(v: string | number | null): void;
  /** A cell known to need no quoting ('', '0', '1', `pick`, …). */
  plain(s: string): void;
  endRow(): void;
}

export interface ResultRowInput {
  id: string | number;
  config: Config;
  metrics: Float64Array;
  offset: number;
  feasible: boolean;
  pareto: boolean;
  score: number;
  rank: number;
  /** `pick`, `indistinguishable` or '' (default). */
  selection?: string;
  error: string;
  /** Why the row is not feasible (score.ts infeasibleReason); '' when feasible or failed. */
  reason?: string;
}

/** Parameter cells of each group, as the functions that give their values. */
const HEAD_VALUES = HEAD_PARAMS.map((p) => PARAM_VALUE[p]);
const TAIL_VALUES = [...TAIL_PARAMS, ...FLOW_TAX_PARAMS].map((p) => PARAM_VALUE[p]);

/** Metric columns of each group, as offsets into a metrics row. */
const HEAD_COLS = Int32Array.from(HEAD_METRICS, (m) => M[m]);
const TAIL_COLS = Int32Array.from(TAIL_METRICS, (m) => M[m]);
const FLOW_TAX_COLS = Int32Array.from(FLOW_TAX_METRICS, (m) => M[m]);

/** Metric cells: the numbers at `cols`, or empty cells for a failed row. */
function metricCells(out: CellSink, cols: Int32Array, row: Float64Array, o: number, failed: boolean): void {
  for (let i = 0; i < cols.length; i++) {
    if (failed) out.plain('');
    else out.num(row[o + cols[i]]);
  }
}

/** The cells of one results.csv row, in RESULT_COLUMNS order, into `out`. */
export function writeRow(out: CellSink, r: ResultRowInput): void {
  const failed = r.error !== '';
  const { config, metrics, offset } = r;
  out.value(r.id);
  for (let i = 0; i < HEAD_VALUES.length; i++) out.value(HEAD_VALUES[i](config));
  metricCells(out, HEAD_COLS, metrics, offset, failed);
  out.plain(r.feasible ? '1' : '0');
  out.plain(r.pareto ? '1' : '0');
  out.num(r.score);
  if (r.rank > 0) out.num(r.rank);
  else out.plain('');
  out.plain(r.selection ?? '');
  out.value(r.error || null);
  metricCells(out, TAIL_COLS, metrics, offset, failed);
  out.plain(failed ? '' : isRuined(metrics, offset) ? '1' : '0');
  out.value(r.reason || null);
  for (let i = 0; i < TAIL_VALUES.length; i++) out.value(TAIL_VALUES[i](config));
  metricCells(out, FLOW_TAX_COLS, metrics, offset, failed);
  out.endRow();
}

/** Collects one row's cells as strings (`String(x)` per number). */
export class StringRow implements CellSink {
  readonly parts: string[] = [];
  num(x: number): void {
    this.parts.push(num(x));
  }
  value(v: string | number | null): void {
    this.parts.push(v === null ? '' : typeof v === 'number' ? num(v) : quoteCell(v));
  }
  plain(s: string): void {
    this.parts.push(s);
  }
  endRow(): void {}
}

/** One results.csv row as a string, without its line end (for single rows; results.csv itself is written by csv-writer.ts). */
export function formatRow(r: ResultRowInput): string {
  const row = new StringRow();
  writeRow(row, r);
  return row.parts.join(',');
}

/** Minimal CSV line splitter for our own files (quoted cells allowed). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
