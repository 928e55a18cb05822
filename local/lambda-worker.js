'use strict';
/**
 * One emulated Lambda execution environment (a "container"), run as a worker thread by local/lambda-pool.ts.
 *
 * It serves exactly one function: the bundle is loaded on the first invocation (the init phase), with the
 * function's environment already in process.env (the pool passes it as the worker's `env`), and stays loaded for
 * later invocations, so module-level state survives between them like in a warm container. Plain JavaScript on
 * purpose: a worker thread cannot load TypeScript.
 *
 * Protocol (parent -> worker): { type: 'invoke', id, event: <JSON string>, context: {...}, deadline: <epoch ms> }
 *                     { type: 'init' }: run the init phase now, ahead of any invocation (the pool's prewarm)
 * (worker -> parent): { type: 'initialized' } once a prewarm's init phase is done
 *                     { type: 'result', id, ok: true, payload: <JSON string> }
 *                     { type: 'result', id, ok: false, fatal: boolean, error: { errorType, errorMessage, trace } }
 * `fatal` asks the parent to discard this worker (init failed, or the runtime is in an unknown state).
 */
const { parentPort, threadId, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const { bundlePath, codeCachePath, handlerExport } = workerData;

/** Set when the bundle was compiled without a usable code cache: writes V8's cache after the first invocation. */
let writeCodeCache;

/**
 * require(file), compiled with V8's code cache at `cachePath` (as Node's module loader would, but with cachedData):
 * the same module wrapper, `require`, `module`, `__filename` and `__dirname`. A missing file is MODULE_NOT_FOUND.
 */
function requireWithCodeCache(file, cachePath) {
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err && err.code === 'ENOENT') {
      const e = new Error(`Cannot find module '${file}'`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    throw err;
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(cachePath);
  } catch {
    cachedData = undefined; // none yet
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    writeCodeCache = () => {
      // After an invocation the cache holds the functions compiled so far, not only the top level.
      const tmp = `${cachePath}.${process.pid}.${threadId}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cachePath);
      } catch {
        fs.rmSync(tmp, { force: true }); // a read-only cache: compile again next time
      }
    };
  }
  const mod = new Module(file, null);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

let handler;
let currentId = null;

/** Lambda's error shape for a thrown value (like the Node.js runtime interface client). */
function toLambdaError(err, forcedType) {
  if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    return {
      errorType: forcedType || (typeof err.name === 'string' && err.name) || 'Error',
      errorMessage: String(err.message),
      trace: stack,
    };
  }
  return { errorType: forcedType || typeof err, errorMessage: String(err), trace: [] };
}

function fail(id, err, fatal, forcedType) {
  parentPort.postMessage({ type: 'result', id, ok: false, fatal, error: toLambdaError(err, forcedType) });
}

/** The init phase: load the bundle and find the handler. Throws an error with Lambda's errorType. */
function load() {
  if (handler) return handler;
  let mod;
  try {
    mod = codeCachePath ? requireWithCodeCache(bundlePath, codeCachePath) : require(bundlePath);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(bundlePath)) {
      const e = new Error(`Error: Cannot find module '${path.basename(bundlePath)}' (${bundlePath})`);
      e.name = 'Runtime.ImportModuleError';
      throw e;
    }
    if (err instanceof SyntaxError) {
      const e = new Error(`${err.name}: ${err.message}`);
      e.name = 'Runtime.UserCodeSyntaxError';
      e.stack = err.stack;
      throw e;
    }
    throw err;
  }
  const h = mod && (mod[handlerExport] ?? (mod.default && mod.default[handlerExport]));
  if (typeof h !== 'function') {
    const e = new Error(`${path.basename(bundlePath, path.extname(bundlePath))}.${handlerExport} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  handler = h;
  return h;
}

function callHandler(h, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    };
    let ret;
    try {
      ret = h(event, context, callback);
    } catch (err) {
      settled = true;
      reject(err);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then(
        (v) => callback(null, v),
        (e) => callback(e === null || e === undefined ? new Error(String(e)) : e),
      );
    } else if (h.length < 3) {
      // A synchronous, non-callback handler: its return value is the result.
      callback(null, ret);
    }
  });
}

parentPort.on('message', async (msg) => {
  if (msg && msg.type === 'init') {
    try {
      load();
      parentPort.postMessage({ type: 'initialized' });
    } catch {
      // Nothing to report yet: the first invocation runs load() again, as a cold start would, and its error goes to that invocation.
    }
    return;
  }
  if (!msg || msg.type !== 'invoke') return;
  const { id, deadline } = msg;
  currentId = id;
  let h;
  try {
    h = load();
  } catch (err) {
    currentId = null;
    fail(id, err, true);
    return;
  }
  // The handler's timeout starts now (the init phase above has its own limit, as in Lambda).
  const handlerDeadline = Date.now() + (deadline - msg.sentAt);
  parentPort.postMessage({ type: 'started', id });
  const context = {
    ...msg.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, handlerDeadline - Date.now()),
  };
  try {
    const value = await callHandler(h, JSON.parse(msg.event), context);
    let payload;
    try {
      payload = JSON.stringify(value === undefined ? null : value);
    } catch (err) {
      currentId = null;
      fail(id, err, false, 'Runtime.MalformedHandlerResponse');
      return;
    }
    if (writeCodeCache) {
      const write = writeCodeCache;
      writeCodeCache = undefined;
      write(); // before the result: the parent may end this worker as soon as it has it
    }
    currentId = null;
    parentPort.postMessage({ type: 'result', id, ok: true, payload });
  } catch (err) {
    currentId = null;
    fail(id, err, false);
  }
});

// An error that escapes the handler's promise chain leaves the runtime in an unknown state: report it against
// the current invocation (Lambda's Node.js runtime does the same) and let the parent replace this worker.
process.on('unhandledRejection', (reason) => {
  fail(currentId, reason, true, 'Runtime.UnhandledPromiseRejection');
});
process.on('uncaughtException', (err) => {
  fail(currentId, err, true);
});
