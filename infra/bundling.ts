/**
 * How the Lambda handlers are bundled, in ONE place: the stack (NodejsFunction, see functions.ts) and the local
 * harness (esbuild directly, `esbuildOptions` / `bundleHandler`) build the same bundles from these settings.
 *
 * This module imports no CDK, so a harness can load it cheaply.
 *
 *  - target node22, CommonJS, source maps, names kept (errors keep their class name, which Step Functions shows
 *    as the Error and Retry/Catch match on);
 *  - everything is bundled (the AWS SDK too, so the version is the one package-lock.json pins) except
 *    `@tensorflow/tfjs-node`: an optional native module, absent from zip functions (the code falls back to wasm);
 *  - functions that train (trial as a zip, refit) get tfjs-backend-wasm's `.wasm` files copied next to the bundle
 *    and `TFJS_WASM_DIR` pointing there.
 *
 * The trial container image (functions/trial/Dockerfile) bundles with the same target and format but keeps every
 * `@tensorflow/*` package external, so tfjs-node and the handler share one tfjs-core.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * The folder holding infra/, functions/ and shared/ as this module runs: the repository (from source), or the
 * package's dist/ (compiled, in an installed package). The handlers' entries and the assembly's cache key are here.
 */
export const SOURCE_ROOT = path.resolve(__dirname, '..');

/**
 * The package root: the folder with package.json, cdk.json and examples/ (the NodejsFunction project root, and the
 * trial image's build context). The repository from source; the installed package's folder from dist/.
 */
export const REPO_ROOT = fs.existsSync(path.join(SOURCE_ROOT, 'package.json')) ? SOURCE_ROOT : path.dirname(SOURCE_ROOT);

/**
 * The lock file NodejsFunction is given: package-lock.json in a checkout; an installed package has none (npm never
 * packs it), and its package.json stands in (NodejsFunction only reads the file's name, to pick npm).
 */
export function depsLockFile(root: string = REPO_ROOT): string {
  const lock = path.join(root, 'package-lock.json');
  return fs.existsSync(lock) ? lock : path.join(root, 'package.json');
}

export const HANDLER_NAMES = ['plan', 'trial', 'aggregate', 'refit'] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

/** Whether the trial is the container image (tfjs-node) or a zip function (wasm backend). */
export type TrialPackaging = 'container' | 'zip';

/** esbuild `target`; matches the Lambda runtime nodejs22.x and the image base public.ecr.aws/lambda/nodejs:22. */
export const NODE_TARGET = 'node22';

/** Modules left out of every zip bundle. */
export const EXTERNAL_MODULES: readonly string[] = ['@tensorflow/tfjs-node'];

/** Modules left out of the container bundle (installed in the image instead; see the Dockerfile). */
export const CONTAINER_EXTERNAL_MODULES: readonly string[] = ['@tensorflow/*'];

/** Where a zip function's bundle (and so the copied .wasm files) lives at runtime. */
export const LAMBDA_TASK_ROOT = '/var/task/';

/** Name of the exported handler in every bundle. */
export const HANDLER_EXPORT = 'handler';

/** The handler's source file: index.ts from source, index.js in the compiled package (dist/). */
export function handlerEntry(name: HandlerName, root: string = SOURCE_ROOT): string {
  const ts = path.join(root, 'functions', name, 'index.ts');
  return fs.existsSync(ts) ? ts : path.join(root, 'functions', name, 'index.js');
}

/** True for the functions that train with TensorFlow.js in a zip bundle (and so need the .wasm files). */
export function needsWasm(name: HandlerName, trial: TrialPackaging = 'zip'): boolean {
  return name === 'refit' || (name === 'trial' && trial === 'zip');
}

/**
 * The folder holding tfjs-backend-wasm's `.wasm` files: under the project's node_modules in a checkout, else where
 * Node resolves the package from here (an installed regsweep: the dependencies are hoisted beside it).
 */
export function wasmSourceDir(root: string = REPO_ROOT): string {
  const local = path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  if (fs.existsSync(local)) return local;
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

/**
 * Shell command (run by NodejsFunction's afterBundling hook) that copies the .wasm files into the bundle. Bundling
 * is local (esbuild is a dependency), so the folder is resolved on this machine (wasmSourceDir).
 */
export function copyWasmCommand(inputDir: string, outputDir: string): string {
  return `cp "${wasmSourceDir(inputDir)}/"*.wasm "${outputDir}/"`;
}

/** Copies the .wasm files into `outDir` (the harness's equivalent of copyWasmCommand). Returns the files copied. */
export function copyWasmFiles(outDir: string, root: string = REPO_ROOT): string[] {
  const src = wasmSourceDir(root);
  const files = fs.readdirSync(src).filter((f) => f.endsWith('.wasm'));
  if (files.length === 0) throw new Error(`no .wasm files in ${src}: is @tensorflow/tfjs-backend-wasm installed?`);
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(src, f), path.join(outDir, f));
  return files.map((f) => path.join(outDir, f));
}

/**
 * The environment a function gets (besides what the Lambda runtime sets). `wasmDir` is where the .wasm files are
 * at runtime: LAMBDA_TASK_ROOT in the cloud, the bundle's folder locally.
 */
export function functionEnvironment(name: HandlerName, opts: { bucketName: string; trial: TrialPackaging; wasmDir?: string }): Record<string, string> {
  const trial = opts.trial;
  const env: Record<string, string> = { BUCKET_NAME: opts.bucketName };
  if (name === 'trial' && trial === 'container') env.REGSWEEP_BACKEND = 'tensorflow';
  if (needsWasm(name, trial)) {
    env.REGSWEEP_BACKEND = 'wasm';
    env.TFJS_WASM_DIR = opts.wasmDir ?? LAMBDA_TASK_ROOT;
  }
  return env;
}

/** The esbuild settings NodejsFunction is given (see functions.ts), as plain values. */
export const BUNDLE_SETTINGS = {
  target: NODE_TARGET,
  format: 'cjs',
  platform: 'node',
  sourcemap: true,
  minify: false,
  keepNames: true,
} as const;

/**
 * esbuild options that build `name` the way the stack does, into `outDir/index.js` (copy the .wasm files with
 * copyWasmFiles when needsWasm). For the local harness.
 */
export function esbuildOptions(name: HandlerName, outDir: string, root: string = SOURCE_ROOT): BuildOptions {
  return {
    entryPoints: [handlerEntry(name, root)],
    outfile: path.join(outDir, 'index.js'),
    bundle: true,
    platform: BUNDLE_SETTINGS.platform,
    target: BUNDLE_SETTINGS.target,
    format: BUNDLE_SETTINGS.format,
    sourcemap: BUNDLE_SETTINGS.sourcemap,
    minify: BUNDLE_SETTINGS.minify,
    keepNames: BUNDLE_SETTINGS.keepNames,
    external: [...EXTERNAL_MODULES],
    absWorkingDir: root,
    logLevel: 'warning',
  };
}

/** Bundles `name` into `outDir` (plus the .wasm files when it trains). Returns the bundle's path. */
export async function bundleHandler(name: HandlerName, outDir: string, root: string = SOURCE_ROOT): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const options = esbuildOptions(name, outDir, root);
  await esbuild.build(options);
  if (needsWasm(name)) copyWasmFiles(outDir, root);
  return options.outfile as string;
}

/** The trial image's Dockerfile, relative to its build context (the repository root). */
export const TRIAL_DOCKERFILE = 'functions/trial/Dockerfile';

/**
 * What the trial image's build context leaves out (Docker ignore syntax, last match wins): everything but the
 * package files, shared/, functions/ and infra/docker/. The repository's .dockerignore holds the same lines (a test checks).
 */
export const TRIAL_IMAGE_EXCLUDE: readonly string[] = [
  '*',
  '!package.json',
  '!package-lock.json',
  '!tsconfig.json',
  '!shared',
  '!functions',
  '!infra',
  'infra/*',
  '!infra/docker',
  '.git',
  'node_modules',
  'cdk.out',
  'bench',
  'test',
  '**/node_modules',
  '**/cdk.out',
  '**/*.test.ts',
];
