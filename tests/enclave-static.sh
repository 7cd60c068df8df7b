#!/usr/bin/env bash
# Every enclave-side binary must be static (no PT_INTERP, no DT_NEEDED):
# the enclave has no dynamic loader of ours.  static-pie is preferred.
set -u
B=${B:-build}
bins=$(find "$B/enclave" -maxdepth 1 -type f -perm -u+x 2>/dev/null | sort)
if [ -z "$bins" ]; then
	echo "not ok 1 - no enclave binaries in $B/enclave"
	echo "1..1"
	exit 0
fi
i=0
for f in $bins; do
	i=$((i + 1))
	# readelf prints nothing for a file that is not ELF, which would pass
	# the checks below: the type must be an executable or a PIE, and a file
	# that is neither has nothing more to check.
	kind=$(readelf -hW "$f" 2>/dev/null | awk '/Type:/ { print $2 }')
	if [ "$kind" != EXEC ] && [ "$kind" != DYN ]; then
		echo "not ok $i - $f is not an ELF executable (type '${kind:-none}')"
		continue
	fi
	if readelf -lW "$f" | grep -q 'INTERP'; then
		echo "not ok $i - $f has a program interpreter"
	elif readelf -dW "$f" | grep -q '(NEEDED)'; then
		echo "not ok $i - $f needs shared libraries"
	else
		echo "ok $i - $f is static ($kind)"
	fi
	# gcc's crtbeginS.o/crtendS.o are part of the bytes (PCR1): a link that
	# lost them (gcc's path looked up before gcc was installed) has no
	# .init_array, the frame_dummy entry crtbeginS.o contributes.
	i=$((i + 1))
	if readelf -SW "$f" | grep -q ' \.init_array '; then
		echo "ok $i - $f is linked with gcc's crtbeginS.o (.init_array)"
	else
		echo "not ok $i - $f lacks crtbeginS.o's .init_array: linked without gcc's crt files"
	fi
done
echo "1..$i"
