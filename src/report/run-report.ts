/**
 * The report as a run writes it (the CLI's `run`, the library's runExperiment). The runner calls
 * these through RunOptions (it does not import the report layer); its callers load this module
 * only when a report is wanted, so the report's code stays off the sweep's path.
 *
 * startRunReport digests the run's rows on a worker thread (digest-worker.ts) while the run's own
 * thread writes results.csv from the same rows: two cores busy instead of one, and the report
 * phase no longer reads a million rows after the write phase did.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { builtWorker } from '../exec/built.js';
import type { DigestStart, RunRows } from '../results/journal-rows.js';
import type { DigestResult } from './digest.js';
import { buildReportInput } from './fromRun.js';
import { writeReport } from './html.js';

/** Start digesting `rows` for the report of the run in `dir`; null when the built worker is not there (the report then reads the rows itself). */
export function startRunReport(dir: string, rows: RunRows): DigestStart | null {
  let file: string;
  try {
    file = builtWorker('report/digest-worker.js', "report's digest worker");
  } catch {
    return null;
  }
  const w = new Worker(file, { workerData: { dir: path.resolve(dir), rows } });
  // the thread ends once it has posted the digest; a run that stops before taking it calls stop()
  const digest = new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the report's digest worker ended (exit code ${code}) without a digest`)));
  });
  digest.catch(() => {});
  return { digest, stop: async () => void (await w.terminate()) };
}

/**
 * Build and write report.html for a run folder; returns the file's absolute path. `digested`:
 * what startRunReport's digest gave (else the rows are read from the folder).
 */
export async function writeRunReport(dir: string, digested?: unknown): Promise<string> {
  const abs = path.resolve(dir);
  return writeReport(abs, await buildReportInput(abs, isDigest(digested) ? { digested } : {}));
}

/** Whether `x` is a digest as startRunReport's worker posts it (a structured-cloned DigestResult); anything else is ignored. */
function isDigest(x: unknown): x is DigestResult {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Partial<DigestResult>;
  return typeof d.configs === 'number' && Array.isArray(d.sample) && Array.isArray(d.effects) && d.kept instanceof Map;
}
