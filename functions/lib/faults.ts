/**
 * Test-only fault injection for the trial function. Inert unless the environment variable REGSWEEP_FAULTS
 * holds a JSON list of rules (read by config.ts faultRules, at the handler's edge, and passed in here); the stack
 * never sets it (a test asserts so), only the local harness's tests do.
 *
 *   [{ "match": { "type": "l2", "lambda": 1000, "fold": 0 }, "action": "fail" },
 *    { "match": { "lambda": 10 }, "action": "throttle-once", "markerDir": "/tmp/x" },
 *    { "match": { "lambda": 0.1 }, "action": "sleep", "seconds": 30 }]
 *
 * fail: throws InjectedFaultError (a trial that always fails; its batch goes on). throttle-once: the first
 * invocation of the batch holding a matching trial throws an error named Lambda.TooManyRequestsException before
 * any trial runs, as a throttled invocation does, so the workflow's Retry applies; a marker file remembers the
 * attempt. sleep: the matching trial never returns before `seconds` (a batch past its timeout).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrialEvent } from '../../shared/steps/events';

export interface FaultRule {
  readonly match: { readonly type?: string; readonly lambda?: number; readonly dropoutRate?: number; readonly fold?: number };
  readonly action: 'fail' | 'throttle-once' | 'sleep';
  readonly seconds?: number;
  readonly markerDir?: string;
}

export class InjectedFaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectedFaultError';
  }
}

function matches(rule: FaultRule, e: TrialEvent): boolean {
  const m = rule.match;
  return (
    (m.type === undefined || m.type === e.reg.type) &&
    (m.lambda === undefined || m.lambda === e.reg.lambda) &&
    (m.dropoutRate === undefined || m.dropoutRate === e.reg.dropoutRate) &&
    (m.fold === undefined || m.fold === e.fold)
  );
}

export interface FaultHooks {
  /** Before a batch's first trial: throttle-once. */
  readonly beforeBatch?: (events: readonly TrialEvent[]) => Promise<void>;
  /** Before each trial's training: fail, sleep. */
  readonly beforeTrain?: (e: TrialEvent) => Promise<void>;
}

/** The rules of REGSWEEP_FAULTS' value (config.ts faultRules reads it), or none for an empty one. */
export function parseFaultRules(text: string | undefined): FaultRule[] {
  return text ? (JSON.parse(text) as FaultRule[]) : [];
}

/** The hooks of the rules, or none when no fault is configured (production). */
export function faultHooks(rules: readonly FaultRule[]): FaultHooks {
  if (rules.length === 0) return {};
  return {
    beforeBatch: (events) => {
      for (const e of events) {
        for (const rule of rules.filter((r) => r.action === 'throttle-once' && matches(r, e))) {
          const marker = path.join(rule.markerDir ?? '/tmp', `${e.sweepId}-${e.trialId}.throttled`);
          if (!fs.existsSync(marker)) {
            fs.writeFileSync(marker, new Date().toISOString());
            const err = new Error('Rate Exceeded. (injected fault)');
            err.name = 'Lambda.TooManyRequestsException';
            return Promise.reject(err);
          }
        }
      }
      return Promise.resolve();
    },
    beforeTrain: async (e) => {
      for (const rule of rules.filter((r) => matches(r, e))) {
        if (rule.action === 'fail') throw new InjectedFaultError(`injected fault: trial ${e.trialId} always fails`);
        if (rule.action === 'sleep') await new Promise((r) => setTimeout(r, (rule.seconds ?? 60) * 1000));
      }
    },
  };
}
