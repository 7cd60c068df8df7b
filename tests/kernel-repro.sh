#!/usr/bin/env bash
# tests/kernel-repro.sh — TAP: the kernel build is reproducible.  A second
# build from the same inputs in another directory (another O= path, same
# unpacked source) must give the same bzImage bytes as the cached one that
# `make kernel` installed.  The verdict is cached with the build, keyed by
# the input hash, so only a cold run (or changed inputs) builds twice.
# Concurrent runs (several make test at once) share one second build: the
# first takes a lock, the others wait for its verdict.
set -uo pipefail
export LC_ALL=C
img=build/kernel/bzImage
cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/carve}
if [ ! -r "$img" ]; then
	echo "not ok 1 - $img is missing (run make kernel)"; exit 1
fi
key=$(kernel-config/build.sh key) || { echo "not ok 1 - cannot compute the kernel cache key"; exit 1; }
mkdir -p "$cache"
exec 9>"$cache/kernel-$key.repro.lock"
flock 9
# A second build that is still writing its log (started by a run that did
# not take the lock) will write the verdict: wait for it, not race it.
while [ ! -f "$cache/kernel-$key/repro" ] &&
	find "$cache" -maxdepth 2 -path "$cache/kernel-$key.repro.*/build.log" -mmin -5 | grep -q .; do
	sleep 10
done
verdict=$(kernel-config/build.sh repro) || { echo "not ok 1 - second kernel build failed"; exit 1; }
read -r word a b <<<"$verdict"
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
