/** What the harness tests share. */
import type { StackOverrides } from '../../local/harness';

/**
 * The one non-default deployment the harness tests run: PlanSweep at Lambda's least memory (the out-of-memory
 * test) and a 15 s trial timeout (the tests that cut a trial past it). Each distinct deployment is its own cloud
 * assembly, synthesized and bundled (~20 s of CPU) whenever the sources change, so the tests share this one; a
 * test that needs one of the two settings is indifferent to the other (the sweeps it plans are small, diabetes.csv
 * parses in well under 128 MB).
 */
export const SMALL_DEPLOYMENT: StackOverrides = { planMemoryMb: 128, trialTimeoutSeconds: 15 };
