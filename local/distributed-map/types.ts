/** The shapes shared by the modules of the Distributed Map emulation (see index.ts). */
import type { RunOptions } from 'aws-local-stepfunctions';

export type ReadJson = (bucket: string, key: string) => Promise<unknown>;
export type WriteJson = (bucket: string, key: string, value: unknown) => Promise<void>;

type Overrides = NonNullable<RunOptions['overrides']>;
export type TaskHandlers = NonNullable<Overrides['taskResourceLocalHandlers']>;
export type RetryIntervalOverrides = NonNullable<Overrides['retryIntervalOverrides']>;

export type AslState = { Type: string; [field: string]: unknown };
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** True for a JSON object (not null, not an array). */
export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type MapRunEvent =
  /** `total` counts child executions (batches with an ItemBatcher), `items` the items read. */
  | { type: 'MapRunStarted'; stateName: string; mapRunArn: string; total: number; items: number }
  | {
      type: 'MapItemSucceeded' | 'MapItemFailed';
      stateName: string;
      mapRunArn: string;
      index: number;
      total: number;
      succeeded: number;
      failed: number;
      /** Items this child ran (its batch's length; 1 without an ItemBatcher). */
      items: number;
      /** A succeeded child's output. */
      output?: unknown;
      error?: string;
      cause?: string;
    }
  | {
      type: 'MapRunSucceeded' | 'MapRunFailed';
      stateName: string;
      mapRunArn: string;
      total: number;
      succeeded: number;
      failed: number;
      notStarted: number;
    };

export interface MapRunEnvironment {
  readonly readJson: ReadJson;
  readonly writeJson: WriteJson;
  /** The Task overrides of the whole execution; child executions get the same ones. */
  readonly taskHandlers: TaskHandlers;
  readonly retryIntervalOverrides?: RetryIntervalOverrides;
  /** The parent execution's Context Object (`$$`), used for JSONPaths in the Map's own fields. */
  readonly contextObject: Record<string, unknown>;
  /** ARN of the parent state machine, for MapRunArn and the child execution ARNs. */
  readonly stateMachineArn: string;
  readonly onEvent?: (e: MapRunEvent) => void;
  /**
   * The most children that run at once whatever MaxConcurrency says: the Lambda workers there are. A child
   * that waited for a worker inside its Task would spend its TimeoutSeconds queueing, which Lambda (that runs
   * every invocation it accepts at once) never does. @default - MaxConcurrency alone
   */
  readonly concurrencyCap?: number;
}

/** Names of one map run: its id and ARN, and those of its child executions. */
export interface MapRunIds {
  readonly mapRunId: string;
  readonly mapRunArn: string;
  /** `<prefix>:stateMachine:<machine>/<label>`, the ARN Step Functions gives the children's state machine. */
  readonly childStateMachineArn: string;
  /** A child's execution ARN is `<executionPrefix>:<name>`. */
  readonly executionPrefix: string;
}

/** What a map run keeps of one finished child execution. */
export interface ItemRecord {
  index: number;
  name: string;
  input: unknown;
  startDate: string;
  stopDate: string;
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
}
