#!/usr/bin/env node
'use strict';
/**
 * The `regsweep` command, in one of two ways:
 *
 *  - In an installed package (no cli/main.ts beside this folder): the compiled CLI, dist/cli/main.js
 *    (`npm run build`, which npm's `prepare` runs on `npm ci` and `npm pack`).
 *  - In a checkout: always the current sources, so an edit needs no build step. They run from one CommonJS
 *    bundle (esbuild; npm packages stay external and load from node_modules), kept in the user cache directory
 *    (local/cache-dir.js) as cli-<hash of the sources and the checkout's place>/ and built again whenever a
 *    source file changes (~0.3 s): starting through tsx's loader instead costs ~0.5 s of CPU at every command
 *    (bench/README.md section 11). Each bundled module keeps its own __dirname and __filename, so paths next to a
 *    source file (the report's CSS, the worker script, the S3 server script) resolve as from source. If the
 *    bundle cannot be built, the CLI runs through tsx.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['api', 'cli', 'local', 'infra', 'shared', 'functions'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/regsweep.js'];

/** Every file under `dir` (relative to ROOT), sorted. */
function filesUnder(dir) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Hash of the checkout's place (the bundle holds absolute paths) and every source file's path and content (~2 ms). */
function sourceHash() {
  const h = crypto.createHash('sha256');
  h.update(ROOT);
  for (const rel of [...SOURCE_DIRS.flatMap(filesUnder), ...SOURCE_FILES]) {
    h.update(rel);
    h.update(fs.existsSync(path.join(ROOT, rel)) ? fs.readFileSync(path.join(ROOT, rel)) : '');
  }
  return h.digest('hex').slice(0, 20);
}

/** A module's own __dirname and __filename, in place of the bundle's. */
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.split(path.sep).includes('node_modules')) return undefined;
      const source = fs.readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(source)) return undefined;
      const header = `const __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n`;
      return { contents: header + source, loader: 'ts' };
    });
  },
};

/** The bundle of cli/main.ts for the current sources: from the cache, or built now (and older ones removed). */
async function cliBundle() {
  const cache = require('../local/cache-dir.js').userCacheDir();
  const name = `cli-${sourceHash()}`;
  const file = path.join(cache, name, 'main.js');
  if (fs.existsSync(file)) return file;
  const staging = path.join(cache, `${name}.${process.pid}.tmp`);
  await require('esbuild').build({
    entryPoints: [path.join(ROOT, 'cli', 'main.ts')],
    outfile: path.join(staging, 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    plugins: [sourceDirname],
    logLevel: 'silent',
  });
  fs.writeFileSync(path.join(staging, 'root'), ROOT);
  try {
    fs.mkdirSync(cache, { recursive: true });
    fs.renameSync(staging, path.join(cache, name));
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another command built the same bundle first
  }
  // Bundles of this checkout's older sources go; other checkouts' (other hashes of ROOT) stay a day.
  for (const old of fs.readdirSync(cache)) {
    if (!old.startsWith('cli-') || old === name || old.endsWith('.tmp')) continue;
    const dir = path.join(cache, old);
    let mine = false;
    try {
      mine = fs.readFileSync(path.join(dir, 'root'), 'utf8') === ROOT;
    } catch {
      // a bundle without its root file: judged by age alone
    }
    if (mine || Date.now() - fs.statSync(dir).mtimeMs > 86_400_000) fs.rmSync(dir, { recursive: true, force: true });
  }
  return file;
}

function fromSources() {
  require('tsx/cjs');
  require('../cli/main.ts');
}

// From the first millisecond: SIGINT, SIGTERM and SIGHUP end the process with a line saying so and 128 + the
// signal's number, until a command handles them itself (regsweep local, while it runs: cli/local.ts).
for (const [sig, code] of Object.entries({ SIGHUP: 129, SIGINT: 130, SIGTERM: 143 })) {
  process.on(sig, function beforeTheCommand() {
    if (process.listenerCount(sig) > 1) return; // the command's own handler acts
    process.stderr.write(`regsweep: interrupted (${sig})\n`);
    process.exit(code);
  });
}

process.env.REGSWEEP_CLI_ENTRY = '1';
const compiled = path.join(ROOT, 'dist', 'cli', 'main.js');
if (!fs.existsSync(path.join(ROOT, 'cli', 'main.ts'))) require(compiled);
else
  cliBundle().then(
    (bundle) => {
      try {
        require(bundle);
      } catch (e) {
        if (e.code !== 'MODULE_NOT_FOUND' || !String(e.message).includes(bundle)) throw e;
        fromSources(); // removed by a command that built newer sources in the meantime
      }
    },
    () => fromSources(), // no esbuild, a read-only checkout, a build error: tsx compiles the sources instead
  );
