/**
 * The leaderboard printed at the end of a run: the selection rule and its pick (selection.json),
 * the top N candidates in rule order (results.csv `rank`), then the baselines, once each, unranked.
 */
import { M, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { fmtMetric } from '../report/format.js';
import type { RunResult } from '../runner/run.js';
import { sig3 } from '../results/selection.js';
import type { SelectionJson } from '../results/selection-types.js';

const COLS: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown', 'rebalancesPerYear', 'costDrag', 'cagr'];
const TITLES = ['turnover/yr', 'track.err', 'max DD', 'trades/yr', 'cost bp/yr', 'CAGR'];

const plural = (n: number, one: string, many = one + 's'): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The selection in a few plain lines (also what the page headline says). */
export function formatSelection(sel: SelectionJson): string {
  const out = [`rule: ${sel.rule.text}`];
  if (sel.pick === null || !sel.pickConfig) {
    out.push(`pick: none — ${sel.pickReason ?? 'no candidate'}`);
    return out.join('\n');
  }
  const p = sel.pickConfig;
  const robust = p.robustScore !== null ? `, robust score ${sig3(p.robustScore)}` : '';
  out.push(`pick: #${p.id} ${p.label} — score ${sig3(p.score ?? NaN)} = ${sel.scoreText}${robust}`);
  if (sel.inSampleBest && sel.inSampleBest.id !== p.id)
    out.push(`      (the in-sample best #${sel.inSampleBest.id} ${sel.inSampleBest.label} is rank ${sel.inSampleBest.rank || '—'} under the rule)`);
  const t = sel.indistinguishableTest;
  if (t) {
    const n = sel.indistinguishable.length;
    const over = t.pairedOver === 'bootstrap-paths' ? `${t.observations} bootstrap paths` : `${t.observations} sub-periods`;
    out.push(
      `indistinguishable: ${plural(n, 'configuration')} of ${t.compared.toLocaleString('en')} compared${t.truncated ? ' (all of them: there may be more)' : ''} ` +
        `(paired over ${over}, false-discovery rate ${sig3(t.level * 100)}%)` +
        (sel.simplestConfig ? `; simplest: #${sel.simplestConfig.id} ${sel.simplestConfig.label}` : ''),
    );
  }
  if (sel.pbo !== null && sel.pboDetail)
    out.push(
      `PBO: ${sig3(sel.pbo * 100)}% (CSCV over ${sel.pboDetail.subPeriods} sub-periods, ${sel.pboDetail.configurations.toLocaleString('en')} configurations)`,
    );
  else out.push(`PBO: — (${sel.pboReason ?? 'not computed'})`);
  if (sel.outOfSample) out.push(`out of sample: ${sel.outOfSample.text}`);
  const per = (r: Record<string, number>): string =>
    Object.entries(r)
      .map(([k, id]) => `${k} #${id}`)
      .join(', ');
  if (Object.keys(sel.bestPerBand).length) out.push(`best per band: ${per(sel.bestPerBand)}`);
  if (Object.keys(sel.bestPerMode).length) out.push(`best per mode: ${per(sel.bestPerMode)}`);
  return out.join('\n');
}

export function formatLeaderboard(r: RunResult, n = 10): string {
  const sum = r.summary;
  if (!sum) return '';
  const sel = r.selection;
  const robust = new Map<number, number | null>((sel?.top ?? []).map((t) => [t.id, t.robustScore]));
  const withRobust = sel?.rule.rankBy !== undefined && sel.rule.rankBy !== 'in-sample-score';
  const similar = new Set(sel?.indistinguishable ?? []);
  const rows: string[][] = [];
  for (const t of sum.top.slice(0, n)) {
    const cfg = r.space.config(t.id);
    const mark = t.id === sel?.pick ? 'pick' : similar.has(t.id) ? '≈' : '';
    rows.push([
      String(t.rank),
      String(t.id),
      describeConfig(cfg),
      ...COLS.map((m) => fmtMetric(m, t.metrics[M[m]])),
      sig3(t.score),
      ...(withRobust ? [sig3(robust.get(t.id) ?? NaN)] : []),
      mark,
    ]);
  }
  for (const b of r.baselines)
    rows.push([
      '—',
      b.id,
      describeConfig(b.config),
      ...COLS.map((m) => fmtMetric(m, b.metrics[M[m]])),
      baselineScore(sel, b.id),
      ...(withRobust ? [''] : []),
      'baseline',
    ]);
  const head = ['rank', 'id', 'policy', ...TITLES, 'score', ...(withRobust ? ['robust'] : []), ''];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((x) => x[j].length)));
  const line = (x: string[]): string =>
    x
      .map((c, j) => (j === 2 || j === x.length - 1 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  return (
    [
      `${sum.configs.toLocaleString('en')} configurations, ${sum.feasible.toLocaleString('en')} feasible, ${sum.front} on the Pareto front, ${sum.failed} failed` +
        (sel ? `, ${sel.counts.ranked.toLocaleString('en')} ranked` : ''),
      ...(sel ? [formatSelection(sel)] : []),
      '',
      line(head),
      line(widths.map((w) => '─'.repeat(w))),
      ...rows.map(line),
    ].join('\n') + '\n'
  );
}

function baselineScore(sel: SelectionJson | null, id: string): string {
  const b = sel?.baselines.find((x) => x.id === id);
  return b && b.score !== null ? sig3(b.score) : '';
}
