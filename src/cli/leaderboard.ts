/** The leaderboard printed at the end of a run: the top N feasible rows and the baselines. */
import { M, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { fmtMetric } from '../report/format.js';
import type { RunResult } from '../runner/run.js';

const COLS: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown', 'rebalancesPerYear', 'costDrag', 'cagr'];
const TITLES = ['turnover/yr', 'track.err', 'max DD', 'trades/yr', 'cost bp/yr', 'CAGR'];

export function formatLeaderboard(r: RunResult, n = 10): string {
  const sum = r.summary;
  if (!sum) return '';
  const rows: string[][] = [];
  for (const t of sum.top.slice(0, n)) {
    const cfg = r.space.config(t.id);
    rows.push([String(t.rank), String(t.id), describeConfig(cfg), ...COLS.map((m) => fmtMetric(m, t.metrics[M[m]])), t.score.toPrecision(4)]);
  }
  for (const b of r.baselines)
    rows.push(['—', b.id, describeConfig(b.config), ...COLS.map((m) => fmtMetric(m, b.metrics[M[m]])), '']);
  const head = ['rank', 'id', 'policy', ...TITLES, 'score'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((x) => x[j].length)));
  const line = (x: string[]): string => x.map((c, j) => (j === 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [
    `${sum.configs.toLocaleString('en')} configurations, ${sum.feasible.toLocaleString('en')} feasible, ${sum.front} on the Pareto front, ${sum.failed} failed`,
    line(head),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map(line),
  ].join('\n') + '\n';
}
