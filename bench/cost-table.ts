/**
 * The 10,000-trial estimates of docs/DEPLOY.md, from the estimator itself: bench/specs/{linear,mlp}-10k.json on
 * diabetes, for the settings in cdk.json, at several batch sizes and both child execution types.
 * Usage: npx tsx bench/cost-table.ts    (prints a markdown table; no benchmark: it times nothing)
 */
import * as path from 'node:path';
import { deployedConfig } from '../api/cost';
import { checkGrid, checkLocalDataset, readSpecFile, resolveLocalDataset } from '../api/validate';
import { deploySettings } from '../infra/config';
import { formatUsd } from '../shared/cost/estimate';
import { estimateSweep, shapeOf } from '../shared/plan/cost';

async function main() {
  const deploy = deploySettings(deployedConfig());
  const rows = [
    '| spec | trials per invocation | child type | batches | batch (s) | Lambda GB-s | transitions | Lambda | Step Functions | S3 | total |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of ['linear-10k', 'mlp-10k']) {
    const file = path.join(__dirname, 'specs', `${name}.json`);
    const { spec } = readSpecFile(file);
    const { dataset, plan, grid } = await checkLocalDataset(spec, resolveLocalDataset(spec.dataset.source, file)!);
    const { items } = checkGrid(spec, grid);
    for (const batchSize of [1, 10, 100]) {
      for (const childType of ['STANDARD', 'EXPRESS'] as const) {
        const e = estimateSweep(spec, items, shapeOf(plan, dataset), { ...deploy, batchSize, childType });
        rows.push(
          `| ${name} | ${batchSize} | ${childType} | ${e.batches} | ${e.batchSeconds.toFixed(2)} | ${e.lambda.gbSeconds.toFixed(0)} | ` +
            `${e.stepFunctions.transitions} | ${formatUsd(e.lambda.usd)} | ${formatUsd(e.stepFunctions.usd)} | ${formatUsd(e.s3.usd)} | **${formatUsd(e.usd)}** |`,
        );
      }
    }
  }
  process.stdout.write(`${rows.join('\n')}\n\n(${deploy.trialMemoryMb} MB ${deploy.architecture} trials; ${new Date().toISOString().slice(0, 10)})\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
