/**
 * The report's digest on a thread of its own (report/run-report.ts): it reads a run's rows from
 * the journal(s) while the run's own thread writes results.csv from them, and posts the digest
 * back. Imports the report's digest and the results readers only (never danfojs or the page).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RunRows } from '../results/journal-rows.js';
import { digestRunRows } from './fromRun.js';

const { dir, rows } = workerData as { dir: string; rows: RunRows };
parentPort?.postMessage(await digestRunRows(dir, rows));
