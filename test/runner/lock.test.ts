/**
 * One writer per run folder (issue 15): two resumes at once — one is refused with a message that
 * names the holder, the other finishes, and results.csv is byte-identical to a single run; the
 * lock's staleness rules; the final write re-checks every record it reads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { JournalChanged, RowCursor, scanJournal } from '../../src/results/journal.js';
import { acquireRunLock, LOCK_FILE } from '../../src/results/lock.js';
import { ROOT, smallExperiment, writeExperiment, LONG_SPACE } from './fixture.js';

const BIN = path.join(ROOT, 'bin/rebalance-lab.js');

function spawnCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...extraEnv } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, err }));
  });
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'rl-lock-'));
}

describe('the run-folder lock', () => {
  it('refuses a second writer and names the holder; released, it can be taken again', async () => {
    const d = await tempDir();
    const a = acquireRunLock(d, 'a run');
    expect(() => acquireRunLock(d, 'a resume')).toThrow(
      new RegExp(`another process is writing this run folder: a run \\(pid ${process.pid} on host ${os.hostname()}`),
    );
    a.release();
    expect(existsSync(path.join(d, LOCK_FILE))).toBe(false);
    const b = acquireRunLock(d, 'a resume');
    b.release();
  });

  it('takes over a lock whose process is gone (same host, dead pid)', async () => {
    const d = await tempDir();
    writeFileSync(path.join(d, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: 'x', token: 'old' }));
    const l = acquireRunLock(d, 'a run');
    expect(JSON.parse(readFileSync(path.join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    l.release();
  });

  it('keeps a lock of a live process on this host, however old', async () => {
    const d = await tempDir();
    const f = path.join(d, LOCK_FILE);
    // our parent (the vitest runner) is alive
    writeFileSync(f, JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: 'x', token: 'live' }));
    utimesSync(f, new Date(0), new Date(0));
    expect(() => acquireRunLock(d, 'a run')).toThrow(/another process is writing/);
  });

  it('another host: held while its heartbeat is within the lease, taken after it, or with --break-lock', async () => {
    const d = await tempDir();
    const f = path.join(d, LOCK_FILE);
    writeFileSync(f, JSON.stringify({ pid: 1, host: 'node-elsewhere', startedAt: 'x', token: 'remote', what: 'shard 3/8' }));
    expect(() => acquireRunLock(d, 'a run')).toThrow(/shard 3\/8 \(pid 1 on host node-elsewhere/);
    // --break-lock: the user vouches the holder is gone
    const forced = acquireRunLock(d, 'a run', { breakLock: true });
    forced.release();
    writeFileSync(f, JSON.stringify({ pid: 1, host: 'node-elsewhere', startedAt: 'x', token: 'remote' }));
    // last heartbeat 10 minutes ago, lease 2 minutes: stale
    const old = new Date(Date.now() - 600_000);
    utimesSync(f, old, old);
    const l = acquireRunLock(d, 'a run');
    l.release();
  });

  it('a holder whose lock was broken stops writing (check throws)', async () => {
    const d = await tempDir();
    const a = acquireRunLock(d, 'a run');
    const b = acquireRunLock(d, 'a run', { breakLock: true });
    expect(() => a.check()).toThrow(/stopped writing/);
    b.check();
    a.release(); // must not remove b's lock
    expect(existsSync(path.join(d, LOCK_FILE))).toBe(true);
    b.release();
  });
});

// 753 configurations (see kill.test.ts), one worker and small batches: long enough for two
// resumes started together to overlap
const EXP = smallExperiment({
  name: 'twice',
  space: LONG_SPACE,
});

describe('two resumes of one run folder at once', () => {
  let file: string;
  let dir: string;
  let reference: string;
  beforeAll(async () => {
    ({ file, dir } = await writeExperiment(EXP));
    const r = spawnSync(process.execPath, [BIN, 'run', file, '--out', dir, '--run-id', 'whole', '--no-report', '--quiet', '--batch-size', '4'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    reference = await readFile(path.join(dir, 'twice', 'whole', 'results.csv'), 'utf8');
  }, 180_000);

  it("refuses one (naming the holder) and the other gives the single run's bytes", async () => {
    // a stopped run: the manifest and the first fifth of the journal, cut at a record boundary
    const whole = path.join(dir, 'twice', 'whole');
    const part = path.join(dir, 'twice', 'part');
    await mkdir(part);
    await copyFile(path.join(whole, 'manifest.json'), path.join(part, 'manifest.json'));
    await copyFile(path.join(whole, 'journal.bin'), path.join(part, 'journal.bin'));
    const { entries } = await scanJournal(path.join(part, 'journal.bin'), { truncateTail: false });
    const cut = entries[Math.floor(entries.length / 5)];
    await truncate(path.join(part, 'journal.bin'), cut.record);
    const args = ['run', file, '--resume', part, '--no-report', '--quiet', '--workers', '1', '--batch-size', '2'];
    // the sweep pauses 100 ms on 20 of the missing configurations (a test-only fault that changes
    // no number): the holder surely still holds the lock when the other one asks for it
    const slow = { REBALANCE_LAB_FAULTS: `slow:${Array.from({ length: 20 }, (_, j) => 700 - 10 * j).join(',')}` };
    const [a, b] = await Promise.all([spawnCli(args, slow), spawnCli(args, slow)]);
    const codes = [a.code, b.code].sort();
    expect(codes, a.err + b.err).toEqual([0, 2]);
    const refused = a.code === 2 ? a : b;
    expect(refused.err).toMatch(/refused, because another process is writing this run folder: a resume \(pid \d+ on host /);
    expect(await readFile(path.join(part, 'results.csv'), 'utf8')).toBe(reference);
    expect(existsSync(path.join(part, LOCK_FILE))).toBe(false);
  }, 180_000);

  it('the final write refuses a record that changed after the scan', async () => {
    const j = path.join(dir, 'twice', 'whole', 'journal.bin');
    const copy = path.join(await tempDir(), 'journal.bin');
    await copyFile(j, copy);
    const { entries } = await scanJournal(copy, { truncateTail: false });
    // one row value changes on disk after the scan (another writer, a disk fault)
    const buf = readFileSync(copy);
    buf[entries[3].offset + 8] ^= 0x40;
    writeFileSync(copy, buf);
    const K = entries.reduce((n, e) => n + e.count, 0);
    const cur = new RowCursor(copy, entries, K);
    expect(() => {
      for (let i = 0; i < K; i++) cur.at(i);
    }).toThrow(JournalChanged);
    cur.close();
  });
});
