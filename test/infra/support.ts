/**
 * Test support for the CDK assertions: synthesize the stack once per file (bundling skipped: the templates are the
 * same, only the zip assets are placeholders), collect the cdk-nag report, and turn the state machine's
 * DefinitionString into plain ASL with placeholder values for the CloudFormation tokens.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkJsonContext, createRegsweepApp } from '../../infra/regsweep-app';
import type { RegsweepStack } from '../../infra/stack';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A resource of a synthesized template (the assertions only look at resources that have Properties). */
export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  [k: string]: unknown;
}
export type Resources = Record<string, CfnResource>;

/** `{ 'Fn::GetAtt': [logicalId, attribute] }` */
export interface GetAtt {
  'Fn::GetAtt': [string, string];
}

/** A statement of an IAM policy document. */
export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  [k: string]: unknown;
}

/** The template's resources, typed. */
export function resourcesOf(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** The logical id of the role a resource names with Fn::GetAtt in `property` (e.g. Role, RoleArn). */
export function roleIdOf(template: Template, resourceId: string, property: string): string {
  return (resourcesOf(template)[resourceId].Properties[property] as GetAtt)['Fn::GetAtt'][0];
}

/** The resources of `type` whose properties contain `props`, by logical id. */
export function findResources(template: Template, type: string, props?: Record<string, unknown>): Resources {
  return template.findResources(type, props && { Properties: props }) as Resources;
}

export interface NagViolation {
  readonly rule: string;
  readonly severity: string;
  readonly paths: string[];
}

export interface Synthesized {
  readonly stack: RegsweepStack;
  readonly template: Template;
  /** The cdk-nag violations that were not acknowledged (empty when the checks pass). */
  readonly nagViolations: NagViolation[];
  /** The message of the validation error synth threw, if it threw one. */
  readonly nagError?: string;
  /** The cloud assembly directory. */
  readonly outdir: string;
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by removeTempDirs. */
export function tempDir(prefix = 'regsweep-infra-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the directories tempDir created (call it in afterAll). */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

function readReport(dir: string): NagViolation[] {
  const file = path.join(dir, 'validation-report.json');
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports
    .filter((p) => p.pluginName === 'AwsSolutions')
    .flatMap((p) => p.violations)
    .map((v) => ({ rule: v.ruleName, severity: v.severity, paths: v.violatingConstructs.map((c) => c.constructPath) }));
}

/**
 * Synthesizes the stack with cdk.json's context, the `regsweep` settings replaced by `regsweep` (when given),
 * and cdk-nag's AwsSolutions checks registered as `cdk synth` has them.
 */
export function synthesize(regsweep?: Record<string, unknown>, extraContext: Record<string, unknown> = {}): Synthesized {
  const context = { ...cdkJsonContext(), ...extraContext, ...(regsweep ? { regsweep } : {}) };
  const outdir = tempDir();
  const { app, stack } = createRegsweepApp({ context, bundle: false, nag: true, outdir });
  try {
    app.synth();
    return { stack, template: Template.fromStack(stack), nagViolations: readReport(outdir), outdir };
  } catch (e) {
    // Validation failed: keep the report, and synthesize the same app without the checks for the other assertions.
    const nagError = (e as Error).message;
    const nagViolations = readReport(outdir);
    const againDir = tempDir();
    const again = createRegsweepApp({ context, bundle: false, nag: false, outdir: againDir });
    return { stack: again.stack, template: Template.fromStack(again.stack), nagViolations, nagError, outdir: againDir };
  }
}

/** The logical id of the single resource of `type` whose properties contain `props` (fails otherwise). */
export function onlyResourceId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const found = template.findResources(type, { Properties: props });
  const ids = Object.keys(found);
  if (ids.length !== 1) throw new Error(`expected one ${type} matching ${JSON.stringify(props)}, found ${ids.length}`);
  return ids[0];
}

/** A placeholder for a token, shaped like the real value (ARNs stay ARNs, bucket names stay bucket names). */
function placeholder(resources: Resources, node: Record<string, Json>): string {
  if ('Ref' in node) {
    const ref = node.Ref as string;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return 'us-east-1';
    if (ref === 'AWS::AccountId') return '123456789012';
    const type = resources[ref]?.Type;
    if (type === 'AWS::S3::Bucket') return `bucket-${ref.toLowerCase()}`;
    if (type === 'AWS::StepFunctions::StateMachine') return `arn:aws:states:us-east-1:123456789012:stateMachine:${ref}`;
    return `ref-${ref}`;
  }
  if ('Fn::GetAtt' in node) {
    const [id, attr] = node['Fn::GetAtt'] as [string, string];
    const type = resources[id]?.Type;
    if (type === 'AWS::Lambda::Function' && attr === 'Arn') return `arn:aws:lambda:us-east-1:123456789012:function:${id}`;
    if (type === 'AWS::S3::Bucket' && attr === 'Arn') return `arn:aws:s3:::bucket-${id.toLowerCase()}`;
    return `getatt-${id}-${attr}`;
  }
  throw new Error(`no placeholder for token ${JSON.stringify(node)}`);
}

/** Resolves Fn::Join (and Ref / Fn::GetAtt inside it) to a string with placeholder values. */
export function resolveTokens(value: Json, resources: Resources): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((p) => resolveTokens(p, resources)).join(sep);
    }
    return placeholder(resources, value);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

export interface RetryRule {
  ErrorEquals: string[];
  [k: string]: unknown;
}

export interface AslState {
  Type: string;
  Retry?: RetryRule[];
  ItemProcessor?: Asl;
  CausePath?: string;
  [k: string]: unknown;
}

export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
  [k: string]: unknown;
}

/** The state machine's definition as plain ASL (tokens replaced by placeholders). */
export function stateMachineDefinition(template: Template): Asl {
  const machines = findResources(template, 'AWS::StepFunctions::StateMachine');
  const ids = Object.keys(machines);
  if (ids.length !== 1) throw new Error(`expected one state machine, found ${ids.length}`);
  return JSON.parse(resolveTokens(machines[ids[0]].Properties.DefinitionString as Json, resourcesOf(template))) as Asl;
}

/** The placeholder the definition uses for a resource's Ref / Fn::GetAtt Arn. */
export function placeholderOf(template: Template, ref: { Ref: string } | { 'Fn::GetAtt': [string, string] }): string {
  return placeholder(resourcesOf(template), ref);
}

/** Every statement of the IAM policies attached to the role with logical id `roleId`. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatement[] {
  return Object.values(findResources(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

export const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Resources of a statement, resolved to strings with placeholders. */
export function statementResources(template: Template, statement: PolicyStatement): string[] {
  const resources = resourcesOf(template);
  return asArray(statement.Resource).map((r) => resolveTokens(r, resources));
}
