/**
 * Target weights (design §3): positive, summing to one within 1e-9. Normalisation only when
 * the user asks for it, never silently.
 */
import { UserError } from '../errors.js';

const NORMALIZE_HINT = {
  experiment: 'fix them in the experiment file so that they sum to 1, or add `normalizeTargets: true` to it to scale them',
  cli: 'fix them so that they sum to 1, or add --normalize to scale them',
  api: 'fix them so that they sum to 1, or pass `normalize: true` to scale them',
} as const;

export function resolveTargets(
  targets: Record<string, number>,
  assets: readonly string[],
  opts: {
    normalize?: boolean;
    where: string;
    /**
     * How this caller asks for normalisation, for the weights-sum message: the experiment file
     * (`normalizeTargets: true`, the default), the CLI (`--normalize`) or the library (`normalize: true`).
     */
    via?: 'experiment' | 'cli' | 'api';
  },
): Float64Array {
  const names = Object.keys(targets);
  if (names.length === 0) throw new UserError(`${opts.where}: no target weights; give at least one asset, e.g. SPY=0.6,TLT=0.4`);
  for (const a of names) {
    if (!assets.includes(a)) throw new UserError(`${opts.where}: asset "${a}" is not in the data; available: ${assets.join(', ')}`);
    const w = targets[a];
    if (!(Number.isFinite(w) && w > 0))
      throw new UserError(`${opts.where}: weight of ${a} is ${w}; every target weight must be a number > 0 (drop the asset instead of giving it 0)`);
  }
  const sum = names.reduce((s, a) => s + targets[a], 0);
  const out = new Float64Array(assets.length);
  const scale = opts.normalize ? 1 / sum : 1;
  if (!opts.normalize && Math.abs(sum - 1) > 1e-9)
    throw new UserError(`${opts.where}: target weights sum to ${+sum.toPrecision(12)}, not 1; ${NORMALIZE_HINT[opts.via ?? 'experiment']}`);
  assets.forEach((a, i) => {
    const w = targets[a];
    if (w === undefined) throw new UserError(`${opts.where}: asset ${a} is loaded but has no target weight`);
    out[i] = w * scale;
  });
  return out;
}

/** Parse "SPY=0.6,TLT=0.4" (the CLI form). */
export function parseWeights(text: string, where = '--weights'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([^=:\s]+)\s*[=:]\s*(.+)$/.exec(part);
    if (!m) throw new UserError(`${where}: "${part}" is not ASSET=WEIGHT; write e.g. SPY=0.6,TLT=0.4`);
    const w = Number(m[2]);
    if (!Number.isFinite(w)) throw new UserError(`${where}: weight "${m[2]}" of ${m[1]} is not a number`);
    if (Object.hasOwn(out, m[1])) throw new UserError(`${where}: ${m[1]} is listed twice`);
    out[m[1]] = w;
  }
  return out;
}
