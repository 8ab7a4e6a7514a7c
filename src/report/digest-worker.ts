/**
 * The report's digest on a thread of its own (report/run-report.ts): it reads a run's rows from
 * the journal(s) while the run's own thread writes results.csv from them, and posts the digest
 * back. It loads report/fromRun.ts (the digest, the results readers, and the price loading and
 * kernel that fromRun also uses), never danfojs or the page's code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RunRows } from '../results/journal-rows.js';
import { digestRunRows } from './fromRun.js';

const { dir, rows } = workerData as { dir: string; rows: RunRows };
parentPort?.postMessage(await digestRunRows(dir, rows));
