/**
 * Numbers written into bytes exactly as `String(x)` writes them, without making a string.
 *
 * Why: results.csv of a million configurations holds ~18 million numbers, and `String(x)` per
 * number (plus the garbage of the strings and joined lines) was most of the run's "write" phase.
 * dist/results/dtoa.wasm (assembly/dtoa.ts, built by `npm run build`) writes the shortest
 * round-trip digits (Schubfach) in Number::toString's layout straight into its memory, where
 * the caller keeps its output buffer. Without the wasm file (or with a broken one) the same
 * bytes come from `String(x)` into a plain Buffer: slower, never different
 * (test/results/dtoa.test.ts checks the wasm against `String(x)` byte for byte).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The WebAssembly API of Node 20, typed here: this project's lib (ES2022) and @types/node 20 do
// not declare it (as in kernel/simd.ts).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule; Instance: new (m: WasmModule, imports: object) => WasmInstance };
  }
).WebAssembly;

/** Bytes a caller must leave free at the position it passes to `put` (a number takes ≤ 25). */
export const NUMBER_ROOM = 64;

export interface NumberFormatter {
  /** The bytes written into: `bytes` of them from `start` are the caller's. */
  readonly buf: Buffer;
  readonly start: number;
  /** Write `String(x)` of a finite `x` at `pos` (with NUMBER_ROOM bytes free there); returns the end. */
  readonly put: (x: number, pos: number) => number;
  /** True when the wasm formatter writes, false for the `String(x)` fallback. */
  readonly wasm: boolean;
}

const PAGE = 65536;
let cached: WasmModule | null | undefined;

/** The compiled dist/results/dtoa.wasm, or null when it is not there (run `npm run build`). */
function dtoaModule(): WasmModule | null {
  if (cached !== undefined) return cached;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'dtoa.wasm')];
  for (let d = here, k = 0; k < 5; k++, d = path.dirname(d)) candidates.push(path.join(d, 'dist/results/dtoa.wasm'));
  const file = candidates.find((f) => existsSync(f));
  cached = file ? compileDtoa(file) : null;
  return cached;
}

/**
 * Compile a formatter wasm file, or null with a warning when it cannot be read or compiled (a
 * truncated file from an interrupted build, …): `String(x)` then writes the numbers (same bytes).
 */
export function compileDtoa(file: string): WasmModule | null {
  try {
    return new WA.Module(readFileSync(file));
  } catch (e) {
    process.emitWarning(`${file}: ${e instanceof Error ? e.message : String(e)}; String(x) writes the numbers instead (same bytes, slower); run npm run build`);
    return null;
  }
}

/**
 * A formatter with `bytes` bytes of room for the caller's output: in a fresh instance of the
 * wasm module (`module`, by default dist/results/dtoa.wasm) when there is one, else in a plain
 * Buffer written by `String(x)`. Pass `module: null` for the fallback.
 */
export function numberFormatter(bytes: number, module: WasmModule | null = dtoaModule()): NumberFormatter {
  if (module) {
    try {
      const { exports: ex } = new WA.Instance(module, {});
      const memory = ex.memory as WasmMemory;
      const start = (ex.heapBase as () => number)();
      const need = Math.ceil((start + bytes + NUMBER_ROOM) / PAGE) - memory.buffer.byteLength / PAGE;
      if (need > 0) memory.grow(need);
      // the memory never grows again, so this view stays valid
      return { buf: Buffer.from(memory.buffer), start, put: ex.fmt as (x: number, pos: number) => number, wasm: true };
    } catch (e) {
      process.emitWarning(
        `the number formatter (dtoa.wasm) did not start: ${e instanceof Error ? e.message : String(e)}; String(x) writes the numbers instead`,
      );
    }
  }
  const buf = Buffer.allocUnsafe(bytes + NUMBER_ROOM);
  return { buf, start: 0, put: (x, pos) => pos + buf.write(String(x), pos, 'latin1'), wasm: false };
}
