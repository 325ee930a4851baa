#!/usr/bin/env node
// projen's `nextVersionCommand` (the `bump:next-version` task): prints the version to release, or
// nothing to let the Conventional Commits decide. projen runs it with $VERSION (the last released
// version, 0.0.0 before any release), $LATEST_TAG and $SUGGESTED_BUMP (major|minor|patch|none).
//
// - First release (no release tag yet): 0.1.0. projen would otherwise release the current version,
//   0.0.0, which reads as "no version" and which npm users cannot tell from an unreleased build.
// - Otherwise: what commit-and-tag-version suggests from the commits since the last tag: a `feat`
//   bumps the minor, a `fix` (or any other commit) the patch, a breaking change (`!` or a
//   `BREAKING CHANGE:` footer) the major from 1.0 on and the minor while the version is 0.x.
const { execFileSync } = require('child_process');

const FIRST_RELEASE = '0.1.0';

function tagExists(tag) {
  if (!tag) {
    return false;
  }
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  if (!tagExists(process.env.LATEST_TAG)) {
    process.stdout.write(FIRST_RELEASE);
  }
}

module.exports = { FIRST_RELEASE };
