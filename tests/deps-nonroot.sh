#!/usr/bin/env bash
# The dependency step, run as an unprivileged user with a package missing,
# must print the exact apt command and fail — never half-install.
set -u
echo "1..2"
lock=$(mktemp /tmp/carve-deps-lock.XXXXXX)
trap 'rm -f "$lock" "$lock.out"' EXIT
printf 'pkg base carve-test-absent-package 1.0\npkg base musl-tools 1.2.3-1\n' >"$lock"
chmod 644 "$lock"
if [ "$(id -u)" -eq 0 ]; then
	run=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp)
else
	run=(env)
fi
"${run[@]}" DEPS_LOCK="$lock" BUILD=/tmp mk/deps.sh packages base >"$lock.out" 2>&1
status=$?
if [ "$status" -ne 0 ]; then echo "ok 1 - non-root deps step exits non-zero ($status)"
else echo "not ok 1 - non-root deps step exited 0"; fi
want="apt-get update && apt-get install -y --no-install-recommends carve-test-absent-package"
if grep -qF "run as root:  $want" "$lock.out"; then echo "ok 2 - prints the exact apt command"
else echo "not ok 2 - apt command not printed; got:"; sed 's/^/# /' "$lock.out"; fi
