/**
 * The results table of a run (design §7): one row per configuration in id order, then the
 * baselines. Columns: id, every parameter, every metric, feasible, pareto, score, rank, selection,
 * error. `rank` is the place under the selection rule (docs/selection.md; 1 = the pick), empty for
 * rows that are not candidates (infeasible, failed, calendar/buy-and-hold, baselines); `selection`
 * is `pick`, `indistinguishable` (not significantly worse than the pick) or empty.
 * Numbers are written in JavaScript's shortest round-trip form (deterministic); non-finite
 * numbers and parameters that do not apply are empty cells.
 */
import { METRICS, N_METRICS } from '../kernel/metrics.js';
import type { Config } from '../policy/types.js';
import { PARAMS, paramValue } from '../search/space.js';

export const RESULT_COLUMNS = ['id', ...PARAMS, ...METRICS, 'feasible', 'pareto', 'score', 'rank', 'selection', 'error'] as const;

export function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return num(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
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
}

export function formatRow(r: ResultRowInput): string {
  const parts: string[] = [cell(r.id)];
  for (const p of PARAMS) parts.push(cell(paramValue(r.config, p)));
  for (let m = 0; m < N_METRICS; m++) parts.push(r.error ? '' : num(r.metrics[r.offset + m]));
  parts.push(r.feasible ? '1' : '0', r.pareto ? '1' : '0', num(r.score), r.rank > 0 ? String(r.rank) : '', r.selection ?? '', cell(r.error || null));
  return parts.join(',');
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
