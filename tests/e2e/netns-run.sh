#!/bin/sh
# Runs a command in a private network namespace that has only the loopback interface up, so a
# WebRTC test can only ever use 127.0.0.1 (TESTING.md, "ICE on loopback"). Needs root (CI runs
# as root); without the right to make a namespace it exits 77, which meson reports as skipped.
if ! unshare -n true 2>/dev/null; then
  echo "netns-run: cannot make a network namespace (needs root): skipped"
  exit 77
fi
exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
