#!/usr/bin/env bash
# tests/run.sh SUITE... — run every suite, count TAP results, print one
# summary line "N passed, N failed" and exit non-zero on any failure.
#
# A suite is:
#   build/fuzz/<name>        a libFuzzer target: replays tests/fuzz/corpus/<name>/
#   anything else executable a program or script printing TAP lines
#                            ("ok N - name" / "not ok N - name"); cmocka
#                            binaries are switched to TAP output.
# A suite that prints no result, exits non-zero without reporting a
# failure, prints no TAP plan ("1..N", first or last; cmocka prints one per
# group) or a result count other than its plans' sum, counts as one more
# failure: a suite that dies halfway is not a pass.  Nothing is skipped
# silently.
#
# Every suite runs under a time limit, so a hang fails ("not ok - SUITE timed
# out after N s") instead of stalling make test.  Unit binaries and fuzz
# replays get TEST_TIMEOUT_UNIT seconds (default 600), scripts, which boot
# VMs, TEST_TIMEOUT_SCRIPT (default 3600), and tests/kernel-repro.sh
# KERNEL_REPRO_WAIT (its own bound, default 3000) plus 600.  TEST_TIMEOUT
# replaces every limit.
set -uo pipefail
export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0
failed=0
failures=()
logdir=${TEST_LOGS:-build/test-logs}
mkdir -p "$logdir"
export logdir

run_suite() { # run_suite SUITE LOG -> exit status of the suite
	local suite=$1
	if [ ! -x "$suite" ]; then
		echo "1..1"
		echo "not ok 1 - $suite is missing or not executable: its build failed (see the build's errors)"
		return 1
	fi
	case "$suite" in
	build/fuzz/*)
		local name=${suite#build/fuzz/} corpus=tests/fuzz/corpus/${suite#build/fuzz/}
		echo "1..1"
		if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
			echo "not ok 1 - fuzz replay $name: corpus $corpus is missing or empty"
			return 1
		fi
		local n
		n=$(find "$corpus" -type f | wc -l)
		if "$suite" -runs=0 "$corpus" >"$logdir/fuzz-$name.log" 2>&1; then
			echo "ok 1 - fuzz replay $name ($n inputs)"
		else
			echo "not ok 1 - fuzz replay $name: crashed (log: $logdir/fuzz-$name.log)"
			tail -n 30 "$logdir/fuzz-$name.log" | sed 's/^/# /'
			return 1
		fi
		;;
	*) "$suite" ;;
	esac
}
export -f run_suite

limit_of() { # limit_of SUITE -> seconds
	if [ -n "${TEST_TIMEOUT:-}" ]; then
		echo "$TEST_TIMEOUT"
		return
	fi
	case "$1" in
	tests/kernel-repro.sh)
		local wait=${KERNEL_REPRO_WAIT:-3000}
		# A bad value is the suite's to report, at once.
		[[ $wait =~ ^[0-9]+$ ]] || wait=0
		echo $((wait + 600))
		;;
	*.sh) echo "${TEST_TIMEOUT_SCRIPT:-3600}" ;;
	*) echo "${TEST_TIMEOUT_UNIT:-600}" ;;
	esac
}

# timeout(1) puts the suite in a process group of its own (so that on expiry
# the suite's QEMU and backends go with it), where a Ctrl-C at the terminal
# does not reach: pass it on.  It runs in the background so that this trap
# can run while it does (timeout handles SIGINT and SIGQUIT itself, so the
# suite does not inherit the ignore bash gives background jobs).
pid=
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; exit 130' INT TERM

for suite in "$@"; do
	name=$(basename "$suite")
	log="$logdir/$name.log"
	echo "# suite $suite"
	limit=$(limit_of "$suite")
	start=$SECONDS
	timeout --kill-after=30 "$limit" bash -c 'run_suite "$1"' _ "$suite" >"$log" 2>&1 </dev/null &
	pid=$!
	wait "$pid"
	status=$?
	pid=
	p=$(grep -cE '^ok ' "$log")
	f=$(grep -cE '^not ok ' "$log")
	planned=$(awk '/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); sum += $1; seen = 1 } END { if (seen) print sum }' "$log")
	# timeout(1) exits 124, or 137 when the suite needed a KILL; the time
	# taken tells that from a suite exiting 124 itself.  A suite cut short
	# has lost its plan and status: the limit is the one failure to report.
	if { [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; } && [ $((SECONDS - start)) -ge "$limit" ]; then
		echo "not ok - $suite timed out after $limit s" >>"$log"
	else
		if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "not ok - $suite exited with status $status without reporting a failure" >>"$log"
		fi
		if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
			# Only a suite that says why (a SKIP-NOTICE, shown as NOT RUN
			# below) and plans 1..0 may run nothing.
			if [ "$planned" != 0 ] || ! grep -qE '^# SKIP-NOTICE: ' "$log"; then
				echo "not ok - $suite reported no results" >>"$log"
			fi
		elif [ -z "$planned" ]; then
			echo "not ok - $suite printed no TAP plan (1..N): cannot tell whether every case ran" >>"$log"
		elif [ "$planned" -ne $((p + f)) ]; then
			echo "not ok - $suite planned $planned results but reported $((p + f))" >>"$log"
		fi
	fi
	f=$(grep -cE '^not ok ' "$log")
	grep -E '^(ok|not ok) ' "$log" | sed "s|^|  $name: |" | grep -v ': ok ' || true
	grep -E '^# SKIP-NOTICE: ' "$log" | sed "s|^# SKIP-NOTICE: |  $name: NOT RUN: |" || true
	if [ "$f" -gt 0 ]; then
		echo "  $name: --- log ($log) ---"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	echo "  $name: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		while IFS= read -r line; do
			failures+=("$name: $line")
		done < <(grep -E '^not ok' "$log")
	fi
done
# make test builds with -k and passes make's status: a prerequisite that
# failed is a failure even when every suite that ran passed.
if [ "${TEST_BUILD_STATUS:-0}" -ne 0 ]; then
	failures+=("build: make -k exited with status $TEST_BUILD_STATUS (its errors are above)")
	failed=$((failed + 1))
fi
# Repeat the failures just above the summary: CI logs are often read
# from the tail only.
for line in "${failures[@]}"; do
	echo "FAILED $line"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
