/**
 * Jest helper: a tiny stand-in for AWS Step Functions and CloudFormation, so the cloud commands run end to end
 * with the real SDK clients and nothing ever reaches AWS.
 *
 *     const aws = useAwsStub();                         // beforeAll starts it, afterAll stops it
 *     await aws.setStack('Regsweep', { BucketName: 'b', StateMachineArn: 'arn:...' });
 *     const r = regsweep(['start', '--spec', f], { env: aws.env() });
 *     const [req] = await aws.requests('StartExecution');
 *
 * The stub is an HTTP server on 127.0.0.1 in a child process (the tests run the CLI with spawnSync, which blocks
 * this process's event loop, so an in-process server could not answer). `env()` points the SDK at it through
 * AWS_ENDPOINT_URL_SFN and AWS_ENDPOINT_URL_CLOUDFORMATION, and the catch-all AWS_ENDPOINT_URL sends any other
 * service there too (it answers 404, recorded as service `unknown`), with fake credentials and no profile, config
 * file or instance metadata. It speaks:
 *
 * - Step Functions, AWS JSON 1.0 (`X-Amz-Target: AWSStepFunctions.<Operation>`, JSON body): StartExecution (records
 *   the execution as RUNNING; a name already used is `ExecutionAlreadyExists`), DescribeExecution (what setExecution
 *   stored, else `ExecutionDoesNotExist`), GetExecutionHistory (setHistory's events, else none).
 * - CloudFormation, the query protocol @aws-sdk/client-cloudformation 3.x sends (form-encoded `Action=DescribeStacks`
 *   POST, XML response): DescribeStacks answers setStack's outputs, or the ValidationError AWS returns for a stack
 *   that does not exist.
 *
 * Every request is recorded (service, operation, the signing credential scope, the parsed body) for assertions.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';

export interface StubRequest {
  service: 'sfn' | 'cloudformation' | 'unknown';
  operation: string;
  method: string;
  path: string;
  /** The SigV4 credential scope `<key id>/<date>/<region>/<service>/aws4_request`, when signed. */
  credential?: string;
  /** JSON body (Step Functions) or form fields (CloudFormation). */
  body: Record<string, unknown>;
  /** Every header value and the raw body, joined: for "this string was never sent" assertions. */
  raw: string;
}

/** What DescribeExecution answers; dates as ISO strings (sent as epoch seconds, as AWS does). */
export interface StubExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  startDate: string;
  stopDate?: string;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface AwsStub {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Environment for the CLI child: the stub's endpoints, fake credentials (plus `extra`), a fixed region. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  setStack(name: string, outputs: Record<string, string>, status?: string): Promise<void>;
  setExecution(execution: StubExecution): Promise<void>;
  setHistory(executionArn: string, events: Record<string, unknown>[]): Promise<void>;
  /** Recorded requests, optionally only one operation's. */
  requests(operation?: string): Promise<StubRequest[]>;
  /** Forget recorded requests, stacks, executions and histories. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Fake credentials the stub-driven CLI runs with (tests assert they are never printed). */
export const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKESTUBKEY00001',
  AWS_SECRET_ACCESS_KEY: 'fake+Secret/Key/never-printed-7f3a9c2e1b',
  AWS_SESSION_TOKEN: 'FakeSessionToken//never-printed//0d8e6a4b2c',
} as const;
export const STUB_REGION = 'eu-west-3';

// ---------------------------------------------------------------------------------------------- parent side

type Message = { id: number; type: string; [k: string]: unknown };

export async function startAwsStub(): Promise<AwsStub> {
  const env: NodeJS.ProcessEnv = { ...process.env, REGSWEEP_AWS_STUB_CHILD: '1' };
  delete env.NODE_OPTIONS;
  const child: ChildProcess = fork(__filename, [], {
    execArgv: ['--require', require.resolve('tsx/cjs')],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: Message) => void>();
  let nextId = 1;
  child.on('message', (m: Message) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const ask = (type: string, payload: Record<string, unknown> = {}): Promise<Message> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('aws stub: the stub process is gone'));
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, type, ...payload });
    });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('aws stub did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`aws stub exited before it was ready (code ${code})`)));
    pending.set(0, (m) => {
      clearTimeout(timer);
      resolve(m.port as number);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    env: (extra = {}) => ({
      ...FAKE_CREDENTIALS,
      AWS_REGION: STUB_REGION,
      AWS_ENDPOINT_URL: url,
      AWS_ENDPOINT_URL_SFN: url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: url,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/regsweep-test/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/regsweep-test/aws-credentials',
      AWS_PROFILE: undefined,
      AWS_DEFAULT_PROFILE: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_ROLE_ARN: undefined,
      REGSWEEP_DEBUG: undefined,
      ...extra,
    }),
    setStack: async (name, outputs, status = 'CREATE_COMPLETE') => void (await ask('setStack', { name, outputs, status })),
    setExecution: async (execution) => void (await ask('setExecution', { execution })),
    setHistory: async (executionArn, events) => void (await ask('setHistory', { executionArn, events })),
    requests: async (operation) => {
      const all = (await ask('requests')).requests as StubRequest[];
      return operation === undefined ? all : all.filter((r) => r.operation === operation);
    },
    reset: async () => void (await ask('reset')),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** startAwsStub in beforeAll, stop in afterAll. */
export function useAwsStub(): AwsStub {
  let stub: AwsStub | undefined;
  beforeAll(async () => {
    stub = await startAwsStub();
  });
  afterAll(async () => {
    await stub?.stop();
    stub = undefined;
  });
  const need = (): AwsStub => {
    if (!stub) throw new Error('useAwsStub: only available inside tests (after beforeAll)');
    return stub;
  };
  return {
    get url() {
      return need().url;
    },
    env: (extra) => need().env(extra),
    setStack: (...a) => need().setStack(...a),
    setExecution: (e) => need().setExecution(e),
    setHistory: (a, e) => need().setHistory(a, e),
    requests: (op) => need().requests(op),
    reset: () => need().reset(),
    stop: () => need().stop(),
  };
}

// ---------------------------------------------------------------------------------------------- child side

const xml = (v: unknown) => String(v).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
const epochSeconds = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

function runStubServer(): void {
  let stacks = new Map<string, { outputs: Record<string, string>; status: string }>();
  let executions = new Map<string, StubExecution>();
  let histories = new Map<string, Record<string, unknown>[]>();
  let requests: StubRequest[] = [];
  let requestCounter = 0;

  const send = (res: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': `stub-${++requestCounter}`, ...headers });
    res.end(body);
  };
  const sfnReply = (res: http.ServerResponse, body: unknown) => send(res, 200, 'application/x-amz-json-1.0', JSON.stringify(body));
  const sfnError = (res: http.ServerResponse, type: string, message: string) =>
    send(res, 400, 'application/x-amz-json-1.0', JSON.stringify({ __type: type, message }), { 'x-amzn-errortype': type });

  function stepFunctions(op: string, body: Record<string, unknown>, res: http.ServerResponse): void {
    if (op === 'StartExecution') {
      const stateMachineArn = String(body.stateMachineArn);
      const name = typeof body.name === 'string' ? body.name : `exec-${requestCounter}`;
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      if (executions.has(executionArn)) return sfnError(res, 'ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      const startDate = new Date().toISOString();
      executions.set(executionArn, { executionArn, stateMachineArn, name, status: 'RUNNING', startDate, input: body.input as string | undefined });
      return sfnReply(res, { executionArn, startDate: epochSeconds(startDate) });
    }
    if (op === 'DescribeExecution') {
      const ex = executions.get(String(body.executionArn));
      if (!ex) return sfnError(res, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
      return sfnReply(res, { ...ex, startDate: epochSeconds(ex.startDate), stopDate: epochSeconds(ex.stopDate) });
    }
    if (op === 'GetExecutionHistory') return sfnReply(res, { events: histories.get(String(body.executionArn)) ?? [] });
    return sfnError(res, 'UnknownOperationException', `the stub does not implement ${op}`);
  }

  function cloudFormation(form: Record<string, string>, res: http.ServerResponse): void {
    const ns = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
    const error = (code: string, message: string) =>
      send(
        res,
        400,
        'text/xml',
        `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error><RequestId>stub-${requestCounter}</RequestId></ErrorResponse>`,
      );
    if (form.Action !== 'DescribeStacks') return error('InvalidAction', `the stub does not implement ${form.Action}`);
    const name = form.StackName;
    const stack = name === undefined ? undefined : stacks.get(name);
    if (!stack) return error('ValidationError', `Stack with id ${name} does not exist`);
    const outputs = Object.entries(stack.outputs)
      .map(([k, v]) => `<member><OutputKey>${xml(k)}</OutputKey><OutputValue>${xml(v)}</OutputValue></member>`)
      .join('');
    send(
      res,
      200,
      'text/xml',
      `<DescribeStacksResponse xmlns="${ns}"><DescribeStacksResult><Stacks><member>` +
        `<StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:${STUB_REGION}:123456789012:stack/${xml(name)}/0000</StackId>` +
        `<CreationTime>2025-01-01T00:00:00.000Z</CreationTime><StackStatus>${xml(stack.status)}</StackStatus>` +
        `<Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult>` +
        `<ResponseMetadata><RequestId>stub-${requestCounter}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const target = String(req.headers['x-amz-target'] ?? '');
      const credential = /Credential=([^,\s]+)/.exec(String(req.headers.authorization ?? ''))?.[1];
      const raw = `${Object.entries(req.headers)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join('\n')}\n\n${text}`;
      const record = (r: Omit<StubRequest, 'method' | 'path' | 'credential' | 'raw'>) =>
        requests.push({ ...r, method: req.method ?? '', path: req.url ?? '', ...(credential ? { credential } : {}), raw });
      try {
        if (target.startsWith('AWSStepFunctions.')) {
          const op = target.slice('AWSStepFunctions.'.length);
          const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
          record({ service: 'sfn', operation: op, body });
          return stepFunctions(op, body, res);
        }
        if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
          const form = Object.fromEntries(new URLSearchParams(text));
          record({ service: 'cloudformation', operation: form.Action ?? '', body: form });
          return cloudFormation(form, res);
        }
        record({ service: 'unknown', operation: `${req.method} ${req.url}`, body: {} });
        send(res, 404, 'text/plain', 'not an API the regsweep test stub speaks');
      } catch (e) {
        send(res, 500, 'text/plain', `stub error: ${(e as Error).message}`);
      }
    });
  });

  process.on('message', (m: Message) => {
    const reply = (extra: Record<string, unknown> = {}) => process.send!({ id: m.id, ...extra });
    switch (m.type) {
      case 'setStack':
        stacks.set(m.name as string, { outputs: m.outputs as Record<string, string>, status: m.status as string });
        return reply();
      case 'setExecution': {
        const ex = m.execution as StubExecution;
        executions.set(ex.executionArn, ex);
        return reply();
      }
      case 'setHistory':
        histories.set(m.executionArn as string, m.events as Record<string, unknown>[]);
        return reply();
      case 'requests':
        return reply({ requests });
      case 'reset':
        stacks = new Map();
        executions = new Map();
        histories = new Map();
        requests = [];
        return reply();
      default:
        return reply({ error: `unknown message ${m.type}` });
    }
  });
  // Never outlive the test process.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send!({ id: 0, port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
}

if (process.env.REGSWEEP_AWS_STUB_CHILD === '1' && require.main === module) runStubServer();
