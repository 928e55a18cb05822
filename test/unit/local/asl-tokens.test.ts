import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  UnresolvableTokenError,
  bucketRef,
  fakeRefsFromTemplate,
  resolveDefinition,
  resolveIntrinsics,
  stateMachineDefinitionFromTemplate,
  type CfnTemplate,
  type ResourceRefs,
} from '../../../local/asl-tokens';

const template = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'harness', 'sweep.template.json'), 'utf8')) as CfnTemplate;

// Resolved ASL is untyped JSON: the fields these assertions read.
interface State {
  Resource?: string;
  Parameters: { FunctionName?: string; Bucket?: string; [k: string]: unknown };
  ItemReader: State;
  ResultWriter: State;
  ItemProcessor: { States: States };
}
type States = Record<string, State>;

function logicalIdOf(type: string, prefix: string): string {
  const id = Object.keys(template.Resources ?? {}).find((k) => k.startsWith(prefix) && template.Resources![k].Type === type);
  if (!id) throw new Error(`no ${type} ${prefix}* in the fixture`);
  return id;
}

describe('resolveDefinition on a synthesized template', () => {
  it('resolves Fn::Join, Ref, Fn::GetAtt and pseudo parameters into plain ASL', () => {
    // Prepare
    const refs = fakeRefsFromTemplate(template);
    const sm = template.Resources![logicalIdOf('AWS::StepFunctions::StateMachine', 'SM')];
    // Act
    const asl = resolveDefinition(sm.Properties!.DefinitionString, refs) as { StartAt: string; States: States };
    // Assess
    expect(asl.StartAt).toBe('PlanSweep');
    expect(asl.States.PlanSweep.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(asl.States.PlanSweep.Parameters.FunctionName).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${logicalIdOf('AWS::Lambda::Function', 'PlanFn')}`,
    );
    expect(asl.States.Aggregate.Resource).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${logicalIdOf('AWS::Lambda::Function', 'AggFn')}`);
    const map = asl.States.RunTrials;
    expect(map.ItemReader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(map.ItemReader.Parameters.Bucket).toBe(refs[logicalIdOf('AWS::S3::Bucket', 'Data')].ref);
    expect(map.ItemProcessor.States.TrainTrial.Parameters.FunctionName).toMatch(/:function:TrialFn/);
    expect(JSON.stringify(asl)).not.toMatch(/Fn::|"Ref"/);
  });

  it('uses the real bucket name when the harness overrides the bucket ref', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', 'Data');
    const refs: ResourceRefs = { ...fakeRefsFromTemplate(template), [bucketId]: bucketRef('regsweep-local') };
    const asl = stateMachineDefinitionFromTemplate(template, refs) as { States: States };
    expect(asl.States.RunTrials.ItemReader.Parameters.Bucket).toBe('regsweep-local');
    expect(asl.States.RunTrials.ResultWriter.Parameters).toEqual({ Bucket: 'regsweep-local', Prefix: 'map-results' });
  });

  it('applies the pseudo parameters given', () => {
    const pseudo = { region: 'eu-west-1', accountId: '123456789012', partition: 'aws-cn' };
    const asl = stateMachineDefinitionFromTemplate(template, fakeRefsFromTemplate(template, pseudo), pseudo) as { States: States };
    expect(asl.States.PlanSweep.Resource).toBe('arn:aws-cn:states:::lambda:invoke');
    expect(asl.States.PlanSweep.Parameters.FunctionName).toMatch(/^arn:aws-cn:lambda:eu-west-1:123456789012:function:PlanFn/);
  });
});

describe('resolveIntrinsics', () => {
  const refs: ResourceRefs = {
    Fn: { ref: 'my-fn', attrs: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:my-fn' } },
    Bucket: bucketRef('my-bucket'),
  };

  it.each([
    ['Ref to a resource', { Ref: 'Fn' }, 'my-fn'],
    ['Ref AWS::Region', { Ref: 'AWS::Region' }, 'us-east-1'],
    ['Ref AWS::AccountId', { Ref: 'AWS::AccountId' }, '000000000000'],
    ['Ref AWS::Partition', { Ref: 'AWS::Partition' }, 'aws'],
    ['Ref AWS::URLSuffix', { Ref: 'AWS::URLSuffix' }, 'amazonaws.com'],
    ['Fn::GetAtt array form', { 'Fn::GetAtt': ['Fn', 'Arn'] }, 'arn:aws:lambda:us-east-1:000000000000:function:my-fn'],
    ['Fn::GetAtt string form', { 'Fn::GetAtt': 'Bucket.Arn' }, 'arn:aws:s3:::my-bucket'],
    ['Fn::Join', { 'Fn::Join': ['/', ['a', { Ref: 'Fn' }, 'b']] }, 'a/my-fn/b'],
    ['Fn::Sub with refs, attributes and pseudo parameters', { 'Fn::Sub': '${AWS::Region}:${Fn}:${Bucket.Arn}' }, 'us-east-1:my-fn:arn:aws:s3:::my-bucket'],
    ['Fn::Sub with a variable map', { 'Fn::Sub': ['${Name}-${AWS::AccountId}', { Name: { Ref: 'Fn' } }] }, 'my-fn-000000000000'],
    ['Fn::Sub escape ${!Literal}', { 'Fn::Sub': '${!Literal}-${Fn}' }, '${Literal}-my-fn'],
    ['Fn::Select over Fn::Split', { 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] }, 'b'],
  ])('%s', (_what, value, expected) => {
    expect(resolveIntrinsics(value, refs)).toBe(expected);
  });

  it('resolves nested structures and leaves plain values alone', () => {
    expect(resolveIntrinsics({ a: [{ Ref: 'Fn' }, 1, true, null], b: { c: 'x' } }, refs)).toEqual({
      a: ['my-fn', 1, true, null],
      b: { c: 'x' },
    });
  });

  it.each([
    ['an unsupported intrinsic', { 'Fn::If': ['Cond', 'a', 'b'] }, /unsupported intrinsic function Fn::If/],
    ['Fn::ImportValue', { 'Fn::ImportValue': 'x' }, /Fn::ImportValue/],
    ['a Ref to an unknown resource', { Ref: 'Nope' }, /Ref to unknown resource Nope/],
    ['an unknown pseudo parameter', { Ref: 'AWS::NotificationARNs' }, /AWS::NotificationARNs/],
    ['Fn::GetAtt to an unknown resource', { 'Fn::GetAtt': ['Nope', 'Arn'] }, /unknown resource Nope/],
    ['Fn::GetAtt to an unknown attribute', { 'Fn::GetAtt': ['Fn', 'Nope'] }, /resource Fn has no attribute Nope/],
  ])('throws UnresolvableTokenError naming %s', (_what, value, message) => {
    expect(() => resolveIntrinsics(value, refs)).toThrow(UnresolvableTokenError);
    expect(() => resolveIntrinsics(value, refs)).toThrow(message);
  });
});

describe('resolveDefinition inputs', () => {
  it('accepts a plain JSON string, and a Definition object', () => {
    const asl = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };
    expect(resolveDefinition(JSON.stringify(asl), {})).toEqual(asl);
    expect(resolveDefinition(asl, {})).toEqual(asl);
  });

  it('applies DefinitionSubstitutions', () => {
    const text = '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${FnArn}","End":true}}}';
    const refs: ResourceRefs = { Fn: { ref: 'f', attrs: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' } } };
    const asl = resolveDefinition(text, refs, undefined, { FnArn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }) as { States: States };
    expect(asl.States.A.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:function:f');
  });

  it('rejects a definition that does not resolve to a JSON object', () => {
    expect(() => resolveDefinition({ 'Fn::Join': ['', ['{"StartAt": ', '']] }, {})).toThrow(/not valid JSON/);
    expect(() => resolveDefinition('[1]', {})).toThrow(/not a JSON object/);
  });
});

describe('fakeRefsFromTemplate', () => {
  it('gives each resource a well-formed fake physical id by type', () => {
    const refs = fakeRefsFromTemplate({
      Resources: {
        Fn1: { Type: 'AWS::Lambda::Function' },
        Named: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'explicit-name' } },
        DataBucket9F1A: { Type: 'AWS::S3::Bucket' },
        Role1: { Type: 'AWS::IAM::Role' },
        SM1: { Type: 'AWS::StepFunctions::StateMachine' },
        Topic1: { Type: 'AWS::SNS::Topic' },
        Rule1: { Type: 'AWS::Events::Rule' },
      },
    });
    expect(refs.Fn1).toEqual({ ref: 'Fn1', attrs: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:Fn1' } });
    expect(refs.Named.attrs?.Arn).toBe('arn:aws:lambda:us-east-1:000000000000:function:explicit-name');
    expect(refs.DataBucket9F1A.ref).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    expect(refs.DataBucket9F1A.attrs?.Arn).toBe(`arn:aws:s3:::${refs.DataBucket9F1A.ref}`);
    expect(refs.Role1.attrs?.Arn).toBe('arn:aws:iam::000000000000:role/Role1');
    expect(refs.SM1.ref).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:SM1');
    expect(refs.Topic1.ref).toBe('arn:aws:sns:us-east-1:000000000000:Topic1');
    expect(refs.Rule1.attrs?.Arn).toBe('arn:aws:events:us-east-1:000000000000:rule/Rule1');
  });
});
