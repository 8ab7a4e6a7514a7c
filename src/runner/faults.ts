/**
 * Test-only fault injection (design §9, like piscina's fixtures): the env variable
 * REBALANCE_LAB_FAULTS="throw:3,17;exit:40;oom:55" makes the worker throw on configuration 3
 * and 17, exit the worker thread on 40, and exhaust memory on 55; "slow:60,64" makes it pause
 * 100 ms on those configurations (a sweep that is surely still running when a test kills it).
 * Off unless set.
 */
export type FaultKind = 'throw' | 'exit' | 'oom' | 'slow';

export function parseFaults(spec: string | undefined): Map<number, FaultKind> {
  const m = new Map<number, FaultKind>();
  if (!spec) return m;
  for (const part of spec.split(';')) {
    const [kind, ids] = part.split(':');
    if (kind !== 'throw' && kind !== 'exit' && kind !== 'oom' && kind !== 'slow') continue;
    for (const id of (ids ?? '').split(',')) if (id.trim() !== '') m.set(Number(id), kind);
  }
  return m;
}
