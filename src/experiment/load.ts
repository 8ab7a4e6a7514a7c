/**
 * Loading experiment files. `.json` is parsed, never executed (use it for experiments from
 * untrusted sources); `.ts`/`.js`/`.mjs` are evaluated as code (through tsx) and must
 * `export default defineExperiment({...})`. Both are validated by one zod schema.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { Experiment, type ExperimentSpec } from './schema.js';
import { ParameterSpace } from '../search/space.js';
import { parseConstraints } from '../results/score.js';

/** The raw value at a zod issue path, for "got …" in messages. */
function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function formatPath(p: readonly PropertyKey[]): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s || '(top level)';
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function formatIssues(file: string, raw: unknown, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 8).map((i) => {
    const where = formatPath(i.path);
    if (i.code === 'unrecognized_keys') return `${where}: unknown field ${i.keys.map((k) => `"${k}"`).join(', ')} (check the spelling)`;
    const got = valueAt(raw, i.path);
    return `${where}: ${i.message.replace(/^Invalid input: /, '')}${got === undefined && i.code === 'invalid_type' ? '' : `, got ${show(got)}`}`;
  });
  const more = issues.length > 8 ? `\n  … and ${issues.length - 8} more` : '';
  return `${file}: the experiment is not valid:\n  ${lines.join('\n  ')}${more}`;
}

/** Validate an experiment object (from any source). */
export function parseExperiment(raw: unknown, file = 'experiment'): ExperimentSpec {
  const r = Experiment.safeParse(raw);
  if (!r.success) throw new UserError(formatIssues(file, raw, r.error.issues));
  // what zod cannot check: the space's values (band width domains, depth without inner, ...) and the
  // constraints' grammar; both throw a UserError naming the file and the field
  new ParameterSpace(r.data.space, r.data.search, { costs: r.data.costs }, file);
  parseConstraints(r.data.constraints, `${file}: constraints`);
  return r.data;
}

async function importCode(abs: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api');
  // tsImport returns the module namespace; its shape is the user's, checked by zod below.
  const mod = (await tsImport(pathToFileURL(abs).href, import.meta.url)) as Record<string, unknown>;
  let v = mod.default;
  // Outside a "type": "module" package tsx loads a .ts file as CommonJS: `default` is then its
  // module.exports, marked __esModule, which holds the real default export (if any) beside the named ones.
  if (v && typeof v === 'object' && (v as Record<string, unknown>).__esModule === true) {
    const exports = v as Record<string, unknown>;
    return exports.default ?? exports.experiment;
  }
  // tsx may wrap a CommonJS-looking default export once more
  if (v && typeof v === 'object' && 'default' in v && !('name' in v)) v = (v as Record<string, unknown>).default;
  return v ?? mod.experiment;
}

export interface LoadedExperiment {
  spec: ExperimentSpec;
  /** Absolute path of the experiment file. */
  file: string;
  /** The file's text (its hash goes in the manifest). */
  text: string;
  /** The data file, resolved. */
  dataFile: string;
}

/** Resolve a data path: relative to the working directory, else to the experiment's folder. */
export function resolveDataFile(expFile: string, dataPath: string): string {
  if (path.isAbsolute(dataPath)) return dataPath;
  const fromCwd = path.resolve(dataPath);
  if (existsSync(fromCwd)) return fromCwd;
  const fromExp = path.resolve(path.dirname(expFile), dataPath);
  return existsSync(fromExp) ? fromExp : fromCwd;
}

export async function loadExperiment(file: string): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    throw new UserError(`${file}: experiment file not found; give the path of a .ts or .json experiment (try: rebalance-lab init my-experiment)`);
  }
  let raw: unknown;
  if (abs.endsWith('.json')) {
    try {
      raw = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (e) {
      throw new UserError(`${file}: not valid JSON (${(e as Error).message}); fix the syntax`);
    }
  } else if (/\.(ts|mts|js|mjs)$/.test(abs)) {
    try {
      raw = await importCode(abs);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      throw new UserError(`${file}: could not evaluate the experiment (${msg}); it must \`export default defineExperiment({...})\``);
    }
    if (raw === undefined) throw new UserError(`${file}: has no default export; end it with \`export default defineExperiment({...})\``);
  } else {
    throw new UserError(`${file}: unknown experiment file type; use .ts or .json`);
  }
  const spec = parseExperiment(raw, file);
  return { spec, file: abs, text, dataFile: resolveDataFile(abs, spec.data.file) };
}
