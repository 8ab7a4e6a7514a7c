/**
 * The vega, vega-lite and vega-embed browser builds, read from node_modules so the report works
 * offline (design §8: never a CDN). Each package ships a minified UMD build in `build/`:
 * vega@6 `build/vega.min.js` (global `vega`), vega-lite@6 `build/vega-lite.min.js` (global
 * `vegaLite`, needs `vega`), vega-embed@7 `build/vega-embed.min.js` (global `vegaEmbed`, needs both).
 * The packages' `exports` maps do not expose those files, so we resolve each package's entry point
 * and walk up to its package.json.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export interface VegaLib {
  name: string;
  version: string;
  file: string;
  code: string;
}

const BUILDS: [string, string][] = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
];

/** The directory of an installed package (the one holding its package.json). */
export function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      const meta = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string };
      if (meta.name === name) return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`report: cannot find the package directory of ${name}`);
    dir = up;
  }
}

/**
 * Make JavaScript safe inside an HTML <script> element: `</script` would end the element and
 * `<!--` could switch the HTML parser into its escaped state. Both only occur inside string or
 * regex literals in these builds, where `<\/` and `<\!` mean the same characters.
 */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

let cached: VegaLib[] | null = null;

/** The three builds in load order, source-map comments removed, escaped for inlining. Cached. */
export function vegaLibs(): VegaLib[] {
  if (cached) return cached;
  cached = BUILDS.map(([name, rel]) => {
    const dir = packageDir(name);
    const file = join(dir, rel);
    if (!existsSync(file)) throw new Error(`report: ${name} has no browser build at ${file}; reinstall ${name}`);
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    const code = escapeScript(readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
    return { name, version, file, code };
  });
  return cached;
}
