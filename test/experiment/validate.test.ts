/**
 * Experiment validation (design §9: errors name the file, the field and the value): every
 * mistake is a UserError whose message starts with the file and names the field path;
 * defaults are filled in; .json and .ts files load; targets resolve (design §3).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadExperiment, parseExperiment } from '../../src/experiment/load.js';
import { UserError } from '../../src/errors.js';
import { parseWeights, resolveTargets } from '../../src/policy/targets.js';

const VALID = {
  name: 'sixty-forty',
  data: { file: 'prices.csv' },
  targets: { SPY: 0.6, TLT: 0.4 },
  space: { bands: { absolute: { width: [0.05, 0.1] }, none: {} } },
};

/** A deep copy of VALID with the value at a dotted path set (undefined: deleted). */
function withField(p: string, value: unknown): Record<string, unknown> {
  const root = structuredClone(VALID) as Record<string, unknown>;
  const keys = p.split('.');
  let o = root;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
  return root;
}

/** The UserError a call throws (fails when it throws nothing or something else). */
async function userError(fn: () => unknown): Promise<UserError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError, but nothing was thrown');
}

interface Mistake {
  name: string;
  raw: unknown;
  /** The field path the message must name. */
  where: string;
  /** More text the message must contain (what is wrong, the bad value). */
  also?: string[];
}

const MISTAKES: Mistake[] = [
  { name: 'unknown top-level field (typo of space)', raw: { ...VALID, spaec: {} }, where: '(top level)', also: ['unknown field "spaec"'] },
  { name: 'unknown nested field', raw: withField('space.bands.absolute', { widht: [0.05] }), where: 'space.bands.absolute', also: ['unknown field "widht"'] },
  { name: 'unknown cost field', raw: withField('costs', { feeBP: 5 }), where: 'costs', also: ['unknown field "feeBP"'] },
  { name: 'unknown band type', raw: withField('space.bands.trailing', {}), where: 'space.bands', also: ['unknown field "trailing"'] },
  { name: 'missing targets', raw: withField('targets', undefined), where: 'targets' },
  { name: 'missing data file', raw: withField('data', {}), where: 'data.file' },
  { name: 'wrong type: initialCapital as a string', raw: withField('initialCapital', '100000'), where: 'initialCapital', also: ['got "100000"'] },
  { name: 'wrong type: a target weight as a string', raw: withField('targets.SPY', '0.6'), where: 'targets.SPY', also: ['got "0.6"'] },
  { name: 'wrong type: normalizeTargets', raw: withField('normalizeTargets', 'yes'), where: 'normalizeTargets', also: ['"yes"'] },
  { name: 'a name that cannot be a folder', raw: withField('name', 'my/exp'), where: 'name', also: ['letters, digits', '"my/exp"'] },
  { name: 'a date that is not ISO', raw: withField('data.start', '2020/01/01'), where: 'data.start', also: ['YYYY-MM-DD', '"2020/01/01"'] },
  { name: 'negative maxFill', raw: withField('data.maxFill', -1), where: 'data.maxFill', also: ['-1'] },
  { name: 'negative fee', raw: withField('costs.feeBps', -1), where: 'costs.feeBps', also: ['-1'] },
  { name: 'empty bands', raw: withField('space.bands', {}), where: 'space.bands', also: ['name at least one band type'] },
  {
    name: 'relative width range from 0',
    raw: withField('space.bands', { relative: { width: { from: 0, to: 0.5, step: 0.1 } } }),
    where: 'space.bands.relative.width.from',
    also: ['expected a relative width in (0, 10]', 'got 0'],
  },
  {
    name: 'absolute width above 1',
    raw: withField('space.bands.absolute.width', [0.05, 1.5]),
    where: 'space.bands.absolute.width[1]',
    also: ['expected an absolute width in (0, 1]', 'got 1.5'],
  },
  { name: 'width of the wrong type', raw: withField('space.bands.absolute.width', 'wide'), where: 'space.bands.absolute.width', also: ['"wide"'] },
  { name: 'unknown check schedule', raw: withField('space.check', 'fortnightly'), where: 'space.check', also: ['"fortnightly"'] },
  { name: 'check every 0 periods', raw: withField('space.check', 0), where: 'space.check', also: ['0'] },
  { name: 'unknown mode', raw: withField('space.mode', 'nearest'), where: 'space.mode', also: ['"nearest"'] },
  { name: 'inner without depth', raw: withField('space.mode', ['target', 'inner']), where: 'space.depth', also: ['inner'] },
  {
    name: 'a distribution in a grid',
    raw: withField('space.bands.absolute.width', { dist: 'uniform', min: 0.01, max: 0.1 }),
    where: 'space.bands.absolute.width',
    also: ['grid', 'random'],
  },
  { name: 'unknown search kind', raw: withField('search', { kind: 'sobol' }), where: 'search.kind', also: ['"sobol"', 'grid', 'random', 'halton'] },
  { name: 'samples 0', raw: withField('search', { kind: 'random', samples: 0 }), where: 'search.samples', also: ['got 0'] },
  { name: 'fractional samples', raw: withField('search', { kind: 'halton', samples: 2.5 }), where: 'search.samples', also: ['2.5'] },
  { name: 'random without samples', raw: withField('search', { kind: 'random' }), where: 'search.samples' },
  { name: 'a seed on a grid', raw: withField('search', { kind: 'grid', seed: 3 }), where: 'search', also: ['unknown field "seed"'] },
  { name: 'unknown objective', raw: withField('objectives', ['turnovr']), where: 'objectives[0]', also: ['"turnovr"'] },
  { name: 'no objectives', raw: withField('objectives', []), where: 'objectives' },
  { name: 'unknown metric in scoreWeights', raw: withField('scoreWeights', { trackingErr: 1 }), where: 'scoreWeights', also: ['trackingErr'] },
  {
    name: 'constraint with a misspelt metric',
    raw: withField('constraints', ['turnover < 2', 'trackingEror <= 0.02']),
    where: 'constraints[1]',
    also: ['unknown metric "trackingEror"'],
  },
  {
    name: 'constraint with a wrong operator',
    raw: withField('constraints', ['trackingError =< 0.02']),
    where: 'constraints[0]',
    also: ['"trackingError =< 0.02"'],
  },
  { name: 'constraint that is not a string', raw: withField('constraints', [0.02]), where: 'constraints[0]' },
  { name: 'a heatmap with one axis', raw: withField('report.heatmap', ['width']), where: 'report.heatmap' },
  { name: 'not an object at all', raw: [VALID], where: '(top level)' },
];

function expectNamed(e: UserError, file: string, m: Mistake): void {
  expect(e.message.startsWith(`${file}: `), e.message).toBe(true);
  expect(e.message, e.message).toContain(`${m.where}: `);
  for (const s of m.also ?? []) expect(e.message, e.message).toContain(s);
}

describe('parseExperiment: every mistake is a UserError naming the file and the field', () => {
  it('a valid experiment parses', () => {
    expect(parseExperiment(VALID, 'exp.json').name).toBe('sixty-forty');
  });
  for (const m of MISTAKES) {
    it(m.name, async () => {
      expectNamed(await userError(() => parseExperiment(m.raw, 'experiments/exp.json')), 'experiments/exp.json', m);
    });
  }
});

describe('defaults are filled in', () => {
  it('objectives (design §5), score weights and costs, search, and the rest', () => {
    const spec = parseExperiment(VALID, 'exp.json');
    expect(spec.objectives).toEqual(['turnover', 'trackingError', 'maxDrawdown']);
    // the documented defaults of the schema (score = Σ weight·metric)
    expect(spec.scoreWeights).toEqual({ trackingError: 1, costDrag: 1e-4, turnover: 1e-3 });
    expect(spec.costs).toEqual({ feeBps: 0, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 });
    expect(spec.search).toEqual({ kind: 'grid' });
    expect(spec.initialCapital).toBe(100_000); // design §3
    expect(spec.riskFree).toBe(0); // design §4: rf default 0
    expect(spec.normalizeTargets).toBe(false); // never silently
    expect(spec.constraints).toEqual([]);
    expect(spec.report).toEqual({ top: 20 });
    expect(spec.space.check).toBe('monthly');
    expect(spec.space.mode).toBe('target');
  });

  it('partial costs get the other costs as 0; random search gets seed 1; given values are kept', () => {
    const spec = parseExperiment(
      { ...VALID, costs: { feeBps: 5 }, search: { kind: 'random', samples: 10 }, objectives: ['cagr'], scoreWeights: { sharpe: -1 } },
      'exp.json',
    );
    expect(spec.costs).toEqual({ feeBps: 5, halfSpreadBps: 0, fixedFee: 0, minTrade: 0 });
    expect(spec.search).toEqual({ kind: 'random', samples: 10, seed: 1 });
    expect(spec.objectives).toEqual(['cagr']);
    expect(spec.scoreWeights).toEqual({ sharpe: -1 });
  });

  it('does not modify its input', () => {
    const raw = structuredClone(VALID);
    parseExperiment(raw, 'exp.json');
    expect(raw).toEqual(VALID);
  });
});

describe('loadExperiment', () => {
  let dir = '';
  const write = async (name: string, text: string): Promise<string> => {
    const f = path.join(dir, name);
    await writeFile(f, text);
    return f;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rebalance-lab-exp-'));
    await writeFile(path.join(dir, 'prices.csv'), 'date,SPY,TLT\n2020-01-02,100,100\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a .json experiment: spec, absolute file, text, and the data file found beside it', async () => {
    const text = JSON.stringify(VALID, null, 2);
    const f = await write('good.json', text);
    const loaded = await loadExperiment(f);
    expect(loaded.spec).toEqual(parseExperiment(VALID, 'x'));
    expect(loaded.file).toBe(path.resolve(f));
    expect(loaded.text).toBe(text);
    expect(loaded.dataFile).toBe(path.join(dir, 'prices.csv'));
  });

  it('an absolute data path is kept; a byte-order mark is accepted', async () => {
    const abs = path.join(dir, 'elsewhere.csv');
    const f = await write('bom.json', `\uFEFF${JSON.stringify({ ...VALID, data: { file: abs } })}`);
    const loaded = await loadExperiment(f);
    expect(loaded.dataFile).toBe(abs);
  });

  it('a .ts experiment with a plain default export (TypeScript syntax included)', async () => {
    const f = await write(
      'good.ts',
      `const width: number[] = [0.05, 0.1];
export default {
  name: 'sixty-forty',
  data: { file: 'prices.csv' },
  targets: { SPY: 0.6, TLT: 0.4 },
  space: { bands: { absolute: { width }, none: {} } },
};
`,
    );
    const loaded = await loadExperiment(f);
    expect(loaded.spec).toEqual(parseExperiment(VALID, 'x'));
    expect(loaded.dataFile).toBe(path.join(dir, 'prices.csv'));
  });

  it('a .mts experiment (an ES module whatever the package says)', async () => {
    const f = await write('good.mts', `export default ${JSON.stringify(VALID)};\n`);
    expect((await loadExperiment(f)).spec.name).toBe('sixty-forty');
  });

  it('a named `experiment` export is accepted in place of a default export', async () => {
    const f = await write('named.ts', `export const experiment = ${JSON.stringify(VALID)};\n`);
    expect((await loadExperiment(f)).spec.name).toBe('sixty-forty');
  });

  it('a .ts experiment without a default export says so', async () => {
    const f = await write('nodefault.ts', `export const sixtyForty = ${JSON.stringify(VALID)};\n`);
    const e = await userError(() => loadExperiment(f));
    expect(e.message.startsWith(`${f}: `)).toBe(true);
    expect(e.message).toContain('no default export');
  });

  it('a .mts experiment without a default export says so', async () => {
    const f = await write('nodefault.mts', `export const sixtyForty = ${JSON.stringify(VALID)};\n`);
    const e = await userError(() => loadExperiment(f));
    expect(e.message.startsWith(`${f}: `)).toBe(true);
    expect(e.message).toContain('no default export');
  });

  it('a .ts experiment that does not compile or throws names the file and the cause', async () => {
    const bad = await write('syntax.ts', 'export default { name: ;\n');
    const e1 = await userError(() => loadExperiment(bad));
    expect(e1.message.startsWith(`${bad}: could not evaluate the experiment`)).toBe(true);
    const boom = await write('throws.ts', "throw new Error('boom');\nexport default {};\n");
    const e2 = await userError(() => loadExperiment(boom));
    expect(e2.message.startsWith(`${boom}: `)).toBe(true);
    expect(e2.message).toContain('boom');
  });

  it('a .ts experiment with a mistake names the file and the field', async () => {
    const f = await write('mistake.ts', `export default ${JSON.stringify({ ...VALID, spaec: {} })};\n`);
    const e = await userError(() => loadExperiment(f));
    expectNamed(e, f, { name: '', raw: null, where: '(top level)', also: ['unknown field "spaec"'] });
  });

  it('invalid JSON', async () => {
    const f = await write('broken.json', '{ "name": "x", }');
    const e = await userError(() => loadExperiment(f));
    expect(e.message.startsWith(`${f}: not valid JSON`)).toBe(true);
  });

  it('a missing file', async () => {
    const f = path.join(dir, 'missing.json');
    const e = await userError(() => loadExperiment(f));
    expect(e.message.startsWith(`${f}: `)).toBe(true);
    expect(e.message).toContain('not found');
  });

  it('an unknown file type', async () => {
    const f = await write('exp.yaml', 'name: x\n');
    const e = await userError(() => loadExperiment(f));
    expect(e.message.startsWith(`${f}: `)).toBe(true);
    expect(e.message).toContain('.ts or .json');
  });

  // every mistake of the table again, through a .json file: the message names the path as given
  for (const m of MISTAKES) {
    it(`from a file: ${m.name}`, async () => {
      const f = await write(`m-${MISTAKES.indexOf(m)}.json`, JSON.stringify(m.raw));
      expectNamed(await userError(() => loadExperiment(f)), f, m);
    });
  }
});

describe('resolveTargets (design §3: positive, summing to one within 1e-9)', () => {
  const where = 'exp.json: targets';

  it('returns the weights in the order of the data assets', () => {
    expect(Array.from(resolveTargets({ SPY: 0.6, TLT: 0.4 }, ['TLT', 'SPY'], { where }))).toEqual([0.4, 0.6]);
  });

  it('accepts a floating-point sum within 1e-9 of one (0.7 + 0.2 + 0.1 = 0.9999999999999999)', () => {
    expect(0.7 + 0.2 + 0.1).not.toBe(1);
    expect(Array.from(resolveTargets({ A: 0.7, B: 0.2, C: 0.1 }, ['A', 'B', 'C'], { where }))).toEqual([0.7, 0.2, 0.1]);
  });

  it('a sum that is not one is an error naming it and the way out', async () => {
    const e = await userError(() => resolveTargets({ SPY: 0.6, TLT: 0.3 }, ['SPY', 'TLT'], { where }));
    expect(e.message.startsWith(`${where}: `)).toBe(true);
    expect(e.message).toMatch(/sum to 0\.(9|8999999999999999), not 1/); // 0.6 + 0.3 = 0.8999999999999999 in floating point
    expect(e.message).toContain('normalizeTargets');
    await userError(() => resolveTargets({ A: 0.5, B: 0.5 + 2e-9 }, ['A', 'B'], { where }));
  });

  it('normalisation when asked: 3 : 1 → 0.75, 0.25', () => {
    expect(Array.from(resolveTargets({ A: 3, B: 1 }, ['A', 'B'], { normalize: true, where }))).toEqual([0.75, 0.25]);
  });

  it('a non-positive or non-numeric weight is an error naming the asset', async () => {
    for (const [w, shown] of [
      [0, '0'],
      [-0.2, '-0.2'],
      [NaN, 'NaN'],
    ] as [number, string][]) {
      const e = await userError(() => resolveTargets({ A: 1, B: w }, ['A', 'B'], { normalize: true, where }));
      expect(e.message).toContain(`weight of B is ${shown}`);
    }
  });

  it('an asset not in the data names the available assets', async () => {
    const e = await userError(() => resolveTargets({ SPY: 0.5, QQQ: 0.5 }, ['SPY', 'TLT', 'GLD'], { where }));
    expect(e.message.startsWith(`${where}: `)).toBe(true);
    expect(e.message).toContain('"QQQ"');
    expect(e.message).toContain('available: SPY, TLT, GLD');
  });

  it('an asset in the data without a target, and no targets at all, are errors', async () => {
    expect((await userError(() => resolveTargets({ SPY: 1 }, ['SPY', 'TLT'], { where }))).message).toContain('TLT');
    expect((await userError(() => resolveTargets({}, ['SPY'], { where }))).message).toContain('no target weights');
  });
});

describe('parseWeights (the CLI form)', () => {
  it('SPY=0.6,TLT=0.4 and its spacing and colon variants', () => {
    expect(parseWeights('SPY=0.6,TLT=0.4')).toEqual({ SPY: 0.6, TLT: 0.4 });
    expect(parseWeights(' SPY : 0.6 , TLT=0.4 ,')).toEqual({ SPY: 0.6, TLT: 0.4 });
    expect(parseWeights('BTC-USD=1')).toEqual({ 'BTC-USD': 1 });
    expect(parseWeights('')).toEqual({});
  });

  it('asset names that are also Object properties are ordinary names', () => {
    expect(parseWeights('constructor=0.5,toString=0.5')).toEqual({ constructor: 0.5, toString: 0.5 });
  });

  it('malformed parts, bad numbers and repeats are errors naming the flag', async () => {
    for (const [text, want] of [
      ['SPY', '"SPY" is not ASSET=WEIGHT'],
      ['SPY=0.6,TLT', '"TLT" is not ASSET=WEIGHT'],
      ['=0.5', 'is not ASSET=WEIGHT'],
      ['SPY=abc', 'weight "abc" of SPY is not a number'],
      ['SPY=0.5,SPY=0.5', 'SPY is listed twice'],
    ]) {
      const e = await userError(() => parseWeights(text));
      expect(e.message.startsWith('--weights: '), text).toBe(true);
      expect(e.message, text).toContain(want);
    }
  });

  it('feeds resolveTargets', () => {
    expect(Array.from(resolveTargets(parseWeights('SPY=0.6,TLT=0.4'), ['SPY', 'TLT'], { where: '--weights' }))).toEqual([0.6, 0.4]);
  });
});
