'use strict';
/**
 * Where regsweep keeps its runtime files (the CLI bundle of a checkout, the synthesized assembly with the
 * function bundles and their V8 code caches, the validator's marks): a user cache directory, never the package's
 * own folder, which an installed package may not be able to write. Plain JavaScript, so bin/regsweep.js uses it
 * before any TypeScript is compiled; local/cache-dir.d.ts types it.
 */
const os = require('node:os');
const path = require('node:path');

/**
 * `REGSWEEP_CACHE_DIR`, else `$XDG_CACHE_HOME/regsweep`, else `~/.cache/regsweep` (a relative value is taken from
 * the current directory; an empty one counts as unset, as XDG says).
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {string} home
 * @returns {string}
 */
function userCacheDir(env = process.env, home = os.homedir()) {
  if (env.REGSWEEP_CACHE_DIR) return path.resolve(env.REGSWEEP_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.resolve(env.XDG_CACHE_HOME, 'regsweep');
  return path.join(home, '.cache', 'regsweep');
}

module.exports = { userCacheDir };
