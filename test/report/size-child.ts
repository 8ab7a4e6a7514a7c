/**
 * Child process of size.test.ts: build the report of a run folder (buildReportInput + writeReport)
 * and print one JSON line with what it cost. Run as
 *   node --expose-gc --max-old-space-size=256 --import tsx test/report/size-child.ts <run dir>
 * so the heap can be measured after full garbage collections, in a process that holds nothing else.
 */
import { statSync } from 'node:fs';
import { buildReportInput } from '../../src/report/fromRun.js';
import { writeReport } from '../../src/report/html.js';

const dir = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
gc();
gc();
const before = process.memoryUsage();
const t0 = performance.now();
const input = await buildReportInput(dir);
const t1 = performance.now();
gc();
gc();
const afterRead = process.memoryUsage();
const file = await writeReport(dir, input);
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    readSeconds: (t1 - t0) / 1000,
    reportSeconds: (t2 - t1) / 1000,
    rows: input.rows.length,
    heapBefore: before.heapUsed,
    heapAfterRead: afterRead.heapUsed,
    rssBefore: before.rss,
    maxRss: process.resourceUsage().maxRSS * 1024,
    htmlBytes: statSync(file).size,
  }) + '\n',
);
