import type { Selection } from './types.js';

/** The ids a selection names (pick, simplest, indistinguishable set, best per band and mode, in-sample best), as results.csv writes them. */
export function selectionIds(sel: Selection | undefined): string[] {
  if (!sel) return [];
  const ids = [
    sel.pick,
    sel.simplest,
    ...(sel.indistinguishable ?? []).slice(0, 50),
    ...Object.values(sel.bestPerBand ?? {}),
    ...Object.values(sel.bestPerMode ?? {}),
    sel.inSampleBest?.id,
  ];
  return ids.filter((x): x is number => typeof x === 'number').map(String);
}
