/** Helpers for the data tests: fixture CSVs in a temp dir, and UserError assertions. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

/** A temp directory for fixture files, with a writer and a cleanup. */
export interface FixtureDir {
  dir: string;
  /** Write `text` to `<dir>/<name>` and return its path. */
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

export async function fixtureDir(): Promise<FixtureDir> {
  const dir = await mkdtemp(join(tmpdir(), 'rebalance-lab-data-'));
  return {
    dir,
    async write(name, text) {
      const path = join(dir, name);
      await writeFile(path, text, 'utf8');
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Lines joined with LF, plus the final newline. */
export function csv(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** Await `p`, expect a UserError, and return its message for further checks. */
export async function userError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).message;
  }
  throw new Error('expected a UserError, but the call succeeded');
}

/** Run a sync function, expect a UserError, and return its message. */
export function userErrorSync(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).message;
  }
  throw new Error('expected a UserError, but the call succeeded');
}
