/**
 * Load: 2,000 tiny trials (1 epoch of a linear model on 20 rows) through the harness finish with 2,000 records,
 * and the harness's memory stays bounded. Each sweep runs in its own process (test/support/reliability.ts
 * `load`), so its peak RSS (process.resourceUsage().maxRSS: the main thread and the Lambda worker threads) is
 * that sweep's alone; the S3 server's peak (VmHWM) is reported too. The numbers are printed.
 *
 * Measured on 2 cores (see the report of this test's change): about 10 s for 200 trials and 50-60 s for 2,000
 * (~16-20 ms per trial in the map run, ~4 ms per record in Aggregate), peak RSS ~0.5-0.6 GB for both.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandGrid } from '../../shared/search/strategy';
import { resolveGrid } from '../../shared/search/default-grid';
import { parseSpec } from '../../shared/search/spec';
import { batchCount, trialBatchSize } from '../../shared/plan/batches';
import { loadSpec, type LoadReport } from '../support/reliability';

const SCRIPT = path.join(__dirname, '..', 'support', 'reliability.ts');

function runLoad(trials: number, dir: string): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), SCRIPT, 'load', String(trials), dir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load runner (${trials} trials) exited with ${code}:\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as LoadReport);
    });
  });
}

const mb = (x: number | undefined) => (x === undefined ? '?' : `${Math.round(x)} MB`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const describeRun = (r: LoadReport) =>
  `${r.trials} trials: ${r.status}, ${r.records} records; sweep ${s(r.ms.sweep)} (map ${s(r.ms.map)}, aggregate ${s(r.ms.aggregate)}, refit ${s(r.ms.refit)}; ` +
  `${(r.ms.map / r.trials).toFixed(1)} ms/trial, of which ${r.trainMsPerTrial.toFixed(1)} ms inside the trial step (record durationMs)); peak RSS harness ${mb(r.harnessPeakRssMb)}, S3 server ${mb(r.s3PeakRssMb)}; ` +
  `heap ${mb(r.heapUsedMb)}; ${r.pool.coldStarts} cold starts, ${r.pool.invocations} invocations`;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-load-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('load', () => {
  it('200 and then 2,000 tiny trials through the harness: every record written, memory bounded', async () => {
    const small = await runLoad(200, fs.mkdtempSync(path.join(tmp, '200-')));
    const large = await runLoad(2000, fs.mkdtempSync(path.join(tmp, '2000-')));
    console.log(`load:\n  ${describeRun(small)}\n  ${describeRun(large)}`);

    for (const r of [small, large]) {
      expect(r.status).toBe('SUCCEEDED');
      expect(r.records).toBe(r.trials);
      expect(r.leaderboard).toEqual({ planned: r.trials, succeeded: r.trials, failed: 0, missing: 0 });
      // plan + one invocation per batch + aggregate + refit: every batch ran once, on warm workers after the first few
      const spec = parseSpec(loadSpec('load', 's3://b/datasets/tiny.csv', r.trials));
      expect(r.pool.invocations).toBe(batchCount(r.trials, trialBatchSize(spec, expandGrid(spec, resolveGrid(spec)))) + 3);
    }
    // ten times the trials: the peak grows far less than tenfold (it holds no per-trial state to speak of)
    expect(large.harnessPeakRssMb).toBeLessThan(1.5 * small.harnessPeakRssMb + 100);
    if (small.s3PeakRssMb !== undefined && large.s3PeakRssMb !== undefined) {
      expect(large.s3PeakRssMb).toBeLessThan(1.5 * small.s3PeakRssMb + 100);
    }
  }, 300_000);
});
