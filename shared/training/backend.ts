/**
 * The TensorFlow.js backend, chosen once per process: tfjs-node ('tensorflow', native libtensorflow) if it
 * loads, else the WebAssembly backend, else the pure-JS cpu backend. `await initBackend()` before any model
 * is built (importing the wasm backend registers it with top priority, and using it before it is ready throws).
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendOptions {
  /** Backend to try first; the others follow in the usual order. @default 'tensorflow' */
  readonly preferred?: BackendName;
  /** Folder holding tfjs-backend-wasm's .wasm files (a Lambda bundle copies them next to the code). */
  readonly wasmDir?: string;
  /** Called once with a line saying which backend runs (and why others did not). */
  readonly log?: (line: string) => void;
}

export interface BackendInfo {
  readonly name: BackendName;
  /** Why a preferred backend was skipped, if it was. */
  readonly fallbacks: string[];
}

let chosen: Promise<BackendInfo> | undefined;

/** Choose and initialise the backend (once per process; later calls return the first result). */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  chosen ??= choose(opts).then((info) => {
    const why = info.fallbacks.length ? ` (${info.fallbacks.join('; ')})` : '';
    (opts.log ?? (() => undefined))(`regsweep: TensorFlow.js backend: ${info.name}${why}`);
    return info;
  });
  return chosen;
}

/** The backend name, once initBackend has resolved. */
export function currentBackend(): BackendName {
  return tf.getBackend() as BackendName;
}

function order(preferred: BackendName): BackendName[] {
  return [preferred, ...BACKENDS.filter((b) => b !== preferred)];
}

async function choose(opts: BackendOptions): Promise<BackendInfo> {
  const fallbacks: string[] = [];
  for (const name of order(opts.preferred ?? 'tensorflow')) {
    try {
      if (await tryBackend(name, opts)) return { name, fallbacks };
      fallbacks.push(`${name} did not initialise`);
    } catch (e) {
      fallbacks.push(`${name} unavailable: ${firstLine(e)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${fallbacks.join('; ')}`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

async function tryBackend(name: BackendName, opts: BackendOptions): Promise<boolean> {
  if (name === 'tensorflow') {
    // Optional dependency: absent where its install script could not download libtensorflow.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
  } else if (name === 'wasm') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = wasmDirectory(opts.wasmDir);
    if (dir) wasm.setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

/** Where the .wasm binaries are: the given folder, else the installed package, else next to this bundle. */
function wasmDirectory(given?: string): string | undefined {
  const candidates: string[] = [];
  if (given) candidates.push(given);
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // bundled: no node_modules at run time
  }
  candidates.push(__dirname);
  return candidates.find((d) => fs.existsSync(path.join(d, 'tfjs-backend-wasm.wasm')));
}
