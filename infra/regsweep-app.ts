/**
 * Builds the regsweep CDK app in-process: the entry point (app.ts) uses it, and so do the tests and the local
 * harness, which synthesize the same stack the CLI deploys.
 *
 *     const { app, stack } = createRegsweepApp({ context: cdkJsonContext(), bundle: false, nag: false });
 *     const template = synthTemplate(app, stack);   // the CloudFormation template as JSON
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { REPO_ROOT } from './bundling';
import { DEFAULT_STACK_NAME } from './contract';
import { RegsweepStack } from './stack';

const STACK_NAME_RE = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

export interface CreateRegsweepAppOptions {
  /** App context (e.g. cdkJsonContext() plus overrides). @default - what the CDK CLI passes (CDK_CONTEXT_JSON) */
  readonly context?: Record<string, unknown>;
  /** Register cdk-nag's AwsSolutions checks; synth then fails on any unacknowledged finding. @default true */
  readonly nag?: boolean;
  /** Bundle the zip functions with esbuild. false skips bundling (fast; for tests and template reads). @default true */
  readonly bundle?: boolean;
  /** Cloud assembly directory. @default - the CLI's, or a temporary directory */
  readonly outdir?: string;
}

/** The `context` object of the repository's cdk.json (feature flags and the `regsweep` configuration). */
export function cdkJsonContext(file: string = path.join(REPO_ROOT, 'cdk.json')): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return { ...(json.context ?? {}) };
}

export function createRegsweepApp(opts: CreateRegsweepAppOptions = {}): { app: App; stack: RegsweepStack } {
  const context: Record<string, unknown> | undefined = opts.bundle === false ? { ...(opts.context ?? {}), 'aws:cdk:bundling-stacks': [] } : opts.context;
  const app = new App({ ...(context ? { context } : {}), ...(opts.outdir ? { outdir: opts.outdir } : {}) });
  const stackName: unknown = app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
  if (typeof stackName !== 'string' || !STACK_NAME_RE.test(stackName)) {
    throw new Error(`stackName must start with a letter and contain only letters, digits and '-' (max 128), got ${JSON.stringify(stackName)}`);
  }
  // Environment-agnostic: `cdk deploy` targets the account and region of the credentials in use, and the template
  // (and so the nag acknowledgements, which name its ARNs) is the same wherever it is synthesized.
  const stack = new RegsweepStack(app, stackName);
  if (opts.nag ?? true) {
    // Loaded only for a checked synth: cdk-nag is a development dependency, absent from an installed package,
    // whose local harness synthesizes without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AwsSolutionsChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stack };
}

/** Synthesizes the app and returns the stack's CloudFormation template. */
export function synthTemplate(app: App, stack: RegsweepStack): Record<string, unknown> {
  return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
}
