/** The stack settings the API's cost estimate is for: cdk.json's `context.regsweep`. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployedConfig } from '../../../api/cost';
import { DEFAULT_CONFIG } from '../../../infra/config';
import { UsageError } from '../../../shared/errors';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-cost-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cdkJson = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('deployedConfig', () => {
  it("reads cdk.json's regsweep settings, defaults filled in; no cdk.json means the defaults", () => {
    const file = cdkJson(
      'cdk.json',
      JSON.stringify({ context: { regsweep: { trialMemoryMb: 1024, childExecutionType: 'EXPRESS', trialTimeoutSeconds: 120 } } }),
    );
    expect(deployedConfig(file)).toMatchObject({ trialMemoryMb: 1024, childExecutionType: 'EXPRESS', refitMemoryMb: DEFAULT_CONFIG.refitMemoryMb });
    expect(deployedConfig(path.join(tmp, 'absent.json'))).toEqual(DEFAULT_CONFIG);
  });

  it.each([
    ['unparseable JSON', 'broken-1.json', '{ "context": ', /broken-1\.json: cannot read the stack settings for the cost estimate/],
    [
      'an invalid setting',
      'broken-2.json',
      JSON.stringify({ context: { regsweep: { trialMemoryMb: 64 } } }),
      /broken-2\.json: regsweep\.trialMemoryMb must be >= 128, got 64/,
    ],
  ])('refuses %s with a UsageError naming the file', (_, name, text, message) => {
    const file = cdkJson(name, text);
    expect(() => deployedConfig(file)).toThrow(UsageError);
    expect(() => deployedConfig(file)).toThrow(message);
  });
});
