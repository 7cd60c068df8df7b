#!/usr/bin/env bash
# init outside PID 1 (init/README.md): --help and --version answer on
# stdout, an unknown option is a usage error, anything else (no arguments,
# or words such as the kernel passes) is refused with one line, and
# nothing else happens.  Prints TAP.
#
# Each run is in new user, mount and PID namespaces, with init as PID 2
# there: were the PID-1 check ever broken, the boot sequence (mounts on
# /dev, kill(-1), reboot) would act on those namespaces, not on this host.
set -uo pipefail
B=${B:-build}
INIT=$B/enclave/init
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
if [ ! -x "$INIT" ]; then
	echo "not ok 1 - cannot run: $INIT is missing"
	echo "1..1"
	exit 0
fi
# Where this machine cannot make the namespaces (inside a chroot, or a
# container whose seccomp profile refuses CLONE_NEWUSER), the checks do not
# run: said on the summary as NOT RUN, never counted as passed.
if ! why=$(unshare --user --map-root-user --mount --pid --fork true 2>&1); then
	echo "# SKIP-NOTICE: init's command-line checks did not run: cannot make user+PID namespaces here ($why)"
	echo "1..0"
	exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# run NAME STATUS STDOUT-ERE STDERR ARGS...: one run; STDERR is the exact
# text expected there, an empty STDOUT-ERE means stdout must be empty.
run() {
	local name=$1 want=$2 out=$3 err=$4
	shift 4
	# "; exit" keeps the shell from exec'ing init as the namespace's PID 1.
	timeout 10 unshare --user --map-root-user --mount --pid --fork \
		sh -c '"$@"; exit $?' sh "$INIT" "$@" >"$T/out" 2>"$T/err"
	local got=$? why=""
	[ "$got" = "$want" ] || why="exit $got, expected $want"
	if [ -z "$why" ]; then
		if [ -z "$out" ]; then [ ! -s "$T/out" ] || why="unexpected stdout"
		elif ! grep -Eq -- "$out" "$T/out"; then why="stdout lacks /$out/"; fi
	fi
	[ -n "$why" ] || [ "$(cat "$T/err")" = "$err" ] || why="stderr differs"
	if [ -z "$why" ]; then ok "$name"; else
		nok "$name: $why"
		sed 's/^/# stdout: /' "$T/out" | head -n 5
		sed 's/^/# stderr: /' "$T/err" | head -n 5
	fi
}

refused="init: refusing to run: not PID 1 (the kernel starts init as /init)"
run "--help prints the usage" 0 '^Usage: init \[--help \| --version\]$' '' --help
run "--version prints the version" 0 '^init \(carve\) [0-9]+\.[0-9]+\.[0-9]+$' '' --version
run "no arguments: refused, not PID 1" 1 '' "$refused"
run "a kernel word (nomodules): refused, not PID 1" 1 '' "$refused" nomodules
run "an unknown option: usage error" 2 '' "init: unknown option --bogus
Try 'init --help'." --bogus
echo "1..$n"
