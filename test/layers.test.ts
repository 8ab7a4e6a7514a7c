/**
 * The one-way layers of src/ (docs/architecture.md): every relative import of every file under
 * src/ is checked against the rules below, and the file-level import graph must have no cycle.
 *
 * A "part" is the first folder under src/ (src/report/charts/x.ts belongs to `report`,
 * src/kernel/wasm/y.ts to `kernel`), or for a file directly in src/ its name without `.ts`.
 * A part may import itself and the parts listed for it, nothing else. New sub-folders fit
 * without touching this file; a new top-level folder must be added here (the test says so).
 * Files directly in src/ that are not listed (e.g. a future src/api.ts) count as `index`:
 * the public API, which may import anything but the cli and bench.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// ----------------------------------------------------------------------------- the rules (data)
/** Bottom to top. Each part may import only the parts named in its list (and itself). */
const LAYERS: Record<string, readonly string[]> = {
  errors: [],
  /** Civil dates (src/dates.ts): the one date implementation. */
  dates: [],
  /** Finding and compiling the project's WebAssembly modules (src/wasm.ts). */
  wasm: [],
  policy: ['errors', 'dates'],
  kernel: ['errors', 'dates', 'policy', 'wasm'],
  data: ['errors', 'dates'],
  /** The experiment file's schema (zod) and the types it infers. */
  spec: ['errors', 'dates', 'policy', 'kernel'],
  search: ['errors', 'dates', 'policy', 'kernel', 'spec'],
  /** Worker pool, progress, warm-up, worker protocol: shared by runner, validate and robust. */
  exec: ['errors', 'dates', 'policy', 'kernel', 'spec', 'search'],
  /** The run-folder formats: manifest, journal, results table, validation/robustness outputs. */
  results: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'wasm'],
  /** Loading and compiling an experiment file (space, constraints, folds). */
  experiment: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'results'],
  validate: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment'],
  robust: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment'],
  runner: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment', 'validate', 'robust'],
  /**
   * The report reads results (and the definitions below it); it never runs a sweep. `exec` only
   * for builtWorker: the report's digest reads a run's rows on a thread of its own (run-report.ts).
   */
  report: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results'],
  /** advise / policy export (issue 13): a chosen policy applied to today's holdings through the kernel's check day. */
  advise: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'results'],
  cli: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment', 'validate', 'robust', 'runner', 'report', 'advise'],
  bench: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment', 'validate', 'robust', 'runner', 'report'],
  /** The public library API (src/index.ts and any other file directly in src/). */
  index: ['errors', 'dates', 'policy', 'kernel', 'data', 'spec', 'search', 'exec', 'results', 'experiment', 'validate', 'robust', 'runner', 'report', 'advise'],
};

/** Packages only some parts may import (a heavy import kept off the hot and start-up paths). */
const PACKAGES: Record<string, readonly string[]> = {
  'danfojs-node': ['results'],
};
// ------------------------------------------------------------------------------------------------

const SRC = path.resolve(import.meta.dirname, '..', 'src');

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The module specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]);
  return out;
}

function partOf(abs: string): string {
  const rel = path.relative(SRC, abs).split(path.sep);
  if (rel.length > 1) return rel[0];
  const name = rel[0].replace(/\.ts$/, '');
  return name in LAYERS ? name : 'index';
}

function resolveTs(from: string, spec: string): string {
  return path.resolve(path.dirname(from), spec).replace(/\.js$/, '.ts');
}

const files = listTs(SRC);
const edges = new Map<string, string[]>();
for (const f of files) edges.set(f, importsOf(readFileSync(f, 'utf8')));

describe('layers', () => {
  it('the rules themselves have no cycle and name only known parts', () => {
    const seen = new Set<string>();
    const onPath = new Set<string>();
    const visit = (p: string, trail: string[]): void => {
      expect(LAYERS[p], `rule for ${trail.join(' → ')} names an unknown part ${p}`).toBeDefined();
      expect(onPath.has(p), `the rules have a cycle: ${[...trail, p].join(' → ')}`).toBe(false);
      if (seen.has(p)) return;
      onPath.add(p);
      for (const q of LAYERS[p]) visit(q, [...trail, p]);
      onPath.delete(p);
      seen.add(p);
    };
    for (const p of Object.keys(LAYERS)) visit(p, []);
  });

  it('every top-level folder of src/ has a rule', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    const missing = folders.filter((d) => !(d in LAYERS));
    expect(missing, `add src/${missing.join(', src/')} to LAYERS in test/layers.test.ts (and to docs/architecture.md)`).toEqual([]);
  });

  it('every import of src/ follows the layer rules', () => {
    const broken: string[] = [];
    for (const [f, specs] of edges) {
      const from = partOf(f);
      for (const spec of specs) {
        const where = `src/${path.relative(SRC, f)} imports ${spec}`;
        if (spec.startsWith('.')) {
          const target = resolveTs(f, spec);
          if (!target.startsWith(SRC + path.sep)) {
            broken.push(`${where}: outside src/`);
            continue;
          }
          const to = partOf(target);
          if (to !== from && !LAYERS[from].includes(to)) broken.push(`${where}: ${from} may not import ${to}`);
        } else {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
          const allowed = PACKAGES[pkg];
          if (allowed && !allowed.includes(from)) broken.push(`${where}: only ${allowed.join(', ')} may import ${pkg}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('the file-level import graph of src/ has no cycle', () => {
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 2) return;
      if (state.get(f) === 1) {
        const loop = trail.slice(trail.indexOf(f));
        cycles.push([...loop, f].map((x) => path.relative(SRC, x)).join(' → '));
        return;
      }
      state.set(f, 1);
      for (const spec of edges.get(f) ?? []) {
        if (!spec.startsWith('.')) continue;
        const t = resolveTs(f, spec);
        if (edges.has(t)) visit(t, [...trail, f]);
      }
      state.set(f, 2);
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the import scanner sees every form of import (checked on a sample text)', () => {
    const text = [
      "import { a } from '../kernel/x.js';",
      "import type { B } from '../policy/y.js';",
      "export { c } from './z.js';",
      "export * from '../data/w.js';",
      "import '../side/effect.js';",
      "const m = await import('../report/lazy.js');",
      "import {\n  d,\n  e,\n} from '../search/multi.js';",
      "// import { no } from '../commented/out.js';",
      "/* import { no } from '../block/comment.js'; */",
    ].join('\n');
    expect(importsOf(text).sort()).toEqual(
      ['../data/w.js', '../kernel/x.js', '../policy/y.js', '../report/lazy.js', '../search/multi.js', '../side/effect.js', './z.js'].sort(),
    );
  });
});
