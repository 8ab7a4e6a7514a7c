/**
 * What a run tells its caller while it works (the library's onProgress, the CLI's Ctrl-C
 * handling): the phase it is in, and the sweep's progress. Phases in order: load, plan, sweep,
 * write (baselines and results.csv), validation, robustness, report, done.
 */
import type { Plan } from './plan.js';

export type Phase = 'load' | 'plan' | 'sweep' | 'write' | 'validation' | 'robustness' | 'report' | 'done';

export type RunEvent =
  | { phase: 'load' }
  | { phase: 'plan'; plan: Plan; warnings: string[]; dir: string }
  | { phase: 'sweep'; done: number; total: number }
  | { phase: 'write' | 'validation' | 'robustness' | 'report' }
  | { phase: 'done'; dir: string };

/** Seconds spent in each phase (the manifest's `timings`); phases a run skipped are absent. */
export type PhaseSeconds = Partial<Record<Exclude<Phase, 'done'>, number>> & { total: number };
