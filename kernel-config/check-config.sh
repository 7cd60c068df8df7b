#!/usr/bin/env bash
# kernel-config/check-config.sh — prove that a kernel .config has every
# option the fragments ask for.
#
#   check-config.sh [--tap] CONFIG FRAGMENT...
#
# olddefconfig silently drops an option whose dependencies are missing, so a
# fragment line is only a wish until this check passes.  For every
# `CONFIG_X=value` and `# CONFIG_X is not set` line of the fragments (a later
# fragment overrides an earlier one, as merge_config.sh does), CONFIG must say
# the same: `CONFIG_X=value`, or for "not set"/`=n` no `CONFIG_X=` line.
#
# Without --tap: silent on success; otherwise one line per dropped or changed
# option on stderr, then exit 1.  With --tap: one TAP line per option on
# stdout ("ok N - CONFIG_X=y"), exit 1 if any failed.  Exit 2: bad usage or
# unreadable input.
set -euo pipefail
export LC_ALL=C
prog=check-config

tap=0
case ${1-} in
--help|-h) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
--tap) tap=1; shift ;;
esac
[ $# -ge 2 ] || { printf '%s: usage: check-config.sh [--tap] CONFIG FRAGMENT...\n' "$prog" >&2; exit 2; }
for f in "$@"; do
	[ -r "$f" ] || { printf '%s: cannot read %s: no such file\n' "$prog" "$f" >&2; exit 2; }
done
# awk would read a fragment as the config if the config were empty.
[ -s "$1" ] || { printf '%s: cannot check %s: it is empty\n' "$prog" "$1" >&2; exit 2; }

# One awk pass: the final .config first (NR == FNR), then the fragments.
# Requests keep their first-seen order; a later fragment replaces the value.
awk -v tap="$tap" -v prog="$prog" '
	function want_of(line) {
		if (match(line, /^# CONFIG_[A-Za-z0-9_]+ is not set$/)) return "n"
		sub(/^CONFIG_[A-Za-z0-9_]+=/, "", line); return line
	}
	function name_of(line) {
		sub(/^# /, "", line); sub(/[= ].*$/, "", line); return line
	}
	NR == FNR {
		if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) have[name_of($0)] = want_of($0)
		next
	}
	/^CONFIG_[A-Za-z0-9_]+=/ || /^# CONFIG_[A-Za-z0-9_]+ is not set$/ {
		n = name_of($0); w = want_of($0)
		if (!(n in want)) order[++count] = n
		want[n] = w
	}
	END {
		bad = 0
		for (i = 1; i <= count; i++) {
			n = order[i]; w = want[n]
			got = (n in have) ? have[n] : "n"
			shown = (w == "n") ? "not set" : w
			if (got == w) {
				if (tap) printf "ok %d - %s\n", i, (w == "n" ? n " is not set" : n "=" w)
				continue
			}
			bad++
			why = (got == "n") ? "dropped (dependencies missing?)" : "is " got
			if (tap) printf "not ok %d - %s requested %s, %s\n", i, n, shown, why
			else printf "%s: %s requested %s, %s\n", prog, n, shown, why > "/dev/stderr"
		}
		if (tap) printf "1..%d\n", count
		if (!tap && bad) printf "%s: %d of %d requested options not as requested\n", prog, bad, count > "/dev/stderr"
		exit bad ? 1 : 0
	}
' "$@"
