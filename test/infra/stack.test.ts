/**
 * The default stack (cdk.json as committed: container trial, retain, no schedules): bucket security, functions,
 * least-privilege IAM, the alarm, outputs, and cdk-nag's AwsSolutions checks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { S3_ACCESS } from '../../infra/functions';
import { COST_SETTINGS_ENV } from '../../shared/plan/cost';
import { STACK_OUTPUTS as OUTPUTS } from '../../infra/contract';
import {
  asArray,
  onlyResourceId,
  findResources,
  placeholderOf,
  roleIdOf,
  statementResources,
  statementsOfRole,
  synthesize,
  removeTempDirs,
  type PolicyStatement,
  type Synthesized,
} from './support';

let s: Synthesized;
let template: Template;
let bucketId: string;
let bucketArn: string;

beforeAll(() => {
  s = synthesize();
  template = s.template;
  bucketId = onlyResourceId(template, 'AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  bucketArn = placeholderOf(template, { 'Fn::GetAtt': [bucketId, 'Arn'] });
});

afterAll(removeTempDirs);

/** Logical id of the function whose environment has `vars` (and optionally other properties). */
function functionId(props: Record<string, unknown>): string {
  return onlyResourceId(template, 'AWS::Lambda::Function', props);
}

describe('sweep bucket', () => {
  it('blocks all public access, encrypts, versions and logs access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.anyValue() } },
    });
  });

  it('expires sweeps/ after sweepRetentionDays, and noncurrent versions too', () => {
    const rules = new Capture();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: rules },
    });
    expect(rules.asArray()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'sweeps/', ExpirationInDays: 90, Status: 'Enabled' }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
      ]),
    );
    // Nothing expires datasets/: no rule with an expiration applies outside sweeps/.
    for (const rule of rules.asArray() as { ExpirationInDays?: number; Prefix?: string }[])
      if (rule.ExpirationInDays !== undefined) expect(rule.Prefix).toBe('sweeps/');
  });

  it('is retained when the stack is deleted (both buckets)', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const b of Object.values(buckets)) expect(b).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('denies every request that is not TLS (1.2 or later)', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('keeps its access logs in a private, encrypted, TLS-only bucket', () => {
    const logsId = onlyResourceId(template, 'AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireAccessLogs' })] } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId } },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireAccessLogs' })] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('functions', () => {
  it.each([
    ['plan', 1024, 300],
    ['aggregate', 1024, 300],
    ['refit', 3008, 900],
  ])('%s is a nodejs22.x zip function with BUCKET_NAME, tracing and its own log group', (name, memory, timeout) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp(`^regsweep ${name === 'plan' ? 'PlanSweep' : name === 'refit' ? 'RefitBest' : 'Aggregate'}:`),
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      Environment: { Variables: Match.objectLike({ BUCKET_NAME: { Ref: bucketId } }) },
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
    });
  });

  it('PlanSweep gets the settings its cost estimate is for (limits.maxCostUsd): trial memory, architecture, child type', () => {
    const plan = findResources(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^regsweep PlanSweep:') });
    const vars = (Object.values(plan)[0].Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(vars[COST_SETTINGS_ENV])).toEqual({
      trialMemoryMb: 2048,
      planMemoryMb: 1024,
      aggregateMemoryMb: 1024,
      refitMemoryMb: 3008,
      architecture: 'x86_64',
      childType: 'STANDARD',
      batching: { exactBatchSize: 100, sgdBatchSize: 1 },
    });
  });

  it('refit trains on the wasm backend, with the .wasm files next to the bundle', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^regsweep RefitBest:'),
      Environment: { Variables: { BUCKET_NAME: { Ref: bucketId }, REGSWEEP_BACKEND: 'wasm', TFJS_WASM_DIR: '/var/task/' } },
    });
  });

  it('the trial is a container image on x86_64 with the tensorflow backend, memory and timeout from config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Code: { ImageUri: Match.anyValue() },
      Architectures: ['x86_64'],
      MemorySize: 2048,
      Timeout: 900,
      Environment: { Variables: { BUCKET_NAME: { Ref: bucketId }, REGSWEEP_BACKEND: 'tensorflow' } },
      TracingConfig: { Mode: 'Active' },
    });
    const image = findResources(template, 'AWS::Lambda::Function', { PackageType: 'Image' });
    expect(Object.values(image)[0].Properties.Runtime).toBeUndefined();
  });

  it('stages the trial image from functions/trial/Dockerfile for linux/amd64, without building it', () => {
    const assets = JSON.parse(fs.readFileSync(path.join(s.outdir, `${s.stack.artifactId}.assets.json`), 'utf8')) as {
      dockerImages?: Record<string, { source: { directory: string; dockerFile: string; platform: string } }>;
    };
    const images = Object.values(assets.dockerImages ?? {});
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ dockerFile: 'functions/trial/Dockerfile', platform: 'linux/amd64' });
    const staged = path.join(s.outdir, images[0].source.directory);
    const entries = fs.readdirSync(staged).sort();
    expect(entries).toEqual(expect.arrayContaining(['functions', 'package-lock.json', 'package.json', 'shared']));
    for (const excluded of ['node_modules', 'cdk.out', '.git', 'bench', 'test', 'cli', 'local', 'docs']) expect(entries).not.toContain(excluded);
    expect(fs.existsSync(path.join(staged, 'functions/trial/Dockerfile'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'infra/docker/runtime-modules.js'))).toBe(true);
    expect(fs.existsSync(path.join(staged, 'infra/app.ts'))).toBe(false);
  });

  it('every function has its own log group, retained for 90 days', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const functions = findResources(template, 'AWS::Lambda::Function');
    const used = Object.values(functions).map((f) => (f.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref);
    expect(new Set(used).size).toBe(4);
    for (const id of used) expect(groups[id]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 90 } });
  });
});

describe('least privilege', () => {
  it('the trial role reads only datasets/, its spec and trial records, and writes only trial records under sweeps/', () => {
    // Prepare
    const trialRole = roleIdOf(template, functionId({ PackageType: 'Image' }), 'Role');
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: trialRole }], PolicyDocument: { Statement: statements } });
    const s3Statements = (statements.asArray() as PolicyStatement[]).filter((st) => asArray(st.Action).some((a) => a.startsWith('s3:')));
    const byAction = (action: string) => s3Statements.filter((st) => asArray(st.Action).includes(action)).flatMap((st) => statementResources(template, st));

    // Assess: exact actions, no wildcard actions, no other bucket
    const actions = new Set(s3Statements.flatMap((st) => asArray(st.Action)));
    expect([...actions].sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(byAction('s3:GetObject').sort()).toEqual([`${bucketArn}/datasets/*`, `${bucketArn}/sweeps/*/spec.json`, `${bucketArn}/sweeps/*/trials/*`].sort());
    expect(byAction('s3:PutObject')).toEqual([`${bucketArn}/sweeps/*/trials/*`]);
    expect(byAction('s3:ListBucket')).toEqual([bucketArn]);
    for (const st of s3Statements) expect(st.Effect).toBe('Allow');
    for (const r of s3Statements.flatMap((st) => statementResources(template, st))) {
      expect(r === bucketArn || r.startsWith(`${bucketArn}/`)).toBe(true);
    }
    expect(byAction('s3:PutObject').some((r: string) => r.includes('/datasets/'))).toBe(false);
  });

  it('no role has a wildcard action or an AWS managed policy', () => {
    const roles = findResources(template, 'AWS::IAM::Role');
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policies = findResources(template, 'AWS::IAM::Policy');
    for (const p of Object.values(policies)) {
      for (const st of (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement) {
        for (const a of asArray(st.Action)) expect(a).not.toMatch(/^(\*|[a-z0-9]+:\*)$/);
      }
    }
  });

  it.each(Object.entries(S3_ACCESS))('the %s role gets exactly its S3 key patterns', (name, access) => {
    const description = { plan: 'PlanSweep', trial: 'TrainTrial', aggregate: 'Aggregate', refit: 'RefitBest' }[name];
    const fnId = functionId({ Description: Match.stringLikeRegexp(`^regsweep ${description}:`) });
    const statements = statementsOfRole(template, roleIdOf(template, fnId, 'Role'));
    const resourcesFor = (action: string) =>
      statements
        .filter((st) => asArray(st.Action).includes(action))
        .flatMap((st) => statementResources(template, st))
        .sort();
    expect(resourcesFor('s3:GetObject')).toEqual(access.read.map((k) => `${bucketArn}/${k}`).sort());
    expect(resourcesFor('s3:PutObject')).toEqual(access.write.map((k) => `${bucketArn}/${k}`).sort());
    expect(resourcesFor('s3:DeleteObject')).toEqual([]);
  });

  it.each([
    ['PlanSweep', { get: ['datasets/*', 'sweeps/*/spec.json'], put: ['sweeps/*/spec.json', 'sweeps/*/grid.json', 'sweeps/*/manifest.json'] }],
    ['TrainTrial', { get: ['datasets/*', 'sweeps/*/spec.json', 'sweeps/*/trials/*'], put: ['sweeps/*/trials/*'] }],
    [
      'Aggregate',
      {
        get: ['sweeps/*/spec.json', 'sweeps/*/grid.json', 'sweeps/*/manifest.json', 'sweeps/*/trials/*', 'sweeps/*/map-results/*'],
        put: ['sweeps/*/leaderboard.json'],
      },
    ],
    ['RefitBest', { get: ['datasets/*', 'sweeps/*/spec.json', 'sweeps/*/leaderboard.json'], put: ['sweeps/*/best/*'] }],
  ])('the %s role gets, puts and lists only its keys: %j', (description, keys) => {
    // Prepare
    const roleId = roleIdOf(template, functionId({ Description: Match.stringLikeRegexp(`^regsweep ${description}:`) }), 'Role');
    const s3Statements = statementsOfRole(template, roleId).filter((st) => asArray(st.Action).some((a) => a.startsWith('s3:')));
    const resourcesFor = (action: string) =>
      s3Statements
        .filter((st) => asArray(st.Action).includes(action))
        .flatMap((st) => statementResources(template, st))
        .sort();
    const objects = (patterns: string[]) => patterns.map((k) => `${bucketArn}/${k}`).sort();

    // Assess: ListBucket on the bucket only under the prefixes it reads...
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:ListBucket',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
            Condition: { StringLike: { 's3:prefix': Match.arrayEquals(keys.get) } },
          },
        ]),
      },
    });
    // ...GetObject and PutObject on exactly these keys, and no other S3 action
    expect(resourcesFor('s3:GetObject')).toEqual(objects(keys.get));
    expect(resourcesFor('s3:PutObject')).toEqual(objects(keys.put));
    expect(new Set(s3Statements.flatMap((st) => asArray(st.Action)))).toEqual(new Set(['s3:GetObject', 's3:PutObject', 's3:ListBucket']));
  });

  it('aggregate cannot read datasets', () => {
    expect(S3_ACCESS.aggregate.read.some((k) => k.startsWith('datasets/'))).toBe(false);
  });

  it('the state machine may invoke exactly the four functions', () => {
    const smRole = roleIdOf(template, onlyResourceId(template, 'AWS::StepFunctions::StateMachine'), 'RoleArn');
    const invoke = statementsOfRole(template, smRole).filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    const fnIds = Object.keys(template.findResources('AWS::Lambda::Function'));
    const targets = invoke.flatMap((st) => asArray(st.Resource)).map((r) => JSON.stringify(r));
    for (const id of fnIds) expect(targets).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
    expect(targets.every((t) => fnIds.some((id) => t.includes(`"${id}"`)))).toBe(true);
  });
});

describe('alarm, topic and outputs', () => {
  it('alarms on any failed execution of the state machine and notifies the topic', () => {
    const smId = onlyResourceId(template, 'AWS::StepFunctions::StateMachine');
    const topicId = onlyResourceId(template, 'AWS::SNS::Topic');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: smId } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  it('the topic accepts publishing over TLS only, and has no subscription by default', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('outputs the state machine ARN, the bucket name and the topic ARN under the ids the CLI reads', () => {
    expect(OUTPUTS).toEqual({ stateMachineArn: 'StateMachineArn', bucketName: 'BucketName', topicArn: 'TopicArn' });
    template.hasOutput('StateMachineArn', { Value: { Ref: onlyResourceId(template, 'AWS::StepFunctions::StateMachine') } });
    template.hasOutput('BucketName', { Value: { Ref: bucketId } });
    template.hasOutput('TopicArn', { Value: { Ref: onlyResourceId(template, 'AWS::SNS::Topic') } });
  });

  it('has no schedules when cdk.json lists none', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding', () => {
    expect(s.nagError).toBeUndefined();
    expect(s.nagViolations).toEqual([]);
  });

  it('every acknowledgement is on the construct it concerns and says why, naming it', () => {
    const acks = s.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })),
      );
    expect(acks.length).toBeGreaterThan(0);
    for (const { path: at, data } of acks) {
      for (const [id, reason] of Object.entries(data)) {
        expect(id).toMatch(/^AwsSolutions::AwsSolutions-[A-Z0-9]+/);
        expect(reason).toContain(at);
        expect(reason.length).toBeGreaterThan(at.length + 40);
      }
    }
    // No blanket acknowledgement at the stack or app level.
    expect(acks.map((a) => a.path)).not.toContain(s.stack.node.path);
  });

  it('synth raises no error or warning annotations', () => {
    expect(Annotations.fromStack(s.stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
