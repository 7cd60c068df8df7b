#!/usr/bin/env bash
# Golden EIF: fixed tiny inputs (tests/data/eif/golden) must give exactly the
# committed bytes and PCRs, and an independent recomputation in shell
# (openssl dgst over the section data + the extend formula, gzip's CRC-32)
# must agree with eiftool.
set -uo pipefail
EIFTOOL=${EIFTOOL:-build/bin/eiftool}
G=tests/data/eif/golden
. tests/eif-tap.sh

# Known answers, committed.  The EIF bytes include the metadata, so they
# change with CARVE_VERSION (BuildToolVersion); the PCRs never do.
GOLD_SHA256=aef0b2e92375caeefecd1c265720d73c0883e6fdf9b36850ae06a87809ff136c
GOLD_PCR0=f2781e6c56889902e18ac3762549b573d968ea43bd7c71c3a1caba078ad137a09b4f730ff24e4287b593f86678b0d8f1
GOLD_PCR1=7b1ffa1adb4257b583ae21ced983261c98094a314a101e52baa471c5547af67e08bf33dc58ae920396cf818ac9429777
GOLD_PCR2=823f32f79e90991e66ce49dc8ccb4564244cb94b77b3a475c9ec637cec3ecbc7fcfc5ce6ad2696fac19d14d63ead7e4c
# E("") — the PCR2 of an EIF with a single ramdisk (issue 5, reference §4).
EMPTY_PCR=21b9efbc184807662e966d34f390821309eeac6802309798826296bf3e8bec7c10edb30948c90ba67310f7b964fc500a

export SOURCE_DATE_EPOCH=0
"$EIFTOOL" build --kernel $G/kernel --kernel-config $G/kernel.config --cmdline @$G/cmdline \
	--ramdisk $G/ramdisk0 --ramdisk $G/ramdisk1 --name golden --version 1 \
	--metadata $G/custom.json -o "$T/g.eif" >"$T/out.json"
check "build exits 0" "$?" 0
check "EIF bytes (sha256)" "$(sha256sum <"$T/g.eif" | cut -d' ' -f1)" "$GOLD_SHA256"
check "PCR0 golden" "$(pcr PCR0 "$T/out.json")" "$GOLD_PCR0"
check "PCR1 golden" "$(pcr PCR1 "$T/out.json")" "$GOLD_PCR1"
check "PCR2 golden" "$(pcr PCR2 "$T/out.json")" "$GOLD_PCR2"
check "OUT.pcrs.json equals stdout" "$(cat "$T/g.pcrs.json")" "$(cat "$T/out.json")"

# --- independent recomputation (no eiftool code) ---
sha() { openssl dgst -sha384 -binary; }
# E(x) = SHA384(48 zero bytes || SHA384(x))
extend() { { head -c 48 /dev/zero; sha; } | sha | od -An -v -tx1 | tr -d ' \n'; }
trimmed=$(tr -d '\n' <$G/cmdline)
ind0=$({ cat $G/kernel; printf '%s' "$trimmed"; cat $G/ramdisk0 $G/ramdisk1; } | extend)
ind1=$({ cat $G/kernel; printf '%s' "$trimmed"; cat $G/ramdisk0; } | extend)
ind2=$(cat $G/ramdisk1 | extend)
check "PCR0 = openssl recomputation" "$(pcr PCR0 "$T/out.json")" "$ind0"
check "PCR1 = openssl recomputation" "$(pcr PCR1 "$T/out.json")" "$ind1"
check "PCR2 = openssl recomputation" "$(pcr PCR2 "$T/out.json")" "$ind2"
check "single-ramdisk PCR2 formula gives E(\"\")" "$(printf '' | extend)" "$EMPTY_PCR"

# Layout, read with od: magic, version 4, 5 sections (kernel, cmdline,
# metadata, 2 ramdisks), offsets[0] = 548, sizes[0] = 6, type of section 2 = 5.
check "magic .eif" "$(head -c 4 "$T/g.eif")" ".eif"
check "version 4" "$(be "$T/g.eif" 4 2)" 4
check "num_sections 5" "$(be "$T/g.eif" 26 2)" 5
check "offsets[0] = 548" "$(be "$T/g.eif" 28 8)" 548
check "sizes[0] = kernel size" "$(be "$T/g.eif" 284 8)" 6
check "offsets[1] = 548+12+6" "$(be "$T/g.eif" 36 8)" 566
check "section 2 is metadata (type 5)" "$(be "$T/g.eif" $(be "$T/g.eif" 44 8) 2)" 5
# CRC-32 over the file minus bytes 544..548, from gzip's trailer.
crc=$({ head -c 544 "$T/g.eif"; tail -c +549 "$T/g.eif"; } | gzip -c | tail -c 8 | head -c 4 |
	od -An -tu4 | tr -d ' ')
check "CRC = gzip's CRC-32 over covered bytes" "$(be "$T/g.eif" 544 4)" "$crc"

# The single-ramdisk EIF: PCR2 is the known answer.
"$EIFTOOL" build --kernel $G/kernel --cmdline @$G/cmdline --ramdisk $G/ramdisk0 -o "$T/one.eif" >"$T/one.json"
check "single ramdisk: PCR2 = 21b9efbc...500a" "$(pcr PCR2 "$T/one.json")" "$EMPTY_PCR"
check "single ramdisk: PCR0 = PCR1" "$(pcr PCR0 "$T/one.json")" "$(pcr PCR1 "$T/one.json")"

# describe reads back what build wrote.
"$EIFTOOL" describe "$T/g.eif" >"$T/d.json"
check "describe exits 0" "$?" 0
check "describe PCR0" "$(pcr PCR0 "$T/d.json")" "$GOLD_PCR0"
check "describe PCR2" "$(pcr PCR2 "$T/d.json")" "$GOLD_PCR2"
grep -q '"CheckCRC": true' "$T/d.json" && ok "describe CheckCRC true" || nok "describe CheckCRC true"
grep -q '"KernelVersion": "6.1.0"' "$T/d.json" && ok "KernelVersion from the config's third line" || nok "KernelVersion from the config's third line"
grep -q '"Owner": "carve tests"' "$T/d.json" && ok "CustomMetadata flattened into Metadata" || nok "CustomMetadata flattened into Metadata"
grep -q '"BuildTime": "1970-01-01T00:00:00+00:00"' "$T/d.json" && ok "BuildTime from SOURCE_DATE_EPOCH" || nok "BuildTime from SOURCE_DATE_EPOCH"

SOURCE_DATE_EPOCH=yesterday "$EIFTOOL" build --kernel $G/kernel --cmdline x --ramdisk $G/ramdisk0 \
	-o "$T/sde.eif" >/dev/null 2>"$T/err"
check "a malformed SOURCE_DATE_EPOCH is a usage error (exit 2, no file)" "$?:$(ls "$T"/sde.* 2>/dev/null)" "2:"
# Metadata that describe could not read back is refused at build time.
python3 -c 'print("{\"a\":" * 14 + "1" + "}" * 14)' >"$T/deep.json"
"$EIFTOOL" build --kernel $G/kernel --cmdline x --ramdisk $G/ramdisk0 --metadata "$T/deep.json" \
	-o "$T/deep.eif" >/dev/null 2>"$T/err"
check "metadata nested too deeply for the section: exit 3, no file" "$?:$(ls "$T"/deep.eif* 2>/dev/null)" "3:"
python3 -c 'print("{\"a\":" * 13 + "1" + "}" * 13)' >"$T/deep.json"
"$EIFTOOL" build --kernel $G/kernel --cmdline x --ramdisk $G/ramdisk0 --metadata "$T/deep.json" \
	-o "$T/deep.eif" >/dev/null && "$EIFTOOL" describe "$T/deep.eif" >/dev/null
check "the deepest metadata build accepts, describe reads" "$?" 0
# A metadata section describe would refuse (over 1 MiB) is not written:
# 100000 control bytes each in --name and --version escape to 1.2 MB.
ctl=$(head -c 100000 /dev/zero | tr '\0' '\1')
"$EIFTOOL" build --kernel $G/kernel --cmdline x --ramdisk $G/ramdisk0 --name "$ctl" --version "$ctl" \
	-o "$T/huge.eif" >/dev/null 2>"$T/err"
check "metadata over the reader's 1 MiB: exit 2, no file" "$?:$(ls "$T"/huge.* 2>/dev/null)" "2:"
grep -q '^eiftool: build: --name is too long: the metadata section would be [0-9]* bytes (limit 1048576)$' "$T/err" &&
	ok "metadata over the limit: the option named" || { nok "metadata over the limit: the option named"; cat "$T/err"; }

# pcr subcommand = nitro-cli pcr --input.
"$EIFTOOL" pcr --file $G/ramdisk1 >"$T/p.json"
check "pcr --file = E(bytes)" "$(pcr PCR "$T/p.json")" "$ind2"

# extract gives back the inputs.
"$EIFTOOL" extract "$T/g.eif" --kernel "$T/k" --cmdline "$T/c" --initrd "$T/i"
check "extract kernel" "$(cat "$T/k")" "$(cat $G/kernel)"
check "extract cmdline (trimmed)" "$(cat "$T/c")" "$trimmed"
check "extract initrd = ramdisks concatenated" "$(cat "$T/i")" "$(cat $G/ramdisk0 $G/ramdisk1)"
# A file that changes after it was validated: the copy is checked, not
# trusted.  The shim changes the EIF's last byte (in ramdisk 1) when the
# first output's temp file is created, i.e. after validation, before copying.
cat >"$T/flip.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_arg(ap, mode_t);
	va_end(ap);
	const char *victim = getenv("FLIP");
	if (victim && (flags & O_CREAT) && strstr(path, ".tmp.")) {
		int fd = ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"))(victim, O_RDWR);
		off_t end = lseek(fd, -1, SEEK_END);
		char c;
		pread(fd, &c, 1, end);
		c ^= 1;
		pwrite(fd, &c, 1, end);
		close(fd);
		unsetenv("FLIP");
	}
	return ((int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open"))(path, flags, mode);
}
C
if gcc -shared -fPIC -o "$T/flip.so" "$T/flip.c" -ldl; then
	cp "$T/g.eif" "$T/flip.eif"
	FLIP="$T/flip.eif" LD_PRELOAD="$T/flip.so" "$EIFTOOL" extract "$T/flip.eif" --kernel "$T/fk" \
		--initrd "$T/fi" 2>"$T/err"
	check "extract of a file changed after validation: exit 3, no output" \
		"$?:$(ls "$T" | grep -c '^f[ki]')" "3:0"
	check "extract of a changed file: the reason" "$(cat "$T/err")" \
		"eiftool: cannot extract $T/flip.eif: it changed while being extracted"
else
	nok "extract of a changed file: the test shim does not build"
fi

# JSON that cannot be written is a failure (exit 4), not a silent success.
check "describe, stdout unwritable: exit 4 with the reason" \
	"$(no_room "$T/no-room.out" "$EIFTOOL" describe "$T/g.eif")" \
	"eiftool: cannot write standard output: File too large"$'\n'"exit 4"
check "pcr, stdout unwritable: exit 4" "$(no_room "$T/no-room.out" "$EIFTOOL" pcr --file $G/ramdisk1 | tail -n 1)" "exit 4"
check "build, stdout unwritable: exit 4 (the EIF itself is written)" \
	"$(no_room "$T/no-room.out" "$EIFTOOL" build --kernel $G/kernel --cmdline x --ramdisk $G/ramdisk0 -o "$T/nr.eif" |
	   tail -n 1):$(ls "$T/nr.eif")" "exit 4:$T/nr.eif"

echo "1..$n"
