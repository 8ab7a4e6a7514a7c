/** Atomic file writes: a temp file in the same folder, then rename (never half-written). */
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
}

export function describeWriteError(file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new UserError(`${file}: the disk is full; free some space and run again (finished batches are kept in the journal; use --resume)`);
  if (code === 'EACCES' || code === 'EROFS') return new UserError(`${file}: cannot write here (${code}); choose another --out folder`);
  return e as Error;
}

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
        for (;;) {
          const n = it.next();
          if (n.done) {
            out.end(resolve);
            return;
          }
          if (!out.write(n.value)) {
            out.once('drain', pump);
            return;
          }
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
