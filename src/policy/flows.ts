/**
 * Cash flows (docs/flows-and-taxes.md): contributions (> 0) and withdrawals (< 0) during the
 * window. Pure: no file system here; a CSV of dated amounts arrives already parsed.
 *
 * A periodic flow is an amount in currency or a percentage of the portfolio value, on a
 * schedule (daily | weekly | monthly | quarterly | yearly): it happens on the same rows as a
 * check on that schedule (the last trading row of each period, never the window's first or
 * last row), between optional start and end dates (inclusive). A currency amount may grow by
 * `growth` per year: amount·(1 + growth)^n, n = whole years from the flow's start (the window
 * start when none) to the row's date. A dated flow (CSV) happens on the first window row on or
 * after its date.
 *
 * compileFlows turns the flows into per-row arrays the kernel reads (abs: currency, pct:
 * fraction of the pre-flow value) and the ascending list of flow rows, ending with the
 * sentinel T (like KernelContext.checkRows).
 */
import { UserError } from '../errors.js';
import { checkMask } from './schedule.js';
import type { NamedSchedule } from './types.js';
import { NAMED_SCHEDULES } from './types.js';

export const FLOW_MODES = ['pro-rata', 'rebalance'] as const;
export type FlowMode = (typeof FLOW_MODES)[number];

export interface PeriodicFlow {
  /** Currency per occurrence (> 0 contribution, < 0 withdrawal), or a fraction of value when percent. */
  amount: number;
  percent?: boolean;
  every: NamedSchedule;
  start?: string;
  end?: string;
  /** Yearly growth of a currency amount, e.g. 0.02. */
  growth?: number;
}

export interface DatedFlow {
  date: string;
  amount: number;
}

export interface FlowsSpec {
  periodic: PeriodicFlow[];
  dated: DatedFlow[];
}

export interface CompiledFlows {
  /** Currency amount per row (0 where none). */
  abs: Float64Array;
  /** Fraction of the pre-flow value per row (0 where none). */
  pct: Float64Array;
  /** Rows with a flow, ascending, then T. */
  rows: Int32Array;
  /** 1 on flow rows. */
  mask: Uint8Array;
}

export function hasFlows(f: FlowsSpec | undefined | null): f is FlowsSpec {
  return !!f && (f.periodic.length > 0 || f.dated.length > 0);
}

/** Whole years from a to b (ISO dates): the number of anniversaries of a on or before b. */
export function wholeYears(a: string, b: string): number {
  let n = +b.slice(0, 4) - +a.slice(0, 4);
  if (b.slice(5) < a.slice(5)) n--;
  return Math.max(0, n);
}

export function compileFlows(spec: FlowsSpec, dates: readonly string[], start: number, where = 'flows'): CompiledFlows {
  const T = dates.length;
  const abs = new Float64Array(T);
  const pct = new Float64Array(T);
  const mask = new Uint8Array(T);
  spec.periodic.forEach((f, k) => {
    const at = `${where}[${k}]`;
    if (!Number.isFinite(f.amount)) throw new UserError(`${at}: amount ${f.amount} is not a number`);
    if (f.percent && !(f.amount > -1)) throw new UserError(`${at}: a withdrawal of ${f.amount * 100}% of the value would take more than everything`);
    if (f.growth !== undefined && !(Number.isFinite(f.growth) && f.growth > -1))
      throw new UserError(`${at}: growth ${f.growth} must be a number > −1 (e.g. 0.02 for 2% a year)`);
    if (f.percent && f.growth) throw new UserError(`${at}: growth applies to currency amounts only, not to a percentage of the value`);
    const m = checkMask(dates, start, f.every);
    const from = f.start ?? dates[start];
    for (let t = start + 1; t < T - 1; t++) {
      if (m[t] !== 1) continue;
      if (f.start && dates[t] < f.start) continue;
      if (f.end && dates[t] > f.end) continue;
      mask[t] = 1;
      if (f.percent) pct[t] += f.amount;
      else abs[t] += f.amount * (f.growth ? Math.pow(1 + f.growth, wholeYears(from, dates[t])) : 1);
    }
  });
  spec.dated.forEach((f, k) => {
    const at = `${where}: dated flow ${k + 1} (${f.date})`;
    if (!Number.isFinite(f.amount)) throw new UserError(`${at}: amount ${f.amount} is not a number`);
    if (f.date <= dates[start])
      throw new UserError(`${at}: on or before the window start ${dates[start]}; a flow must fall inside the window (the start is the initial capital)`);
    if (f.date > dates[T - 1]) throw new UserError(`${at}: after the last date ${dates[T - 1]} of the data`);
    let t = start + 1;
    while (dates[t] < f.date) t++;
    mask[t] = 1;
    abs[t] += f.amount;
  });
  let n = 0;
  for (let t = 0; t < T; t++) n += mask[t];
  const rows = new Int32Array(n + 1);
  let j = 0;
  for (let t = 0; t < T; t++) if (mask[t] === 1) rows[j++] = t;
  rows[n] = T;
  return { abs, pct, rows, mask };
}

/**
 * The CLI form `AMOUNT@SCHEDULE[:START[:END]]`, e.g. `1000@monthly`, `-2%@yearly`,
 * `500@monthly:2010-01-01:2015-12-31`; growth via a separate flag.
 */
export function parseFlow(text: string, growth?: number): PeriodicFlow {
  const m = /^\s*([+-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(%?)\s*@\s*([a-z]+)(?::(\d{4}-\d{2}-\d{2})?)?(?::(\d{4}-\d{2}-\d{2}))?\s*$/i.exec(text);
  if (!m) throw new UserError(`--flow ${text}: expected AMOUNT@SCHEDULE, e.g. 1000@monthly, -2%@yearly or 500@monthly:2010-01-01:2015-12-31`);
  const every = m[3].toLowerCase();
  if (!(NAMED_SCHEDULES as readonly string[]).includes(every))
    throw new UserError(`--flow ${text}: schedule "${m[3]}" is not one of ${NAMED_SCHEDULES.join(', ')}`);
  const percent = m[2] === '%';
  const amount = percent ? Number(m[1]) / 100 : Number(m[1]);
  const f: PeriodicFlow = { amount, every: every as NamedSchedule };
  if (percent) f.percent = true;
  if (m[4]) f.start = m[4];
  if (m[5]) f.end = m[5];
  if (growth !== undefined && growth !== 0 && !percent) f.growth = growth;
  return f;
}

/** date,amount rows (a header line allowed). */
export function parseDatedFlows(text: string, file: string): DatedFlow[] {
  const out: DatedFlow[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, k) => {
      const s = line.trim();
      if (s === '' || s.startsWith('#')) return;
      const [d, a, ...rest] = s.split(',').map((x) => x.trim());
      if (k === 0 && a !== undefined && !Number.isFinite(Number(a))) return;
      const x = Number(a);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(d ?? '') || a === undefined || a === '' || !Number.isFinite(x) || rest.length > 0)
        throw new UserError(`${file} line ${k + 1}: "${s}" is not date,amount (e.g. 2015-06-30,-5000)`);
      out.push({ date: d, amount: x });
    });
  if (out.length === 0) throw new UserError(`${file}: no flows (expected date,amount rows)`);
  return out;
}
