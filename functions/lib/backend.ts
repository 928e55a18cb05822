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

/**
 * backend(), started when a handler's module loads: the init phase (Lambda's, or the local pool's prewarm) then
 * initialises TensorFlow.js, not the first invocation. A failure is not lost: the invocation that awaits the
 * promise throws it.
 */
export function backendAtInit(): Promise<BackendInfo> {
  const ready = backend();
  ready.catch(() => undefined); // handled by the invocation's await, not an unhandled rejection at init
  return ready;
}
