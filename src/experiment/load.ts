/**
 * Loading experiment files. `.json` is parsed, never executed (use it for experiments from
 * untrusted sources); `.ts`/`.js`/`.mjs` are evaluated as code (through tsx) and must
 * `export default defineExperiment({...})`. Both are validated by one zod schema.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { Experiment, type ExperimentSpec } from '../spec/schema.js';
import { compileSpec, type CompiledExperiment } from './compile.js';
import { readUserText } from '../data/text.js';
import { formatIssues, printable, show } from './messages.js';

/** Experiment files larger than this are refused before reading (a real one is a few kB). */
export const MAX_EXPERIMENT_BYTES = 16 * 1024 * 1024;

/** Validate and compile an experiment object (from any source): the one place an experiment is checked. */
export function compileExperiment(raw: unknown, file = 'experiment'): CompiledExperiment {
  const r = Experiment.safeParse(raw);
  if (!r.success) throw new UserError(formatIssues(file, raw, r.error.issues, Experiment));
  return compileSpec(r.data, file);
}

/** Validate an experiment object: its spec with the defaults filled in (compiled, so every check ran). */
export function parseExperiment(raw: unknown, file = 'experiment'): ExperimentSpec {
  return compileExperiment(raw, file).spec;
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
  /** The compiled experiment (space, constraints, baselines, robustness plan). */
  compiled: CompiledExperiment;
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

/** What a thrown value says, whatever it is (code may `throw 42` or `throw null`). */
function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) {
      const lines = e.message
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      // esbuild: "Transform failed with 1 error:\n<file>:1:36: ERROR: Unexpected end of file"
      const first = /^Transform failed/.test(lines[0] ?? '') && lines.length > 1 ? lines[1] : lines[0];
      return printable(first ?? e.name);
    }
    return `threw ${show(e)}`;
  } catch {
    return 'threw a value that cannot be read';
  }
}

/** A JSON syntax error with its line and column (V8 gives only "at position N"). */
function jsonError(file: string, text: string, e: unknown): UserError {
  const msg = e instanceof Error ? e.message : String(e);
  const pos = /at position (\d+)/.exec(msg);
  let where = '';
  if (pos) {
    const at = Math.min(Number(pos[1]), text.length);
    const before = text.slice(0, at);
    const line = before.split('\n').length;
    where = ` at line ${line} column ${at - before.lastIndexOf('\n')}`;
  }
  const short = msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
  return new UserError(`${file}: not valid JSON${where} (${printable(short)}); fix the syntax`);
}

export async function loadExperiment(file: string): Promise<LoadedExperiment> {
  const abs = path.resolve(file);
  const lower = abs.toLowerCase();
  const isJson = lower.endsWith('.json');
  const isCode = /\.(ts|mts|js|mjs)$/.test(lower);
  if (!isJson && !isCode) throw new UserError(`${file}: unknown experiment file type; use .ts or .json`);
  if (!existsSync(abs)) {
    throw new UserError(`${file}: experiment file not found; give the path of a .ts or .json experiment (try: rebalance-lab init my-experiment)`);
  }
  const text = await readUserText(file, MAX_EXPERIMENT_BYTES, 'experiment file', 'an experiment is a few kilobytes; is this the right file?');
  let raw: unknown;
  if (isJson) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw jsonError(file, text, e);
    }
    // a .json value is data: validating it throws only UserErrors
    const compiled = compileExperiment(raw, file);
    return { spec: compiled.spec, compiled, file: abs, text, dataFile: resolveDataFile(abs, compiled.spec.data.file) };
  }
  try {
    raw = await importCode(abs);
  } catch (e) {
    throw new UserError(`${file}: could not evaluate the experiment (${describeThrown(e)}); it must \`export default defineExperiment({...})\``);
  }
  if (raw === undefined) throw new UserError(`${file}: has no default export; end it with \`export default defineExperiment({...})\``);
  let compiled: CompiledExperiment;
  try {
    compiled = compileExperiment(raw, file);
  } catch (e) {
    if (e instanceof UserError) throw e;
    // code can export getters or proxies that throw while being read
    throw new UserError(
      `${file}: reading the exported experiment failed (${describeThrown(e)}); export a plain object: \`export default defineExperiment({...})\``,
    );
  }
  return { spec: compiled.spec, compiled, file: abs, text, dataFile: resolveDataFile(abs, compiled.spec.data.file) };
}
