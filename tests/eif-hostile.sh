#!/usr/bin/env bash
# The hostile EIF corpus (tests/data/eif/hostile, one file per rule, listed
# in EXPECTED with the exit code and message): `eiftool describe` and
# `eiftool extract` must refuse each with exactly one line naming the file
# and the rule, the documented exit code, and no output file.  The same
# files are in the eif_reader fuzz corpus, replayed under ASan+UBSan.
set -uo pipefail
EIFTOOL=${EIFTOOL:-build/bin/eiftool}
H=tests/data/eif/hostile
. tests/eif-tap.sh
while IFS=$'\t' read -r file code msg; do
	case $file in '#'* | '') continue ;; esac
	for cmd in describe extract; do
		n=$((n + 1))
		if [ $cmd = describe ]; then
			"$EIFTOOL" describe "$H/$file" >"$T/out" 2>"$T/err"
		else
			"$EIFTOOL" extract "$H/$file" --initrd "$T/initrd" >"$T/out" 2>"$T/err"
		fi
		rc=$?
		lines=$(wc -l <"$T/err")
		if [ "$code" = 0 ]; then
			if [ "$rc" = 0 ] && [ "$lines" = 0 ]; then echo "ok $n - $cmd $file: accepted"; else
				echo "not ok $n - $cmd $file: expected success, exit $rc"; sed 's/^/#   /' "$T/err"; fi
		elif [ "$rc" = "$code" ] && [ "$lines" = 1 ] && grep -qF -- "invalid EIF $H/$file: " "$T/err" && grep -qF -- "$msg" "$T/err" &&
			[ ! -s "$T/out" ] && [ ! -e "$T/initrd" ]; then
			echo "ok $n - $cmd $file: exit $code, $(cat "$T/err")"
		else
			echo "not ok $n - $cmd $file: exit $rc (want $code), $lines line(s) on stderr, want '$msg'"
			sed 's/^/#   /' "$T/err"
		fi
		rm -f "$T/initrd"
	done
done <$H/EXPECTED
# Every rule has a file: each exit code 10..25 appears at least once.
for code in $(seq 10 25); do
	n=$((n + 1))
	if cut -f2 $H/EXPECTED | grep -qx "$code"; then echo "ok $n - corpus covers exit code $code"; else
		echo "not ok $n - corpus covers exit code $code"; fi
done
# --help documents every code.
for code in $(seq 10 25); do
	n=$((n + 1))
	if "$EIFTOOL" --help | grep -qE "^ +$code  "; then echo "ok $n - --help documents exit code $code"; else
		echo "not ok $n - --help documents exit code $code"; fi
done
echo "1..$n"
