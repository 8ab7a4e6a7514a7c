/**
 * Text formatting for the report: HTML escaping, number formats for metrics and parameters
 * (shared by the HTML tables and, through d3-format strings, the chart tooltips), and the
 * one-sentence description of a configuration.
 */
import type { ResultRow as ReportRow } from '../results/row.js';
import { BANDS } from '../policy/bands.js';
import { MODE_SPECS } from '../policy/modes.js';
import type { BandType, Mode } from '../policy/types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/** How a value is shown. `pct`: a fraction shown as percent; `bp`: a value already in basis points. */
export type ValueKind = 'pct' | 'bp' | 'ratio' | 'count' | 'rate' | 'money' | 'number' | 'text';

export interface FieldMeta {
  title: string;
  kind: ValueKind;
}

/** Metrics of design §4, with their display titles. */
export const METRIC_META: Record<string, FieldMeta> = {
  turnover: { title: 'turnover /yr', kind: 'pct' },
  trackingError: { title: 'tracking error', kind: 'pct' },
  maxDrawdown: { title: 'max drawdown', kind: 'pct' },
  cagr: { title: 'CAGR', kind: 'pct' },
  volatility: { title: 'volatility', kind: 'pct' },
  sharpe: { title: 'Sharpe', kind: 'ratio' },
  sortino: { title: 'Sortino', kind: 'ratio' },
  rebalances: { title: 'rebalances', kind: 'count' },
  rebalancesPerYear: { title: 'rebalances /yr', kind: 'rate' },
  costDrag: { title: 'cost drag (bp/yr)', kind: 'bp' },
  meanDrift: { title: 'mean drift', kind: 'pct' },
  maxDrift: { title: 'max drift', kind: 'pct' },
  excessReturn: { title: 'excess return', kind: 'pct' },
  finalValue: { title: 'final value', kind: 'money' },
  totalCost: { title: 'total cost', kind: 'money' },
  assetTrades: { title: 'asset trades', kind: 'count' },
  mwr: { title: 'money-weighted return', kind: 'pct' },
  flowRebalanceShare: { title: 'rebalancing by flows', kind: 'pct' },
  taxPaid: { title: 'tax paid (bp/yr)', kind: 'bp' },
  afterTaxCagr: { title: 'after-tax CAGR', kind: 'pct' },
  afterTaxValue: { title: 'after-tax value', kind: 'money' },
  unrealisedGain: { title: 'unrealised gain', kind: 'money' },
};

/** Configuration parameters (design §3), with their display titles. */
export const PARAM_META: Record<string, FieldMeta> = {
  band: { title: 'band', kind: 'text' },
  flowMode: { title: 'flow mode', kind: 'text' },
  width: { title: 'width', kind: 'number' },
  relWidth: { title: 'relative width', kind: 'pct' },
  lookback: { title: 'lookback', kind: 'count' },
  minWidth: { title: 'minimum width', kind: 'pct' },
  check: { title: 'check', kind: 'text' },
  mode: { title: 'mode', kind: 'text' },
  depth: { title: 'depth', kind: 'number' },
  fraction: { title: 'fraction', kind: 'number' },
  cooldown: { title: 'cooldown', kind: 'count' },
  feeBps: { title: 'fee (bp)', kind: 'bp' },
  halfSpreadBps: { title: 'half spread (bp)', kind: 'bp' },
  fixedFee: { title: 'fixed fee', kind: 'money' },
  minTrade: { title: 'min trade', kind: 'money' },
};

export function metricMeta(name: string): FieldMeta {
  return METRIC_META[name] ?? { title: name, kind: 'number' };
}
export function paramMeta(name: string): FieldMeta {
  return PARAM_META[name] ?? { title: name, kind: 'number' };
}

/** The d3-format string used in chart tooltips and axes for a kind. */
export function d3Format(kind: ValueKind): string | undefined {
  switch (kind) {
    case 'pct':
      return '.2%';
    case 'bp':
      return '.1f';
    case 'ratio':
      return '.2f';
    case 'count':
      return ',d';
    case 'rate':
      return '.1f';
    case 'money':
      return ',.0f';
    case 'number':
      return '.4~g';
    case 'text':
      return undefined;
  }
}

const nf = (digits: number) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const NF0 = nf(0);
const NF1 = nf(1);
const NF2 = nf(2);

/** Three significant digits, trailing zeros dropped: 0.0164095 → "0.0164", 1.298447 → "1.3", 250 → "250". */
export function fmtSig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '—' : x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 10 ** digits) return NF0.format(Math.round(x));
  return String(+x.toPrecision(digits));
}

/** "1 trade", "2 trades": a count with its noun, singular or plural. */
export function plural(n: number, one: string, many = `${one}s`, text = fmtNum(n)): string {
  // singular when the number as printed is 1 ("1 trade a year" for 0.96 shown as "1")
  return `${text} ${Number(text.replace(/,/g, '')) === 1 ? one : many}`;
}

const SCHEDULE_ORDER = ['daily', 'weekly', 'monthly', 'quarterly', 'yearly'];

/** Named schedules first in calendar order, then numbers ascending, then other text alphabetically. */
export function categoryCompare(a: string, b: string): number {
  const ia = SCHEDULE_ORDER.indexOf(a);
  const ib = SCHEDULE_ORDER.indexOf(b);
  const na = /^-?\d+(\.\d+)?$/.test(a);
  const nb = /^-?\d+(\.\d+)?$/.test(b);
  if (ia >= 0 || ib >= 0) return ia < 0 ? 1 : ib < 0 ? -1 : ia - ib;
  if (na && nb) return Number(a) - Number(b);
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fmtInt(x: number): string {
  return NF0.format(x);
}

/** Trim a fixed-decimals string's trailing zeros: "22.0" → "22", "2.50" → "2.5". */
function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A fraction as a percentage with sensible precision: 0.22 → "22%", 0.0042 → "0.42%". */
export function fmtPct(x: number, digits?: number): string {
  const p = x * 100;
  const a = Math.abs(p);
  const d = digits ?? (a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.1 ? 2 : 3);
  return `${digits === undefined ? trimZeros(p.toFixed(d)) : p.toFixed(d)}%`;
}

/** A fraction per year that is often tiny: below 1% in basis points, else in percent. */
export function fmtRate(x: number): string {
  if (Math.abs(x) < 0.01) return `${trimZeros((x * 1e4).toFixed(Math.abs(x) < 0.001 ? 1 : 0))} bp`;
  return `${trimZeros((x * 100).toFixed(1))}%`;
}

/** A general number with about four significant digits. */
export function fmtNum(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e4) return NF0.format(x);
  if (a >= 100) return trimZeros(x.toFixed(1));
  if (a >= 1) return trimZeros(x.toFixed(3));
  return trimZeros(x.toPrecision(3));
}

export function fmtValue(x: number | string | null | undefined, kind: ValueKind): string {
  if (x === null || x === undefined) return '—';
  if (typeof x === 'string') return x;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '—' : x > 0 ? '∞' : '−∞';
  switch (kind) {
    case 'pct':
      return fmtPct(x);
    case 'bp':
      return `${NF1.format(x)}`;
    case 'ratio':
      return NF2.format(x);
    case 'count':
      return NF0.format(x);
    case 'rate':
      return NF1.format(x);
    case 'money':
      return NF0.format(x);
    case 'number':
    case 'text':
      return fmtNum(x);
  }
}

/** A parameter value for tables: width is a percentage except for the volatility band's k. */
export function fmtParam(name: string, row: ReportRow): string {
  const v = row.params[name];
  if (name === 'width' && (row.params.band === 'calendar' || row.params.band === 'none')) return '—';
  if (name === 'width' && typeof v === 'number') {
    return row.params.band === 'volatility' ? `${fmtSig(v)}σ` : fmtPct(v);
  }
  if ((name === 'depth' || name === 'fraction') && typeof v === 'number') return fmtPct(v);
  return fmtValue(v, paramMeta(name).kind);
}

/** A metric's name without its unit suffix, for prose: "turnover", "cost drag". */
export function metricName(name: string): string {
  return metricMeta(name)
    .title.replace(/ \(.*\)$/, '')
    .replace(/ \/yr$/, '');
}

/** A constraint in words: "tracking error ≤ 2%". */
export function constraintText(metric: string, op: string, value: number): string {
  const sym = op === '<=' ? '≤' : op === '>=' ? '≥' : op;
  const kind = metricMeta(metric).kind;
  const v = kind === 'pct' ? fmtPct(value) : kind === 'bp' ? `${fmtSig(value)} bp` : fmtSig(value);
  return `${metricName(metric)} ${sym} ${v}`;
}

export function fmtMetric(name: string, x: number | null | undefined): string {
  return fmtValue(x ?? null, metricMeta(name).kind);
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${trimZeros(s.toFixed(s < 10 ? 2 : 1))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

function scheduleText(check: string | number | null | undefined): string | null {
  if (check === null || check === undefined) return null;
  if (typeof check === 'number' || /^\d+$/.test(check)) return `checked every ${check} periods`;
  return `checked ${check}`;
}

/**
 * A configuration in words, from its parameters (design §3 vocabulary):
 * "relative band 22%, checked weekly, trading to the edge". Falls back to the row's label when the
 * parameters do not name a band.
 */
export function describeConfig(row: ReportRow): string {
  const p = row.params;
  const band = p.band;
  const num = (k: string): number | null => (typeof p[k] === 'number' ? (p[k] as number) : null);
  const width = num('width');
  const lookback = num('lookback');
  if (typeof band !== 'string' || !Object.hasOwn(BANDS, band)) return row.label;
  const spec = BANDS[band as BandType];
  const b = spec.phrase({ width, relWidth: num('relWidth'), lookback, pct: fmtPct, num: (x) => fmtSig(x) });
  if (spec.scope === 'never') return b;
  const parts = [b];
  const sched = scheduleText(p.check);
  if (sched) parts.push(sched);
  if (band !== 'calendar' && typeof p.mode === 'string' && Object.hasOwn(MODE_SPECS, p.mode)) {
    const mode = MODE_SPECS[p.mode as Mode];
    parts.push(mode.phrase(mode.param ? num(mode.param) : null, fmtPct));
  }
  const cooldown = num('cooldown');
  if (cooldown) parts.push(`cooldown ${cooldown} periods`);
  return parts.join(', ');
}

/** The key numbers of a row in one clause: "0.9 trades a year, 31 bp/yr turnover, …". */
export function describeMetrics(row: ReportRow): string {
  const m = row.metrics;
  const parts: string[] = [];
  const f = (k: string) => (typeof m[k] === 'number' && Number.isFinite(m[k] as number) ? (m[k] as number) : null);
  const rpy = f('rebalancesPerYear');
  if (rpy !== null) parts.push(plural(rpy, 'trade', 'trades', trimZeros(rpy.toFixed(rpy < 10 ? 1 : 0))) + ' a year');
  const t = f('turnover');
  if (t !== null) parts.push(t === 0 ? 'no turnover' : `${fmtRate(t)}/yr turnover`);
  const te = f('trackingError');
  if (te !== null) parts.push(`tracking error ${fmtPct(te)}`);
  const dd = f('maxDrawdown');
  if (dd !== null) parts.push(`max drawdown ${fmtPct(dd)}`);
  const cd = f('costDrag');
  if (cd !== null) parts.push(`cost drag ${trimZeros(cd.toFixed(1))} bp/yr`);
  const cagr = f('cagr');
  if (cagr !== null) parts.push(`CAGR ${fmtPct(cagr)}`);
  return parts.join(', ');
}
