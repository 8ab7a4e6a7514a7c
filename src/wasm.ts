/**
 * The project's WebAssembly modules (dist/kernel/simd.wasm, dist/results/dtoa.wasm, built by
 * `npm run build` from assembly/): the Node 20 WebAssembly API, typed here (this project's lib,
 * ES2022, and @types/node 20 do not declare it), and how a module is found and compiled. A module
 * that is missing or broken (a truncated file from an interrupted build, …) is null, with a
 * warning where it exists but does not compile: each caller then falls back to its JS path,
 * which gives the same results, only slower.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export const WA = (
  globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule; Instance: new (m: WasmModule, imports: object) => WasmInstance };
  }
).WebAssembly;

/**
 * The compiled module `dist/<rel>` (e.g. `kernel/simd.wasm`): next to the calling module
 * (`from` = its import.meta.url, in dist/) or in a dist/ folder up to five levels above it (the
 * sources run by tsx and vitest), or null when there is none.
 */
export function findWasm(from: string, rel: string, fallback: string): WasmModule | null {
  const here = path.dirname(fileURLToPath(from));
  const candidates = [path.join(here, path.basename(rel))];
  for (let d = here, k = 0; k < 5; k++, d = path.dirname(d)) candidates.push(path.join(d, 'dist', rel));
  const file = candidates.find((f) => existsSync(f));
  return file ? compileWasm(file, fallback) : null;
}

/** Compile a wasm file, or null with a warning naming the file and what runs instead (`fallback`). */
export function compileWasm(file: string, fallback: string): WasmModule | null {
  try {
    return new WA.Module(readFileSync(file));
  } catch (e) {
    process.emitWarning(`${file}: ${e instanceof Error ? e.message : String(e)}; ${fallback}; run npm run build`);
    return null;
  }
}
