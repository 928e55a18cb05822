/**
 * The cost estimate as `regsweep validate` and `regsweep start` print it; the estimate is the API's
 * (api/cost.ts: the deployed settings of cdk.json, a refusal over limits.maxCostUsd).
 */
import { estimateCost, type SweepCostEstimate } from '../api/cost';
import { costLines, formatUsd } from '../shared/cost/estimate';
import { PRICES } from '../shared/cost/prices';
import type { DataShape } from '../shared/plan/cost';
import type { TrialItem } from '../shared/search/grid';
import type { SweepSpec } from '../shared/search/spec';

export interface SweepCost extends SweepCostEstimate {
  readonly lines: string[];
}

/** Estimate the sweep for the deployed settings (refused over `limits.maxCostUsd`), with the lines to print. */
export function sweepCost(spec: SweepSpec, items: readonly TrialItem[], shape: DataShape, where: string): SweepCost {
  const cost = estimateCost(spec, items, shape, where);
  return { ...cost, lines: costSummaryLines(spec, cost) };
}

/** The estimate's lines, the other child execution type's total when it applies, and the spec's cost limit. */
export function costSummaryLines(spec: SweepSpec, { estimate, alternative }: SweepCostEstimate): string[] {
  const lines = costLines(estimate);
  const fits = alternative.batchSeconds <= PRICES.stepFunctions.expressMaxSeconds;
  if (alternative.childType === 'STANDARD' || fits) {
    lines.push(`          with ${alternative.childType} child executions (cdk.json regsweep.childExecutionType): about ${formatUsd(alternative.usd)}`);
  }
  if (spec.limits.maxCostUsd !== undefined) lines.push(`          limits.maxCostUsd ${formatUsd(spec.limits.maxCostUsd)}: within it`);
  return lines;
}
