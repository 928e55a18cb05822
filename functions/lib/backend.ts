/** The TensorFlow.js backend of the functions that train (trial, refit), chosen from their settings (config.ts). */
import { initBackend, type BackendInfo, type BackendOptions } from '../../shared/training/backend';

/** Which backend to try first and where the .wasm files are: read from the environment by config.ts backendSettings. */
export type BackendSettings = Pick<BackendOptions, 'preferred' | 'wasmDir'>;

/** Initialise TensorFlow.js once with the given preferred backend and .wasm folder; the choice is logged. */
export function backend(settings: BackendSettings): Promise<BackendInfo> {
  return initBackend({ ...settings, log: (line) => console.log(line) });
}

/**
 * backend(), started when a handler's module loads: the init phase (Lambda's, or the local pool's prewarm) then
 * initialises TensorFlow.js, not the first invocation. A failure is not lost: the invocation that awaits the
 * promise throws it.
 */
export function backendAtInit(settings: BackendSettings): Promise<BackendInfo> {
  const ready = backend(settings);
  ready.catch(() => undefined); // handled by the invocation's await, not an unhandled rejection at init
  return ready;
}
