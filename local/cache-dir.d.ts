/**
 * regsweep's user cache directory: `REGSWEEP_CACHE_DIR`, else `$XDG_CACHE_HOME/regsweep`, else `~/.cache/regsweep`
 * (local/cache-dir.js).
 * @param env - the environment to read. @default process.env
 * @param home - the home directory. @default os.homedir()
 */
export function userCacheDir(env?: Readonly<Record<string, string | undefined>>, home?: string): string;
