#!/usr/bin/env bash
# Checks the package as a user gets it: `npm pack` (which builds dist/ through npm's prepare), the tarball
# installed in an empty project (npm's cache makes it mostly offline), then in that project:
#   npx regsweep --version        prints package.json's version
#   npx regsweep local            the embedded example sweep, run from the package's examples/
#   node check.mjs                imports the API (ESM import of the CommonJS build) and reads the sweep back
#   tsc check.ts                  the API's types resolve through package.json's `exports`
# Runtime files go to a cache directory inside the scratch folder (REGSWEEP_CACHE_DIR), never into the package.
# Usage: bash scripts/check-pack.sh   (or npm run check-pack); KEEP=1 keeps the scratch folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/regsweep-pack-XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "scratch folder: $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
started=$SECONDS
step() { echo "check-pack: $1 ($((SECONDS - started)) s)"; }

cd "$ROOT"
version="$(node -p 'require("./package.json").version')"
step "npm pack"
tarball="$WORK/$(npm pack --silent --pack-destination "$WORK" | tail -1)"
# The tarball holds the build, the examples and the bin, and no sources, tests or caches.
listing="$(tar -tzf "$tarball")"
for f in package/dist/api/index.js package/dist/api/index.d.ts package/dist/cli/main.js package/dist/local/s3-server-process.js \
  package/dist/cli/report/report.css package/examples/specs/default.json package/examples/data/diabetes.csv package/cdk.json package/bin/regsweep.js; do
  grep -qx "$f" <<<"$listing" || { echo "check-pack: $f missing from $tarball" >&2; exit 1; }
done
if grep -E '^package/(cli|shared|local|infra|functions|api|test|bench)/|\.regsweep|node_modules|\.tsbuildinfo' <<<"$listing"; then
  echo "check-pack: the tarball holds files it should not (above)" >&2
  exit 1
fi

step "npm install into an empty project"
mkdir "$WORK/project"
cd "$WORK/project"
echo '{ "name": "regsweep-pack-check", "version": "1.0.0", "private": true }' >package.json
npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" >/dev/null
export REGSWEEP_CACHE_DIR="$WORK/cache"

step "npx regsweep --version"
got="$(npx --no-install regsweep --version)"
[ "$got" = "$version" ] || { echo "check-pack: regsweep --version printed '$got', expected '$version'" >&2; exit 1; }

step "npx regsweep local (the embedded example)"
npx --no-install regsweep local --out out --sweep-id pack-check --json >summary.json 2>local.log || { cat local.log >&2; exit 1; }
node -e 'const s = require("./summary.json"); if (!s.best || !s.best.label) { console.error(s); process.exit(1); }'
[ -f out/pack-check/leaderboard.json ] && [ -f out/pack-check/report.html ] || { echo "check-pack: results missing from out/pack-check" >&2; exit 1; }
if find node_modules/regsweep -newer package.json \( -name '.regsweep' -o -name 'cdk.out' -o -name 'assembly-*' -o -name 'cli-*' \) | grep .; then
  echo "check-pack: runtime files were written into the package's folder (above)" >&2
  exit 1
fi
[ -n "$(ls "$REGSWEEP_CACHE_DIR")" ] || { echo "check-pack: nothing in REGSWEEP_CACHE_DIR" >&2; exit 1; }

step "import the API from an .mjs file"
cat >check.mjs <<'JS'
import { DEFAULT_SPEC, loadSweep, packageVersion, SpecError, validateSpec } from 'regsweep';
const check = await validateSpec(DEFAULT_SPEC);
const data = await loadSweep('out/pack-check');
let refused;
try {
  await validateSpec('package.json');
} catch (e) {
  refused = e instanceof SpecError ? 'SpecError' : String(e);
}
console.log(JSON.stringify({ version: packageVersion(), trials: check.result.trials, chosen: data.leaderboard.best.label, refused }));
JS
got="$(node check.mjs)"
node -e '
  const [got, version] = process.argv.slice(1);
  const r = JSON.parse(got);
  const s = require("./summary.json");
  if (r.version !== version || !(r.trials > 0) || r.chosen !== s.best.label || r.refused !== "SpecError") { console.error("check-pack: unexpected", r); process.exit(1); }
' "$got" "$version"

step "type-check a .ts file against the package's types"
cat >check.ts <<'TS'
import { runLocalSweep, type LocalSweepResult, type SweepData } from 'regsweep';
export async function chosen(): Promise<string | undefined> {
  const run: LocalSweepResult = await runLocalSweep({ out: 'out', onEvent: (e) => void (e.type === 'progress' && e.done) });
  const data: SweepData | undefined = run.status === 'SUCCEEDED' ? run.data : undefined;
  return data?.leaderboard.best.label;
}
TS
node "$ROOT/node_modules/typescript/bin/tsc" --noEmit --strict --skipLibCheck --module nodenext --moduleResolution nodenext --target es2022 --types node \
  --typeRoots "$ROOT/node_modules/@types" check.ts

step "ok: regsweep $version packs, installs, runs and imports"
