/**
 * regsweep as a library: the programmatic API the `regsweep` command is a thin shell over.
 *
 *     import { runLocalSweep, validateSpec, loadSweep } from 'regsweep';
 *     const check = await validateSpec('spec.json');            // counts, grid, dataset, cost
 *     const run = await runLocalSweep({ specFile: 'spec.json', onEvent: (e) => e.type === 'progress' && console.log(e.done) });
 *     if (run.status === 'SUCCEEDED') console.log(run.data.leaderboard.best.label);
 *
 * Plain data in, plain data out; nothing is printed (progress and messages arrive through callbacks). Bad input
 * throws a {@link UserInputError} (its subclasses {@link SpecError}, {@link DatasetError}, {@link UnsafeIdError},
 * {@link UsageError}) whose message names the field, row, file or option; `isUserInputError` tells them apart
 * from failures. Runtime files (the synthesized stack, the function bundles) go to the user cache directory:
 * `REGSWEEP_CACHE_DIR`, else `$XDG_CACHE_HOME/regsweep`, else `~/.cache/regsweep`.
 *
 * @packageDocumentation
 */

// Run a sweep locally (the emulated AWS workflow), with progress as events.
export { MAX_WORKERS, runLocalSweep } from './local';
export type { LocalDataset, LocalSweepEvent, LocalSweepFailure, LocalSweepOptions, LocalSweepResult, LocalSweepSuccess } from './local';

// Train one config.
export { exactSolverFor, trainConfig } from './train';
export type { TrainOptions } from './train';

// Predict with a finished sweep's model.
export { predict } from './predict';
export type { PredictOptions, Predictions } from './predict';

// Estimate a sweep's cost for the deployed settings.
export { deployedConfig, estimateCost } from './cost';
export type { SweepCostEstimate } from './cost';

// Validate a spec file and its local dataset.
export { checkGrid, checkLocalDataset, readSpecFile, resolveLocalDataset, validateSpec } from './validate';
export type { DatasetCheck, GridCheck, SpecCheck, SpecFile, ValidateJson } from './validate';

// Load (or export) a sweep's results from a directory or s3://.
export { exportSweep, loadSweep, parseSweepUri, readSweep, withSweep } from './results';
export type { SweepData } from './results';

// The package itself.
export { DEFAULT_SPEC, PACKAGE_ROOT, packageVersion } from './paths';

// The typed errors every function throws for bad input.
export { DatasetError, isUserInputError, SpecError, UnsafeIdError, UsageError, UserInputError } from '../shared/errors';

// The plain-data shapes the results are made of.
export type { RegConfig, TrialItem } from '../shared/search/grid';
export type { RegType, SweepSpec, Task } from '../shared/search/spec';
export type { Leaderboard, ConfigSummary } from '../shared/study/leaderboard';
export type { SucceededTrial, TrialRecord } from '../shared/study/records';
export type { BestRecord } from '../shared/study/best';
export type { CostEstimate } from '../shared/cost/estimate';
export type { DataSummary } from '../shared/data/summary';
export type { RegsweepConfig } from '../infra/config';
