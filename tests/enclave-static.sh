#!/usr/bin/env bash
# Every enclave-side binary must be static (no PT_INTERP, no DT_NEEDED):
# the enclave has no dynamic loader of ours.  static-pie is preferred.
set -u
B=${B:-build}
bins=$(find "$B/enclave" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort)
if [ -z "$bins" ]; then
	echo "not ok 1 - no enclave binaries in $B/enclave"
	exit 0
fi
i=0
for f in $bins; do
	i=$((i + 1))
	if readelf -lW "$f" | grep -q 'INTERP'; then
		echo "not ok $i - $f has a program interpreter"
	elif readelf -dW "$f" | grep -q '(NEEDED)'; then
		echo "not ok $i - $f needs shared libraries"
	else
		kind=$(readelf -hW "$f" | awk '/Type:/ { print $2 }')
		echo "ok $i - $f is static ($kind)"
	fi
done
