#!/usr/bin/env bash
# tests/kernel-repro.sh — TAP: the kernel build is reproducible.  A second
# build from the same inputs in another directory (another O= path, same
# unpacked source) must give the same bzImage bytes as the cached one that
# `make kernel` installed.  The verdict is cached with the build, keyed by
# the input hash, so only a cold run (or changed inputs) builds twice.
#
# The second build runs detached (its own session; log in the cache), so
# an interrupted `make test` does not throw away the compiling, and
# concurrent runs (several make test at once) wait for the same build.
# The wait is bounded by KERNEL_REPRO_WAIT seconds (default 3000; an idle
# 2-core host builds in about 5 minutes): past it the test fails, naming
# the build's log, and the build goes on for the next run.
set -uo pipefail
export LC_ALL=C
# no_verdict REASON: the one result and the plan when there is no verdict to report.
no_verdict() { echo "not ok 1 - $1"; echo "1..1"; exit 1; }
img=build/kernel/bzImage
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
if [ ! -r "$img" ]; then
	no_verdict "$img is missing (run make kernel)"
fi
key=$(kernel-config/build.sh key) || no_verdict "cannot compute the kernel cache key"
verdict_file=$cache/kernel-$key/repro
pidfile=$cache/kernel-$key.repro.pid
log=$cache/kernel-$key.repro.log
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

wait_s=${KERNEL_REPRO_WAIT:-3000}
case $wait_s in ''|*[!0-9]*) no_verdict "KERNEL_REPRO_WAIT=$wait_s is not a number of seconds" ;; esac
deadline=$((SECONDS + wait_s))
mkdir -p "$cache"
exec 9>"$cache/kernel-$key.repro.lock"
flock -w "$wait_s" 9 || no_verdict "another run held the reproducibility lock for ${wait_s}s (KERNEL_REPRO_WAIT)"
if [ ! -f "$verdict_file" ] && ! running; then
	setsid kernel-config/build.sh repro >"$log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	echo "# second kernel build started (pid $!, log $log)"
fi
flock -u 9
while [ ! -f "$verdict_file" ] && running && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 10
done
if [ ! -f "$verdict_file" ] && running; then
	tail -n 3 "$log" 2>/dev/null | sed 's/^/# /'
	no_verdict "second kernel build still running after ${wait_s}s (KERNEL_REPRO_WAIT); it goes on: $log"
fi
if [ ! -f "$verdict_file" ]; then
	tail -n 20 "$log" 2>/dev/null | sed 's/^/# /'
	no_verdict "second kernel build ended without a verdict (log: $log)"
fi
read -r word a b <"$verdict_file"
if [ "$word" = same ]; then
	echo "ok 1 - two builds in two directories give the same bzImage (sha256 $a)"
else
	echo "not ok 1 - two builds differ: $a vs $b (second build kept in the cache for diffoscope)"
fi
have=$(sha256sum <"$img" | cut -d' ' -f1)
if [ "$have" = "$a" ]; then
	echo "ok 2 - $img is the cached build for the current inputs"
else
	echo "not ok 2 - $img (sha256 $have) is not the cached build $a: run make kernel"
fi
echo "1..2"
