/** The TensorFlow.js backend of the functions that train (trial, refit), chosen from their environment. */
import { initBackend, type BackendInfo, type BackendName } from '../../shared/training/backend';

/** Initialise TensorFlow.js once: REGSWEEP_BACKEND is the preferred backend, TFJS_WASM_DIR the .wasm folder. */
export function backend(env: NodeJS.ProcessEnv = process.env): Promise<BackendInfo> {
  const preferred = env.REGSWEEP_BACKEND as BackendName | undefined;
  return initBackend({
    preferred: preferred === 'tensorflow' || preferred === 'wasm' || preferred === 'cpu' ? preferred : undefined,
    wasmDir: env.TFJS_WASM_DIR || undefined,
    log: (line) => console.log(line),
  });
}
