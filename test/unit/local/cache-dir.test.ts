/** The user cache directory every runtime file goes to (local/cache-dir.js), never the package's folder. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { userCacheDir } from '../../../local/cache-dir';
import { assemblyKey, loadAssembly } from '../../../local/harness';
import { REPO_ROOT } from '../../../infra/bundling';

describe('userCacheDir', () => {
  it.each([
    ['REGSWEEP_CACHE_DIR wins', { REGSWEEP_CACHE_DIR: '/c/rs', XDG_CACHE_HOME: '/x' }, '/c/rs'],
    ['then XDG_CACHE_HOME/regsweep', { XDG_CACHE_HOME: '/x' }, '/x/regsweep'],
    ['then ~/.cache/regsweep', {}, '/home/u/.cache/regsweep'],
    ['an empty value counts as unset', { REGSWEEP_CACHE_DIR: '', XDG_CACHE_HOME: '' }, '/home/u/.cache/regsweep'],
  ])('%s', (_name, env, expected) => {
    expect(userCacheDir(env, '/home/u')).toBe(expected);
  });

  it('takes a relative value from the current directory', () => {
    expect(userCacheDir({ REGSWEEP_CACHE_DIR: 'rel' }, '/home/u')).toBe(path.resolve('rel'));
  });
});

describe('the harness cache', () => {
  it('is the user cache directory, outside the package', () => {
    // Prepare: a cache dir holding a (fake) assembly for the current sources, so nothing is synthesized
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regsweep-cache-'));
    const before = process.env.REGSWEEP_CACHE_DIR;
    process.env.REGSWEEP_CACHE_DIR = dir;
    try {
      // Act: loadAssembly with no cacheDir finds what is in REGSWEEP_CACHE_DIR
      const assemblyDir = path.join(dir, `assembly-${assemblyKey({})}`);
      fs.mkdirSync(assemblyDir);
      fs.writeFileSync(path.join(assemblyDir, 'Regsweep.template.json'), JSON.stringify({ Resources: { Marker: { Type: 'Test' } } }));
      const assembly = loadAssembly();
      // Assess
      expect(assembly).toMatchObject({ dir: assemblyDir, cached: true, template: { Resources: { Marker: { Type: 'Test' } } } });
      expect(path.relative(REPO_ROOT, assembly.dir).startsWith('..')).toBe(true);
    } finally {
      if (before === undefined) delete process.env.REGSWEEP_CACHE_DIR;
      else process.env.REGSWEEP_CACHE_DIR = before;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
