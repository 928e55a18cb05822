/**
 * A failed local sweep keeps its map-run results (api/local.ts keepMapResults): the export leaves map-results/ out
 * and the local S3 data goes, so they are copied to <out>/<sweepId>/map-results/ and the cause, which names them by
 * S3 URI, names the copies. Against the real local S3 server.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keepMapResults } from '../../api/local';
import { useLocalS3 } from '../support/s3';

const s3 = useLocalS3('regsweep-local');
let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-map-results-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('keepMapResults', () => {
  it('copies the map-run results out and points the cause at the copies', async () => {
    // Prepare: a map run's manifest and a failed child's result, as the ResultWriter writes them
    const run = 'sweeps/sw-kept/map-results/6a59def9-822b-4bb3-8f97-bafd06d9b003';
    await s3.store.putJson(`${run}/manifest.json`, { ResultFiles: { FAILED: [{ Key: `${run}/FAILED_0.json` }] } });
    await s3.store.putJson(`${run}/FAILED_0.json`, [{ Error: 'Sandbox.Timedout', Cause: 'Task timed out after 900.00 seconds' }]);
    await s3.store.putJson('sweeps/other/map-results/x/manifest.json', {});
    const out = path.join(tmp, 'sw-kept');
    const cause = `27 of 75 items failed (ToleratedFailurePercentage 25); 0 not started. Results: ${s3.store.uri(`${run}/manifest.json`)}`;

    // Act
    const local = await keepMapResults(s3.store, 'sw-kept', out, cause);

    // Assess
    const manifest = path.join(out, 'map-results', '6a59def9-822b-4bb3-8f97-bafd06d9b003', 'manifest.json');
    expect(local).toBe(`27 of 75 items failed (ToleratedFailurePercentage 25); 0 not started. Results: ${manifest}`);
    expect(JSON.parse(fs.readFileSync(manifest, 'utf8'))).toEqual({ ResultFiles: { FAILED: [{ Key: `${run}/FAILED_0.json` }] } });
    const failed = JSON.parse(fs.readFileSync(path.join(path.dirname(manifest), 'FAILED_0.json'), 'utf8')) as { Error: string }[];
    expect(failed[0].Error).toBe('Sandbox.Timedout');
    expect(fs.readdirSync(path.join(out, 'map-results'))).toEqual(['6a59def9-822b-4bb3-8f97-bafd06d9b003']); // not another sweep's
  });

  it('leaves the cause as it is when the sweep has no map-run results', async () => {
    const out = path.join(tmp, 'none');
    expect(await keepMapResults(s3.store, 'sw-none', out, 'PlanSweep failed')).toBe('PlanSweep failed');
    expect(fs.existsSync(out)).toBe(false);
  });
});
