/**
 * The bundling settings shared by the stack and the local harness, and the trial image's build inputs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EXTERNAL_MODULES,
  REPO_ROOT,
  TRIAL_IMAGE_EXCLUDE,
  bundleHandler,
  copyWasmCommand,
  esbuildOptions,
  functionEnvironment,
  handlerEntry,
  needsWasm,
} from '../../infra/bundling';
import { nodejsBundling } from '../../infra/functions';
import { removeTempDirs, tempDir } from './support';

const tmp = () => tempDir('regsweep-bundling-');

afterAll(removeTempDirs);

describe('bundling settings', () => {
  it('bundles every handler for node22 as CommonJS, keeping class names, leaving only tfjs-node out', () => {
    const opts = esbuildOptions('plan', '/out');
    expect(opts).toMatchObject({
      entryPoints: [path.join(REPO_ROOT, 'functions/plan/index.ts')],
      outfile: '/out/index.js',
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      keepNames: true,
      external: ['@tensorflow/tfjs-node'],
    });
    expect(nodejsBundling('plan', 'container')).toMatchObject({
      target: 'node22',
      format: 'cjs',
      keepNames: true,
      sourceMap: true,
      externalModules: [...EXTERNAL_MODULES],
    });
  });

  it.each([
    ['plan', 'container', false],
    ['aggregate', 'zip', false],
    ['refit', 'container', true],
    ['trial', 'zip', true],
    ['trial', 'container', false],
  ] as const)('%s (%s trial): copies the .wasm files after bundling = %s', (name, trial, copies) => {
    expect(needsWasm(name, trial)).toBe(copies);
    const hooks = nodejsBundling(name, trial).commandHooks;
    expect(hooks?.afterBundling('/in', '/out') ?? []).toEqual(copies ? [copyWasmCommand('/in', '/out')] : []);
  });

  it('the afterBundling command copies the wasm binaries next to the bundle', () => {
    const out = tmp();
    execFileSync('bash', ['-c', copyWasmCommand(REPO_ROOT, out)]);
    expect(fs.readdirSync(out).sort()).toEqual(['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm']);
  });

  it.each([
    ['plan', 'container', { BUCKET_NAME: 'b' }],
    ['aggregate', 'zip', { BUCKET_NAME: 'b' }],
    ['refit', 'container', { BUCKET_NAME: 'b', REGSWEEP_BACKEND: 'wasm', TFJS_WASM_DIR: '/var/task/' }],
    ['trial', 'zip', { BUCKET_NAME: 'b', REGSWEEP_BACKEND: 'wasm', TFJS_WASM_DIR: '/var/task/' }],
    ['trial', 'container', { BUCKET_NAME: 'b', REGSWEEP_BACKEND: 'tensorflow' }],
  ] as const)('%s (%s trial) gets the environment %j', (name, trial, env) => {
    expect(functionEnvironment(name, { bucketName: 'b', trial })).toEqual(env);
  });

  it('every handler entry exists', () => {
    for (const name of ['plan', 'trial', 'aggregate', 'refit'] as const) expect(fs.existsSync(handlerEntry(name))).toBe(true);
  });

  it('bundleHandler builds a loadable refit bundle with the .wasm files beside it', async () => {
    const out = tmp();
    const bundle = await bundleHandler('refit', out);
    expect(bundle).toBe(path.join(out, 'index.js'));
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.wasm'))).toHaveLength(3);
    // Loaded from outside the repository, so nothing resolves from the project's node_modules.
    const exported = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)}).handler)`], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
    });
    expect(exported.startsWith('function')).toBe(true);
    // The init phase starts TensorFlow.js (backendAtInit): the wasm backend, from the .wasm files beside the bundle.
    expect(exported).toMatch(/TensorFlow\.js backend: wasm\b/);
  });
});

describe('trial image', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'functions/trial/Dockerfile'), 'utf8');

  it('.dockerignore holds exactly the asset exclude list', () => {
    const lines = fs
      .readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([...TRIAL_IMAGE_EXCLUDE]);
  });

  it('builds from the Lambda Node.js 22 base, installs production deps with npm ci, bundles the handler, runs index.handler', () => {
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=public\.ecr\.aws\/lambda\/nodejs:22$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --no-audit --no-fund$/m);
    expect(dockerfile).toMatch(/esbuild functions\/trial\/index\.ts --bundle --platform=node --target=node22 --format=cjs/);
    expect(dockerfile).toMatch(/--keep-names/);
    expect(dockerfile).toMatch(/--external:'@tensorflow\/\*'/);
    expect(dockerfile).toMatch(/^ENV NODE_OPTIONS=--enable-source-maps \\\n\s+REGSWEEP_BACKEND=tensorflow$/m);
    expect(dockerfile).toMatch(/^CMD \["index\.handler"\]$/m);
  });

  it('runtime-modules.js copies the TensorFlow.js packages with everything they need to load', () => {
    const out = tmp();
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'infra/docker/runtime-modules.js'), out, '^@tensorflow/tfjs(-core)?$'], { cwd: REPO_ROOT });
    const loaded = execFileSync(process.execPath, ['-e', "process.stdout.write(typeof require('@tensorflow/tfjs').sequential)"], {
      cwd: out,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: '' },
    });
    expect(loaded).toBe('function');
    expect(fs.existsSync(path.join(out, 'node_modules/aws-cdk-lib'))).toBe(false);
  });
});
