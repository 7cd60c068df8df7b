#!/usr/bin/env bash
# bench/init-boot.sh — init's boot path, read from kernel timestamps.
#
# Each round boots, on the same kernel and vsock backend:
#   debug  carve's init with /init.conf "debug = yes" (it writes each step to
#          /dev/kmsg), for the step times;
#   plain  carve's init as shipped (no debug lines to pay for);
#   aws    AWS's init, when AWS_INIT names a build of it (nitro-cli's blob
#          /usr/share/nitro_enclaves/blobs/init, or one built from
#          aws-nitro-enclaves-sdk-bootstrap's init/init.c);
#   floor  bench/hb-floor.c, an init that only mounts /dev and sends the
#          heartbeat: the soonest any init can send it on this machine.
# The app is the probe in "first-output" mode: its first line also goes to
# /dev/kmsg.  Prints the medians, in ms after the kernel's "Run /init as
# init process" (guest clock; TCG here, nested KVM does not work):
#   heartbeat sent / answered   (debug)        goal: sent <= 10 ms
#   heartbeat sent              (floor)        what the machine allows
#   app first output            (plain, aws)   goal: plain <= 0.8 x aws
# Environment: B (default build), RUNS (default 5), AWS_INIT (optional).
set -euo pipefail
B=${B:-build}
RUNS=${RUNS:-5}
AWS_INIT=${AWS_INIT:-}
PROBE=$B/tests/e2e/probe
FLOOR=$B/bench/hb-floor
for f in eif/mkeif emu/carve-run "$B/kernel/bzImage" "$B/enclave/init" "$PROBE" "$FLOOR" ${AWS_INIT:+"$AWS_INIT"}; do
	[ -e "$f" ] || { echo "init-boot: $f is missing" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'debug = yes\n' >"$work/init.conf"
# mkeif NAME [mkeif options]: $work/NAME.eif with the probe as the app.
# (No --name: it would also rename the app inside the image.)
mkeif() {
	local name=$1; shift
	eif/mkeif --app "$PROBE" --cmd /probe --cmd first-output "$@" -o "$work/$name.eif" \
		>"$work/mkeif.log" 2>&1 || { cat "$work/mkeif.log" >&2; exit 1; }
}
kinds=(debug plain floor)
mkeif debug --init-conf "$work/init.conf"
mkeif plain
mkeif floor --init "$FLOOR"
if [ -n "$AWS_INIT" ]; then
	mkeif aws --init "$AWS_INIT"
	kinds+=(aws)
fi

# ms between the "Run /init" line and the first line matching $2 in log $1.
since_init() {
	awk -v pat="$2" '
		function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line + 0 }
		/Run \/init as init process/ && !t0 { t0 = ts($0); next }
		t0 && $0 ~ pat { printf "%.3f\n", (ts($0) - t0) * 1000; found = 1; exit }
		END { if (!found) exit 1 }' < <(tr -d '\r' <"$1") # the serial console says CRLF
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Rounds interleave the kinds, so a change in the host's load hits all alike.
for i in $(seq 1 "$RUNS"); do
	for k in "${kinds[@]}"; do
		log=$work/console.$k.$i
		rc=0
		emu/carve-run --console-log "$log" --timeout 180 "$work/$k.eif" >/dev/null 2>"$work/run.err" || rc=$?
		# AWS's init sends no exit status: carve-run says 125 for that.
		[ "$k" = aws ] && [ "$rc" = 125 ] && rc=0
		if [ "$rc" != 0 ]; then
			echo "init-boot: $k boot $i failed:" >&2
			cat "$work/run.err" >&2
			tail -n 30 "$log" >&2 || true
			exit 1
		fi
		if [ "$k" = floor ]; then
			since_init "$log" '\] hb-floor: heartbeat sent$' >>"$work/floor.hb" ||
				{ echo "init-boot: floor boot $i: no heartbeat line" >&2; exit 1; }
			continue
		fi
		since_init "$log" '\] probe: first output$' >>"$work/$k.app" ||
			{ echo "init-boot: $k boot $i: no probe line" >&2; exit 1; }
		[ "$k" = debug ] || continue
		since_init "$log" '\] init: heartbeat sent$' >>"$work/hb" || { echo "init-boot: no heartbeat line" >&2; exit 1; }
		since_init "$log" '\] init: heartbeat answered$' >>"$work/hbok"
	done
done
row() { printf 'init boot (TCG, %s runs)\t%s\t%s\tms\t%s\n' "$RUNS" "$1" "$2" "$3"; }
row "heartbeat sent after Run /init (debug)" "$(median <"$work/hb")" "goal <= 10"
row "heartbeat sent after Run /init (hb-floor: mount /dev, connect, send)" "$(median <"$work/floor.hb")" "the least any init needs on this machine"
row "heartbeat answered after Run /init (debug)" "$(median <"$work/hbok")" "-"
row "app first output after Run /init (debug)" "$(median <"$work/debug.app")" "-"
plain=$(median <"$work/plain.app")
if [ -n "$AWS_INIT" ]; then
	aws=$(median <"$work/aws.app")
	# The host's speed drifts between rounds: compare each round's plain
	# boot with that round's AWS boot, then take the median of the ratios.
	ratio=$(paste "$work/plain.app" "$work/aws.app" | awk '{ printf "%.4f\n", $1 / $2 }' | median)
	row "app first output after Run /init" "$plain" "goal <= 0.8 x AWS init: $(printf '%.2f' "$ratio") x (median of per-round ratios)"
	row "app first output after Run /init (AWS init)" "$aws" "same kernel and backend"
else
	row "app first output after Run /init" "$plain" "goal <= 0.8 x AWS init (set AWS_INIT=FILE to measure it here)"
fi
