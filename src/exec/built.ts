/** Where a worker thread's built module is (the sweep's, the bootstrap's and the report's workers). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A built worker (piscina cannot load .ts): `src/<rel>` is `dist/<rel>` with a .js extension; when
 * this module itself runs from src/ under the tests, the worker is looked for in dist/.
 */
export function builtWorker(rel: string, what = 'worker'): string {
  const here = fileURLToPath(import.meta.url);
  const srcRoot = path.resolve(path.dirname(here), '..');
  const js = path.join(srcRoot, rel);
  if (here.endsWith('.js') && existsSync(js)) return js;
  const dist = path.resolve(srcRoot, '../dist', rel);
  if (!existsSync(dist)) throw new Error(`built ${what} not found at ${dist}; run \`npm run build\` first`);
  return dist;
}
