/** shared/store/s3.ts without a server: the retry schedule every client gets. ObjectStore itself: test/integration/s3.test.ts. */
import { S3_RETRY, s3RetryDelayMs } from '../../../../shared/store/s3';

it('S3 clients retry transient errors (throttling, 5xx, connection refused/reset) for 8 attempts over 7.9-15.75 s', () => {
  expect(S3_RETRY.maxAttempts).toBe(8);
  const waits = (r: number) => Array.from({ length: S3_RETRY.maxAttempts - 1 }, (_, i) => s3RetryDelayMs(i + 1, () => r));
  expect(waits(0)).toEqual([125, 250, 500, 1000, 2000, 2000, 2000]);
  expect(waits(1)).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
  expect(waits(0).reduce((a, b) => a + b)).toBeGreaterThan(7500); // a short outage is waited out
});
