/**
 * A full disk (issue 6): write errors from the environment become a UserError naming the file
 * and what to do, and no temp file is left behind. ENOSPC is real: Linux's /dev/full fails
 * every write with it. The atomic writers' temp files are redirected to /dev/full by wrapping
 * node:fs (only paths containing DISKFULL; everything else writes normally).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile as realWriteFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../src/errors.js';
import { describeWriteError, writeFileAtomic, writeLinesAtomic } from '../../src/results/atomic.js';
import { tempDir, type TempDir } from './helpers.js';

const redirect = (p: unknown): unknown => (typeof p === 'string' && p.includes('DISKFULL') ? '/dev/full' : p);

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  // same signature as the real writeFile; only the path is swapped
  const writeFile = ((p: Parameters<typeof real.writeFile>[0], ...rest: [never, never?]) =>
    real.writeFile(redirect(p) as typeof p, ...rest)) as typeof real.writeFile;
  return { ...real, writeFile, default: { ...real, writeFile } };
});
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const createWriteStream = ((p: Parameters<typeof real.createWriteStream>[0], opts?: Parameters<typeof real.createWriteStream>[1]) =>
    real.createWriteStream(redirect(p) as typeof p, opts)) as typeof real.createWriteStream;
  return { ...real, createWriteStream, default: { ...real, createWriteStream } };
});

let tmp: TempDir;
beforeAll(async () => {
  tmp = await tempDir('rebalance-lab-diskfull-');
});
afterAll(async () => {
  await tmp.remove();
});

/** The error a promise rejects with (fails when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return expect.fail('expected the write to fail');
}

function expectDiskFullMessage(e: unknown, file: string): void {
  expect(e).toBeInstanceOf(UserError);
  const msg = (e as UserError).message;
  expect(msg.startsWith(`${file}: cannot write: the disk is full (ENOSPC)`)).toBe(true);
  expect(msg).toContain('free some space');
  expect(msg).toContain('--out');
  expect(msg).toContain('Everything already finished is kept in the journal');
  expect(msg).toContain('--resume');
}

describe('disk full', () => {
  it('a real ENOSPC from /dev/full becomes a UserError naming the file and the fix', async () => {
    const real = await rejection(realWriteFile('/dev/full', 'x'));
    expect((real as NodeJS.ErrnoException).code).toBe('ENOSPC');
    const e = describeWriteError('reports/x/run-1/journal.bin', real, 'reports/x/run-1');
    expectDiskFullMessage(e, 'reports/x/run-1/journal.bin');
    expect((e as Error).message).toContain('rerun with --resume reports/x/run-1 to continue');
  });

  it('writeFileAtomic on a full disk: UserError, no temp file, no target', async () => {
    const file = join(tmp.dir, 'manifest-DISKFULL.json');
    const e = await rejection(writeFileAtomic(file, '{"a":1}'));
    expectDiskFullMessage(e, file);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.includes('DISKFULL'))).toEqual([]);
  });

  it('writeLinesAtomic on a full disk: UserError, no temp file, no target', async () => {
    const file = join(tmp.dir, 'results-DISKFULL.csv');
    function* rows(): Generator<string> {
      for (let i = 0; i < 10_000; i++) yield `${i},0.5,0.25\n`;
    }
    const e = await rejection(writeLinesAtomic(file, rows()));
    expectDiskFullMessage(e, file);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.includes('DISKFULL'))).toEqual([]);
  });

  it('report.html on a full disk (issue 15): UserError naming the file, no temp file, no stack trace', async () => {
    const { writeReport } = await import('../../src/report/html.js');
    const { smallInput } = await import('../report/fixture.js');
    const dir = join(tmp.dir, 'run-DISKFULL');
    const e = await rejection(writeReport(dir, smallInput()));
    expectDiskFullMessage(e, join(dir, 'report.html'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the writers still write normally elsewhere', async () => {
    const a = join(tmp.dir, 'ok.json');
    await writeFileAtomic(a, 'hello');
    const b = join(tmp.dir, 'ok.csv');
    await writeLinesAtomic(b, ['x\n', 'y\n']);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(a, 'utf8')).toBe('hello');
    expect(await readFile(b, 'utf8')).toBe('x\ny\n');
  });

  it('an iterator that throws after a drain rejects (no uncaught exception) and cleans up', async () => {
    const file = join(tmp.dir, 'throws.csv');
    function* rows(): Generator<string> {
      yield 'x'.repeat(1 << 20); // over the stream's high-water mark: the next chunk waits for 'drain'
      throw new RangeError('generator broke');
    }
    const e = await rejection(writeLinesAtomic(file, rows()));
    expect(e).toBeInstanceOf(RangeError); // a bug stays a bug, with its stack
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('.throws.csv'))).toEqual([]);
  });
});

describe('describeWriteError', () => {
  const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: fake, write`), { code, syscall: 'write', errno: -1 });

  it.each([
    ['EDQUOT', 'quota'],
    ['EROFS', 'read-only'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'not permitted'],
  ])('%s names the file, the cause, --out and --resume', (code, cause) => {
    const e = describeWriteError('out/run/results.csv', errno(code));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message.startsWith(`out/run/results.csv: cannot write: `)).toBe(true);
    expect(e.message).toContain(cause);
    expect(e.message).toContain(`(${code})`);
    expect(e.message).toContain('--out');
    expect(e.message).toContain("rerun with --resume DIR (DIR is the run's folder)");
  });

  it('other errors pass through unchanged; thrown non-errors become errors', () => {
    const eio = errno('EIO');
    expect(describeWriteError('f', eio)).toBe(eio);
    const plain = new TypeError('bug');
    expect(describeWriteError('f', plain)).toBe(plain);
    const odd = describeWriteError('f', 42);
    expect(odd).toBeInstanceOf(Error);
    expect(odd).not.toBeInstanceOf(UserError);
    expect(odd.message).toBe('42');
    expect(describeWriteError('f', null)).toBeInstanceOf(Error);
  });
});
