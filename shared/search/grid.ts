/**
 * The search: expand a spec into the grid of regularization configs times folds. Pure and deterministic. The
 * unregularized config `none` always runs (added when the spec omits it): every config is compared with it fold
 * by fold.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { BASELINE, labelOf, makeConfig, RegConfigSchema, regularizerOf, type RegConfig } from '../regularizers';
import type { ResolvedGrid } from './default-grid';
import type { SweepSpec } from './spec';

/** One point of the regularization grid: its schema and type are the regularizers' (shared/regularizers/registry.ts). */
export { RegConfigSchema, type RegConfig };

/**
 * One trial: one config on one fold, an item of manifest.json, which the Distributed Map hands to the trial
 * function in a batch whose BatchInput carries the sweepId (manifests of older sweeps also held it in every
 * item: it is ignored).
 */
export const TrialItemSchema = z.object({
  trialId: z.string(),
  configId: z.string(),
  fold: z.number().int().min(0),
  seed: z.number().int(),
  reg: RegConfigSchema,
});
export type TrialItem = Readonly<Omit<z.output<typeof TrialItemSchema>, 'reg'> & { reg: RegConfig }>;

/** Canonical text of a config, the input of its hash and a readable label. */
export function configKey(c: RegConfig): string {
  return `${c.type}|lambda=${c.lambda}|dropout=${c.dropoutRate}|l1Ratio=${c.l1Ratio}`;
}

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Stable id of a config: a slug such as `l2-3f9a0c1b2d`. */
export function configId(c: RegConfig): string {
  return `${c.type.replace('+', '-')}-${hash(configKey(c), 10)}`;
}

/** Stable id of a trial: hash of (config, fold, seed), so a rerun finds the same record. */
export function trialId(c: RegConfig, fold: number, seed: number): string {
  return `t-${hash(`${configKey(c)}|fold=${fold}|seed=${seed}`, 16)}`;
}

/** Short human label: `l2+dropout λ=0.1 p=0.3`. */
export const configLabel = (c: RegConfig): string => labelOf(c);

/** Whether the grid adds `none`: the baseline every config is compared with runs even when the spec omits it. */
export const addsNone = (spec: SweepSpec) => !spec.search.types.includes(BASELINE);

/**
 * The distinct regularization configs of a spec on its resolved grid (default-grid.ts), in spec order (`none`
 * first when the spec omits it); a penalized type runs each of its paths (one per l1Ratio) in the path's order.
 */
export function expandConfigs(spec: SweepSpec, grid: ResolvedGrid): RegConfig[] {
  const rates = grid.dropout?.rates ?? [];
  const out: RegConfig[] = [];
  for (const type of addsNone(spec) ? [BASELINE, ...spec.search.types] : spec.search.types) {
    const r = regularizerOf(type);
    const paths = r.penalty.penalized ? grid.paths.filter((p) => p.type === type) : [{ l1Ratio: 0, lambdas: [0] }];
    for (const { l1Ratio, lambdas } of paths) {
      for (const lambda of lambdas) {
        for (const dropoutRate of r.dropout ? rates : [0]) {
          out.push(makeConfig(type, { lambda, dropoutRate, l1Ratio }));
        }
      }
    }
  }
  return out;
}

/** The number of folds a spec runs each config on. */
export const foldCount = (spec: SweepSpec) => spec.validation.folds;

/** The seed of a trial: the spec's seed offset by the fold, the same for every config (a paired comparison). */
export const trialSeed = (spec: SweepSpec, fold: number) => spec.validation.seed + fold;

/** Every config of `configs` on every fold of the spec, with stable ids (the trials of a grid, or of a rung). */
export function trialItems(spec: SweepSpec, configs: readonly RegConfig[]): TrialItem[] {
  const folds = foldCount(spec);
  const items: TrialItem[] = [];
  for (const reg of configs) {
    const cid = configId(reg);
    for (let fold = 0; fold < folds; fold++) {
      const seed = trialSeed(spec, fold);
      items.push({ trialId: trialId(reg, fold, seed), configId: cid, fold, seed, reg });
    }
  }
  return items;
}
