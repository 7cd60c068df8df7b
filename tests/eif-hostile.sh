#!/usr/bin/env bash
# The hostile EIF corpus (tests/data/eif/hostile, one file per rule, listed
# in EXPECTED with the exit code and message): `eiftool describe` and
# `eiftool extract` must refuse each with exactly one line naming the file
# and the rule, the documented exit code, and no output file.  The same
# files are in the eif_reader fuzz corpus, replayed under ASan+UBSan.
# A few more are generated below (too big to commit).
set -uo pipefail
EIFTOOL=${EIFTOOL:-build/bin/eiftool}
H=tests/data/eif/hostile
. tests/eif-tap.sh

# Files too big to commit (the 1 MiB caps), made here: sections of the
# given types and sizes laid out as nitro-cli's builder does, with a
# correct CRC, so the one broken rule is the only reason to refuse them.
G=$T/generated
mkdir -p "$G"
python3 - "$G" <<'PY'
import struct, sys, zlib
KERNEL, CMDLINE, RAMDISK, SIGNATURE, METADATA = 1, 2, 3, 4, 5
MIB = 1 << 20
def eif(name, sections):
    offsets, sizes, body, off = [], [], b"", 548
    for typ, size in sections:
        offsets.append(off)
        sizes.append(size)
        body += struct.pack(">HHQ", typ, 0, size) + b"x" * size
        off += 12 + size
    pad = [0] * (32 - len(sections))
    head = (b".eif" + struct.pack(">HHQQHH", 4, 0, 1 << 30, 2, 0, len(sections))
            + struct.pack(">32Q", *offsets, *pad) + struct.pack(">32Q", *sizes, *pad)
            + struct.pack(">I", 0))
    crc = zlib.crc32(body, zlib.crc32(head))
    open(f"{sys.argv[1]}/{name}", "wb").write(head + struct.pack(">I", crc) + body)
eif("metadata-too-large.eif", [(KERNEL, 4), (CMDLINE, 4), (METADATA, MIB + 1), (RAMDISK, 4)])
eif("cmdline-too-large.eif", [(KERNEL, 4), (CMDLINE, MIB + 1), (RAMDISK, 4)])
eif("cmdline-at-limit.eif", [(KERNEL, 4), (CMDLINE, MIB), (RAMDISK, 4)])
eif("duplicate-signature.eif", [(KERNEL, 4), (CMDLINE, 4), (RAMDISK, 4), (SIGNATURE, 4), (SIGNATURE, 4)])
PY
GENERATED="metadata-too-large.eif	22	metadata section is 1048577 bytes (limit 1048576)
cmdline-too-large.eif	22	cmdline section is 1048577 bytes (limit 1048576)
cmdline-at-limit.eif	0	
duplicate-signature.eif	20	second signature section (sections 3 and 4)"

# Each line: file<TAB>code<TAB>message, the file in the directory $1.
refuse_all() {
	local dir=$1 file code msg cmd rc lines
	while IFS=$'\t' read -r file code msg; do
		case $file in '#'* | '') continue ;; esac
		for cmd in describe extract; do
			n=$((n + 1))
			if [ $cmd = describe ]; then
				"$EIFTOOL" describe "$dir/$file" >"$T/out" 2>"$T/err"
			else
				"$EIFTOOL" extract "$dir/$file" --initrd "$T/initrd" >"$T/out" 2>"$T/err"
			fi
			rc=$?
			lines=$(wc -l <"$T/err")
			if [ "$code" = 0 ]; then
				if [ "$rc" = 0 ] && [ "$lines" = 0 ]; then echo "ok $n - $cmd $file: accepted"; else
					echo "not ok $n - $cmd $file: expected success, exit $rc"; sed 's/^/#   /' "$T/err"; fi
			elif [ "$rc" = "$code" ] && [ "$lines" = 1 ] && grep -qF -- "invalid EIF $dir/$file: " "$T/err" && grep -qF -- "$msg" "$T/err" &&
				[ ! -s "$T/out" ] && [ ! -e "$T/initrd" ]; then
				echo "ok $n - $cmd $file: exit $code, $(cat "$T/err")"
			else
				echo "not ok $n - $cmd $file: exit $rc (want $code), $lines line(s) on stderr, want '$msg'"
				sed 's/^/#   /' "$T/err"
			fi
			rm -f "$T/initrd"
		done
	done
}
refuse_all "$H" <$H/EXPECTED
refuse_all "$G" <<<"$GENERATED"
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
