#!/usr/bin/env bash
# CI's release rehearsal (.ci/run): a release made from a clean clone of HEAD exactly as a maintainer
# makes one (docs/releasing.md), then checks of what it produced. Nothing leaves the clone: no push,
# no publish (only `npm publish --dry-run --offline`).
#
# The clone reuses this checkout's node_modules (same commit, same lockfile) and skips the `test`
# task (RELEASE_REHEARSAL=1): CI has just run every test on this commit. Everything else of the
# release runs, for every package (graceful-k8s and its variants, scripts/variants.js): bump,
# CHANGELOG/README, projen synth, jsii compile, API.md, api:check, npm pack, unbump, anti-tamper,
# API baselines, release commit, tag.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/graceful-k8s-rehearsal-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"

git clone -q "$root" "$work/clone"          # a local clone brings every release tag along
cd "$work/clone"
ln -s "$root/node_modules" node_modules
git config user.name "release rehearsal"
git config user.email "release-rehearsal@example.invalid"
marker="release rehearsal marker $(date +%s)"
git commit -q --allow-empty -m "feat: $marker"

echo "rehearsal: npx projen release in $work/clone"
RELEASE_REHEARSAL=1 npx projen release

node scripts/check-release.js "$marker"
version="$(cat dist/version.txt)"
for pkg in $(node -e 'const v = require("./variants.json"); console.log([v.main, ...v.variants].map(p => p.package).join(" "))'); do
  tgz="dist/js/$pkg-$version.tgz"
  echo "rehearsal: npm publish --dry-run --offline $tgz"
  if ! npm publish --dry-run --offline "$tgz" > "$work/publish.log" 2>&1; then
    cat "$work/publish.log"
    exit 1
  fi
  grep -E '^npm notice (name|version|filename|package size|unpacked size|total files|Publishing)|^\+ ' "$work/publish.log" || true
done
echo "rehearsal: api:check of every package against the baselines the release just wrote"
npx projen api:check
node scripts/variants.js api-check
echo "rehearsal: ok, released $version in the clone"
