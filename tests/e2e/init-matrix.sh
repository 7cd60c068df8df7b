#!/usr/bin/env bash
# tests/e2e/init-matrix.sh — boots one EIF per case and checks what init did.
#
# Each case packages build/tests/e2e/probe (tests/e2e/apps/probe.c) with
# eif/mkeif — or, for layouts mkeif will not make (no /cmd, empty /cmd, no
# /rootfs), with cpio + eiftool directly — boots it with
#   emu/carve-run --console-log LOG --timeout S [--heartbeat none|wrong] EIF
# and asserts the exit status (the app's status as init reported it on
# vsock port 9001; 125 = the VM ended without a report) and console lines.
# No case may ever show a kernel panic ("Attempted to kill init").
#
# Prints TAP.  A case that cannot run (a tool missing) is "not ok" with
# the reason: never skipped, never "ok".  A failed case's console log is
# printed as "# " comments.
#
# Usage: tests/e2e/init-matrix.sh [CASE...]   (default: every case)
# Environment: B (build dir, default build), TIMEOUT (seconds per VM, 180).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${B:-build}
TIMEOUT=${TIMEOUT:-180}
PROBE=$B/tests/e2e/probe
EIFTOOL=$B/bin/eiftool
KERNEL=$B/kernel/bzImage
CMDLINE=kernel-config/cmdline
INIT=$B/enclave/init
WORK=$B/tests/e2e/init-matrix
rm -rf "$WORK"
mkdir -p "$WORK"

missing=""
for f in eif/mkeif emu/carve-run "$EIFTOOL" "$KERNEL" "$CMDLINE" "$INIT" "$PROBE"; do
	[ -e "$f" ] || missing="$missing $f"
done
command -v cpio >/dev/null || missing="$missing cpio"

ONLY=" $* "
want() { [ "$ONLY" = "  " ] || [[ $ONLY == *" $1 "* ]]; }
n=0
failures=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failures=$((failures + 1))
	echo "not ok $n - $1"
}

# cpio_of DIR OUT: a reproducible newc archive of DIR's contents.
cpio_of() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc --reproducible --owner=0:0 --quiet) >"$2"
}

# custom_eif NAME: build $WORK/NAME.eif from $WORK/NAME.app/ (the customer
# ramdisk's root, laid out by the caller) and a bootstrap ramdisk holding
# only dev/ and init, as nitro-cli's does.
custom_eif() {
	[ -z "$missing" ] || return 1
	local d=$WORK/$1
	mkdir -p "$d.boot/dev"
	cp "$INIT" "$d.boot/init"
	chmod 0755 "$d.boot/init"
	cpio_of "$d.boot" "$d.boot.cpio" && cpio_of "$d.app" "$d.app.cpio" &&
		"$EIFTOOL" build --kernel "$KERNEL" --cmdline @"$CMDLINE" \
			--ramdisk "$d.boot.cpio" --ramdisk "$d.app.cpio" -o "$d.eif" >"$d.build.log" 2>&1
}

# mkeif_eif NAME ARGS...: build $WORK/NAME.eif with eif/mkeif.
mkeif_eif() {
	[ -z "$missing" ] || return 1
	local name=$1
	shift
	# No --name: it would also rename the app inside the image (/rootfs/NAME).
	eif/mkeif "$@" -o "$WORK/$name.eif" >"$WORK/$name.build.log" 2>&1
}

# conf NAME LINES...: write $WORK/NAME.conf.
conf() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$WORK/$name.conf"
}

# check NAME STATUS [--heartbeat MODE] PATTERN...: boot $WORK/NAME.eif and
# compare.  PATTERNs are extended regexps that must each match a line;
# one written !PATTERN must match none.
check() {
	local name=$1 want=$2
	shift 2
	local hb=()
	if [ "${1:-}" = --heartbeat ]; then
		hb=(--heartbeat "$2")
		shift 2
	fi
	local log=$WORK/$name.console why=""
	emu/carve-run --console-log "$log" --timeout "$TIMEOUT" "${hb[@]}" "$WORK/$name.eif" \
		>"$WORK/$name.stdout" 2>"$WORK/$name.stderr"
	local got=$?
	# The serial console ends lines in CRLF.
	tr -d '\r' <"$log" >"$log.txt" 2>/dev/null
	[ "$got" -eq "$want" ] || why="exit status $got, expected $want"
	for p in "$@"; do
		[ -n "$why" ] && break
		case $p in
		'!'*) ! grep -Eq -- "${p#!}" "$log.txt" || why="console has /${p#!}/" ;;
		*) grep -Eq -- "$p" "$log.txt" || why="console lacks /$p/" ;;
		esac
	done
	if [ -z "$why" ] && grep -Eq 'Attempted to kill init|Kernel panic' "$log.txt"; then
		why="kernel panic on the console"
	fi
	if [ -z "$why" ]; then
		ok "$name"
	else
		not_ok "$name: $why"
		sed 's/^/# stderr: /' "$WORK/$name.stderr" | tail -n 5
		sed 's/^/# /' "$log.txt" 2>/dev/null
	fi
}

# built NAME STATUS: reports a case whose EIF could not be built.
built() {
	if [ -n "$missing" ]; then
		not_ok "$1: cannot run: missing$missing"
		return 1
	fi
	if [ "$2" -ne 0 ]; then
		not_ok "$1: could not build the EIF"
		sed 's/^/# /' "$WORK/$1.build.log" | tail -n 20
		return 1
	fi
}

probe_case() { # probe_case NAME STATUS [--heartbeat M] [--conf NAME] -- ARGV... -- PATTERNS...
	want "$1" || return 0
	local name=$1 status=$2
	shift 2
	local run=() mk=(--app "$PROBE" --cmd /probe)
	while [ "$1" != -- ]; do
		case $1 in
		--heartbeat) run+=(--heartbeat "$2"); shift 2 ;;
		--conf) mk+=(--init-conf "$WORK/$2.conf"); shift 2 ;;
		--env) mk+=(--env "$2"); shift 2 ;;
		esac
	done
	shift
	while [ "$1" != -- ]; do
		mk+=(--cmd "$1")
		shift
	done
	shift
	mkeif_eif "$name" "${mk[@]}"
	built "$name" $? && check "$name" "$status" "${run[@]}" "$@"
}

run_all() {
	probe_case exit-0 0 -- exit 0 -- '^init: app exited with status 0$'
	probe_case exit-1 1 -- exit 1 -- '^init: app exited with status 1$'
	probe_case exit-42 42 -- exit 42 -- '^init: app exited with status 42$'
	probe_case exit-255 255 -- exit 255 -- '^init: app exited with status 255$'
	probe_case sigkill 137 -- kill KILL -- '^init: app killed by signal SIGKILL \(status 137\)$'
	probe_case sigsegv 139 -- kill SEGV -- '^init: app killed by signal SIGSEGV \(status 139\)$'
	probe_case signal-init 7 -- signal-init -- '^probe: init still runs after kill' '^init: app exited with status 7$'
	probe_case zombies 0 -- zombies 1000 -- '^probe: made 1000 orphans, zombies left 0$'
	probe_case forward-sigterm 0 -- forward -- '^probe: caught SIGTERM forwarded by init$'
	probe_case forward-sigint-sighup 0 -- forward INT HUP -- '^probe: caught SIGINT forwarded by init$' \
		'^probe: caught SIGHUP forwarded by init$'
	probe_case shutdown-sigterm 7 -- daemon -- '^init: app exited with status 7$' \
		'^probe: daemon caught SIGTERM at shutdown$'
	# A daemon ignoring SIGTERM lives on for the grace period (some line
	# under 500 ms) and not much longer: without the SIGKILL it would run
	# until the reboot, 2 s and more after the SIGTERM.
	conf short-grace 'shutdown_grace_ms = 500'
	probe_case shutdown-sigkill 7 --conf short-grace -- daemon stubborn -- '^init: app exited with status 7$' \
		'probe: daemon alive [1-4][0-9]{2} ms after SIGTERM$' \
		'^init: grace period over, killing the remaining processes$' '!daemon alive [0-9]{4,} ms'
	probe_case tmp-exec 0 -- tmpexec -- '^probe: /tmp is executable$' '^probe: /dev/shm is executable$'
	probe_case lo-up 0 -- lo -- '^probe: lo up with 127\.0\.0\.1/8, TCP round trip ok, ::1 bound$'
	probe_case random-seeded 0 -- random -- '^probe: read 32 bytes from /dev/random without blocking$' \
		'^init: entropy: [0-9]+ bytes from the NSM credited; hwrng '
	probe_case mounts 0 -- mounts -- '^probe: all mounts present$'
	probe_case env-values 0 --env 'EQ=x=y==z' --env 'SPACED=a b  c' --env 'PATH=/bin' \
		-- env 'two words' -- '^probe: env EQ=x=y==z$' '^probe: env SPACED=a b  c$' \
		'^probe: argv\[2\]=two words$'
	probe_case default-nofile 0 -- id -- 'nofile=65536:65536'

	conf conf-applied 'workdir = /tmp' 'uid = 1000' 'gid = 1000' 'rlimit.nofile = 4096' \
		'hostname = enclave-test'
	probe_case conf-applied 0 --conf conf-applied -- id -- \
		'^probe: uid=1000 gid=1000 ngroups=0 cwd=/tmp nofile=4096:4096 hostname=enclave-test$'
	conf groups 'uid = 1000' 'gid = 1000' 'groups = 10,20,30000'
	probe_case groups 0 --conf groups -- groups -- '^probe: uid=1000 gid=1000 groups=10,20,30000$'
	probe_case no-ctty 0 -- ctty -- '^probe: controlling tty no$'
	conf ctty 'console_ctty = yes'
	probe_case ctty 0 --conf ctty -- ctty -- '^probe: controlling tty yes$'
	conf restart 'on_exit = restart' 'restart_limit = 2'
	probe_case restart 3 --conf restart -- exit 3 -- '^init: restarting the app \(restart 2 of 2\)$'
	conf bad-conf 'colour = blue'
	probe_case bad-conf 125 --conf bad-conf -- exit 0 -- '^init: /init\.conf:1: unknown key$'
	conf debug 'debug = yes'
	# The /dev/kmsg lines are printed whole, but by whoever next holds the
	# console lock: "app started" usually comes out after the app's own
	# lines, and on a loaded host once started in the middle of
	# "init: app exited ..." (written through the tty).  So no ^ anchor.
	probe_case debug-timestamps 0 --conf debug -- exit 0 -- '\[ *[0-9]+\.[0-9]{6}\] init: heartbeat sent$' \
		'\[ *[0-9]+\.[0-9]{6}\] init: app started$'
	conf short-heartbeat 'heartbeat_budget_ms = 3000'
	probe_case heartbeat-absent 125 --heartbeat none --conf short-heartbeat -- exit 0 -- \
		'^init: heartbeat to the parent \(vsock CID 3 port 9000\) failed after [0-9]+ attempts in [0-9]+ ms: '
	probe_case heartbeat-wrong 125 --heartbeat wrong --conf short-heartbeat -- exit 0 -- \
		'failed after [0-9]+ attempts? in [0-9]+ ms: .*\(answer 0x[0-9a-f]{2}, expected 0xb7\)$'
	if want no-such-binary; then
		mkeif_eif no-such-binary --app "$PROBE" --cmd /nonexistent
		built no-such-binary $? && check no-such-binary 127 \
			'^init: cannot execute /nonexistent: No such file or directory$'
	fi

	# A directory app: a non-executable file, and the probe in a PATH dir.
	local d=$WORK/tree
	mkdir -p "$d/usr/local/bin"
	cp "$PROBE" "$d/usr/local/bin/probe" 2>/dev/null
	echo data >"$d/data.txt"
	chmod 0644 "$d/data.txt"
	if want not-executable; then
		mkeif_eif not-executable --app "$d" --cmd /data.txt
		built not-executable $? && check not-executable 126 '^init: cannot execute /data\.txt: Permission denied$'
	fi
	if want path-lookup; then
		mkeif_eif path-lookup --app "$d" --env PATH=/usr/local/bin:/bin --cmd probe --cmd exit --cmd 5
		built path-lookup $? && check path-lookup 5 '^probe: exiting with 5$'
	fi

	# nitro-cli layouts mkeif does not make.
	local a
	for a in missing-cmd empty-cmd fifo-cmd fifo-env fifo-conf no-rootfs bootstrap-stdio; do
		mkdir -p "$WORK/$a.app/rootfs"
		cp "$PROBE" "$WORK/$a.app/rootfs/probe" 2>/dev/null
		printf 'A=1\n' >"$WORK/$a.app/env"
	done
	rm "$WORK/missing-cmd.app/cmd" 2>/dev/null
	if want missing-cmd; then
		custom_eif missing-cmd
		built missing-cmd $? && check missing-cmd 125 '^init: cannot read /cmd: No such file or directory$'
	fi
	: >"$WORK/empty-cmd.app/cmd"
	if want empty-cmd; then
		custom_eif empty-cmd
		built empty-cmd $? && check empty-cmd 125 '^init: /cmd:1: empty: there is no command to run$'
	fi
	# A FIFO in place of /cmd: an error, not a PID 1 blocked in open().
	rm -f "$WORK/fifo-cmd.app/cmd"
	mkfifo "$WORK/fifo-cmd.app/cmd"
	if want fifo-cmd; then
		custom_eif fifo-cmd
		built fifo-cmd $? && check fifo-cmd 125 '^init: cannot read /cmd: Invalid argument$'
	fi
	# The same for /env and /init.conf.
	rm -f "$WORK/fifo-env.app/env"
	mkfifo "$WORK/fifo-env.app/env"
	mkfifo "$WORK/fifo-conf.app/init.conf"
	printf '/probe\nexit\n0\n' | tee "$WORK/fifo-env.app/cmd" >"$WORK/fifo-conf.app/cmd"
	if want fifo-env; then
		custom_eif fifo-env
		built fifo-env $? && check fifo-env 125 '^init: cannot read /env: Invalid argument$'
	fi
	if want fifo-conf; then
		custom_eif fifo-conf
		built fifo-conf $? && check fifo-conf 125 '^init: cannot read /init\.conf: Invalid argument$'
	fi
	mv "$WORK/no-rootfs.app/rootfs/probe" "$WORK/no-rootfs.app/probe" 2>/dev/null
	rmdir "$WORK/no-rootfs.app/rootfs"
	printf '/probe\nenv\n' >"$WORK/no-rootfs.app/cmd"
	if want no-rootfs; then
		custom_eif no-rootfs
		built no-rootfs $? && check no-rootfs 0 '^probe: env A=1$' \
			'^probe: env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$'
	fi
	# When the kernel cannot open an initial console it starts init with
	# fds 0-2 closed; the app must still get all three.  (A kernel without
	# the default built-in initramfs and nitro-cli's bootstrap ramdisk, which
	# has no dev/console, do that; here a directory in the node's place
	# makes the kernel's open fail.)
	mkdir -p "$WORK/bootstrap-stdio.boot/dev/console"
	printf '/probe\nstdio\n' >"$WORK/bootstrap-stdio.app/cmd"
	if want bootstrap-stdio; then
		custom_eif bootstrap-stdio
		built bootstrap-stdio $? && check bootstrap-stdio 0 '^probe: stdin open, stdout open, stderr open$'
	fi
}

run_all
echo "1..$n"
[ "$failures" -eq 0 ]
