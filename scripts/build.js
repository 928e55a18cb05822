#!/usr/bin/env node
'use strict';
/**
 * `npm run build` (also npm's `prepare`, so `npm ci` and `npm pack` run it): compiles the sources to dist/ with
 * tsc (tsconfig.build.json: CommonJS, one .js and one .d.ts per source, the folders as in the repository), then
 * copies the files tsc does not emit beside them: the plain JavaScript of local/ (the S3 server, the Lambda
 * worker, the cache directory), the report's CSS and browser script, the trial image's Dockerfile and helper.
 * The build is incremental (its build info in node_modules/.cache/regsweep/, so a fresh `npm ci` builds
 * everything); without dist/ or without the build info, both go and dist/ is built afresh.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const FOLDERS = ['api', 'cli', 'local', 'infra', 'functions', 'shared'];
const BUILD_INFO = path.join(ROOT, 'node_modules', '.cache', 'regsweep', 'build.tsbuildinfo');

/** Every file under `dir` (absolute), skipping node_modules and cdk.out. */
function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'cdk.out' ? [] : filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

const started = Date.now();
if (!fs.existsSync(DIST) || !fs.existsSync(BUILD_INFO)) {
  fs.rmSync(DIST, { recursive: true, force: true });
  fs.rmSync(BUILD_INFO, { force: true });
}
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
let copied = 0;
for (const file of FOLDERS.flatMap((d) => filesUnder(path.join(ROOT, d)))) {
  if (file.endsWith('.ts') && !file.endsWith('.d.ts')) continue;
  const to = path.join(DIST, path.relative(ROOT, file));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(file, to);
  copied++;
}
process.stderr.write(`regsweep: built dist/ (tsc, ${copied} files copied) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
