#!/usr/bin/env bash
# CI's release rehearsal (.ci/run): a release made from a clean clone of HEAD exactly as a maintainer
# makes one (docs/releasing.md), then checks of what it produced. Nothing leaves the clone: no push,
# no publish (only `npm publish --dry-run --offline`).
#
# The clone reuses this checkout's node_modules (same commit, same lockfile) and skips the `test`
# task (RELEASE_REHEARSAL=1): CI has just run every test on this commit. Everything else of the
# release runs: bump, CHANGELOG/README, projen synth, jsii compile, API.md, api:check, npm pack,
# unbump, anti-tamper, API baseline, release commit, tag.
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
tgz="dist/js/graceful-k8s-$version.tgz"
echo "rehearsal: npm publish --dry-run --offline $tgz"
if ! npm publish --dry-run --offline "$tgz" > "$work/publish.log" 2>&1; then
  cat "$work/publish.log"
  exit 1
fi
grep -E '^npm notice (name|version|filename|package size|unpacked size|total files|Publishing)|^\+ ' "$work/publish.log" || true
echo "rehearsal: api:check against the baseline the release just wrote"
npx projen api:check
echo "rehearsal: ok, released $version in the clone"
