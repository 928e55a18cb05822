/**
 * The cost estimate `regsweep validate` and `regsweep start` print: the spec's grid on its dataset's folds, for
 * the stack settings in this repository's cdk.json (`context.regsweep`: trial memory, child execution type;
 * settings passed with `cdk deploy -c regsweep=...` are not seen here). Refuses a sweep over its
 * `limits.maxCostUsd` (a SpecError, exit 2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../infra/bundling';
import { CONFIG_CONTEXT_KEY, ConfigError, deploySettings, parseConfig, type RegsweepConfig } from '../infra/config';
import { UsageError } from '../shared/errors';
import { costLines, formatUsd, type CostEstimate } from '../shared/cost/estimate';
import { PRICES } from '../shared/cost/prices';
import { checkSweepBudget, estimateSweep, type DataShape } from '../shared/plan/cost';
import type { TrialItem } from '../shared/search/grid';
import type { SweepSpec } from '../shared/search/spec';

/** The stack configuration a `cdk deploy` from this repository would use (defaults when cdk.json has none). */
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

export interface SweepCost {
  /** The estimate for the configured child execution type. */
  readonly estimate: CostEstimate;
  /** The same sweep with the other child execution type. */
  readonly alternative: CostEstimate;
  readonly lines: string[];
}

/** Estimate the sweep for the deployed settings; refuses it (SpecError) over `limits.maxCostUsd`. */
export function sweepCost(spec: SweepSpec, items: readonly TrialItem[], shape: DataShape, where: string, config = deployedConfig()): SweepCost {
  const deploy = deploySettings(config);
  const estimate = checkSweepBudget(spec, items, shape, deploy, where);
  const other = deploy.childType === 'STANDARD' ? 'EXPRESS' : 'STANDARD';
  const alternative = estimateSweep(spec, items, shape, { ...deploy, childType: other });
  const lines = costLines(estimate);
  const fits = alternative.batchSeconds <= PRICES.stepFunctions.expressMaxSeconds;
  if (other === 'STANDARD' || fits) {
    lines.push(`          with ${other} child executions (cdk.json regsweep.childExecutionType): about ${formatUsd(alternative.usd)}`);
  }
  if (spec.limits.maxCostUsd !== undefined) lines.push(`          limits.maxCostUsd ${formatUsd(spec.limits.maxCostUsd)}: within it`);
  return { estimate, alternative, lines };
}
