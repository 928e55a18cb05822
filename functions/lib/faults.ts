/**
 * Test-only fault injection for the trial function. Inert unless the environment variable REGSWEEP_FAULTS
 * holds a JSON list of rules; the stack never sets it (a test asserts so), only the local harness's tests do.
 *
 *   [{ "match": { "type": "l2", "lambda": 1000, "fold": 0 }, "action": "fail" },
 *    { "match": { "lambda": 10 }, "action": "throttle-once", "markerDir": "/tmp/x" },
 *    { "match": { "lambda": 0.1 }, "action": "sleep", "seconds": 30 }]
 *
 * fail: throws InjectedFaultError (a trial that always fails). throttle-once: the first attempt throws an error
 * named Lambda.TooManyRequestsException, as a throttled invocation does, so the workflow's Retry applies; a
 * marker file remembers the attempt. sleep: never returns before `seconds` (a trial past its timeout).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrialEvent } from '../../shared/steps/events';

interface FaultRule {
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

/** The hook to run before training, or undefined when no fault is configured (production). */
export function faultHook(env: NodeJS.ProcessEnv = process.env): ((e: TrialEvent) => Promise<void>) | undefined {
  const text = env.REGSWEEP_FAULTS;
  if (!text) return undefined;
  const rules = JSON.parse(text) as FaultRule[];
  return async (e) => {
    for (const rule of rules.filter((r) => matches(r, e))) {
      if (rule.action === 'fail') throw new InjectedFaultError(`injected fault: trial ${e.trialId} always fails`);
      if (rule.action === 'sleep') await new Promise((r) => setTimeout(r, (rule.seconds ?? 60) * 1000));
      if (rule.action === 'throttle-once') {
        const marker = path.join(rule.markerDir ?? '/tmp', `${e.sweepId}-${e.trialId}.throttled`);
        if (!fs.existsSync(marker)) {
          fs.writeFileSync(marker, new Date().toISOString());
          const err = new Error('Rate Exceeded. (injected fault)');
          err.name = 'Lambda.TooManyRequestsException';
          throw err;
        }
      }
    }
  };
}
