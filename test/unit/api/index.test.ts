/** The package's entry: what package.json exports, and its version. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from '../../../api';
import { REPO_ROOT } from '../../../infra/bundling';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  private?: boolean;
  main: string;
  types: string;
  exports: { '.': { types: string; default: string } };
  files: string[];
};

describe('the API entry', () => {
  it('is what package.json exports, as compiled', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.main).toBe('dist/api/index.js');
    expect(pkg.exports['.']).toEqual({ types: './dist/api/index.d.ts', default: './dist/api/index.js' });
    expect(pkg.types).toBe('dist/api/index.d.ts');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'examples/', 'cdk.json', 'bin/regsweep.js']));
  });

  it('exports every workflow as a function, and the typed errors', () => {
    for (const name of ['runLocalSweep', 'trainConfig', 'predict', 'estimateCost', 'validateSpec', 'loadSweep', 'exportSweep', 'packageVersion'] as const) {
      expect(typeof api[name]).toBe('function');
    }
    expect(new api.SpecError('x')).toBeInstanceOf(api.UserInputError);
    expect(api.isUserInputError(new api.DatasetError('x'))).toBe(true);
  });

  it('reports the version of package.json, a real one', () => {
    expect(api.packageVersion()).toBe(pkg.version);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.version).not.toBe('0.0.0');
  });

  it('validates the embedded example, which ships in the package', async () => {
    const check = await api.validateSpec(api.DEFAULT_SPEC);
    expect(path.relative(REPO_ROOT, api.DEFAULT_SPEC)).toBe(path.join('examples', 'specs', 'default.json'));
    expect(check.result.dataset).toMatchObject({ location: 'local', rows: 442 });
    expect(check.result.trials).toBe(check.result.configs * check.result.folds);
  });

  it('throws typed errors for bad input', async () => {
    await expect(api.validateSpec(path.join(REPO_ROOT, 'package.json'))).rejects.toBeInstanceOf(api.SpecError);
    await expect(api.runLocalSweep({ specFile: 'x.json', data: { file: 'y.csv', target: 'y' } })).rejects.toThrow(api.UsageError);
  });
});
