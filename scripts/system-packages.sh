#!/usr/bin/env bash
# The Debian programs that tests and benchmarks run for real, because a claim about a real program
# is tested on that program: dash, bash and busybox (which shell execs what, who gets SIGTERM),
# tini and dumb-init (an init in front of a shell),
# nginx and haproxy (the drill's app and data plane), chromium (the HTML reports in a browser).
# Run before the tests (`npx projen test` runs it first) and by CI. Installs what is missing when it
# can (root with apt-get, as on a fresh machine of this project's kind); otherwise it prints the one
# command that installs them, and the tests that need a missing program fail naming it.
set -uo pipefail
# program:package, one per program the tests start
wanted=(dash:dash bash:bash busybox:busybox tini:tini dumb-init:dumb-init nginx:nginx haproxy:haproxy chromium:chromium)
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
for pair in "${wanted[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

install_cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]} (Debian) for the tests that run them"
  export DEBIAN_FRONTEND=noninteractive
  # Quiet unless it fails; a stale package index is refreshed once.
  if ! log=$($install_cmd 2>&1); then
    apt-get update -qq >/dev/null 2>&1
    if ! log=$($install_cmd 2>&1); then
      printf '%s\n' "$log" | tail -5
      echo "system packages: could not install ${missing[*]}; the tests that run them will fail naming the program"
      exit 1
    fi
  fi
  exit 0
fi
echo "system packages: ${missing[*]} missing; install them with: sudo $install_cmd"
echo "(the tests that run them will fail naming the program)"
exit 0
