/** Atomic file writes: a temp file in the same folder, then rename (never half-written). */
import { createWriteStream } from 'node:fs';
import { type FileHandle, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

/** Write errors that are the user's environment (space, quota, permissions), not a bug. */
const WRITE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC); free some space or choose an --out folder on another disk',
  EDQUOT: 'your disk quota is used up (EDQUOT); free some space in your quota or choose an --out folder elsewhere',
  EROFS: 'the file system is read-only (EROFS); choose an --out folder on a writable disk',
  EACCES: 'permission denied (EACCES); choose an --out folder you can write to, or fix its permissions',
  EPERM: 'operation not permitted (EPERM); choose an --out folder you can write to, or fix its permissions',
};

/**
 * The error to show for a failed write of `file`: ENOSPC, EDQUOT, EROFS, EACCES and EPERM
 * become a UserError naming the file, what happened and what to do, and reminding that
 * finished work survives (`runDir`, when known, is the folder to give to --resume); any other
 * error is returned unchanged (it is a bug or a hardware fault, and keeps its stack).
 * Use it around every write of a run: atomic writes, the journal, the report.
 */
export function describeWriteError(file: string, e: unknown, runDir?: string): Error {
  const code = typeof e === 'object' && e !== null ? (e as NodeJS.ErrnoException).code : undefined;
  const problem = code === undefined ? undefined : WRITE_PROBLEMS[code];
  if (problem === undefined) return e instanceof Error ? e : new Error(String(e));
  return new UserError(
    `${file}: cannot write: ${problem}. Everything already finished is kept in the journal; ` +
      `rerun with --resume ${runDir ?? 'DIR'}${runDir === undefined ? " (DIR is the run's folder)" : ''} to continue from there`,
  );
}

/** Write `data` to a temp file beside `file`, then rename it over `file`. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempName(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw describeWriteError(file, e);
  }
}

/** Stream chunks (for files too large for one string) to a temp file, then rename. */
export async function writeLinesAtomic(file: string, chunks: Iterable<string>): Promise<void> {
  const tmp = tempName(file);
  const out = createWriteStream(tmp);
  try {
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      const it = chunks[Symbol.iterator]();
      const pump = (): void => {
        // a throwing iterator must reject, not escape from a 'drain' handler as an uncaught exception
        try {
          for (;;) {
            const n = it.next();
            if (n.done) {
              out.end((err?: Error | null) => (err ? reject(err) : resolve()));
              return;
            }
            if (!out.write(n.value)) {
              out.once('drain', pump);
              return;
            }
          }
        } catch (e) {
          reject(e);
        }
      };
      pump();
    });
    await rename(tmp, file);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw describeWriteError(file, e);
  }
}

/** Open a temp file beside `file`, let `fill` write it through its handle, then rename it over `file`. */
export async function writeHandleAtomic(file: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const tmp = tempName(file);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'w');
    await fill(fh);
    const done = fh;
    fh = undefined;
    await done.close();
    await rename(tmp, file);
  } catch (e) {
    await fh?.close().catch(() => {});
    await rm(tmp, { force: true });
    throw describeWriteError(file, e);
  }
}
