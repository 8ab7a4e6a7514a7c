/**
 * `rebalance-lab merge DIR...`: shard runs (`run --shard k/n`) into one run whose results.csv is
 * byte-identical to an unsharded run's. Refuses, with the reason, shards from different
 * experiments, data or seeds, a missing or duplicated shard, and an unfinished one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { compileExperiment } from '../experiment/load.js';
import { writeFileAtomic } from '../results/atomic.js';
import { shardCount, type ShardJournal } from '../results/journal.js';
import { scanJournal } from '../results/journal.js';
import { acquireRunLock, type RunLock } from '../results/lock.js';
import { explainMismatch, fingerprint, locateRunData, type Manifest } from '../results/manifest.js';
import { finishRun, prepareCompiled, removeOrphanTemps, type RunResult } from './run.js';

export interface MergeOptions {
  dirs: string[];
  /** The merged run folder (default: the shards' common parent folder). */
  out?: string;
  quiet?: boolean;
  /** Take the folders' locks even though another process seems to hold them. */
  breakLock?: boolean;
}

const SHARD_DIR = /^shard-(\d+)-of-(\d+)$/;

/** The shard folders named (a shard folder each, or one parent folder holding shard-k-of-n folders). */
export function shardDirs(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    const abs = path.resolve(d);
    if (!existsSync(abs) || !statSync(abs).isDirectory())
      throw new UserError(`merge: ${d} is not a folder; give shard run folders (…/shard-k-of-n) or the folder holding them`);
    if (existsSync(path.join(abs, 'manifest.json')) && SHARD_DIR.test(path.basename(abs))) {
      out.push(abs);
      continue;
    }
    const kids = readdirSync(abs)
      .filter((x) => SHARD_DIR.test(x))
      .sort((a, b) => Number(SHARD_DIR.exec(a)![1]) - Number(SHARD_DIR.exec(b)![1]));
    if (existsSync(path.join(abs, 'manifest.json')) && kids.length === 0) out.push(abs);
    else if (kids.length === 0)
      throw new UserError(`merge: ${d} holds no shard-k-of-n folders and no manifest.json; give the shard folders written by \`run --shard k/n\``);
    else for (const k of kids) out.push(path.join(abs, k));
  }
  return out;
}

export async function mergeRuns(o: MergeOptions): Promise<RunResult> {
  const dirs = shardDirs(o.dirs);
  // one writer per run folder: no shard may be (re)written while merge reads it, and no two merges
  // may write the same merged folder
  const locks: RunLock[] = [];
  try {
    for (const d of new Set(dirs)) locks.push(acquireRunLock(d, 'merge (reading this shard)', { breakLock: o.breakLock }));
    return await mergeLocked(o, dirs, locks);
  } finally {
    for (const l of locks) l.release();
  }
}

async function mergeLocked(o: MergeOptions, dirs: string[], locks: RunLock[]): Promise<RunResult> {
  const t0 = performance.now();
  const rel = (d: string): string => path.relative(process.cwd(), d) || d;
  const manifests: Manifest[] = [];
  for (const d of dirs) {
    const f = path.join(d, 'manifest.json');
    if (!existsSync(f)) throw new UserError(`merge: ${rel(d)} has no manifest.json; it is not a shard run folder`);
    let m: Manifest;
    try {
      m = JSON.parse(await readFile(f, 'utf8')) as Manifest;
    } catch (e) {
      throw new UserError(`merge: ${rel(f)} is not readable JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!m.shard) throw new UserError(`merge: ${rel(d)} is not a shard (it was run without --shard); merge takes the folders written by \`run --shard k/n\``);
    manifests.push(m);
  }
  const first = manifests[0];
  const n = first.shard!.count;
  const byIndex = new Map<number, string>();
  for (let i = 0; i < dirs.length; i++) {
    const m = manifests[i];
    if (fingerprint(m, false) !== fingerprint(first, false))
      throw new UserError(
        `merge: ${rel(dirs[i])} does not belong with ${rel(dirs[0])}: ${explainMismatch(first, m).replace('since the run started', 'between the shards')}`,
      );
    if (m.shard!.count !== n)
      throw new UserError(
        `merge: ${rel(dirs[i])} is shard ${m.shard!.index}/${m.shard!.count} but ${rel(dirs[0])} is one of ${n}; every shard must use the same n`,
      );
    const k = m.shard!.index;
    if (byIndex.has(k)) throw new UserError(`merge: shard ${k}/${n} is given twice (${rel(byIndex.get(k)!)} and ${rel(dirs[i])}); give each shard once`);
    byIndex.set(k, dirs[i]);
  }
  const missing = Array.from({ length: n }, (_, k) => k).filter((k) => !byIndex.has(k));
  if (missing.length)
    throw new UserError(
      `merge: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${n} missing; run them with \`run … --shard k/${n}\` and give every shard folder`,
    );

  // every shard complete
  const K = first.search.size;
  const shards: ShardJournal[] = [];
  const failures = new Map<number, string>();
  for (let k = 0; k < n; k++) {
    const d = byIndex.get(k)!;
    const m = manifests[dirs.indexOf(d)];
    if (!m.completedAt)
      throw new UserError(
        `merge: shard ${k}/${n} in ${rel(d)} is not finished (its manifest has no completedAt); finish it with \`rebalance-lab run ${m.experiment.file} --resume ${rel(d)}\``,
      );
    // read only: never cut the tail of a journal another process may still be appending to
    const need = shardCount(K, k, n);
    const { entries, failures: fl } = await scanJournal(path.join(d, 'journal.bin'), { truncateTail: false, size: need });
    const have = new Uint8Array(need);
    for (const e of entries) have.fill(1, e.from, Math.min(need, e.from + e.count));
    const got = have.reduce((a, b) => a + b, 0);
    if (got < need || !m.completedAt)
      throw new UserError(
        `merge: shard ${k}/${n} in ${rel(d)} is not finished (${got} of ${need} configurations); finish it with \`rebalance-lab run ${m.experiment.file} --resume ${rel(d)}\``,
      );
    for (const [j, why] of fl) failures.set(k + j * n, why);
    shards.push({ file: path.join(d, 'journal.bin'), entries, k, n });
  }

  // the experiment as recorded, the data as now (must be the same bytes)
  const compiled = compileExperiment(first.experiment.spec, first.experiment.file);
  const spec = compiled.spec;
  const dataFile = await locateRunData(dirs[0], first, 'merge');
  // the flows the shards ran with (as resolved into their manifests), not a re-read flows file
  const prep = { ...(await prepareCompiled(compiled, dataFile)), flows: first.flows ?? null };

  const parents = new Set(dirs.map((d) => path.dirname(d)));
  const dir = o.out ? path.resolve(o.out) : parents.size === 1 ? [...parents][0] : '';
  if (!dir) throw new UserError('merge: the shard folders have different parent folders; say where the merged run goes with --out DIR');
  await mkdir(dir, { recursive: true });
  if (!dirs.includes(dir)) locks.push(acquireRunLock(dir, 'merge', { breakLock: o.breakLock }));
  await removeOrphanTemps(dir);
  let old: Manifest | null = null;
  if (existsSync(path.join(dir, 'manifest.json'))) {
    try {
      old = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    } catch (e) {
      throw new UserError(
        `merge: ${rel(path.join(dir, 'manifest.json'))} is not readable JSON (${e instanceof Error ? e.message.slice(0, 80) : String(e)}); choose another --out`,
      );
    }
  }
  if (old && !old.mergedFrom) throw new UserError(`merge: ${rel(dir)} already holds a run that is not a merge; choose another --out`);
  const tLoad = performance.now();

  const fin = await finishRun({ prep, dir, shards, failures, workers: 1, quiet: o.quiet, experiment: first.experiment.file });
  const tWrite = performance.now();
  const seconds = { load: (tLoad - t0) / 1000, sweep: 0, write: (tWrite - tLoad) / 1000, total: (tWrite - t0) / 1000 };
  const manifest: Manifest = {
    ...first,
    data: { ...first.data, fromRun: path.relative(dir, dataFile) },
    shard: undefined,
    mergedFrom: dirs.map((d) => path.relative(dir, d)),
    createdAt: manifests.map((m) => m.createdAt).sort()[0],
    completedAt: new Date().toISOString(),
    workers: manifests.reduce((a, m) => a + (m.workers ?? 0), 0),
    timings: { ...seconds, shardSweepSeconds: manifests.reduce((a, m) => a + (m.timings?.sweep ?? 0), 0) },
    failed: failures.size,
  };
  for (const l of locks) l.check();
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return {
    dir,
    spec,
    space: prep.space,
    summary: fin.summary,
    failures,
    baselines: fin.baselines,
    seconds,
    workers: 1,
    evaluated: 0,
    selection: fin.selection,
  };
}
