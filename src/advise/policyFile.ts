/**
 * The policy file (docs/advise.md): one chosen configuration as a small versioned JSON — the
 * parameter block a bot or a smart contract would hard-code. `policy export` writes it,
 * `advise --policy file.json` reads it. Pure: no file system here.
 *
 *   { "format": "rebalance-lab-policy", "version": 1,
 *     "assets": ["SPY","TLT"], "targets": {"SPY":0.6,"TLT":0.4},
 *     "band": {"type":"relative","width":0.25,"halfWidths":{"SPY":0.15,"TLT":0.1}},
 *     "check": "monthly", "cooldown": 0, "mode": {"type":"edge"},
 *     "costs": {"feeBps":8,"halfSpreadBps":2,"fixedFee":0,"minTrade":0},
 *     "source": {...} }
 *
 * `halfWidths` is informative (b_i of the static bands, null for the others); the policy is
 * defined by type/width/relWidth/lookback, and a file whose halfWidths disagree is refused.
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { BANDS, staticHalfWidths } from '../policy/bands.js';
import { BAND_TYPES, MODES, NAMED_SCHEDULES, type Config } from '../policy/types.js';

export const POLICY_FORMAT = 'rebalance-lab-policy';
export const POLICY_VERSION = 1;

const Check = z.union([z.enum(NAMED_SCHEDULES), z.number().int().positive()]);

const PolicyFileSchema = z.strictObject({
  format: z.literal(POLICY_FORMAT),
  version: z.literal(POLICY_VERSION),
  assets: z.array(z.string().min(1)).min(1),
  targets: z.record(z.string(), z.number().positive()),
  band: z.strictObject({
    type: z.enum(BAND_TYPES),
    width: z.number(),
    relWidth: z.number().positive().optional(),
    lookback: z.number().int().min(2).optional(),
    halfWidths: z.record(z.string(), z.number()).nullable().optional(),
  }),
  check: Check,
  cooldown: z.number().int().nonnegative().default(0),
  mode: z.strictObject({
    type: z.enum(MODES),
    depth: z.number().gt(0).lt(1).optional(),
    fraction: z.number().gt(0).max(1).optional(),
  }),
  costs: z.strictObject({
    feeBps: z.number().nonnegative(),
    halfSpreadBps: z.number().nonnegative(),
    fixedFee: z.number().nonnegative(),
    minTrade: z.number().nonnegative(),
  }),
  /** Where the policy came from (run folder, id, rank, data); informative. */
  source: z.record(z.string(), z.unknown()).optional(),
});
export type PolicyFile = z.output<typeof PolicyFileSchema>;

/** A policy ready to apply: the configuration, its assets in order and their targets. */
export interface ResolvedPolicy {
  config: Config;
  assets: string[];
  /** Target weights in `assets` order. */
  targets: Float64Array;
  /** Where it came from, for the printout. */
  origin: string;
}

export function policyToFile(p: ResolvedPolicy, source?: Record<string, unknown>): PolicyFile {
  const c = p.config;
  const b = new Float64Array(p.assets.length);
  const hasStatic = staticHalfWidths(c, p.targets, b);
  const band: PolicyFile['band'] = { type: c.band, width: c.width };
  if (BANDS[c.band].usesRelWidth) band.relWidth = c.relWidth;
  if (BANDS[c.band].usesLookback) band.lookback = c.lookback;
  band.halfWidths = hasStatic ? Object.fromEntries(p.assets.map((a, i) => [a, b[i]])) : null;
  const mode: PolicyFile['mode'] = { type: c.mode };
  if (c.mode === 'inner') mode.depth = c.depth;
  if (c.mode === 'partial') mode.fraction = c.fraction;
  const out: PolicyFile = {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    assets: [...p.assets],
    targets: Object.fromEntries(p.assets.map((a, i) => [a, p.targets[i]])),
    band,
    check: c.check,
    cooldown: c.cooldown ?? 0,
    mode,
    costs: { feeBps: c.feeBps, halfSpreadBps: c.halfSpreadBps, fixedFee: c.fixedFee, minTrade: c.minTrade },
  };
  if (source) out.source = source;
  return out;
}

/** Parse and check a policy file's text; every mistake names the file and the field. */
export function parsePolicyFile(text: string, file: string): ResolvedPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON (${e instanceof Error ? e.message : String(e)}); give a file written by \`rebalance-lab policy export\``);
  }
  if (raw === null || typeof raw !== 'object' || (raw as { format?: unknown }).format !== POLICY_FORMAT)
    throw new UserError(
      `${file}: not a rebalance-lab policy file (expected "format": "${POLICY_FORMAT}"); write one with \`rebalance-lab policy export <run>#rank\``,
    );
  const v = (raw as { version?: unknown }).version;
  if (v !== POLICY_VERSION)
    throw new UserError(
      `${file}: policy file version ${JSON.stringify(v)} is not supported (this rebalance-lab reads version ${POLICY_VERSION}); export the policy again with this version`,
    );
  const r = PolicyFileSchema.safeParse(raw);
  if (!r.success) {
    const iss = r.error.issues[0];
    throw new UserError(`${file}: ${iss.path.join('.') || '(top level)'}: ${iss.message}`);
  }
  const f = r.data;
  const where = (field: string): string => `${file}: ${field}`;
  const spec = BANDS[f.band.type];
  if ((spec.scope === 'asset' || spec.scope === 'portfolio') && !spec.widthOk(f.band.width))
    throw new UserError(`${where('band.width')}: ${f.band.width} is outside ${spec.widthDomain} (${spec.widthMeaning})`);
  if (spec.usesRelWidth && f.band.relWidth === undefined) throw new UserError(`${where('band.relWidth')}: a hybrid band needs relWidth`);
  if (spec.usesLookback && f.band.lookback === undefined) throw new UserError(`${where('band.lookback')}: a ${f.band.type} band needs a lookback`);
  if (f.mode.type === 'inner' && f.mode.depth === undefined) throw new UserError(`${where('mode.depth')}: mode inner needs a depth in (0, 1)`);
  if (f.mode.type === 'partial' && f.mode.fraction === undefined) throw new UserError(`${where('mode.fraction')}: mode partial needs a fraction in (0, 1]`);
  const names = Object.keys(f.targets);
  for (const a of f.assets) if (!Object.hasOwn(f.targets, a)) throw new UserError(`${where('targets')}: asset ${a} has no target weight`);
  for (const a of names) if (!f.assets.includes(a)) throw new UserError(`${where('targets')}: ${a} is not listed in assets`);
  const targets = Float64Array.from(f.assets, (a) => f.targets[a]);
  const sum = targets.reduce((s, x) => s + x, 0);
  if (Math.abs(sum - 1) > 1e-9) throw new UserError(`${where('targets')}: weights sum to ${+sum.toPrecision(12)}, not 1`);
  const config: Config = {
    band: f.band.type,
    width: f.band.width,
    check: f.check,
    cooldown: f.cooldown,
    mode: f.mode.type,
    ...f.costs,
  };
  if (spec.usesRelWidth) config.relWidth = f.band.relWidth;
  if (spec.usesLookback) config.lookback = f.band.lookback;
  if (f.mode.type === 'inner') config.depth = f.mode.depth;
  if (f.mode.type === 'partial') config.fraction = f.mode.fraction;
  if (f.band.halfWidths) {
    const b = new Float64Array(f.assets.length);
    if (staticHalfWidths(config, targets, b))
      f.assets.forEach((a, i) => {
        const given = f.band.halfWidths?.[a];
        if (given !== undefined && Math.abs(given - b[i]) > 1e-12)
          throw new UserError(
            `${where(`band.halfWidths.${a}`)}: ${given} disagrees with the band (${f.band.type} ${f.band.width} gives ${b[i]}); fix one or drop halfWidths`,
          );
      });
  }
  return { config, assets: [...f.assets], targets, origin: file };
}
