/**
 * Shared by the report spec tests: compile a Vega-Lite spec with a recording logger, run it in a
 * headless vega View, and check every mark carries a tooltip.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { expect } from 'vitest';

export class RecordingLogger implements vega.LoggerInterface {
  warnings: unknown[][] = [];
  errors: unknown[][] = [];
  private lvl = vega.Warn;
  level(): number;
  level(l: number): this;
  level(l?: number): number | this {
    if (l === undefined) return this.lvl;
    this.lvl = l;
    return this;
  }
  error = (...args: unknown[]): this => {
    this.errors.push(args);
    return this;
  };
  warn = (...args: unknown[]): this => {
    this.warnings.push(args);
    return this;
  };
  info = (): this => this;
  debug = (): this => this;
}

/**
 * Compile a chart (compile-time warnings land in `logger`) and run it in a headless vega View,
 * expecting no runtime warnings or errors; returns the view, the Vega spec and the SVG.
 */
export async function runChart(spec: TopLevelSpec): Promise<{ view: vega.View; vg: vega.Spec; logger: RecordingLogger; svg: string }> {
  const logger = new RecordingLogger();
  const vg = compile(spec, { logger }).spec;
  const runtime = new RecordingLogger();
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logger: runtime, logLevel: vega.Warn });
  await view.runAsync();
  const svg = await view.toSVG();
  // Node has no window, so the zoom bindings' window event sources cannot resolve here (they do in a browser)
  const runtimeProblems = [...runtime.warnings, ...runtime.errors].filter((w) => !/event source: window/i.test(String(w)));
  expect(runtimeProblems).toEqual([]);
  return { view, vg, logger, svg };
}

/** Expect a tooltip on every mark of a spec (on the mark or in its encoding); returns the number of marks. */
export function everyMarkHasTooltip(spec: unknown, id: string): number {
  let marks = 0;
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => walk(n, `${path}[${i}]`));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if ('mark' in o) {
      marks++;
      const mark = o.mark as { tooltip?: unknown };
      const enc = (o.encoding ?? {}) as { tooltip?: unknown };
      expect(mark.tooltip ?? enc.tooltip, `${path} tooltip`).toBeTruthy();
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'datasets' && k !== 'data') walk(v, `${path}.${k}`);
  };
  walk(spec, id);
  return marks;
}
