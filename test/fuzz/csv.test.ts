/**
 * Hostile input for the price loader (issue 6): every file gives either exactly the prices
 * written or a UserError naming the file and the line; never another exception, a stack trace,
 * a hang or a wrong number. Properties run with a fixed seed and a bounded number of runs; the
 * test timeouts only catch hangs (generous for a shared 2-core machine).
 *
 * Oracles: for generated files, the grid the generator wrote (values compared bit for bit);
 * for arbitrary accepted files, refLoad (helpers.ts), a second, plain implementation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPrices } from '../../src/data/load.js';
import type { LoadOptions } from '../../src/data/types.js';
import { expectMatrix, outcome, refDecode, refLoad, SEED, tempDir, type RefMatrix, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await tempDir('rebalance-lab-fuzz-csv-');
});
afterAll(async () => {
  await tmp.remove();
});

// ---------------------------------------------------------------------------------------------
// A generator of valid price files, with the grid it wrote

/** A day number (days from 2000-01-01) as YYYY-MM-DD; the range keeps years in 0083..9939. */
function isoDay(k: number): string {
  return new Date(Date.UTC(2000, 0, 1) + k * 86_400_000).toISOString().slice(0, 10);
}

/** Characters for asset names: separators, quotes, blanks, non-ASCII. */
const NAME_CHARS = ['A', 'b', 'Z', '1', '_', '.', '-', ',', '"', ' ', '\t', 'é', '日', '😀', '\u00a0', '\n', '/'];
const assetName = fc
  .array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''))
  .filter((s) => s.trim() === s && s !== '' && s.length <= 200);

/** A price text that parses (Number) to exactly `x`. */
const priceText = (x: number): fc.Arbitrary<string> =>
  fc.constantFrom(String(x), x.toExponential(), x.toPrecision(17), `+${x}`, String(x).toUpperCase(), `00${x}`);

/** Prices across the whole supported range, plus ordinary decimals, plus the bounds. */
const price = fc.oneof(
  fc.double({ min: 1e-50, max: 1e50, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: 1, max: 10_000_000 }).map((n) => n / 100),
  fc.constantFrom(1e-50, 1e50, 0.1, 0.30000000000000004, 101.37),
);

interface Spec {
  format: 'wide' | 'long';
  assets: string[];
  /** Sorted dates. */
  dates: string[];
  /** values[t][j]: NaN = missing (never on the first date, at most 5 in a row). */
  values: number[][];
  /** Texts for each cell, same shape. */
  texts: string[][];
  /** Order of data rows in the file (a permutation of the sorted rows, or of long rows). */
  order: number[];
}

const MISSING_TEXTS = ['', 'NA', 'na', 'n/a', 'NULL', 'null'];

const spec: fc.Arbitrary<Spec> = fc
  .record({
    format: fc.constantFrom<'wide' | 'long'>('wide', 'long'),
    assets: fc.uniqueArray(assetName, { minLength: 1, maxLength: 5 }),
    days: fc.oneof(
      fc.uniqueArray(fc.integer({ min: -700_000, max: 2_900_000 }), { minLength: 2, maxLength: 25 }),
      fc.tuple(fc.integer({ min: -700_000, max: 2_900_000 }), fc.integer({ min: 2, max: 40 })).map(([d0, n]) => Array.from({ length: n }, (_, i) => d0 + i)),
    ),
  })
  .filter(({ format, assets }) => !(format === 'wide' && assets.length === 2 && assets.join().toLowerCase() === 'asset,price'))
  .chain(({ format, assets, days }) => {
    const dates = [...days].sort((a, b) => a - b).map(isoDay);
    const T = dates.length;
    const N = assets.length;
    const cellArb = fc.tuple(price, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 5 }));
    return fc
      .record({
        cells: fc.array(fc.array(cellArb, { minLength: N, maxLength: N }), { minLength: T, maxLength: T }),
        order: fc.shuffledSubarray(
          Array.from({ length: format === 'wide' ? T : T * N }, (_, i) => i),
          { minLength: format === 'wide' ? T : T * N },
        ),
      })
      .chain(({ cells, order }) =>
        // one text per value, chosen after the value so that it parses back exactly
        fc.tuple(...cells.map((row) => fc.tuple(...row.map(([v]) => priceText(v))))).map((texts) => {
          const values = cells.map((row) => row.map(([v]) => v));
          const out = texts.map((row) => [...row]);
          // missing cells: never on the first date, never more than 5 in a row (maxFill 5)
          for (let j = 0; j < N; j++) {
            let run = 0;
            for (let t = 1; t < T; t++) {
              if (cells[t][j][1] === 0 && run < 5) {
                values[t][j] = NaN;
                out[t][j] = MISSING_TEXTS[cells[t][j][2]];
                run++;
              } else run = 0;
            }
          }
          return { format, assets, dates, values, texts: out, order } as Spec;
        }),
      );
  });

interface Encoding {
  bom: 'none' | 'utf8' | 'utf16le' | 'utf16be';
  /** Line endings, cycled over the lines. */
  eols: string[];
  finalEol: boolean;
  /** Blank lines inserted before line k (k indexes the CSV lines). */
  blanks: number[];
  /** Quote every field whose seed bit is set (fields that need quotes always are). */
  quoteSeed: number;
  pad: boolean;
}

const encoding: fc.Arbitrary<Encoding> = fc.record({
  bom: fc.constantFrom<Encoding['bom']>('none', 'utf8', 'utf16le', 'utf16be'),
  eols: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
  finalEol: fc.boolean(),
  blanks: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
  quoteSeed: fc.integer({ min: 0, max: 0x7fffffff }),
  pad: fc.boolean(),
});

/** A CSV field, quoted when it must be (or when the seed says so). */
function field(s: string, enc: Encoding, k: number): string {
  const must = /[",\r\n]/.test(s) || s.trim() !== s || s === '';
  if (must && s === '') return ''; // an empty cell stays unquoted (a quoted "" is not blank-trimmed)
  if (must || ((enc.quoteSeed >>> (k % 31)) & 1) === 1) return `"${s.replace(/"/g, '""')}"`;
  return enc.pad && k % 3 === 0 ? ` ${s}\t` : s;
}

/** The CSV lines of a spec (header first), as unencoded strings, with the line → row map. */
function lines(sp: Spec, enc: Encoding): string[] {
  let k = 0;
  const f = (s: string): string => field(s, enc, k++);
  const out: string[] = [];
  if (sp.format === 'wide') {
    out.push(['date', ...sp.assets].map(f).join(','));
    for (const t of sp.order) out.push([sp.dates[t], ...sp.texts[t]].map(f).join(','));
  } else {
    out.push(['Date', 'Asset', 'PRICE'].map(f).join(','));
    const N = sp.assets.length;
    for (const r of sp.order) {
      const t = Math.floor(r / N);
      const j = r % N;
      // a missing long cell is either an omitted row or a row with a marker
      if (Number.isNaN(sp.values[t][j]) && r % 2 === 0) continue;
      out.push([sp.dates[t], sp.assets[j], sp.texts[t][j]].map(f).join(','));
    }
  }
  return out;
}

function encode(ls: string[], enc: Encoding): Uint8Array {
  let text = '';
  ls.forEach((l, k) => {
    for (const b of enc.blanks) if (b === k && k > 0) text += `  ${enc.eols[0]}`;
    text += l;
    if (k < ls.length - 1 || enc.finalEol) text += enc.eols[k % enc.eols.length];
  });
  switch (enc.bom) {
    case 'none':
      return Buffer.from(text, 'utf8');
    case 'utf8':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const le = Buffer.from(text, 'utf16le');
      return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
    }
  }
}

/** The physical (1-based) line where CSV line `i` starts: earlier lines may hold quoted line breaks. */
function physLine(ls: string[], i: number): number {
  let line = 1;
  for (let k = 0; k < i; k++) line += 1 + (ls[k].match(/\r\n|\r|\n/g)?.length ?? 0);
  return line;
}

/** The matrix a spec must load as, computed from the grid (not from the file). */
function expected(sp: Spec, ls: string[]): RefMatrix {
  const N = sp.assets.length;
  let assets = sp.assets;
  let keep = sp.dates.map(() => true);
  if (sp.format === 'long') {
    // long: assets in order of first appearance; a date with no row at all is not in the file
    const seen: string[] = [];
    const present = sp.dates.map(() => false);
    for (const r of sp.order) {
      const t = Math.floor(r / N);
      const j = r % N;
      if (Number.isNaN(sp.values[t][j]) && r % 2 === 0) continue;
      present[t] = true;
      if (!seen.includes(sp.assets[j])) seen.push(sp.assets[j]);
    }
    assets = seen;
    keep = present;
    expect(ls.length).toBeGreaterThan(1);
  }
  const idx = assets.map((a) => sp.assets.indexOf(a));
  const prices: number[] = [];
  const last = idx.map((j) => sp.values[0][j]);
  const dates: string[] = [];
  sp.dates.forEach((d, t) => {
    if (!keep[t]) return;
    dates.push(d);
    idx.forEach((j, jj) => {
      if (!Number.isNaN(sp.values[t][j])) last[jj] = sp.values[t][j];
      prices.push(last[jj]);
    });
  });
  return { assets, dates, prices };
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: valid files in every encoding load exactly the prices written', () => {
  it('wide and long, shuffled rows, BOMs (UTF-8, UTF-16 LE/BE), CRLF/CR/LF, blank lines, quoting, padding, missing cells', async () => {
    await fc.assert(
      fc.asyncProperty(spec, encoding, async (sp, enc) => {
        const ls = lines(sp, enc);
        const file = await tmp.file(encode(ls, enc));
        const r = await outcome(loadPrices(file), file);
        if (r.error !== undefined) expect.fail(`a valid file was refused: ${r.error}`);
        expectMatrix(r.ok.matrix, expected(sp, ls));
        expect([1, 4, 12, 52, 252, 365]).toContain(r.ok.matrix.periodsPerYear);
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// One hostile token in an otherwise valid file: the outcome is known exactly.

/** Tokens that are prices in range: the load must return Number(token). */
const GOOD_PRICES = ['1e-50', '1e50', '+5', '007.5', '.5', '5.', '1E3', '2.5e+3', '1.7976931348623157e-50'];
/** Tokens that mean "missing": the previous price carries forward. */
const MISSING = ['', 'NA', 'null', 'N/A'];
/** Tokens that must be refused, naming the line, date and asset. */
const BAD_PRICES = [
  '1e308',
  '1e309',
  '-0',
  '0',
  '-1',
  '-0.0',
  '5e-324',
  '1e-51',
  '1.0000001e50',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1,5',
  '1_000',
  '1 000',
  '١٢',
  '\u0000',
  '"',
  '12abc',
  '9'.repeat(400),
  '--1',
  'e5',
  '.',
  '+',
  '1e',
  '1e+',
  '٫5',
  '１２',
  '$5',
  '5%',
  'nan',
  '∞',
];

describe('fuzz: a single hostile cell gives the exact price, a forward fill, or an error naming its line', () => {
  const cleanSpec = spec.map((sp) => {
    const values = sp.values.map((row) => row.map((v, j) => (Number.isNaN(v) ? 1 + j : v)));
    const texts = sp.texts.map((row, t) => row.map((s, j) => (Number.isNaN(sp.values[t][j]) ? String(1 + j) : s)));
    return { ...sp, values, texts };
  });
  const token = fc.oneof(
    fc.constantFrom(...GOOD_PRICES).map((s) => ({ kind: 'good' as const, s })),
    fc.constantFrom(...MISSING).map((s) => ({ kind: 'missing' as const, s })),
    fc.constantFrom(...BAD_PRICES).map((s) => ({ kind: 'bad' as const, s })),
  );
  it('prices', async () => {
    await fc.assert(
      fc.asyncProperty(cleanSpec, encoding, token, fc.nat(), fc.nat(), async (sp, enc, tok, tPick, jPick) => {
        const T = sp.dates.length;
        const N = sp.assets.length;
        const t = 1 + (tPick % (T - 1)); // not the first date: a missing first price would move the start
        const j = jPick % N;
        sp.texts[t][j] = tok.s;
        if (tok.kind === 'good') sp.values[t][j] = Number(tok.s);
        if (tok.kind === 'missing') sp.values[t][j] = NaN;
        const noBlanks = { ...enc, blanks: [] as number[] }; // keeps line numbers simple
        const ls = lines({ ...sp, order: sp.order }, noBlanks);
        // the file line of the cell: 1 + position of its row among the data lines (+1 for the header)
        const rowIndex = sp.format === 'wide' ? sp.order.indexOf(t) : sp.order.indexOf(t * N + j);
        const line = physLine(ls, rowIndex + 1);
        const file = await tmp.file(encode(ls, noBlanks));
        const r = await outcome(loadPrices(file), file);
        if (tok.kind === 'bad') {
          if (r.error === undefined) expect.fail(`${JSON.stringify(tok.s)} was accepted`);
          expect(r.error).toContain(`${file} line ${line} (${sp.dates[t]}): ${sp.assets[j]} price `);
        } else {
          if (r.error !== undefined) expect.fail(`${JSON.stringify(tok.s)} was refused: ${r.error}`);
          expectMatrix(r.ok.matrix, expected(sp, ls));
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, 120_000);

  const BAD_DATES = [
    '2021-02-30',
    '2021-02-29',
    '1900-02-29',
    '2021-13-01',
    '2021-00-10',
    '2021-04-31',
    '99999-01-01',
    '2021-03-05T00:00:00',
    '2021-03-05 10:00',
    '2021-03-05Z',
    '2021/03/05',
    '20210305',
    '2021-3-5',
    '05.03.2021',
    '03/05/2021',
    '',
    '2021-03-5',
    '+2021-03-05',
    '-001-01-01',
    '２０２１-03-05',
    '2021-03-05\u0000',
    'yesterday',
  ];
  it('dates: impossible, badly written and duplicated dates name their line', async () => {
    await fc.assert(
      fc.asyncProperty(
        cleanSpec,
        encoding,
        fc.oneof(fc.constantFrom(...BAD_DATES), fc.constant(null)),
        fc.nat(),
        fc.nat(),
        async (sp, enc, bad, pick, other) => {
          const noBlanks = { ...enc, blanks: [] as number[], pad: false };
          const N = sp.assets.length;
          const rows = sp.format === 'wide' ? sp.dates.length : sp.dates.length * N;
          const k = pick % rows; // the data row (in file order) to spoil
          let ls = lines(sp, noBlanks);
          const cells = (l: number): number => (sp.format === 'wide' ? sp.order[l] : Math.floor(sp.order[l] / N));
          let line: number;
          if (bad !== null) {
            const dateText = bad === '' ? '""' : bad.includes(',') ? `"${bad}"` : bad;
            ls = ls.map((l, i) => (i === k + 1 ? `${dateText},${l.split(',').slice(1).join(',')}` : l));
            line = physLine(ls, k + 1);
            // splitting on commas would break a quoted date field; the generated dates are never quoted
            // with commas inside, so only the first field changes
            const date0 = sp.dates[cells(k)];
            expect(lines(sp, noBlanks)[k + 1]).toMatch(new RegExp(`^"?${date0}"?,`));
          } else {
            // a duplicate: copy another row's date (long: another row of the same asset)
            const l2 = (other % (rows - 1)) + (other % (rows - 1) >= k ? 1 : 0);
            let src = l2;
            if (sp.format === 'long') {
              const j = sp.order[k] % N;
              const same = sp.order.map((r, i) => ({ r, i })).filter(({ r, i }) => r % N === j && i !== k);
              if (same.length === 0) return;
              src = same[other % same.length].i;
            }
            const dup = sp.dates[cells(src)];
            ls = ls.map((l, i) => (i === k + 1 ? `${dup},${l.split(',').slice(1).join(',')}` : l));
            line = physLine(ls, Math.max(k, src) + 1);
          }
          // spoiling a row in a long file may hit one of the omitted (missing) rows: no-op then
          const file = await tmp.file(encode(ls, noBlanks));
          const r = await outcome(loadPrices(file), file);
          if (r.error === undefined) expect.fail(`accepted a bad or duplicate date (${JSON.stringify(bad)})`);
          expect(r.error).toContain(`${file} line ${line}`);
          expect(r.error).toMatch(/date|duplicate|second/);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Arbitrary damage: only UserErrors, and any accepted file matches the oracle

/** Pieces of CSV-looking text to splice in. */
const SHRAPNEL = [
  ',',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\t',
  'NA',
  '1e308',
  '1e309',
  '-0',
  '0',
  '9',
  'e',
  '.',
  '2021-02-30',
  '\uFEFF',
  '\u0000',
  'date',
  ',,,,',
  '\uFFFD',
];

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SHRAPNEL)), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropLine' as const), at: fc.nat() }),
);

type Damage = { kind: 'truncate' | 'dupLine' | 'dropLine'; at: number } | { kind: 'flip'; at: [number, number][] } | { kind: 'splice'; at: [number, string][] };

function applyDamage(bytes: Uint8Array, text: string, d: Damage): Uint8Array {
  switch (d.kind) {
    case 'truncate':
      return bytes.subarray(0, d.at % (bytes.length + 1));
    case 'flip': {
      const b = Uint8Array.from(bytes);
      for (const [i, v] of d.at) if (b.length > 0) b[i % b.length] = v;
      return b;
    }
    case 'splice': {
      let s = text;
      for (const [i, piece] of d.at) {
        const p = i % (s.length + 1);
        s = s.slice(0, p) + piece + s.slice(p);
      }
      return Buffer.from(s, 'utf8');
    }
    default: {
      const ls = text.split('\n');
      const i = d.at % ls.length;
      if (d.kind === 'dupLine') ls.splice(i, 0, ls[i]);
      else ls.splice(i, 1);
      return Buffer.from(ls.join('\n'), 'utf8');
    }
  }
}

/** Load `bytes`: a UserError, or a matrix equal to the oracle's reading of the same bytes. */
async function checkArbitrary(bytes: Uint8Array): Promise<void> {
  const file = await tmp.file(bytes);
  const r = await outcome(loadPrices(file), file);
  if (r.error !== undefined) return;
  const m = r.ok.matrix;
  expect(m.T).toBeGreaterThanOrEqual(2);
  expect(m.T * m.N).toBe(m.prices.length);
  for (const p of m.prices) expect(p >= 1e-50 && p <= 1e50).toBe(true);
  for (let t = 1; t < m.T; t++) expect(m.dates[t - 1] < m.dates[t]).toBe(true);
  const text = refDecode(bytes);
  try {
    expectMatrix(m, refLoad(text));
  } catch (e) {
    throw new Error(`${(e as Error).message}\nfile text: ${JSON.stringify(text.slice(0, 2000))}`);
  }
}

describe('fuzz: damaged and random files', () => {
  it('truncated, bit-flipped, spliced files and duplicated or dropped lines', async () => {
    await fc.assert(
      fc.asyncProperty(spec, encoding, damage, async (sp, enc, d) => {
        const plain = { ...enc, bom: 'none' as const };
        const ls = lines(sp, plain);
        const bytes = encode(ls, enc.bom === 'utf8' ? enc : plain);
        await checkArbitrary(applyDamage(bytes, Buffer.from(bytes).toString('utf8'), d));
      }),
      { seed: SEED, numRuns: 300 },
    );
  }, 120_000);

  it('random bytes, random text and random CSV-ish token soup', async () => {
    const soup = fc
      .array(fc.oneof(fc.constantFrom(...SHRAPNEL, '2021-01-04', '2021-01-05', '101.5', 'SPY', 'date,SPY\n', 'date,asset,price\n'), fc.string()), {
        maxLength: 40,
      })
      .map((xs) => Buffer.from(xs.join(''), 'utf8'));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s, 'utf8')),
      fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.concat([Buffer.from([0xff, 0xfe]), b])),
      fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.concat([Buffer.from([0xfe, 0xff]), b])),
      soup,
    );
    await fc.assert(fc.asyncProperty(bytes, checkArbitrary), { seed: SEED, numRuns: 400 });
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// Named hostile cases

/** Await a load that must fail; return the message (outcome() already checked it names the file). */
async function refused(file: string, opts: LoadOptions = {}): Promise<string> {
  const r = await outcome(loadPrices(file, opts), file);
  if (r.error === undefined) return expect.fail(`${file} was accepted`);
  return r.error;
}

describe('hostile cases, one by one', () => {
  it('extreme numbers: the bounds load exactly, 1e308, overflow to Infinity, -0, subnormals and zero are refused by line', async () => {
    const ok = await tmp.file('date,A,B\n2021-01-04,1e-50,1e50\n2021-01-05,1e50,1e-50\n');
    const { matrix } = await loadPrices(ok);
    expect(Array.from(matrix.prices)).toEqual([1e-50, 1e50, 1e50, 1e-50]);
    const cases: [string, string][] = [
      ['1e308', 'outside the supported range'],
      ['1.7976931348623157e308', 'outside the supported range'],
      ['1e309', 'not a finite number'],
      ['-0', 'must be > 0'],
      ['0', 'must be > 0'],
      ['5e-324', 'outside the supported range'],
      ['1e-400', 'must be > 0'], // underflows to 0
    ];
    for (const [cell, why] of cases) {
      const f = await tmp.file(`date,A\n2021-01-04,1\n2021-01-05,${cell}\n`);
      const msg = await refused(f);
      expect(msg).toContain(`${f} line 3 (2021-01-05): A price `);
      expect(msg).toContain(why);
      expect(msg).toMatch(/fix it|rescale/);
    }
  });

  it('exotic dates name the line and say how to write the date', async () => {
    for (const d of ['2021-02-30', '99999-01-01', '2021-03-05T00:00:00', '2021/03/05', '2021-03-05 09:30']) {
      const f = await tmp.file(`date,A\n2021-03-04,1\n${d},2\n`);
      const msg = await refused(f);
      expect(msg).toContain(`${f} line 3: date ${JSON.stringify(d)} is not`);
      expect(msg).toContain('write a real date as YYYY-MM-DD');
    }
    const dup = await tmp.file('date,A\n2021-03-05,1\n2021-03-04,2\n\n2021-03-05,3\n');
    expect(await refused(dup)).toContain(`${dup} line 5 (2021-03-05): duplicate date, already on line 2`);
  });

  it('unsorted rows are sorted; year 0001 and 9999 are fine', async () => {
    const f = await tmp.file('date,A\n9999-12-31,3\n0001-01-01,1\n2021-03-05,2\n');
    const { matrix } = await loadPrices(f);
    expect(matrix.dates).toEqual(['0001-01-01', '2021-03-05', '9999-12-31']);
    expect(Array.from(matrix.prices)).toEqual([1, 2, 3]);
  });

  it('BOMs: UTF-8 and UTF-16 LE/BE load, UTF-32 and Latin-1 bytes are refused with the fix', async () => {
    const text = 'date,"S,P ""500""",Café\r\n2021-01-04,1.5,2\r\n\r\n2021-01-05,"3",4\r\n';
    const want = { assets: ['S,P "500"', 'Café'], dates: ['2021-01-04', '2021-01-05'], prices: [1.5, 2, 3, 4] };
    const u16 = Buffer.from(text, 'utf16le');
    for (const bytes of [
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      Buffer.concat([Buffer.from([0xff, 0xfe]), u16]),
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(u16).swap16()]),
    ]) {
      expectMatrix((await loadPrices(await tmp.file(bytes))).matrix, want);
    }
    const u32 = await tmp.file(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('d\0\0\0')]));
    expect(await refused(u32)).toContain('UTF-32');
    const latin1 = await tmp.file(Buffer.from('date,A\n2021-01-04,1\nSoci\xe9t\xe9,2\n', 'latin1'));
    expect(await refused(latin1)).toContain(`${latin1} line 3: byte 0xE9 at column 5 is not valid UTF-8`);
    const oddU16 = await tmp.file(Buffer.concat([Buffer.from([0xff, 0xfe]), u16.subarray(0, 9)]));
    expect(await refused(oddU16)).toContain('odd number of bytes');
  });

  it('a quoted field left open, text after a closing quote, huge garbage fields: short messages with the line', async () => {
    const open1 = await tmp.file('date,A\n2021-01-04,"1\n2021-01-05,2\n');
    expect(await refused(open1)).toContain(`${open1} line 2: a quoted field opened on this line is never closed`);
    const junk = await tmp.file(`date,A\n"${'x'.repeat(100_000)}" y,1\n`);
    const msg = await refused(junk);
    expect(msg).toContain(`${junk} line 2: unexpected text after the closing quote`);
    expect(msg).toContain('(100000 chars)');
    const longName = await tmp.file(`date,${'N'.repeat(5000)}\n2021-01-04,1\n2021-01-05,2\n`);
    expect(await refused(longName)).toContain(`${longName} line 1: column 2 of the header is 5000 characters long`);
  });

  it('100,000 columns load exactly', async () => {
    const n = 100_000;
    const header = ['date', ...Array.from({ length: n }, (_, i) => `a${i}`)].join(',');
    const row = (d: string, k: number): string => [d, ...Array.from({ length: n }, (_, i) => String(i * 0.25 + k))].join(',');
    const f = await tmp.file([header, row('2021-01-05', 2), row('2021-01-04', 1)].join('\n'));
    const { matrix } = await loadPrices(f);
    expect(matrix.N).toBe(n);
    expect(matrix.dates).toEqual(['2021-01-04', '2021-01-05']);
    for (let i = 0; i < n; i++) {
      if (matrix.prices[i] !== i * 0.25 + 1 || matrix.prices[n + i] !== i * 0.25 + 2) expect.fail(`column a${i} is wrong`);
    }
    // a ragged row in such a file: a short message, not 100,000 names
    const ragged = await tmp.file([header, row('2021-01-04', 1), '2021-01-05,1'].join('\n'));
    expect(await refused(ragged)).toContain(`${ragged} line 3 (2021-01-05): 2 fields but the header on line 1 has 100001`);
    // selecting an unknown asset lists a few names, not all
    const msg = await refused(f, { assets: ['nope'] });
    expect(msg).toContain('(100000 in all)');
  }, 60_000);

  it('300,000 rows, unsorted, load exactly (danfo indexing stayed linear)', async () => {
    const T = 300_000;
    const lines2: string[] = ['date,A'];
    // rows written newest first; price of day k is k/4 + 1
    for (let k = T - 1; k >= 0; k--) lines2.push(`${isoDay(-700_000 + k)},${k / 4 + 1}`);
    const f = await tmp.file(lines2.join('\n'));
    const { matrix } = await loadPrices(f);
    expect(matrix.T).toBe(T);
    for (let k = 0; k < T; k++) {
      if (matrix.prices[k] !== k / 4 + 1) expect.fail(`row ${k}: ${matrix.prices[k]}`);
    }
    expect(matrix.dates[0]).toBe(isoDay(-700_000));
  }, 60_000);

  it('a 1 GB file is refused before it is read; the limit is configurable', async () => {
    const big = join(tmp.dir, 'huge.csv');
    // a sparse file: 1 GiB long, costs no disk and no time to create
    const fh = await open(big, 'w');
    await fh.write('date,A\n2021-01-04,1\n');
    await fh.truncate(1024 ** 3);
    await fh.close();
    const msg = await refused(big);
    expect(msg).toContain(`${big}: the price file is 1.0 GB, over the 128 MB limit`);
    expect(msg).toContain('REBALANCE_LAB_MAX_CSV_MB');
    // the option and the environment variable move the limit
    const small = await tmp.file('date,A\n2021-01-04,1\n2021-01-05,2\n');
    expect(await refused(small, { maxFileBytes: 10 })).toContain('over the 10 bytes limit');
    process.env.REBALANCE_LAB_MAX_CSV_MB = '0.00001';
    try {
      expect(await refused(small)).toContain('over the 10 bytes limit');
      process.env.REBALANCE_LAB_MAX_CSV_MB = 'lots';
      await expect(loadPrices(small)).rejects.toThrow('REBALANCE_LAB_MAX_CSV_MB="lots" must be a positive number of megabytes');
    } finally {
      delete process.env.REBALANCE_LAB_MAX_CSV_MB;
    }
    expect((await loadPrices(small)).matrix.T).toBe(2);
  });

  it('empty, header-only, a directory, a missing file', async () => {
    for (const text of ['', '\uFEFF', '\n\n \r\n', 'date,A\n', 'date,A\r\n\r\n']) {
      const f = await tmp.file(text);
      expect(await refused(f)).toMatch(/empty|only a header/);
    }
    const d = join(tmp.dir, 'adir.csv');
    await mkdir(d);
    expect(await refused(d)).toContain('is a directory');
    const missing = join(tmp.dir, 'missing.csv');
    expect(await refused(missing)).toContain('file not found');
  });
});
