/**
 * Hostile input for the experiment loader (issue 6): .json files (random bytes, truncations,
 * BOMs, huge and non-finite numbers, deep nesting, wrong types at every field) and .ts files
 * (syntax errors, throwing any value, exporting functions, symbols, BigInts, cycles, throwing
 * getters and proxies) give a UserError naming the file (and the field), or a valid spec;
 * never another exception or a stack trace. Fixed seed, bounded runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadExperiment, parseExperiment } from '../../src/experiment/load.js';
import { outcome, SEED, tempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await tempDir('rebalance-lab-fuzz-exp-');
});
afterAll(async () => {
  await tmp.remove();
});

const VALID = {
  name: 'sixty-forty',
  description: 'fuzz base',
  data: { file: 'prices.csv', assets: ['SPY', 'TLT'], start: '2010-01-04', maxFill: 3 },
  targets: { SPY: 0.6, TLT: 0.4 },
  costs: { feeBps: 5, halfSpreadBps: 1, fixedFee: 0, minTrade: 0 },
  search: { kind: 'grid' },
  space: {
    bands: { absolute: { width: [0.05, 0.1] }, relative: { width: { from: 0.1, to: 0.3, step: 0.1 } }, none: {} },
    check: ['monthly', 'quarterly'],
    mode: ['target', 'partial'],
    fraction: [0.5],
  },
  objectives: ['turnover', 'trackingError'],
  constraints: ['trackingError <= 0.02'],
  report: { top: 10 },
};
const VALID_TEXT = JSON.stringify(VALID, null, 2);

/** Every path into VALID (objects and arrays), as key lists. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
}
const PATHS = paths(VALID).filter((p) => p.length > 0);

/** JSON text placeholders for values JSON.stringify cannot write. */
const RAW = {
  '@INF@': '1e999',
  '@NINF@': '-1e999',
  '@NEGZERO@': '-0',
  '@BIG@': '123456789012345678901234567890',
  '@DEEP@': `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  '@DEEPOBJ@': `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  '@HUGESTR@': JSON.stringify('x'.repeat(200_000)),
} as const;

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...Object.keys(RAW)),
  fc.constantFrom(1e308, -1e308, 5e-324, 0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, '', ' ', 'NaN', '2021-02-30', '99999-01-01'),
  fc.constantFrom({ __proto__: null, constructor: 1 }, { from: 0, to: 1, step: 1e-300 }, { from: -1e308, to: 1e308, step: 1 }),
  fc.constantFrom({ dist: 'uniform', min: 1e308, max: -1e308 }, { dist: 'int', min: 0, max: 1e300 }, { dist: 'choice', values: [] }),
);

/** VALID with the value at `p` replaced (or a new key added beside it). */
function mutate(p: (string | number)[], value: unknown, addKey: string | null): string {
  const root = structuredClone(VALID) as Record<string | number, unknown>;
  let o = root;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (addKey !== null) o[addKey] = value;
  else o[p[p.length - 1]] = value;
  let text = JSON.stringify(root);
  for (const [k, raw] of Object.entries(RAW)) text = text.split(JSON.stringify(k)).join(raw);
  return text;
}

describe('fuzz: .json experiments', () => {
  it('any field replaced by a hostile value (or a hostile key added): a UserError naming the field, or a valid spec', async () => {
    const addKey = fc.option(fc.constantFrom('__proto__', 'constructor', 'toString', 'spaec', 'x'.repeat(500), '', '\u0000'), { freq: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), hostileValue, addKey, async (p, value, key) => {
        const file = await tmp.file(mutate(p, value, key), '.json');
        const r = await outcome(loadExperiment(file), file);
        if (r.error === undefined) {
          expect(typeof r.ok.spec.name).toBe('string');
          return;
        }
        // the message names the field: its top-level key (a new key is named at its parent)
        const top = String(p[0]);
        if (r.error.includes('not valid JSON')) expect.fail(`the generated JSON should parse: ${r.error}`);
        expect(r.error.includes(top) || r.error.includes('(top level)')).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  }, 120_000);

  it('random JSON values, random bytes, truncated and bit-flipped experiment files', async () => {
    const bytes = fc.oneof(
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.uint8Array({ maxLength: 2000 }),
      fc.nat().map((n) => Buffer.from(VALID_TEXT.slice(0, n % VALID_TEXT.length))),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const buf = Buffer.from(VALID_TEXT);
        buf[i % buf.length] = b;
        return buf;
      }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from([0xff, 0xfe]), b])),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (b) => {
        const file = await tmp.file(b, '.json');
        await outcome(loadExperiment(file), file);
      }),
      { seed: SEED, numRuns: 300 },
    );
  }, 120_000);

  it('BOMs: UTF-8 and UTF-16 LE/BE files give the same spec as the plain file', async () => {
    const want = parseExperiment(VALID);
    const u16 = Buffer.from(VALID_TEXT, 'utf16le');
    for (const b of [
      Buffer.from(VALID_TEXT),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(VALID_TEXT.replace(/\n/g, '\r\n'))]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), u16]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(u16).swap16()]),
    ]) {
      const { spec } = await loadExperiment(await tmp.file(b, '.json'));
      expect(spec).toEqual(want);
    }
  });

  it('named cases: syntax error with line and column, Infinity, deep nesting, a directory, a 20 MB file', async () => {
    const broken = await tmp.file('{\n  "name": "x",\n}', '.json');
    const e1 = await outcome(loadExperiment(broken), broken);
    // the error is at the closing brace: line 3, column 1
    expect(e1.error).toContain(`${broken}: not valid JSON at line 3 column 1`);

    const inf = await tmp.file(mutate(['initialCapital'], '@INF@', 'initialCapital'), '.json');
    const e2 = await outcome(loadExperiment(inf), inf);
    expect(e2.error).toContain('initialCapital: ');
    expect(e2.error).toContain('got Infinity'); // not JSON's "null"

    const deep = await tmp.file(mutate(['name'], '@DEEP@', null), '.json');
    const e3 = await outcome(loadExperiment(deep), deep);
    expect(e3.error).toContain('name: expected a name');

    const dir = join(tmp.dir, 'dir.json');
    await mkdir(dir);
    expect((await outcome(loadExperiment(dir), dir)).error).toContain('is a directory');

    const huge = join(tmp.dir, 'huge.json');
    const fh = await open(huge, 'w');
    await fh.truncate(20 * 1024 * 1024); // sparse: free to create
    await fh.close();
    expect((await outcome(loadExperiment(huge), huge)).error).toContain('the experiment file is 20 MB, over the 16 MB limit');

    const missing = join(tmp.dir, 'nope.json');
    expect((await outcome(loadExperiment(missing), missing)).error).toContain('experiment file not found');
  });
});

// ---------------------------------------------------------------------------------------------

const VALID_TS = `export default ${VALID_TEXT};\n`;

describe('fuzz: .ts experiments (executed as code)', () => {
  it('hostile modules: thrown non-errors, odd exports, throwing getters and proxies', async () => {
    const spread = `...${JSON.stringify(VALID)}`;
    const cases: [string, string][] = [
      ['throw 42;\nexport default {};', 'threw 42'],
      ['throw null;\nexport default {};', 'threw null'],
      ['throw undefined;\nexport default {};', 'threw nothing'],
      ['throw { toString() { throw new Error("x"); } };\nexport default {};', 'could not evaluate'],
      ['throw new Error("");\nexport default {};', 'could not evaluate'],
      [`export default { ${spread}, name: () => 1 };`, 'name: expected a name, e.g. name: "sixty-forty", got a function'],
      [`export default { ${spread}, name: Symbol("s") };`, 'got a symbol'],
      [`export default { ${spread}, initialCapital: 10n };`, 'got 10n (a BigInt)'],
      [`const o: any = { a: 1 }; o.self = o;\nexport default { ${spread}, name: o };`, 'name: expected a name, e.g. name: "sixty-forty", got an object'],
      [`export default { ${spread}, get name() { throw new Error("boom"); } };`, 'reading the exported experiment failed (boom)'],
      [`export default { ${spread}, get name() { throw 7; } };`, 'threw 7'],
      ['export default new Proxy({}, { get() { throw new TypeError("nope"); }, ownKeys() { throw 1; } });', 'nope'],
      ['export default 5;', 'expected an experiment object'],
      ['export default Promise.resolve(1);', 'the experiment is not valid'],
      ['export const x = 1;', 'no default export'],
      ['export default { name: "x", data: {', 'ERROR'],
      ['\u0000\u0001', 'could not evaluate'],
    ];
    for (const [src, want] of cases) {
      const file = await tmp.file(src, '.ts');
      const r = await outcome(loadExperiment(file), file);
      if (r.error === undefined) expect.fail(`accepted: ${src.slice(0, 80)}`);
      expect(r.error, src.slice(0, 80)).toContain(want);
    }
  }, 120_000);

  it('a valid .ts experiment truncated anywhere: a UserError naming the file, or the same spec', async () => {
    const want = parseExperiment(VALID);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: VALID_TS.length }), async (n) => {
        const file = await tmp.file(VALID_TS.slice(0, n), '.ts');
        const r = await outcome(loadExperiment(file), file);
        if (r.ok !== undefined) expect(r.ok.spec).toEqual(want);
      }),
      { seed: SEED, numRuns: 25 },
    );
  }, 120_000);
});
