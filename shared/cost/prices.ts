/**
 * The one price table of the cost estimate: AWS on-demand list prices in one region, with the date they were
 * read and where. Free tiers, savings plans and volume tiers beyond the first are left out, so an estimate is
 * what a sweep adds to a bill that is already past the free tier (an upper bound for a small account).
 */

/** A Lambda function's instruction set; the price of a GB-second depends on it. */
export type Architecture = 'x86_64' | 'arm64';

export const PRICES = {
  region: 'us-east-1',
  /** When the figures below were read from the pages in `sources`. */
  readOn: '2026-11-30',
  sources: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/step-functions/pricing/',
    'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html',
    'https://aws.amazon.com/s3/pricing/',
  ],
  lambda: {
    /** USD per GB-second of duration (first volume tier: 6 billion GB-s a month on x86, 7.5 billion on Arm). */
    gbSecond: { x86_64: 0.0000166667, arm64: 0.0000133334 } as Record<Architecture, number>,
    /** USD per request ($0.20 per million). */
    request: 0.2 / 1e6,
    /** Duration is billed per millisecond. */
    durationStepMs: 1,
  },
  stepFunctions: {
    /** Standard workflows: USD per state transition ($0.025 per 1,000), retries included. */
    standardTransition: 0.025 / 1000,
    /** Express workflows: USD per request (an execution started: $1.00 per million). */
    expressRequest: 1 / 1e6,
    /** Express workflows: USD per GB-second ($0.06 per GB-hour, the first 1,000 GB-hours of a month). */
    expressGbSecond: 0.06 / 3600,
    /** Express duration is rounded up to the next 100 ms ... */
    expressDurationStepMs: 100,
    /** ... and its memory (50 MB + definition + payload) is billed in 64 MB chunks. */
    expressMemoryStepMb: 64,
    /** An Express execution runs at most 5 minutes. */
    expressMaxSeconds: 300,
  },
  s3: {
    /** S3 Standard, USD per PUT, COPY, POST or LIST request ($0.005 per 1,000). */
    put: 0.005 / 1000,
    /** S3 Standard, USD per GET, HEAD or SELECT request ($0.0004 per 1,000). */
    get: 0.0004 / 1000,
  },
} as const;

/** `us-east-1 prices read 2026-11-30`: what every printed estimate carries. */
export const priceTableLabel = () => `${PRICES.region} prices read ${PRICES.readOn}`;
