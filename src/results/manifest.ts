/**
 * manifest.json: what a run folder was made from (tool version, experiment, data file and its
 * sha256, search, shard) and the fingerprint that --resume and merge compare.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExperimentSpec } from '../spec/schema.js';
import type { FlowsSpec } from '../policy/flows.js';

/** The package version (part of the fingerprint), read from package.json: src/results/ and dist/results/ are both two folders below it. */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface Manifest {
  tool: 'rebalance-lab';
  version: string;
  experiment: { name: string; file: string; sha256: string; spec: ExperimentSpec };
  /**
   * `file` is relative to the working directory the run started in; `fromRun` (since 0.1.0 runs
   * made after issue 10) relative to the run folder, so `report` and `merge` find it from anywhere.
   */
  data: {
    file: string;
    fromRun?: string;
    sha256: string;
    assets: string[];
    rows: number;
    first: string;
    last: string;
    windowStart: string;
    periodsPerYear: number;
  };
  search: { kind: string; seed: number; size: number };
  /** A shard run: the ids with id mod count = index. */
  shard?: { index: number; count: number };
  /** A merged run: the shard folders it came from. */
  mergedFrom?: string[];
  createdAt: string;
  completedAt?: string;
  workers?: number;
  /** Seconds by phase: load, plan, sweep, write, validation, robustness, report, total. */
  timings?: Record<string, number>;
  failed?: number;
  /** How the evaluation window differs from the data file and the experiment's dates, and why. */
  warnings?: string[];
  /** The run's cash flows as resolved (text forms parsed, the flows file read), when it has any. */
  flows?: FlowsSpec;
}

export const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

/** What must match for --resume and merge (everything that changes a result). */
export function fingerprint(m: Manifest, withShard = true): string {
  return JSON.stringify([
    m.version,
    m.experiment.spec,
    m.data.sha256,
    m.data.assets,
    m.data.windowStart,
    m.search,
    withShard ? (m.shard ?? null) : null,
    // the flows as resolved, so a changed flows file is noticed (absent without flows: older fingerprints unchanged)
    ...(m.flows ? [m.flows] : []),
  ]);
}

export function explainMismatch(old: Manifest, cur: Manifest): string {
  if (old.data.sha256 !== cur.data.sha256)
    return `the data file ${cur.data.file} changed (sha256 ${old.data.sha256.slice(0, 12)}… → ${cur.data.sha256.slice(0, 12)}…)`;
  if (JSON.stringify(old.experiment.spec) !== JSON.stringify(cur.experiment.spec)) {
    const changed = changedFields(old.experiment.spec, cur.experiment.spec);
    const list = changed.length > 6 ? `${changed.slice(0, 6).join(', ')}, … (${changed.length} fields in all)` : changed.join(', ');
    return `the experiment ${cur.experiment.file} changed since the run started: ${list || 'the field order'}`;
  }
  if (old.version !== cur.version) return `it was made by rebalance-lab ${old.version}, this is ${cur.version}`;
  if (JSON.stringify(old.shard ?? null) !== JSON.stringify(cur.shard ?? null))
    return `it is ${old.shard ? `shard ${old.shard.index}/${old.shard.count}` : 'an unsharded run'}, not ${cur.shard ? `shard ${cur.shard.index}/${cur.shard.count}` : 'an unsharded run'}`;
  if (old.data.windowStart !== cur.data.windowStart) return `the evaluation window now starts on ${cur.data.windowStart}, not ${old.data.windowStart}`;
  if (JSON.stringify(old.data.assets) !== JSON.stringify(cur.data.assets))
    return `the assets are now ${cur.data.assets.join(', ')}, not ${old.data.assets.join(', ')}`;
  return `the search differs (${JSON.stringify(old.search)} → ${JSON.stringify(cur.search)})`;
}

/** A value in a "changed" list: JSON, cut at 60 characters. */
function brief(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * The fields that differ between two experiment specs, as "path (old → new)", leaves only
 * (a resume refusal says what changed, not just that something did).
 */
export function changedFields(before: unknown, after: unknown, prefix = '', out: string[] = []): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) changedFields(before[k], after[k], prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push(`${prefix || '(top level)'} (${brief(before)} → ${brief(after)})`);
  return out;
}

/** The manifest of a run folder, or null when it has none. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  const mf = path.join(dir, 'manifest.json');
  if (!existsSync(mf)) return null;
  try {
    return JSON.parse(await readFile(mf, 'utf8')) as Manifest;
  } catch (e) {
    throw new UserError(`${mf}: not a readable manifest (${e instanceof Error ? e.message : String(e)}); this folder is not a rebalance-lab run`);
  }
}

/**
 * The data file of a run, as it is now: beside the run folder (`data.fromRun`), else as recorded
 * (relative to the working directory, then to the experiment's folder). Its sha256 must be the
 * recorded one: the report or merge would otherwise show numbers from other prices. `what`
 * starts the messages ("report", "merge").
 */
export async function locateRunData(dir: string, m: Manifest, what: string): Promise<string> {
  const tried = [
    ...(m.data.fromRun !== undefined ? [path.resolve(dir, m.data.fromRun)] : []),
    path.resolve(m.data.file),
    path.resolve(path.dirname(path.resolve(m.experiment.file)), m.data.file),
  ];
  const file = tried.find((f) => existsSync(f));
  if (!file)
    throw new UserError(
      `${what}: the data file ${m.data.file} of the run in ${dir} is not here (looked at ${[...new Set(tried)].join(', ')}); ` +
        `run from the folder the run was started in, or put the file back`,
    );
  const now = sha256(await readFile(file));
  if (now !== m.data.sha256)
    throw new UserError(
      `${what}: the data file ${file} changed since the run (sha256 ${m.data.sha256.slice(0, 12)}… → ${now.slice(0, 12)}…); put back the file the run used`,
    );
  return file;
}
