/**
 * Turns the CloudFormation value of a state machine definition (as `cdk synth` writes it) into plain ASL.
 *
 * CDK renders `AWS::StepFunctions::StateMachine.DefinitionString` as an `Fn::Join` of JSON fragments and
 * tokens (`Ref`, `Fn::GetAtt`, pseudo parameters). Here we resolve those intrinsics against a table of
 * references, so the local harness runs the same ASL that deploys. `fakeRefsFromTemplate` gives every resource
 * of a template a fake but well-formed physical id / ARN, which the harness then overrides where it has a real
 * local value (e.g. the bucket name of the local S3 server).
 *
 * Supported intrinsics: Ref (resources and pseudo parameters), Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select,
 * Fn::Split. Anything else (Fn::If, Fn::ImportValue, Fn::FindInMap, ...) throws UnresolvableTokenError naming it.
 */

/** The physical values of one resource: what `Ref` returns, and its `Fn::GetAtt` attributes. */
export interface ResourceRef {
  ref?: string;
  attrs?: Record<string, string>;
}

/** Logical id -> physical values. */
export type ResourceRefs = { [logicalId: string]: ResourceRef };

export interface PseudoParameters {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** @default 'aws' */
  readonly partition?: string;
  /** @default 'amazonaws.com' */
  readonly urlSuffix?: string;
  /** @default 'LocalStack' (only used when a template references AWS::StackName / AWS::StackId) */
  readonly stackName?: string;
}

export const DEFAULT_PSEUDO: Required<PseudoParameters> = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackName: 'LocalStack',
};

/** A token that cannot be resolved: unknown intrinsic, unknown logical id or attribute, malformed arguments. */
export class UnresolvableTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnresolvableTokenError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 120)}...` : s;
}

function pseudoValue(name: string, p: Required<PseudoParameters>): string | undefined {
  switch (name) {
    case 'AWS::Region':
      return p.region;
    case 'AWS::AccountId':
      return p.accountId;
    case 'AWS::Partition':
      return p.partition;
    case 'AWS::URLSuffix':
      return p.urlSuffix;
    case 'AWS::StackName':
      return p.stackName;
    case 'AWS::StackId':
      return `arn:${p.partition}:cloudformation:${p.region}:${p.accountId}:stack/${p.stackName}/00000000-0000-0000-0000-000000000000`;
    default:
      return undefined;
  }
}

class Resolver {
  constructor(
    private readonly refs: ResourceRefs,
    private readonly pseudo: Required<PseudoParameters>,
  ) {}

  ref(name: unknown): string {
    if (typeof name !== 'string') throw new UnresolvableTokenError(`Ref expects a string, got ${show(name)}`);
    const p = pseudoValue(name, this.pseudo);
    if (p !== undefined) return p;
    if (name.startsWith('AWS::')) throw new UnresolvableTokenError(`Ref to unsupported pseudo parameter ${name}`);
    const r = this.refs[name];
    if (!r || r.ref === undefined) throw new UnresolvableTokenError(`Ref to unknown resource ${name}`);
    return r.ref;
  }

  getAtt(args: unknown): string {
    let id: unknown;
    let attr: unknown;
    if (typeof args === 'string') {
      const dot = args.indexOf('.');
      [id, attr] = dot < 0 ? [args, undefined] : [args.slice(0, dot), args.slice(dot + 1)];
    } else if (Array.isArray(args) && args.length === 2) {
      [id, attr] = [args[0] as unknown, this.resolve(args[1])];
    }
    if (typeof id !== 'string' || typeof attr !== 'string') {
      throw new UnresolvableTokenError(`Fn::GetAtt expects [logicalId, attribute], got ${show(args)}`);
    }
    const value = this.refs[id]?.attrs?.[attr];
    if (value === undefined) {
      throw new UnresolvableTokenError(this.refs[id] ? `Fn::GetAtt: resource ${id} has no attribute ${attr}` : `Fn::GetAtt to unknown resource ${id}`);
    }
    return value;
  }

  sub(args: unknown): string {
    let template: unknown;
    let vars: Record<string, unknown> = {};
    if (typeof args === 'string') template = args;
    else if (Array.isArray(args) && args.length === 2 && typeof args[1] === 'object' && args[1] !== null) {
      template = args[0];
      vars = args[1] as Record<string, unknown>;
    }
    if (typeof template !== 'string') throw new UnresolvableTokenError(`Fn::Sub expects a string, got ${show(args)}`);
    // ${!Literal} is the escape for a literal ${Literal}.
    return template.replace(/\$\{([^}]*)\}/g, (_m, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      if (Object.prototype.hasOwnProperty.call(vars, name)) return this.asString(this.resolve(vars[name]), 'Fn::Sub');
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.getAtt(name);
      return this.ref(name);
    });
  }

  private asString(v: unknown, where: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new UnresolvableTokenError(`${where}: expected a string value, got ${show(v)}`);
  }

  resolve(v: unknown): Json {
    if (v === null || typeof v !== 'object') return v as Json;
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    const keys = Object.keys(v);
    const obj = v as Record<string, unknown>;
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      const [fn] = keys;
      const args = obj[fn];
      switch (fn) {
        case 'Ref':
          return this.ref(args);
        case 'Fn::GetAtt':
          return this.getAtt(args);
        case 'Fn::Join': {
          if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
            throw new UnresolvableTokenError(`Fn::Join expects [delimiter, list], got ${show(args)}`);
          }
          const list = this.resolve(args[1]);
          if (!Array.isArray(list)) throw new UnresolvableTokenError(`Fn::Join: list is not an array: ${show(list)}`);
          return list.map((x) => this.asString(x, 'Fn::Join')).join(args[0]);
        }
        case 'Fn::Sub':
          return this.sub(args);
        case 'Fn::Select': {
          if (!Array.isArray(args) || args.length !== 2) {
            throw new UnresolvableTokenError(`Fn::Select expects [index, list], got ${show(args)}`);
          }
          const index = Number(this.resolve(args[0]));
          const list = this.resolve(args[1]);
          if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
            throw new UnresolvableTokenError(`Fn::Select: index ${show(args[0])} out of range for ${show(list)}`);
          }
          return list[index];
        }
        case 'Fn::Split': {
          if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string') {
            throw new UnresolvableTokenError(`Fn::Split expects [delimiter, string], got ${show(args)}`);
          }
          return this.asString(this.resolve(args[1]), 'Fn::Split').split(args[0]);
        }
        default:
          throw new UnresolvableTokenError(`unsupported intrinsic function ${fn}`);
      }
    }
    const out: { [k: string]: Json } = {};
    for (const k of keys) out[k] = this.resolve(obj[k]);
    return out;
  }
}

function withDefaults(pseudo?: PseudoParameters): Required<PseudoParameters> {
  return { ...DEFAULT_PSEUDO, ...stripUndefined(pseudo ?? {}) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Resolves every intrinsic function in a CloudFormation value (any JSON). */
export function resolveIntrinsics(value: unknown, refs: ResourceRefs, pseudo?: PseudoParameters): unknown {
  return new Resolver(refs, withDefaults(pseudo)).resolve(value);
}

/**
 * Resolves a state machine's `DefinitionString` (a string, or an intrinsic that yields one, usually `Fn::Join`)
 * into a plain ASL object. An already-parsed definition object (the `Definition` property) is accepted too.
 * `substitutions` are the resource's `DefinitionSubstitutions`: `${key}` in the definition is replaced by them.
 */
export function resolveDefinition(definitionString: unknown, refs: ResourceRefs, pseudo?: PseudoParameters, substitutions?: Record<string, unknown>): object {
  const resolver = new Resolver(refs, withDefaults(pseudo));
  let text: string;
  const resolved = resolver.resolve(definitionString);
  if (typeof resolved === 'string') text = resolved;
  else if (resolved !== null && typeof resolved === 'object' && !Array.isArray(resolved)) text = JSON.stringify(resolved);
  else throw new UnresolvableTokenError(`state machine definition must be a string or an object, got ${show(resolved)}`);

  if (substitutions && Object.keys(substitutions).length > 0) {
    const subs = resolver.resolve(substitutions) as Record<string, Json>;
    text = text.replace(/\$\{([^}]+)\}/g, (m, key: string) => {
      if (!Object.prototype.hasOwnProperty.call(subs, key)) return m;
      const v = subs[key];
      // Substituted inside a JSON string literal: escape as JSON string content.
      return JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v)).slice(1, -1);
    });
  }

  let asl: unknown;
  try {
    asl = JSON.parse(text);
  } catch (e) {
    throw new UnresolvableTokenError(`resolved definition is not valid JSON (${e instanceof Error ? e.message : String(e)}): ${show(text)}`);
  }
  if (asl === null || typeof asl !== 'object' || Array.isArray(asl)) {
    throw new UnresolvableTokenError(`resolved definition is not a JSON object: ${show(asl)}`);
  }
  return asl;
}

/** The minimal shape of a synthesized CloudFormation template this module reads. */
export interface CfnTemplate {
  Resources?: { [logicalId: string]: { Type: string; Properties?: Record<string, unknown> } };
}

/**
 * The ASL of one `AWS::StepFunctions::StateMachine` resource of a template (the only one when `logicalId` is
 * omitted and the template has exactly one).
 */
export function stateMachineDefinitionFromTemplate(template: CfnTemplate, refs: ResourceRefs, pseudo?: PseudoParameters, logicalId?: string): object {
  const machines = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
  const chosen = logicalId ? machines.filter(([id]) => id === logicalId) : machines;
  if (chosen.length !== 1) {
    throw new UnresolvableTokenError(
      logicalId
        ? `no AWS::StepFunctions::StateMachine with logical id ${logicalId} (have: ${machines.map(([id]) => id).join(', ') || 'none'})`
        : `expected exactly one AWS::StepFunctions::StateMachine, found ${machines.length} (${machines.map(([id]) => id).join(', ')})`,
    );
  }
  const props = chosen[0][1].Properties ?? {};
  const body = props.DefinitionString ?? props.Definition;
  if (body === undefined) throw new UnresolvableTokenError(`state machine ${chosen[0][0]} has no DefinitionString or Definition`);
  return resolveDefinition(body, refs, pseudo, props.DefinitionSubstitutions as Record<string, unknown> | undefined);
}

/** The refs of an S3 bucket with the given (real) name: Ref = name, plus the usual attributes. */
export function bucketRef(bucketName: string, pseudo?: PseudoParameters): ResourceRef {
  const p = withDefaults(pseudo);
  return {
    ref: bucketName,
    attrs: {
      Arn: `arn:${p.partition}:s3:::${bucketName}`,
      DomainName: `${bucketName}.s3.${p.urlSuffix}`,
      RegionalDomainName: `${bucketName}.s3.${p.region}.${p.urlSuffix}`,
      DualStackDomainName: `${bucketName}.s3.dualstack.${p.region}.${p.urlSuffix}`,
      WebsiteURL: `http://${bucketName}.s3-website-${p.region}.${p.urlSuffix}`,
    },
  };
}

/** The refs of a Lambda function with the given name: Ref = name, Arn = its ARN. */
export function lambdaFunctionRef(functionName: string, pseudo?: PseudoParameters): ResourceRef {
  const p = withDefaults(pseudo);
  return { ref: functionName, attrs: { Arn: `arn:${p.partition}:lambda:${p.region}:${p.accountId}:function:${functionName}` } };
}

function literal(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A DNS-safe lowercase fake bucket name derived from a logical id. */
function fakeBucketName(logicalId: string): string {
  const base = logicalId
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${base || 'bucket'}-local`.slice(0, 63);
}

/**
 * Fake but well-formed physical values for every resource of a template, by type. Names are the logical id
 * unless the template sets a literal name. Resource types not listed get Ref = logical id and a generic Arn.
 */
export function fakeRefsFromTemplate(template: CfnTemplate, pseudo?: PseudoParameters): ResourceRefs {
  const p = withDefaults(pseudo);
  const { partition: part, region, accountId: acct } = p;
  const refs: ResourceRefs = {};
  for (const [id, res] of Object.entries(template.Resources ?? {})) {
    const props = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::Lambda::Function':
        refs[id] = lambdaFunctionRef(literal(props.FunctionName) ?? id, p);
        break;
      case 'AWS::S3::Bucket':
        refs[id] = bucketRef(literal(props.BucketName) ?? fakeBucketName(id), p);
        break;
      case 'AWS::IAM::Role': {
        const name = literal(props.RoleName) ?? id;
        refs[id] = { ref: name, attrs: { Arn: `arn:${part}:iam::${acct}:role/${name}`, RoleId: `AROA${id.toUpperCase().slice(0, 17)}` } };
        break;
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        refs[id] = { ref: res.Type === 'AWS::IAM::ManagedPolicy' ? `arn:${part}:iam::${acct}:policy/${id}` : id, attrs: {} };
        break;
      case 'AWS::StepFunctions::StateMachine': {
        const name = literal(props.StateMachineName) ?? id;
        const arn = `arn:${part}:states:${region}:${acct}:stateMachine:${name}`;
        refs[id] = { ref: arn, attrs: { Arn: arn, Name: name, StateMachineRevisionId: arn } };
        break;
      }
      case 'AWS::Logs::LogGroup': {
        const name = literal(props.LogGroupName) ?? `/local/${id}`;
        refs[id] = { ref: name, attrs: { Arn: `arn:${part}:logs:${region}:${acct}:log-group:${name}:*` } };
        break;
      }
      case 'AWS::SNS::Topic': {
        const name = literal(props.TopicName) ?? id;
        const arn = `arn:${part}:sns:${region}:${acct}:${name}`;
        refs[id] = { ref: arn, attrs: { TopicArn: arn, TopicName: name } };
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = literal(props.QueueName) ?? id;
        const url = `https://sqs.${region}.${p.urlSuffix}/${acct}/${name}`;
        refs[id] = { ref: url, attrs: { Arn: `arn:${part}:sqs:${region}:${acct}:${name}`, QueueName: name, QueueUrl: url } };
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const name = literal(props.TableName) ?? id;
        const arn = `arn:${part}:dynamodb:${region}:${acct}:table/${name}`;
        refs[id] = { ref: name, attrs: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
        break;
      }
      case 'AWS::Scheduler::Schedule': {
        const name = literal(props.Name) ?? id;
        refs[id] = { ref: name, attrs: { Arn: `arn:${part}:scheduler:${region}:${acct}:schedule/default/${name}` } };
        break;
      }
      case 'AWS::CloudWatch::Alarm': {
        const name = literal(props.AlarmName) ?? id;
        refs[id] = { ref: name, attrs: { Arn: `arn:${part}:cloudwatch:${region}:${acct}:alarm:${name}` } };
        break;
      }
      default: {
        // e.g. AWS::Events::Rule -> events, AWS::ECR::Repository -> ecr
        const service = (res.Type.split('::')[1] ?? 'unknown').toLowerCase();
        const kind = (res.Type.split('::')[2] ?? 'resource').toLowerCase();
        refs[id] = { ref: id, attrs: { Arn: `arn:${part}:${service}:${region}:${acct}:${kind}/${id}`, Name: id } };
      }
    }
  }
  return refs;
}
