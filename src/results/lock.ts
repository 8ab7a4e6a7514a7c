/**
 * One writer per run folder: `run`, `--resume`, a shard and `merge` each hold `<dir>/run.lock`
 * while they write there; a second process is refused with a message naming the holder.
 *
 * The lock file is created with O_CREAT|O_EXCL ('wx'), which is atomic on local file systems and
 * on NFSv3+ (and the usual cluster file systems: Lustre, GPFS, BeeGFS). It holds JSON
 * { pid, host, startedAt, token }. While the lock is held a heartbeat rewrites the file's mtime
 * every LEASE/4 and checks that the file still carries our token (if someone broke the lock, the
 * run stops writing instead of racing the new holder).
 *
 * When is an existing lock stale (safe on a shared file system)?
 *   - same host and its pid is not alive (kill(pid, 0) → ESRCH): stale, the holder died;
 *   - same host and the pid is alive: held (even if old: a live process keeps it);
 *   - another host: we cannot see its processes, so it is held unless its heartbeat (the file's
 *     mtime) is older than the lease (LEASE_MS, 2 minutes; REBALANCE_LAB_LOCK_LEASE_MS overrides),
 *     i.e. the holder stopped refreshing it: its machine died or lost the file system;
 *   - `--break-lock` takes the lock whatever it says (the user vouches that the holder is gone).
 * A stale lock is removed by renaming it to a unique name first and checking that the renamed
 * file is the one judged stale (two processes breaking the same stale lock cannot remove each
 * other's fresh lock: the loser's rename finds a different token and puts it back with link()).
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

export const LOCK_FILE = 'run.lock';
export const DEFAULT_LEASE_MS = 120_000;

export function leaseMs(): number {
  const v = Number(process.env.REBALANCE_LAB_LOCK_LEASE_MS);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_LEASE_MS;
}

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  token: string;
  /** What holds it: run, resume, shard k/n, merge. */
  what?: string;
}

export interface RunLock {
  readonly file: string;
  /** Throws a UserError if the lock was taken away (broken by another process). */
  check(): void;
  release(): void;
}

function readInfo(file: string): LockInfo | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.token !== 'string') return null;
    return { pid: v.pid, host: v.host, startedAt: String(v.startedAt ?? '?'), token: v.token, what: typeof v.what === 'string' ? v.what : undefined };
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why a lock held as `info` (file mtime `mtimeMs`) is stale, or null if it is held. */
export function staleReason(info: LockInfo | null, mtimeMs: number, now = Date.now(), host = os.hostname(), lease = leaseMs()): string | null {
  if (info === null) {
    // unreadable: a writer died between creating and filling it, or garbage; judge by age only
    return now - mtimeMs > lease ? 'it is unreadable and older than the lease' : null;
  }
  if (info.host === host) {
    if (info.pid === process.pid) return null; // ourselves (an earlier lock not released): held
    return pidAlive(info.pid) ? null : `its process ${info.pid} on ${host} is gone`;
  }
  return now - mtimeMs > lease ? `its heartbeat is ${Math.round((now - mtimeMs) / 1000)} s old (lease ${Math.round(lease / 1000)} s)` : null;
}

function describeHolder(info: LockInfo | null, file: string): string {
  if (!info) return `an unreadable lock file ${file}`;
  return `${info.what ?? 'a process'} (pid ${info.pid} on host ${info.host}, since ${info.startedAt})`;
}

/**
 * Take `<dir>/run.lock` or throw a UserError naming the holder. `what` describes us in the lock
 * (shown to a process we refuse). The heartbeat timer is unref'd (it never keeps Node alive).
 */
export function acquireRunLock(dir: string, what: string, o: { breakLock?: boolean } = {}): RunLock {
  const file = path.join(dir, LOCK_FILE);
  const me: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex'), what };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (attempt >= 5) throw new UserError(`${dir}: could not take the run lock ${file} (it keeps changing hands); try again`);
    const info = readInfo(file);
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    const why = o.breakLock ? 'you asked for --break-lock' : staleReason(info, mtime);
    if (why === null) {
      throw new UserError(
        `${dir}: refused, because another process is writing this run folder: ${describeHolder(info, file)}. ` +
          `Wait for it to finish (one writer per run folder). If it is really gone (its machine died), ` +
          `rerun with --break-lock, or wait ${Math.round(leaseMs() / 1000)} s after its last heartbeat`,
      );
    }
    breakStale(file, info);
    process.stderr.write(`note: took over the lock of ${dir}: ${why}\n`);
  }
  const lease = leaseMs();
  let lost: string | null = null;
  const check = (): void => {
    const now = readInfo(file);
    if (now?.token !== me.token) lost = `${describeHolder(now, file)} took the lock of ${dir}`;
  };
  const timer = setInterval(
    () => {
      try {
        check();
        if (lost === null) {
          const t = new Date();
          utimesSync(file, t, t);
        }
      } catch {
        lost ??= `the lock file ${file} disappeared`;
      }
    },
    Math.max(50, Math.floor(lease / 4)),
  );
  timer.unref();
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    clearInterval(timer);
    process.off('exit', release);
    try {
      if (readInfo(file)?.token === me.token) rmSync(file, { force: true });
    } catch {
      /* the folder is gone: nothing to release */
    }
  };
  // a process.exit() while the lock is held (the CLI's Ctrl-C after the sweep, exit 130) releases
  // it too, so the resume that follows finds the folder free instead of breaking a stale lock
  process.on('exit', release);
  return {
    file,
    check() {
      if (lost === null) check();
      if (lost !== null) throw new UserError(`${dir}: stopped writing: ${lost}; one writer per run folder`);
    },
    release,
  };
}

/** Remove a stale lock without ever removing a fresh one another process just took. */
function breakStale(file: string, judged: LockInfo | null): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already (another process broke it): retry the create
  }
  const got = readInfo(aside);
  if (judged !== null && got?.token !== judged.token) {
    // we moved a lock someone took after our judgement: put it back (link fails if a third took it)
    try {
      linkSync(aside, file);
    } catch {
      /* the slot is taken again; the create below fails and reports the holder */
    }
  }
  rmSync(aside, { force: true });
}
