/**
 * Reading a run's results back (design §7): one pass over results.csv, one row at a time, in
 * constant memory. Nothing is guessed: a configuration row's parameters are the search space's
 * `config(id)` (rebuilt from the manifest's experiment spec), a baseline's are the baseline
 * configuration of the same id; only the metrics, flags, score and rank are read from the cells.
 * Quoted cells may hold commas, quotes and line breaks (error messages do).
 *
 * The report's digest (src/report/digest.ts) is fed these rows when the run's journal(s) and
 * ranks.bin cannot give them (src/results/journal-rows.ts gives the same rows without the parse).
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { METRICS } from '../kernel/metrics.js';
import { describeConfig } from '../policy/describe.js';
import type { BandType, CheckEvery, Config, Mode } from '../policy/types.js';
import type { Manifest } from './manifest.js';
import { baselineConfigs } from '../search/baselines.js';
import { ParameterSpace, PARAMS, paramValue } from '../search/space.js';
import type { ResultRow as ReportRow } from './row.js';
import { splitCsvLine } from './table.js';

/**
 * Call `onRecord` for each CSV record of a file: a line, or several lines when a quoted cell holds
 * a line break (the record is then joined with "\n"). Reads 1 MB chunks; `recordNo` counts records
 * from 1 (the header), `lineNo` is the file line the record starts on.
 */
export async function forEachRecord(file: string, onRecord: (record: string, recordNo: number, lineNo: number) => void): Promise<number> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let carry: Buffer | null = null;
  let lineNo = 0;
  let recordNo = 0;
  let pending: string | null = null; // a record whose quotes are not closed yet
  let pendingLine = 0;
  const line = (text: string): void => {
    lineNo++;
    const joined = pending === null ? text : `${pending}\n${text}`;
    if (quotesOpen(joined)) {
      if (pending === null) pendingLine = lineNo;
      pending = joined;
      return;
    }
    const start = pending === null ? lineNo : pendingLine;
    pending = null;
    onRecord(joined, ++recordNo, start);
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      line(buf.toString('utf8', start, end));
      start = nl + 1;
    }
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
  }
  if (carry?.length) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    line(carry.toString('utf8', 0, end));
  }
  if (pending !== null)
    throw new UserError(`${file}: line ${pendingLine} opens a quoted cell that is never closed; the file is damaged — rerun the experiment`);
  return recordNo;
}

/** Whether a record has an odd number of quote characters (a quoted cell still open). */
function quotesOpen(s: string): boolean {
  let q = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) q++;
  return q % 2 === 1;
}

/** Cells of one record (quotes only appear in error messages and odd text). */
export function cellsOf(record: string): string[] {
  return record.indexOf('"') < 0 ? record.split(',') : splitCsvLine(record);
}

/** Column positions of a results.csv header. */
export interface Columns {
  width: number;
  id: number;
  params: number[];
  metrics: number[];
  feasible: number;
  pareto: number;
  score: number;
  rank: number;
  error: number;
}

export function columnsOf(head: string[], file: string): Columns {
  const at = (k: string, required: boolean): number => {
    const i = head.indexOf(k);
    if (i < 0 && required) {
      throw new UserError(
        `${file}: the header has no "${k}" column, so this is not a results.csv written by rebalance-lab ` +
          `(expected id, the parameters, the metrics, feasible, pareto, score, rank, error); rerun the experiment to rewrite it`,
      );
    }
    return i;
  };
  return {
    width: head.length,
    id: at('id', true),
    params: PARAMS.map((p) => at(p, false)),
    // totalCost and assetTrades were added later (issue 16): older files do not have them
    metrics: METRICS.map((m) => at(m, m !== 'totalCost' && m !== 'assetTrades')),
    feasible: at('feasible', true),
    pareto: at('pareto', true),
    score: at('score', true),
    rank: at('rank', true),
    error: at('error', false),
  };
}

const numOrNull = (s: string | undefined): number | null => {
  if (s === undefined || s === '') return null;
  const x = Number(s);
  return Number.isNaN(x) ? null : x;
};

/** A configuration id: digits only (baselines have names). */
export const isConfigId = (id: string): boolean => id.length > 0 && id.length < 16 && /^\d+$/.test(id);

/** A Config's parameters as a results row shows them (null where one does not apply). */
export function paramsOf(c: Config): ReportRow['params'] {
  const out: ReportRow['params'] = {};
  for (const p of PARAMS) out[p] = paramValue(c, p);
  return out;
}

/**
 * A Config from a row's parameters: for rows of an in-memory input, which carry no id in a space.
 * Every value a policy needs must be present; a missing one is an error, not a default.
 */
export function rowConfig(params: ReportRow['params']): Config {
  const need = (k: string): number => {
    const v = params[k];
    if (v === null || v === undefined || !Number.isFinite(Number(v))) throw new Error(`rowConfig: parameter ${k} is missing`);
    return Number(v);
  };
  const opt = (k: string): number | undefined => (params[k] === null || params[k] === undefined ? undefined : Number(params[k]));
  const band = params.band as BandType;
  const check =
    params.check === null || params.check === undefined ? 'monthly' : /^\d+$/.test(String(params.check)) ? Number(params.check) : (params.check as CheckEvery);
  return {
    band,
    width: band === 'none' || band === 'calendar' ? 0 : need('width'),
    relWidth: opt('relWidth'),
    lookback: opt('lookback'),
    minWidth: opt('minWidth'),
    check,
    mode: (params.mode ?? 'target') as Mode,
    depth: opt('depth'),
    fraction: opt('fraction'),
    cooldown: opt('cooldown') ?? 0,
    feeBps: need('feeBps'),
    halfSpreadBps: need('halfSpreadBps'),
    fixedFee: need('fixedFee'),
    minTrade: need('minTrade'),
  };
}

/** What a run folder says about itself: its manifest, and its space compiled from the manifest's spec. */
export interface RunInfo {
  dir: string;
  manifest: Manifest;
  space: ParameterSpace;
  /** Baseline configurations by id. */
  baselines: Map<string, Config>;
}

export async function readRunInfo(dir: string): Promise<RunInfo> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    throw new UserError(`${dir}: no readable manifest.json; give the folder of a finished run`);
  }
  const s = manifest.experiment.spec;
  const space = new ParameterSpace(s.space, s.search, { costs: s.costs }, `${dir}/manifest.json: experiment.spec`);
  const baselines = new Map(baselineConfigs(space, s).map((b) => [b.id, b.config]));
  return { dir, manifest, space, baselines };
}

/**
 * Read results.csv row by row into `onRow` (configuration rows in file order, then the baselines).
 * Returns the number of configuration rows.
 */
export async function readResultRows(info: RunInfo, onRow: (row: ReportRow) => void): Promise<number> {
  const file = path.join(info.dir, 'results.csv');
  let cols: Columns | null = null;
  let configs = 0;
  await forEachRecord(file, (record, n, lineNo) => {
    if (record === '') return;
    const cells = cellsOf(record);
    if (!cols) {
      cols = columnsOf(cells, file);
      return;
    }
    if (cells.length !== cols.width) {
      throw new UserError(
        `${file}: line ${lineNo} has ${cells.length} cells but the header has ${cols.width}; the file is damaged (cut short or edited) — rerun the experiment, or resume it with \`run … --resume\``,
      );
    }
    const id = cells[cols.id];
    let config: Config;
    let kind: ReportRow['kind'];
    if (isConfigId(id)) {
      const k = Number(id);
      if (k >= info.space.size)
        throw new UserError(
          `${file}: line ${lineNo}: configuration id ${id} is outside the run's space (0..${info.space.size - 1}); the results do not belong to this manifest.json`,
        );
      config = info.space.config(k);
      kind = 'config';
      configs++;
    } else {
      const b = info.baselines.get(id);
      if (b) config = b;
      else {
        // a baseline this version does not define: its parameters are in the cells
        const params: ReportRow['params'] = {};
        PARAMS.forEach((p, j) => {
          const v = cols!.params[j] >= 0 ? cells[cols!.params[j]] : '';
          params[p] = v === '' ? null : p === 'band' || p === 'mode' || (p === 'check' && !/^\d+$/.test(v)) ? v : Number(v);
        });
        config = rowConfig(params);
      }
      kind = 'baseline';
    }
    const metrics: ReportRow['metrics'] = {};
    METRICS.forEach((m, j) => (metrics[m] = cols!.metrics[j] < 0 ? null : numOrNull(cells[cols!.metrics[j]])));
    const error = cols.error >= 0 ? cells[cols.error] : '';
    onRow({
      id,
      kind,
      label: describeConfig(config),
      params: paramsOf(config),
      metrics,
      feasible: cells[cols.feasible] === '1',
      pareto: cells[cols.pareto] === '1',
      score: numOrNull(cells[cols.score]),
      rank: numOrNull(cells[cols.rank]),
      ...(error ? { error } : {}),
    });
    void n;
  }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new UserError(`${info.dir}: no results.csv; the run did not finish — finish it with \`run … --resume ${info.dir}\``);
  });
  if (!cols) throw new UserError(`${file}: the file is empty; rerun the experiment to write it`);
  return configs;
}

/** Every row of a run folder's results.csv in memory (small runs and tests). */
export async function readResults(dir: string): Promise<ReportRow[]> {
  const info = await readRunInfo(dir);
  const rows: ReportRow[] = [];
  await readResultRows(info, (r) => rows.push(r));
  return rows;
}
