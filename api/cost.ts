/**
 * A sweep's cost estimate: the spec's grid on its dataset's folds, for the stack settings in the package's
 * cdk.json (`context.regsweep`: trial memory, child execution type; settings passed with
 * `cdk deploy -c regsweep=...` are not seen here). Refuses a sweep over its `limits.maxCostUsd` (a SpecError).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../infra/bundling';
import { CONFIG_CONTEXT_KEY, ConfigError, deploySettings, parseConfig, type RegsweepConfig } from '../infra/config';
import { UsageError } from '../shared/errors';
import type { CostEstimate } from '../shared/cost/estimate';
import { checkSweepBudget, estimateSweep, type DataShape } from '../shared/plan/cost';
import type { TrialItem } from '../shared/search/grid';
import type { SweepSpec } from '../shared/search/spec';

/**
 * The stack configuration a `cdk deploy` from this package would use (defaults when cdk.json has none).
 * @param file - the cdk.json to read. @default the package's cdk.json
 * @throws UsageError when the file cannot be read or its `regsweep` settings are invalid (naming the key)
 */
export function deployedConfig(file: string = path.join(REPO_ROOT, 'cdk.json')): RegsweepConfig {
  let context: Record<string, unknown> | undefined;
  try {
    context = (JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig(undefined);
    throw new UsageError(`${file}: cannot read the stack settings for the cost estimate (${(e as Error).message})`);
  }
  try {
    return parseConfig(context?.[CONFIG_CONTEXT_KEY]);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** A sweep's estimate for the deployed settings, and for the other child execution type. */
export interface SweepCostEstimate {
  /** The estimate for the configured child execution type. */
  readonly estimate: CostEstimate;
  /** The same sweep with the other child execution type. */
  readonly alternative: CostEstimate;
}

/**
 * Estimate a sweep (its trial items on a dataset of `shape`) for the deployed settings.
 * @param where - what a refusal names (the spec file)
 * @throws SpecError when the estimate is over the spec's `limits.maxCostUsd`
 */
export function estimateCost(spec: SweepSpec, items: readonly TrialItem[], shape: DataShape, where: string, config = deployedConfig()): SweepCostEstimate {
  const deploy = deploySettings(config);
  const estimate = checkSweepBudget(spec, items, shape, deploy, where);
  const other = deploy.childType === 'STANDARD' ? 'EXPRESS' : 'STANDARD';
  const alternative = estimateSweep(spec, items, shape, { ...deploy, childType: other });
  return { estimate, alternative };
}
