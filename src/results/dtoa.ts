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
import { compileWasm, findWasm, WA, type WasmMemory, type WasmModule } from '../wasm.js';

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
/** Numbers a new formatter must write as String(x) does: each notation, rounding, the extremes. */
const SELF_CHECK = [0, 1, -1.5, 0.1, 1 / 3, 123456789.125, 1e21, 1e-7, 1.5e-7, 9.999999999999999e20, 5e-324, 1.7976931348623157e308, -2.5e-310];
let cached: WasmModule | null | undefined;
const DTOA_FALLBACK = 'String(x) writes the numbers instead (same bytes, slower)';

/** The compiled dist/results/dtoa.wasm, or null when it is not there (run `npm run build`). */
function dtoaModule(): WasmModule | null {
  if (cached === undefined) cached = findWasm(import.meta.url, 'results/dtoa.wasm', DTOA_FALLBACK);
  return cached;
}

/**
 * Compile a formatter wasm file, or null with a warning when it cannot be read or compiled (a
 * truncated file from an interrupted build, …): `String(x)` then writes the numbers (same bytes).
 */
export function compileDtoa(file: string): WasmModule | null {
  return compileWasm(file, DTOA_FALLBACK);
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
      const f: NumberFormatter = { buf: Buffer.from(memory.buffer), start, put: ex.fmt as (x: number, pos: number) => number, wasm: true };
      // a module from another build (a stale dist/) must not write other bytes: a few numbers that
      // cover each layout are checked against String(x) once
      const bad = SELF_CHECK.find((x) => f.buf.toString('latin1', start, f.put(x, start)) !== String(x));
      if (bad === undefined) return f;
      process.emitWarning(`the number formatter (dtoa.wasm) writes ${bad} unlike String(x) (a stale build?); String(x) writes the numbers instead`);
    } catch (e) {
      process.emitWarning(
        `the number formatter (dtoa.wasm) did not start: ${e instanceof Error ? e.message : String(e)}; String(x) writes the numbers instead`,
      );
    }
  }
  const buf = Buffer.allocUnsafe(bytes + NUMBER_ROOM);
  return { buf, start: 0, put: (x, pos) => pos + buf.write(String(x), pos, 'latin1'), wasm: false };
}
