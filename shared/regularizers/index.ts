/**
 * The regularizers: one module per penalty (none, l1, l2, elastic-net) and one for dropout, composed into the
 * regularization types by the registry. Everything that asks what a type means asks here: its label, its path
 * (pathOf), its simplicity, its lambda_max rule and default path, its penalty for the SGD trainer, which exact
 * solver fits it, its l1Ratio and its convention for lambda (sklearn.ts). Imports only zod and the leaf
 * shared/vocabulary.ts, so a spec (even in CDK synth) parses without loading a reader or a solver.
 */
export * from './types';
export * from './registry';
export * from './path';
export { dropout } from './dropout';
export { logPath, MLP_DIVISOR, sig4 } from './lambda-path';
export { separablePenalty, separableProx1d, separableValue, softThreshold } from './separable';
export { sklearnEquivalent } from './sklearn';
