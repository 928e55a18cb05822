/** Where the package's own files are: its root (package.json, cdk.json, examples/) and the embedded example. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../infra/bundling';

/** The package's root folder: the repository, or the installed package's folder. */
export const PACKAGE_ROOT = REPO_ROOT;

/** The embedded default sweep (diabetes.csv, shipped in the package's examples/). */
export const DEFAULT_SPEC = path.join(PACKAGE_ROOT, 'examples', 'specs', 'default.json');

let version: string | undefined;
/** The package's version, from its package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
