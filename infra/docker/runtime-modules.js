#!/usr/bin/env node
/**
 * Copies the installed packages a bundle keeps external (by default every @tensorflow/* package), with their
 * dependencies, from ./node_modules to <out>/node_modules, following package-lock.json and Node's resolution
 * (nested node_modules first, then the parent's, up to the root). Used by functions/trial/Dockerfile so the image
 * holds TensorFlow.js and nothing else from node_modules (the handler bundle carries the rest).
 *
 *   node runtime-modules.js <out> [package-name-regex]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [out, pattern = '^@tensorflow/'] = process.argv.slice(2);
if (!out) {
  console.error('usage: runtime-modules.js <out> [package-name-regex]');
  process.exit(2);
}
const packages = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')).packages;
const installed = (at) => packages[at] !== undefined && !packages[at].dev && fs.existsSync(at);

/** Where `dep` resolves from the package installed at `from` ('' is the project root). */
function resolve(from, dep) {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
    if (installed(candidate)) return candidate;
    if (!dir) return undefined;
    dir = dir.slice(0, Math.max(0, dir.lastIndexOf('node_modules/') - 1));
  }
}

const keep = new Set();
function visit(at) {
  if (keep.has(at)) return;
  keep.add(at);
  const p = packages[at];
  const deps = { ...p.dependencies, ...p.optionalDependencies, ...p.peerDependencies };
  for (const dep of Object.keys(deps)) {
    const found = resolve(at, dep);
    if (found) visit(found);
  }
}

const re = new RegExp(pattern);
for (const at of Object.keys(packages)) {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(at);
  if (m && re.test(m[1]) && installed(at)) visit(at);
}
if (keep.size === 0) {
  console.error(`no installed package matches /${pattern}/`);
  process.exit(1);
}
for (const at of keep) fs.cpSync(at, path.join(out, at), { recursive: true, verbatimSymlinks: true });
console.log(`runtime-modules: copied ${keep.size} packages to ${path.join(out, 'node_modules')}`);
