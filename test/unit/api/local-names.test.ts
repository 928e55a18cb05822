/**
 * The S3 name of a local dataset (api/local.ts localDatasetName): a safe file name as it is; any other a slug, a
 * short hash of the whole name and the extension of the format its content has (what PlanSweep reads it as).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localDatasetName } from '../../../api/local';
import { detectFormat } from '../../../shared/data/read';
import { datasetKey } from '../../../shared/store/layout';

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-names-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, content: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
};

describe('localDatasetName', () => {
  it('keeps a safe name as it is (so existing sweeps resume under the same source)', () => {
    expect(localDatasetName(write('iris.csv', 'a,y\n1,2\n'))).toBe('iris.csv');
  });

  it.each([
    ['my data.csv', 'a,y\n1,2\n', /^my-data-[0-9a-f]{8}\.csv$/],
    ['données.tsv', 'a\ty\n1\t2\n', /^donnees-[0-9a-f]{8}\.csv$/],
    ['rows.txt', '{"a":1,"y":2}\n', /^rows-[0-9a-f]{8}\.jsonl$/],
    ['table', '[{"a":1,"y":2}]', /^table-[0-9a-f]{8}\.json$/],
    ['日本語.csv', 'a,y\n1,2\n', /^dataset-[0-9a-f]{8}\.csv$/],
  ])('%s -> a safe key with the format of its content', (name, content, expected) => {
    const got = localDatasetName(write(name, content));
    expect(got).toMatch(expected);
    expect(() => datasetKey(got)).not.toThrow();
  });

  it('gives names with the same slug different keys', () => {
    expect(localDatasetName(write('a b.csv', 'a,y\n'))).not.toBe(localDatasetName(write('a-b .csv', 'a,y\n')));
  });
});

describe('detectFormat by content', () => {
  it.each([
    ['data.txt', '{"a":1}\n{"a":2}\n', 'jsonl'],
    ['data', '\uFEFF[{"a":1}]', 'json'],
    ['data.tsv', 'a\tb\n1\t2\n', 'csv'],
    ['data.json', '{"a":1}', 'json'],
  ] as const)('%s holding %j is %s', (name, text, format) => {
    expect(detectFormat(name, text)).toBe(format);
  });
});
