/**
 * CDK app entry (cdk.json: `npx tsx infra/app.ts`). Deploys the stack `Regsweep` (context `stackName` overrides),
 * configured by the `regsweep` context object; cdk-nag's AwsSolutions checks run at every synth.
 */
import { createRegsweepApp } from './regsweep-app';

createRegsweepApp();
