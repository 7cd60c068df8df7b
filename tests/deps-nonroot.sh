#!/usr/bin/env bash
# The dependency steps, run as an unprivileged user with a package missing,
# must print the exact command to run as root and fail — never half-install.
set -u
echo "1..5"
tmp=$(mktemp -d /tmp/carve-deps-nonroot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
lock=$tmp/deps.lock
printf 'pkg base carve-test-absent-package 1.0\npkg base musl-tools 1.2.3-1\n' >"$lock"
chmod 644 "$lock"
if [ "$(id -u)" -eq 0 ]; then
	run=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp)
else
	run=(env)
fi
"${run[@]}" DEPS_LOCK="$lock" BUILD=/tmp mk/deps.sh packages base >"$tmp/deps.out" 2>&1
status=$?
if [ "$status" -ne 0 ]; then echo "ok 1 - non-root deps step exits non-zero ($status)"
else echo "not ok 1 - non-root deps step exited 0"; fi
want="apt-get update && apt-get install -y --no-install-recommends carve-test-absent-package"
if grep -qF "run as root:  $want" "$tmp/deps.out"; then echo "ok 2 - prints the exact apt command"
else echo "not ok 2 - apt command not printed; got:"; sed 's/^/# /' "$tmp/deps.out"; fi

# emu/find-qemu with no qualifying QEMU (an empty cache, no CARVE_QEMU) and
# build packages missing, one from Debian and one from bookworm-backports.
qlock=$tmp/qemu.lock
{
	grep '^src qemu ' deps.lock
	printf 'pkg qemu carve-test-absent-deb 1.0\npkg qemu-bpo carve-test-absent-bpo 1.0\n'
} >"$qlock"
chmod 644 "$qlock"
mkdir "$tmp/cache" "$tmp/build" && chmod 777 "$tmp/cache" "$tmp/build"
unset CARVE_QEMU
"${run[@]}" DEPS_LOCK="$qlock" CACHE_DIR="$tmp/cache" BUILD="$tmp/build" \
	emu/find-qemu >"$tmp/qemu.out" 2>&1
status=$?
want="find-qemu: cannot build QEMU: build packages missing (carve-test-absent-deb carve-test-absent-bpo=1.0); run as root: $PWD/emu/find-qemu --install-packages"
if [ "$status" -ne 0 ] && [ "$(cat "$tmp/qemu.out")" = "$want" ]; then
	echo "ok 3 - non-root find-qemu names the missing packages and the root command, in one line"
else
	echo "not ok 3 - find-qemu exited $status; wanted: $want; got:"; sed 's/^/# /' "$tmp/qemu.out"
fi
left=$(find "$tmp/cache" "$tmp/build" -mindepth 1 ! -name '*.lock')
if [ "$status" -ge 126 ]; then echo "not ok 4 - find-qemu did not run (status $status)"
elif [ -z "$left" ]; then echo "ok 4 - and leaves nothing in the cache or build directory"
else echo "not ok 4 - left behind:"; printf '# %s\n' $left; fi
"${run[@]}" DEPS_LOCK="$qlock" CACHE_DIR="$tmp/cache" BUILD="$tmp/build" \
	emu/find-qemu --install-packages >"$tmp/inst.out" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q 'needs root' "$tmp/inst.out"; then
	echo "ok 5 - --install-packages refuses to run without root"
else
	echo "not ok 5 - --install-packages as non-root exited $status:"; sed 's/^/# /' "$tmp/inst.out"
fi
