/**
 * Polyfills the local harness needs on Node 20.
 *
 * aws-local-stepfunctions 3.0.0 targets Node 22 and calls `Promise.withResolvers()` (ES2024) in every Task
 * state; on Node 20 that is `undefined`, so every Task fails with `Promise.withResolvers is not a function`.
 * Import this module before the library is used (local/runner.ts imports it first). Installing is idempotent
 * and never replaces a native implementation.
 */

declare global {
  interface PromiseWithResolvers<T> {
    promise: Promise<T>;
    resolve: (value: T | PromiseLike<T>) => void;
    reject: (reason?: unknown) => void;
  }
  interface PromiseConstructor {
    withResolvers<T>(): PromiseWithResolvers<T>;
  }
}

/**
 * `Promise.withResolvers` as specified (ES2024, 27.2.4.8): NewPromiseCapability(this), so it works for
 * subclasses, and throws a TypeError when `this` is not a constructor.
 */
function withResolvers<T>(this: unknown): PromiseWithResolvers<T> {
  if (typeof this !== 'function') {
    throw new TypeError('Promise.withResolvers called on a non-constructor');
  }
  const C = this as PromiseConstructor;
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new C<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (typeof resolve !== 'function' || typeof reject !== 'function') {
    throw new TypeError('Promise.withResolvers: the constructor did not provide resolve/reject functions');
  }
  return { promise, resolve, reject };
}

/** Installs the polyfills that are missing. Returns the names it installed (empty when all are native). */
export function installPolyfills(): string[] {
  const installed: string[] = [];
  if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
    // Same property attributes as the built-in: writable, configurable, not enumerable.
    Object.defineProperty(Promise, 'withResolvers', {
      value: withResolvers,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    installed.push('Promise.withResolvers');
  }
  return installed;
}

installPolyfills();

export { withResolvers as promiseWithResolvers };
