/**
 * A policy picked from a finished run: `reports/<exp>/<run>` (rank 1), `…#3` (rank 3),
 * `…#id=1234` or `…#calendar-monthly` (a configuration or baseline id). The configuration is
 * rebuilt from the parameter columns of results.csv, the targets and the data file from
 * manifest.json.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';
import { BAND_TYPES, MODES, type BandType, type CheckEvery, type Config, type Mode } from '../policy/types.js';
import { isNamedSchedule } from '../policy/schedule.js';
import { resolveTargets } from '../policy/targets.js';
import { splitCsvLine } from '../results/table.js';
import type { ResolvedPolicy } from './policyFile.js';

export interface RunPolicy extends ResolvedPolicy {
  /** The run's data file (relative to the working directory the run was started from). */
  dataFile: string;
  periodsPerYear: number;
  source: { run: string; id: string; rank: number | null; experiment: string; data: string; dataLast: string };
}

interface RunManifest {
  experiment: { name: string; spec: { targets: Record<string, number>; normalizeTargets?: boolean } };
  data: { file: string; assets: string[]; last: string; periodsPerYear: number };
}

/** Split "dir#ref" into the folder and the reference (default: rank 1). */
export function parseRunRef(text: string): { dir: string; ref: { rank: number } | { id: string } } {
  const k = text.lastIndexOf('#');
  const dir = k < 0 ? text : text.slice(0, k);
  const r = k < 0 ? '' : text.slice(k + 1).trim();
  if (r === '') return { dir, ref: { rank: 1 } };
  if (/^\d+$/.test(r)) {
    const rank = Number(r);
    if (rank < 1) throw new UserError(`${text}: rank ${r} must be 1 or more (#1 is the best row)`);
    return { dir, ref: { rank } };
  }
  const m = /^id[=:](.+)$/.exec(r);
  return { dir, ref: { id: m ? m[1] : r } };
}

export function isRunFolder(text: string): boolean {
  return existsSync(path.join(parseRunRef(text).dir, 'manifest.json'));
}

export async function policyFromRun(text: string): Promise<RunPolicy> {
  const { dir, ref } = parseRunRef(text);
  const mf = path.join(dir, 'manifest.json');
  const rf = path.join(dir, 'results.csv');
  if (!existsSync(mf))
    throw new UserError(`${dir}: no manifest.json; give a run folder written by \`rebalance-lab run\` (e.g. reports/<experiment>/<run>#1) or a policy .json`);
  if (!existsSync(rf)) throw new UserError(`${dir}: no results.csv; the run is not finished (finish it with \`run --resume ${dir}\`)`);
  let man: RunManifest;
  try {
    man = JSON.parse(await readFile(mf, 'utf8')) as RunManifest;
  } catch (e) {
    throw new UserError(`${mf}: not a readable manifest (${e instanceof Error ? e.message : String(e)})`);
  }
  const lines = createInterface({ input: createReadStream(rf, 'utf8'), crlfDelay: Infinity });
  let header: string[] | null = null;
  let found: Record<string, string> | null = null;
  for await (const line of lines) {
    if (line === '') continue;
    const cells = splitCsvLine(line);
    if (!header) {
      header = cells;
      continue;
    }
    const row = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    if ('rank' in ref ? row.rank === String(ref.rank) : row.id === ref.id) {
      found = row;
      break;
    }
  }
  lines.close();
  if (!found) {
    const what = 'rank' in ref ? `rank ${ref.rank}` : `id ${ref.id}`;
    throw new UserError(`${rf}: no row with ${what}${'rank' in ref ? ' (ranks are given to feasible rows only; see the leaderboard)' : ''}`);
  }
  const config = configFromRow(found, `${rf} id ${found.id}`);
  const assets = man.data.assets;
  const targets = resolveTargets(man.experiment.spec.targets, assets, { normalize: man.experiment.spec.normalizeTargets, where: `${mf}: targets` });
  return {
    config,
    assets: [...assets],
    targets,
    origin: `${dir} ${'rank' in ref ? `rank ${ref.rank}` : ''} (id ${found.id})`.replace('  ', ' '),
    dataFile: man.data.file,
    periodsPerYear: man.data.periodsPerYear,
    source: {
      run: dir,
      id: found.id,
      rank: found.rank ? Number(found.rank) : null,
      experiment: man.experiment.name,
      data: man.data.file,
      dataLast: man.data.last,
    },
  };
}

function configFromRow(row: Record<string, string>, where: string): Config {
  const num = (k: string, def?: number): number => {
    const v = row[k];
    if (v === undefined || v === '') {
      if (def !== undefined) return def;
      throw new UserError(`${where}: column ${k} is empty`);
    }
    const x = Number(v);
    if (!Number.isFinite(x)) throw new UserError(`${where}: column ${k} = "${v}" is not a number`);
    return x;
  };
  const band = row.band as BandType;
  if (!(BAND_TYPES as readonly string[]).includes(band)) throw new UserError(`${where}: band "${row.band}" is not a band type`);
  const mode = (row.mode || 'target') as Mode;
  if (!(MODES as readonly string[]).includes(mode)) throw new UserError(`${where}: mode "${row.mode}" is not a mode`);
  const ck = row.check || 'monthly';
  const check: CheckEvery = isNamedSchedule(ck) ? ck : Number(ck);
  if (typeof check === 'number' && !(Number.isInteger(check) && check >= 1)) throw new UserError(`${where}: check "${ck}" is not a schedule`);
  const c: Config = {
    band,
    width: num('width', 0),
    check,
    mode,
    cooldown: num('cooldown', 0),
    feeBps: num('feeBps', 0),
    halfSpreadBps: num('halfSpreadBps', 0),
    fixedFee: num('fixedFee', 0),
    minTrade: num('minTrade', 0),
  };
  if (row.relWidth) c.relWidth = num('relWidth');
  if (row.lookback) c.lookback = num('lookback');
  if (row.depth) c.depth = num('depth');
  if (row.fraction) c.fraction = num('fraction');
  return c;
}
