/**
 * What the report tests share: the tiny sweep they read (test/unit/cli/report.test.ts on MemoryBlobs,
 * test/integration/report.test.ts on the local S3 server), an 8-unit MLP on diabetes.csv with none, l1 and l2
 * at 3 lambdas and dropout at 2 rates run through the real steps (test/support/steps.ts runSweep: every trial of
 * an MLP sweep is a batch of one); the charts' ids, the parts of their specs the assertions read, and the JSON a
 * page embeds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BucketBlobs } from '../../shared/store/blobs';
import { runSweep } from './steps';
import { DATA_DIR } from './tf';

/** Runs the sweep in `blobs` (its bucket named in the spec's dataset source); returns its trialIds in manifest order. */
export async function runReportSweep(blobs: BucketBlobs, sweepId: string, opts: { folds: number; epochs: number }): Promise<string[]> {
  await blobs.putBytes('datasets/diabetes.csv', fs.readFileSync(path.join(DATA_DIR, 'diabetes.csv')), 'text/csv');
  const { items } = await runSweep(blobs, {
    sweepId,
    dataset: { source: `s3://${blobs.bucket}/datasets/diabetes.csv`, target: 'progression', task: 'regression' },
    model: { hidden: [8] },
    training: { epochs: opts.epochs, batchSize: 32, learningRate: 0.05, patience: 5 },
    validation: { folds: opts.folds, testFraction: 0.2, seed: 7 },
    search: { types: ['none', 'l1', 'l2', 'dropout'], lambda: [1, 30, 1000], dropout: [0.1, 0.4] },
  });
  return items.map((i) => i.trialId);
}

export const CHART_IDS = ['lossVsStrength', 'gap', 'curves', 'sparsity'] as const;

/** The parts of the embedded chart specs the assertions read. */
export interface ChartSpecs {
  lossVsStrength: {
    hconcat: { layer: { data?: { name: string }; mark: { type: string }; encoding?: { x?: { scale?: { type?: string } } } }[] }[];
    datasets: {
      lambda: PathRow[];
      dropout: PathRow[];
      none: { label: string }[];
      band: { label: string; lowest: number; se: number; bound: number }[];
    };
  };
  gap: { data: { values: unknown[] } };
  curves: { datasets: { curves: unknown[] } };
  sparsity: { data: { values: { lambda: number }[] } };
}

/** A row the path chart plots. */
export interface PathRow {
  configId: string;
  mean: number;
  se: number;
  lo: number;
  hi: number;
  onBestPath: boolean;
}

/** The JSON in `<script type="application/json" id="...">`. */
export function scriptJson(page: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(page);
  if (!m) throw new Error(`no script#${id} in the page`);
  return JSON.parse(m[1]);
}
