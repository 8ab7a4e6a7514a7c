/** The leaderboard printed at the end of a run: the top N feasible rows and the baselines. */
import { M, N_METRICS, type MetricName } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import { fmtMetric } from '../report/format.js';
import type { RunResult } from '../runner/run.js';

const COLS: MetricName[] = ['turnover', 'trackingError', 'maxDrawdown', 'rebalancesPerYear', 'costDrag', 'cagr'];
const TITLES = ['turnover/yr', 'track.err', 'max DD', 'trades/yr', 'cost bp/yr', 'CAGR'];

export function topIds(r: RunResult, n: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < r.space.size; i++) if (r.ranks[i] > 0 && r.ranks[i] <= n) ids.push(i);
  return ids.sort((a, b) => r.ranks[a] - r.ranks[b]);
}

export function formatLeaderboard(r: RunResult, n = 10): string {
  const rows: string[][] = [];
  for (const id of topIds(r, n)) {
    const cfg = r.space.config(id);
    rows.push([String(r.ranks[id]), String(id), describeConfig(cfg), ...COLS.map((m) => fmtMetric(m, r.rows[id * N_METRICS + M[m]])), r.scores[id].toPrecision(4)]);
  }
  for (const b of r.baselines)
    rows.push(['—', b.id, describeConfig(b.config), ...COLS.map((m) => fmtMetric(m, b.metrics[M[m]])), '']);
  const head = ['rank', 'id', 'policy', ...TITLES, 'score'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((x) => x[j].length)));
  const line = (x: string[]): string => x.map((c, j) => (j === 2 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  const feasible = r.feasible.reduce((a, b) => a + b, 0);
  const front = r.pareto.reduce((a, b) => a + b, 0);
  return [
    `${r.space.size.toLocaleString('en')} configurations, ${feasible.toLocaleString('en')} feasible, ${front} on the Pareto front, ${r.failures.size} failed`,
    line(head),
    line(widths.map((w) => '─'.repeat(w))),
    ...rows.map(line),
  ].join('\n') + '\n';
}
