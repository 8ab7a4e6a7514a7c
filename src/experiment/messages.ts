/**
 * Experiment-file messages as good as the command line's (issue 14): every zod issue is turned
 * into the wording the CLI uses — an unknown value or field gets "did you mean …?" over the
 * allowed values or field names, a wrong shape gets the expected form with an example.
 */
import type { z } from 'zod';
import { quote } from '../data/text.js';
import { article, didYouMean } from '../errors.js';

export { closest, editDistance } from '../errors.js';

/** The raw value at a zod issue path, for "got …" in messages. */
export function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

export function formatPath(p: readonly PropertyKey[]): string {
  let s = '';
  for (const k of p) {
    const key = typeof k === 'symbol' ? String(k) : String(k).length > 40 ? quote(String(k), 40) : String(k);
    s += typeof k === 'number' ? `[${k}]` : s ? `.${key}` : key;
  }
  return s || '(top level)';
}

/**
 * A value for "got …": never throws, whatever a .ts experiment exported (functions, symbols,
 * BigInts, cycles, 100,000-deep arrays, proxies whose traps throw), and never prints Infinity
 * or NaN as JSON's "null".
 */
export function show(v: unknown): string {
  try {
    if (v === undefined) return 'nothing';
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'bigint') return `${v}n (a BigInt)`;
    if (typeof v === 'function') return 'a function';
    if (typeof v === 'symbol') return 'a symbol';
    let s: string | undefined;
    try {
      s = JSON.stringify(v);
    } catch {
      s = undefined; // a cycle, a BigInt inside, or nesting deeper than the stack
    }
    if (s === undefined) s = Array.isArray(v) ? 'an array' : typeof v === 'object' && v !== null ? 'an object' : typeof v;
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return 'a value that cannot be read';
  }
}

/** Control characters (a binary file's NULs) escaped, so a message prints cleanly. */
export function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- walking the schema (zod 4 keeps its definition in `_zod.def`) ----

/** The parts of a zod definition this module reads; zod's own def types are a union per kind. */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  options?: Schema[];
  element?: Schema;
  valueType?: Schema;
  items?: Schema[];
  keyType?: Schema;
  entries?: Record<string, string | number>;
}
interface Schema {
  _zod: { def: Def };
}

/** The object schemas a value at this schema can be (unwrapping optional, default, pipe, union). */
function objectsOf(s: Schema, depth = 0): Schema[] {
  if (depth > 20) return [];
  const d = s._zod.def;
  switch (d.type) {
    case 'object':
      return [s];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return d.innerType ? objectsOf(d.innerType, depth + 1) : [];
    case 'pipe':
      return [...(d.in ? objectsOf(d.in, depth + 1) : []), ...(d.out ? objectsOf(d.out, depth + 1) : [])];
    case 'union':
      return (d.options ?? []).flatMap((o) => objectsOf(o, depth + 1));
    default:
      return [];
  }
}

function unwrapAll(s: Schema, depth = 0): Schema[] {
  if (depth > 20) return [];
  const d = s._zod.def;
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(d.type) && d.innerType) return unwrapAll(d.innerType, depth + 1);
  if (d.type === 'pipe') return [...(d.in ? unwrapAll(d.in, depth + 1) : []), ...(d.out ? unwrapAll(d.out, depth + 1) : [])];
  if (d.type === 'union') return (d.options ?? []).flatMap((o) => unwrapAll(o, depth + 1));
  return [s];
}

/** The schemas at a path below `root` (several where a union allows several shapes). */
function schemasAt(root: Schema, p: readonly PropertyKey[]): Schema[] {
  let cur = [root];
  for (const k of p) {
    const next: Schema[] = [];
    for (const s of cur.flatMap((x) => unwrapAll(x))) {
      const d = s._zod.def;
      if (d.type === 'object' && typeof k === 'string' && d.shape && Object.hasOwn(d.shape, k)) next.push(d.shape[k]);
      else if (d.type === 'array' && typeof k === 'number' && d.element) next.push(d.element);
      else if (d.type === 'record' && d.valueType) next.push(d.valueType);
      else if (d.type === 'tuple' && typeof k === 'number' && d.items?.[k]) next.push(d.items[k]);
    }
    cur = next;
  }
  return cur;
}

/** The field names an object at this path may have. */
export function fieldsAt(root: Schema, p: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const here = schemasAt(root, p);
  for (const s of here.flatMap((x) => objectsOf(x))) for (const k of Object.keys(s._zod.def.shape ?? {})) keys.add(k);
  // a record keyed by an enum (scoreWeights: metric names)
  for (const s of here.flatMap((x) => unwrapAll(x))) {
    const kt = s._zod.def.type === 'record' ? s._zod.def.keyType?._zod.def : undefined;
    if (kt?.type === 'enum') for (const v of Object.values(kt.entries ?? {})) keys.add(String(v));
  }
  return [...keys];
}

// ---- what each field is, in the CLI's words ----

/** Path with indices and band names generalised: space.bands.*.width, objectives[]. */
function pattern(p: readonly PropertyKey[]): string {
  let s = '';
  for (let i = 0; i < p.length; i++) {
    const k = p[i];
    if (typeof k === 'number') s += '[]';
    else if (i === 2 && p[0] === 'space' && p[1] === 'bands') s += '.*';
    else s += s ? `.${String(k)}` : String(k);
  }
  return s;
}

const NUM_DIM =
  'a number, a list like [0.05, 0.1], a range like { from: 0.01, to: 0.1, step: 0.01 } or a distribution like { dist: "uniform", min: 0.01, max: 0.1 }';

/** What a value at a path is called, and the expected form with an example. */
const FIELDS: Record<string, { noun?: string; also?: string; form?: string }> = {
  'space.check': {
    noun: 'schedule',
    also: 'or a whole number of periods',
    form: 'a schedule or a list of them, e.g. check: ["weekly", "monthly"] or check: 20',
  },
  'space.check[]': { noun: 'schedule', also: 'or a whole number of periods', form: 'a schedule, e.g. "monthly" or 20 (every 20 periods)' },
  'space.mode': { noun: 'rebalance mode', form: 'a mode or a list of them, e.g. mode: ["target", "edge"]' },
  'space.mode[]': { noun: 'rebalance mode', form: 'a mode, e.g. "edge"' },
  'space.bands.*.width': { form: NUM_DIM },
  'space.bands.*.relWidth': { form: NUM_DIM },
  'space.bands.*.lookback': { form: 'a whole number of periods, a list like [20, 60], or a range like { from: 20, to: 120, step: 20 }' },
  'space.depth': { form: NUM_DIM },
  'space.fraction': { form: NUM_DIM },
  'space.cooldown': { form: 'a whole number of periods or a list like [0, 5]' },
  'space.feeBps': { form: NUM_DIM },
  'space.halfSpreadBps': { form: NUM_DIM },
  'space.fixedFee': { form: NUM_DIM },
  'space.minTrade': { form: NUM_DIM },
  'search.kind': { noun: 'search kind', form: 'e.g. search: { kind: "random", samples: 10000 }' },
  objectives: { form: 'a list of metrics, e.g. objectives: ["turnover", "trackingError"]' },
  'objectives[]': { noun: 'metric' },
  scoreWeights: { noun: 'metric', form: 'metric weights, e.g. scoreWeights: { trackingError: 1, turnover: 0.001 }' },
  '': { form: 'an experiment object { name, data, targets, space }' },
  name: { form: 'a name, e.g. name: "sixty-forty"' },
  'data.file': { form: 'the price CSV path, e.g. file: "data/etf_daily_adjclose_1993_2023.csv"' },
  'data.assets': { form: 'a list of asset columns, e.g. assets: ["SPY", "TLT"]' },
  targets: { form: 'target weights by asset, e.g. targets: { SPY: 0.6, TLT: 0.4 }' },
  constraints: { form: 'a list like ["trackingError <= 0.02"]' },
  'robustness.kind': { noun: 'robustness kind', form: 'e.g. robustness: { kind: "block-bootstrap", paths: 200, blockLength: 20 }' },
  'validation.kind': { noun: 'validation kind', form: 'e.g. validation: { kind: "walk-forward", train: "3y", test: "1y" }' },
  'report.heatmap': { form: 'two parameter names, e.g. heatmap: ["width", "cooldown"]' },
};

function typeName(t: string): string {
  return t === 'number' || t === 'string' || t === 'boolean' || t === 'object' || t === 'array'
    ? `${article(t)} ${t === 'boolean' ? 'true or false' : t === 'object' ? 'object { … }' : t === 'array' ? 'list [ … ]' : t}`
    : t;
}

/** The leaves of an issue (a union's branches flattened), with paths relative to the issue's parent. */
function leaves(i: z.core.$ZodIssue, prefix: readonly PropertyKey[]): { issue: z.core.$ZodIssue; path: PropertyKey[] }[] {
  const here = [...prefix, ...i.path];
  if (i.code === 'invalid_union' && i.errors.length > 0) return i.errors.flatMap((branch) => branch.flatMap((b) => leaves(b, here)));
  return [{ issue: i, path: here }];
}

function enumMessage(where: string, got: unknown, values: readonly string[], pat: string): string {
  const f = FIELDS[pat] ?? FIELDS[pat.replace(/\[\]$/, '')];
  const noun = f?.noun ?? 'allowed value';
  const list = `use one of ${values.join(', ')}${f?.also ? ` ${f.also}` : ''}`;
  if (typeof got === 'string')
    return `${where}: "${printable(quote(got, 40).replace(/^"|"$/g, ''))}" is not ${article(noun)} ${noun}${didYouMean(got, values)}; ${list}`;
  return `${where}: expected ${article(noun)} ${noun}, got ${printable(show(got))}; ${list}`;
}

function formatOne(root: Schema, raw: unknown, i: z.core.$ZodIssue): string {
  if (i.code === 'unrecognized_keys') {
    const where = formatPath(i.path);
    const fields = fieldsAt(root, i.path);
    return i.keys
      .slice(0, 4)
      .map(
        (k) =>
          `${where}: unknown field "${printable(quote(k, 40).replace(/^"|"$/g, ''))}"${didYouMean(k, fields)}${fields.length ? `; fields here: ${fields.join(', ')}` : ''}`,
      )
      .join('\n  ');
  }
  if (i.code === 'invalid_union' && 'discriminator' in i && i.discriminator) {
    // no branch matches the discriminator: the value of e.g. search.kind is unknown
    const p = [...i.path];
    const got = valueAt(raw, p);
    const options = ((i as { options?: unknown[] }).options ?? []).map(String);
    return enumMessage(formatPath(p), got, options, pattern(p));
  }
  if (i.code === 'invalid_union' && isCustom(i.message)) {
    // the schema says what the union accepts in its own words (e.g. robustness.rankBy)
    return `${formatPath(i.path)}: ${printable(i.message)}, got ${printable(show(valueAt(raw, i.path)))}`;
  }
  if (i.code === 'invalid_union') {
    const ls = leaves(i, []);
    // the most specific branch: the deepest path, an unknown value before a wrong type
    const score = (l: { issue: z.core.$ZodIssue; path: PropertyKey[] }): number =>
      l.path.length * 10 + (l.issue.code === 'invalid_value' ? 5 : l.issue.code === 'invalid_type' ? 0 : 3);
    const best = ls.reduce((a, b) => (score(b) > score(a) ? b : a), ls[0]);
    if (best && (best.path.length > i.path.length || best.issue.code !== 'invalid_type')) {
      if (best.issue.code === 'invalid_value') {
        const values = [
          ...new Set(
            ls
              .filter((l) => l.issue.code === 'invalid_value' && l.path.length === best.path.length)
              .flatMap((l) => (l.issue as z.core.$ZodIssueInvalidValue).values.map(String)),
          ),
        ];
        return enumMessage(formatPath(best.path), valueAt(raw, best.path), values, pattern(best.path));
      }
      return formatOne(root, raw, { ...best.issue, path: best.path } as z.core.$ZodIssue);
    }
    // every branch is a wrong type: say which forms are accepted
    const where = formatPath(i.path);
    const f = FIELDS[pattern(i.path)];
    const types = [...new Set(ls.map((l) => (l.issue.code === 'invalid_type' ? typeName(l.issue.expected) : null)).filter((x): x is string => x !== null))];
    return `${where}: expected ${f?.form ?? types.join(' or ')}, got ${printable(show(valueAt(raw, i.path)))}`;
  }
  const where = formatPath(i.path);
  const got = valueAt(raw, i.path);
  const pat = pattern(i.path);
  if (i.code === 'invalid_value') return enumMessage(where, got, i.values.map(String), pat);
  if (i.code === 'too_small' || i.code === 'too_big') {
    const f = FIELDS[pat];
    const bound = i.code === 'too_small' ? i.minimum : i.maximum;
    const op = i.code === 'too_small' ? (i.inclusive ? '≥' : '>') : i.inclusive ? '≤' : '<';
    const what =
      i.origin === 'array'
        ? `at least ${String(bound)} item${Number(bound) === 1 ? '' : 's'}`
        : i.origin === 'string'
          ? `at least ${String(bound)} character${Number(bound) === 1 ? '' : 's'}`
          : `a number ${op} ${String(bound)}`;
    // a custom message (e.g. "expected at least 1 path") says it better than the generic one
    const generic = /^Too (small|big)/.test(i.message);
    return `${where}: ${generic ? `expected ${what}` : printable(i.message)}${f?.form ? ` (${f.form})` : ''}, got ${printable(show(got))}`;
  }
  if (i.code === 'invalid_type') {
    const f = FIELDS[pat];
    // a custom message (e.g. "expected a whole number of paths") says it better than the generic one
    if (got !== undefined && isCustom(i.message)) return `${where}: ${printable(i.message)}, got ${printable(show(got))}`;
    const expected = f?.form ?? typeName(i.expected);
    if (got === undefined) return `${where}: missing; give ${expected}`;
    return `${where}: expected ${expected}, got ${printable(show(got))}`;
  }
  const msg = printable(i.message.replace(/^Invalid input: /, ''));
  return `${where}: ${msg}${got === undefined ? '' : `, got ${printable(show(got))}`}`;
}

/** A message the schema wrote itself, not one of zod's defaults ("Invalid input…", "Too small…"). */
function isCustom(message: string): boolean {
  return !/^(Invalid input|Too (small|big)|Invalid (option|element|key)|Unrecognized key)/.test(message);
}

/** Every issue (at most 8) in the CLI's wording, one per line, under the file's name. */
export function formatIssues(file: string, raw: unknown, issues: readonly z.core.$ZodIssue[], root: unknown): string {
  const schema = root as Schema;
  // "name at least one band type" beside an unknown band name says the same thing less well
  const unknownAt = new Set(issues.filter((i) => i.code === 'unrecognized_keys').map((i) => JSON.stringify(i.path)));
  const kept = issues.filter((i) => !(i.code === 'custom' && unknownAt.has(JSON.stringify(i.path))));
  const lines = kept.slice(0, 8).map((i) => formatOne(schema, raw, i));
  const more = kept.length > 8 ? `\n  … and ${kept.length - 8} more` : '';
  return `${file}: the experiment is not valid:\n  ${lines.join('\n  ')}${more}`;
}
