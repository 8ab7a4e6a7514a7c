/**
 * Read a run's resampled-histories results (robustness.json + robustness.csv, written by
 * src/robust/) into the report input; undefined when the run has none.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { splitCsvLine } from '../results/table.js';
import type { RobustReport, RobustReportRow } from './robustTypes.js';

/** Rows in the robust leaderboard and the range chart. */
export const ROBUST_TOP = 20;
/** Most points in the frequency chart. */
export const ROBUST_MAX_POINTS = 3000;
/** With more configurations than ROBUST_MAX_POINTS, the robust ranks always kept in the chart. */
const KEEP_RANKS = 300;

/** "median", or "the 90th percentile" for {quantile: 0.9}. */
export function rankByText(rankBy: unknown): string {
  if (rankBy && typeof rankBy === 'object' && 'quantile' in rankBy) {
    const p = Number((Number((rankBy as { quantile: number }).quantile) * 100).toPrecision(4));
    const suf = p % 100 >= 11 && p % 100 <= 13 ? 'th' : p % 10 === 1 ? 'st' : p % 10 === 2 ? 'nd' : p % 10 === 3 ? 'rd' : 'th';
    return `the ${p}${Number.isInteger(p) ? suf : 'th'} percentile`;
  }
  return 'median';
}

interface RobustJson {
  kind: 'block-bootstrap';
  paths: number;
  blockLength: number;
  seed: number;
  rankBy: unknown;
  configurations: number;
  backtests: number;
  workers: number;
  seconds: { total: number };
  failed: number;
  columns: string[];
}

const numOrNull = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));

export async function readRobustness(dir: string): Promise<RobustReport | undefined> {
  const jf = path.join(dir, 'robustness.json');
  const cf = path.join(dir, 'robustness.csv');
  if (!existsSync(jf)) return undefined;
  let j: RobustJson;
  try {
    j = JSON.parse(await readFile(jf, 'utf8')) as RobustJson;
  } catch {
    throw new UserError(`${jf}: not readable JSON; run the experiment again to rewrite it`);
  }
  if (!existsSync(cf)) throw new UserError(`${cf}: missing beside robustness.json; run the experiment again to rewrite it`);
  const rl = createInterface({ input: createReadStream(cf), crlfDelay: Infinity });
  let head: string[] | null = null;
  let at = new Map<string, number>();
  const all = j.configurations <= ROBUST_MAX_POINTS;
  const top: RobustReportRow[] = [];
  const baselines: RobustReportRow[] = [];
  let points: RobustReportRow[] = [];
  let candidates = 0;
  for await (const line of rl) {
    if (line === '') continue;
    const cells = splitCsvLine(line);
    if (!head) {
      head = cells;
      at = new Map(head.map((h, k) => [h, k]));
      continue;
    }
    const get = (k: string): string | undefined => cells[at.get(k) ?? -1];
    const rank = numOrNull(get('robustRank'));
    const paretoFreq = Number(get('paretoFreq'));
    const top10Freq = Number(get('top10Freq'));
    const id = get('id') ?? '';
    const baseline = !/^\d+$/.test(id);
    const keepTop = rank !== null && rank <= ROBUST_TOP;
    const keepPoint = !baseline && (all || (rank !== null && rank <= KEEP_RANKS) || paretoFreq > 0 || top10Freq > 0);
    if (!keepTop && !keepPoint && !baseline) continue;
    const stats: RobustReportRow['stats'] = {};
    for (const c of j.columns) stats[c] = { median: numOrNull(get(`${c}_median`)), p5: numOrNull(get(`${c}_p5`)), p95: numOrNull(get(`${c}_p95`)) };
    const row: RobustReportRow = {
      id,
      label: get('label') ?? '',
      robustRank: rank,
      robustScore: numOrNull(get('robustScore')),
      stats,
      feasibleFreq: Number(get('feasibleFreq')),
      paretoFreq,
      top10Freq,
    };
    if (baseline) baselines.push(row);
    if (keepTop) top.push(row);
    if (keepPoint) {
      points.push(row);
      candidates++;
    }
  }
  top.sort((a, b) => (a.robustRank as number) - (b.robustRank as number));
  let pointsNote = `All ${j.configurations.toLocaleString('en-US')} configurations are shown.`;
  if (!all) {
    // the kept ranks first, then the most frequent on the front or in the top 10 (ties by id)
    const key = (r: RobustReportRow): number => (r.robustRank !== null && r.robustRank <= KEEP_RANKS ? 3 : 0) + r.paretoFreq + r.top10Freq;
    points.sort((a, b) => key(b) - key(a) || Number(a.id) - Number(b.id));
    points = points.slice(0, ROBUST_MAX_POINTS).sort((a, b) => Number(a.id) - Number(b.id));
    pointsNote =
      `Showing ${points.length.toLocaleString('en-US')} of ${j.configurations.toLocaleString('en-US')} configurations: the ${KEEP_RANKS} best by robust rank` +
      ` and those most often on the Pareto front or in the top 10 (of ${candidates.toLocaleString('en-US')} that ever were); the rest are never on either, so they would all sit at 0, 0.`;
  }
  return {
    kind: j.kind,
    paths: j.paths,
    blockLength: j.blockLength,
    seed: j.seed,
    rankBy: rankByText(j.rankBy),
    configurations: j.configurations,
    backtests: j.backtests,
    seconds: j.seconds.total,
    workers: j.workers,
    failed: j.failed,
    columns: j.columns,
    top,
    baselines,
    points,
    pointsNote,
  };
}
