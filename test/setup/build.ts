/**
 * vitest globalSetup of the e2e project: build dist/ once before any test runs, so the CLI
 * spawns and the worker pools (piscina loads dist/…/worker.js) never run a stale build.
 */
import { execSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  // npm run build: the wasm kernel (build:wasm) and tsc
  execSync('npm run build', { cwd: path.resolve(import.meta.dirname, '../..'), stdio: 'inherit' });
}
