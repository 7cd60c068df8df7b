#!/usr/bin/env bash
# tests/nsm-cli.sh — the `nsm` tool and libnsm's packaging, end to end on the
# host against the software NSM (build/bin/nsm-soft):
#   - every subcommand, its output and exit status, usage errors;
#   - attest with a test chain (tests/nsm-testchain.sh) and verify it;
#   - verify on a real document (--at document / RFC 3339 / now);
#   - make install-nsm into a DESTDIR, then an AWS-style C program
#     (tests/nsm-aws-example.c) built with pkg-config, shared and static.
set -uo pipefail
B=${B:-build}
NSM=$B/bin/nsm
SOFT=$B/bin/nsm-soft
TESTDATA=${TESTDATA:-../shared/testdata}
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' <<<"$2"; }
check() { # NAME COMMAND... : passes when the command succeeds
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

tmp=$(mktemp -d)
soft_pid=
cleanup() { [ -n "$soft_pid" ] && kill "$soft_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

if ! tests/nsm-testchain.sh "$tmp/chain" >"$tmp/chain.log" 2>&1; then
	fail "make the test chain with openssl" "$(cat "$tmp/chain.log")"
	echo "1..$n"
	exit 1
fi
start_soft() { # ARGS...
	[ -n "$soft_pid" ] && kill "$soft_pid" 2>/dev/null && wait "$soft_pid" 2>/dev/null
	rm -f "$tmp/nsm.sock"
	"$SOFT" --socket "$tmp/nsm.sock" "$@" 2>"$tmp/soft.log" &
	soft_pid=$!
	for _ in $(seq 100); do [ -S "$tmp/nsm.sock" ] && return 0; sleep 0.05; done
	return 1
}
c=$tmp/chain
pcr0=$(printf '11%.0s' $(seq 48))
start_soft --key "$c/leaf.key.der" --cert "$c/leaf.der" --cabundle "$c/root.der" --cabundle "$c/int.der" \
	--pcr "0=$pcr0" || fail "start nsm-soft" "$(cat "$tmp/soft.log")"
export NSM_DEVICE=$tmp/nsm.sock

# nsm-soft's own option checks (timeout: a server that wrongly starts is caught)
soft_refuses() { # NAME PATTERN ARGS...: nsm-soft exits 2 at once with PATTERN
	local name=$1 pattern=$2 out rc; shift 2
	out=$(timeout 5 "$SOFT" --socket "$tmp/refused.sock" "$@" 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q -- "$pattern" <<<"$out" && pass "nsm-soft $name" || fail "nsm-soft $name: exit $rc" "$out"
}
soft_refuses "--pcr =HEX: no index" "bad --pcr =" --pcr "=$pcr0"
soft_refuses "--pcr 1x=HEX" "bad --pcr 1x=" --pcr "1x=$pcr0"
soft_refuses "--pcr -1=HEX" "bad --pcr -1=" --pcr "-1=$pcr0"
soft_refuses "--time abc" "bad --time abc" --time abc
soft_refuses "--time 0" "bad --time 0" --time 0
head -c 65536 /dev/zero >"$tmp/64k"
head -c 65537 /dev/zero >"$tmp/64k1"
soft_refuses "reads a 64 KiB key file (then finds no key in it)" "cannot use key $tmp/64k: not a DER" \
	--key "$tmp/64k" --cert "$c/leaf.der" --cabundle "$c/root.der"
soft_refuses "refuses a key file over 64 KiB" "cannot read $tmp/64k1: .* larger than 65536" \
	--key "$tmp/64k1" --cert "$c/leaf.der" --cabundle "$c/root.der"

# random
out=$("$NSM" random 300) && [ ${#out} -eq 600 ] && [[ $out =~ ^[0-9a-f]+$ ]] \
	&& pass "random 300 prints 600 hex digits" || fail "random 300" "$out"
out=$("$NSM" random 0 2>&1); rc=$?
[ $rc -eq 2 ] && pass "random 0 is a usage error (exit 2)" || fail "random 0: exit $rc" "$out"

# Output that never arrived is a failure, whatever the command found.
. tests/no-room.sh
for args in "random 64" "describe" "describe --json" "pcr read 0" "pcr read 0 --json"; do
	out=$(no_room "$tmp/no-room.out" "$NSM" $args)
	[ "$out" = "$(printf 'nsm: cannot write standard output: File too large\nexit 1')" ] \
		&& pass "$args: stdout cannot be written: exit 1, said once" || fail "$args with no room on stdout" "$out"
done

# describe
out=$("$NSM" describe --json) && grep -q '"max_pcrs": 32' <<<"$out" && grep -q '"digest": "SHA384"' <<<"$out" \
	&& pass "describe --json" || fail "describe --json" "$out"

# pcr
printf abc >"$tmp/abc"
out=$("$NSM" pcr read 0) && [ "$out" = "$pcr0 locked" ] && pass "pcr read 0 shows the injected locked value" \
	|| fail "pcr read 0" "$out"
sha384_of() { # HEX-PREFIX FILE: SHA-384 of the bytes of HEX-PREFIX followed by FILE
	python3 -c 'import hashlib,sys; print(hashlib.sha384(bytes.fromhex(sys.argv[1]) + open(sys.argv[2], "rb").read()).hexdigest())' "$@"
}
want=$(sha384_of "$(printf '%096d' 0)" "$tmp/abc")
want_openssl=$( (head -c 48 /dev/zero; printf 'abc') | openssl dgst -sha384 -r | cut -d' ' -f1)
out=$("$NSM" pcr extend 16 @"$tmp/abc") && [ "$out" = "$want" ] && [ "$out" = "$want_openssl" ] \
	&& pass "pcr extend 16 @file = SHA384(zeros || data) (openssl)" || fail "pcr extend" "$out / $want"
out=$("$NSM" pcr extend 16 616263) && [ "$out" = "$(sha384_of "$want" "$tmp/abc")" ] \
	&& pass "pcr extend 16 HEX chains" || fail "pcr extend chain" "$out"
check "pcr lock 16" "$NSM" pcr lock 16
out=$("$NSM" pcr lock 16 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "ReadOnlyIndex" <<<"$out" \
	&& pass "pcr lock 16 again: one-line ReadOnlyIndex error, exit 1" || fail "relock: exit $rc" "$out"
check "pcr lock-range 20" "$NSM" pcr lock-range 20
out=$("$NSM" pcr read 19 --json) && grep -q '"locked": true' <<<"$out" && pass "pcr read --json after lock-range" \
	|| fail "pcr read 19 --json" "$out"
out=$("$NSM" pcr read 32 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q InvalidIndex <<<"$out" && pass "pcr read 32: InvalidIndex" || fail "pcr read 32" "$out"
out=$("$NSM" pcr extend 17 xyz 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "bad extend data 'xyz'" <<<"$out" && pass "pcr extend with bad hex: usage error naming it" \
	|| fail "bad hex: exit $rc" "$out"

# attest + verify (test chain)
printf 'pubkey-bytes' >"$tmp/pk"
check "attest --nonce --user-data --public-key -o" "$NSM" attest --nonce 0102 --user-data @"$tmp/abc" \
	--public-key @"$tmp/pk" -o "$tmp/doc.cbor"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$c/root.crt" --nonce 0102 --user-data 616263 --public-key @"$tmp/pk" \
	--pcr "0=$pcr0"); rc=$?
[ $rc -eq 0 ] && grep -q '"verdict": "valid"' <<<"$out" && grep -q '"nonce": "0102"' <<<"$out" \
	&& pass "verify the signed document against the test root (exit 0)" || fail "verify test doc: exit $rc" "$out"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$c/root.crt" --nonce 0103); rc=$?
[ $rc -eq 1 ] && grep -q '"status": "nonce_mismatch"' <<<"$out" && pass "verify --nonce mismatch: exit 1" \
	|| fail "nonce mismatch: exit $rc" "$out"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$c/root.crt" --pcr "0=$(printf '22%.0s' $(seq 48))"); rc=$?
[ $rc -eq 1 ] && grep -q 'PCR0 differs' <<<"$out" && pass "verify --pcr mismatch: exit 1" || fail "pcr mismatch" "$out"
out=$("$NSM" verify "$tmp/doc.cbor"); rc=$?
[ $rc -eq 1 ] && grep -q '"status": "untrusted_root"' <<<"$out" && pass "verify without --root: AWS pin rejects the test root" \
	|| fail "default pin: exit $rc" "$out"
out=$("$NSM" attest --public-key deadbeef 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && grep -q "expected @FILE" <<<"$out" && pass "attest --public-key without @: usage error" \
	|| fail "attest pk: exit $rc" "$out"

# A module_id with control characters reaches the terminal escaped.
start_soft --module-id "$(printf 'i-\033[31mred\\\001')" || fail "restart nsm-soft" "$(cat "$tmp/soft.log")"
out=$("$NSM" describe); rc=$?
[ $rc -eq 0 ] && grep -qxF 'module_id: i-\x1b[31mred\x5c\x01' <<<"$out" && ! grep -q $'\033' <<<"$out" \
	&& pass "describe escapes control characters in module_id" || fail "describe escaping: exit $rc" "$out"
out=$("$NSM" describe --json); rc=$?
[ $rc -eq 0 ] && ! grep -q $'\033' <<<"$out" && pass "describe --json escapes them too" \
	|| fail "describe --json escaping: exit $rc" "$out"

# unsigned documents (no key: QEMU's class)
start_soft || fail "restart nsm-soft" "$(cat "$tmp/soft.log")"
"$NSM" attest >"$tmp/unsigned.cbor" 2>"$tmp/err"
out=$("$NSM" verify "$tmp/unsigned.cbor" --at document); rc=$?
[ $rc -eq 1 ] && grep -q '"verdict": "unsigned"' <<<"$out" && pass "an unsigned document is reported unsigned, exit 1" \
	|| fail "unsigned: exit $rc" "$out"
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d.replace(b"SHA384", b"SHA512"))' \
	"$tmp/unsigned.cbor" "$tmp/sha512.cbor"
out=$("$NSM" verify "$tmp/sha512.cbor" --at document); rc=$?
[ $rc -eq 1 ] && grep -q '"reason": "digest: payload field missing, mistyped or out of range"' <<<"$out" \
	&& pass "a rejected payload field is named in the reason" || fail "bad field: exit $rc" "$out"

# a real document
real=$TESTDATA/attestation/real/attdoc_evervault_11.bin
if [ -f "$real" ]; then
	out=$("$NSM" verify "$real" --at document); rc=$?
	[ $rc -eq 0 ] && grep -q '"verdict": "valid"' <<<"$out" && pass "real document valid at its own timestamp" \
		|| fail "real --at document: exit $rc" "$out"
	ts=$(sed -n 's/.*"timestamp": \([0-9]*\).*/\1/p' <<<"$out")
	iso=$(date -u -d "@$((ts / 1000))" +%Y-%m-%dT%H:%M:%SZ)
	check "real document valid at --at $iso (RFC 3339)" "$NSM" verify "$real" --at "$iso"
	check "real document valid at --at $((ts / 1000)) (Unix seconds)" "$NSM" verify "$real" --at "$((ts / 1000))"
	out=$("$NSM" verify "$real"); rc=$?
	[ $rc -eq 1 ] && grep -q '"status": "expired"' <<<"$out" && pass "real document replayed now: expired, exit 1" \
		|| fail "real now: exit $rc" "$out"
	out=$("$NSM" verify "$real" --root "$TESTDATA/attestation/root/aws_nitro_root_g1.pem" --at document); rc=$?
	[ $rc -eq 0 ] && pass "--root with the AWS PEM" || fail "--root aws pem: exit $rc" "$out"
else
	echo "# SKIP-NOTICE: real-document CLI cases did not run: $real is absent"
fi
for v in zz @"$tmp/abc"; do # --nonce takes no @FILE, so the message offers none
	out=$("$NSM" attest --nonce "$v" -o "$tmp/never.cbor" 2>&1); rc=$?
	[ $rc -eq 2 ] && [ "$out" = "nsm: bad --nonce '$v': expected hex digits" ] \
		&& pass "attest --nonce $v: usage error offering hex only" || fail "--nonce $v: exit $rc" "$out"
done
pcr_args=()
for i in $(seq 0 32); do pcr_args+=(--pcr "$((i % 32))=00"); done
out=$("$NSM" verify "$tmp/doc.cbor" "${pcr_args[@]}" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "too many --pcr (at most 32)" <<<"$out" && pass "verify with 33 --pcr: too many" \
	|| fail "33 --pcr: exit $rc" "$out"
for at in 2026-02-30T00:00:00Z 2026-04-31T00:00:00Z 2025-02-29T00:00:00Z; do
	out=$("$NSM" verify "$tmp/doc.cbor" --at $at 2>&1); rc=$?
	[ $rc -eq 2 ] && grep -q "bad --at '$at'" <<<"$out" && pass "verify --at $at: no such day, usage error" \
		|| fail "--at $at: exit $rc" "$out"
done
out=$("$NSM" verify "$tmp/doc.cbor" --root "$c/root.crt" --at 2024-02-29T12:00:00Z 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q '"status": "expired"' <<<"$out" && pass "verify --at 2024-02-29 (leap day) is a date" \
	|| fail "--at leap day: exit $rc" "$out"
out=$("$NSM" verify "$tmp/doc.cbor" --at yesterday 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -q "bad --at 'yesterday'" <<<"$out" \
	&& pass "verify --at garbage: one-line usage error" || fail "bad --at: exit $rc" "$out"
# Exit status 1 (failure) for files that cannot be used, 2 only for usage errors.
out=$("$NSM" verify "$tmp/missing.cbor" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot read document $tmp/missing.cbor" <<<"$out" && pass "verify a missing file: names it, exit 1" \
	|| fail "missing doc: exit $rc" "$out"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$tmp/missing.der" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot read root $tmp/missing.der" <<<"$out" && pass "verify --root missing file: exit 1" \
	|| fail "missing root: exit $rc" "$out"
printf '\x30\x03\x02\x01\x00' >"$tmp/badroot.der"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$tmp/badroot.der" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$out" = "nsm: cannot use root $tmp/badroot.der: the certificate is not well-formed DER" ] \
	&& pass "verify --root with DER that is no certificate: named, exit 1" || fail "bad DER root: exit $rc" "$out"
# critical basicConstraints with an explicit FALSE (0x00): BER, not DER
python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); p = bytes.fromhex("0603551d130101ff"); assert p in d
open(sys.argv[2], "wb").write(d.replace(p, p[:-1] + b"\0"))' "$c/root.der" "$tmp/bcfalse.der"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$tmp/bcfalse.der" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot use root $tmp/bcfalse.der: the certificate is not well-formed DER" <<<"$out" \
	&& pass "verify --root whose critical flag is an explicit FALSE: refused" || fail "bc false root: exit $rc" "$out"
out=$("$NSM" verify "$tmp/doc.cbor" --root "$tmp/abc" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot use root $tmp/abc: no PEM CERTIFICATE" <<<"$out" \
	&& pass "verify --root without a certificate: exit 1" || fail "no-cert root: exit $rc" "$out"
for opt in --user-data --public-key; do
	out=$("$NSM" verify "$tmp/doc.cbor" $opt @"$tmp/missing" 2>&1); rc=$?
	[ $rc -eq 1 ] && grep -q "cannot read $opt file $tmp/missing" <<<"$out" && pass "verify $opt @missing: exit 1" \
		|| fail "verify $opt @missing: exit $rc" "$out"
done
out=$("$NSM" pcr extend 17 @"$tmp/missing" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot read extend data file $tmp/missing" <<<"$out" && pass "pcr extend @missing: exit 1" \
	|| fail "pcr extend @missing: exit $rc" "$out"
out=$(head -c 100 "$tmp/doc.cbor" | "$NSM" verify - --at document); rc=$?
[ $rc -eq 1 ] && grep -q '"status": "malformed"' <<<"$out" && pass "verify a truncated document from stdin: malformed" \
	|| fail "truncated stdin: exit $rc" "$out"
for cmd in "" random describe pcr attest verify; do
	out=$("$NSM" $cmd --help) && grep -q "^usage: nsm" <<<"$out" && pass "nsm $cmd --help" || fail "nsm $cmd --help" "$out"
done
out=$("$NSM" frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'frobnicate'" <<<"$out" && pass "unknown command: exit 2" || fail "unknown cmd" "$out"
out=$(NSM_DEVICE=$tmp/none "$NSM" random 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot open the NSM $tmp/none" <<<"$out" && pass "no NSM: one-line error naming it" \
	|| fail "no nsm: exit $rc" "$out"
# Failures where the NSM never answered are not worded as its answer.
out=$(NSM_DEVICE=/dev/null "$NSM" random 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "^nsm: cannot get random bytes: /dev/null: Inappropriate ioctl for device$" <<<"$out" \
	&& pass "not an NSM: the ioctl's error, not an NSM answer" || fail "random on /dev/null: exit $rc" "$out"
head -c 5000 /dev/zero >"$tmp/big"
out=$("$NSM" pcr extend 17 @"$tmp/big" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "cannot extend PCR 17: request too large" <<<"$out" && ! grep -q answered <<<"$out" \
	&& pass "pcr extend with 5000 bytes: refused locally as too large" || fail "big extend: exit $rc" "$out"
head -c 1025 /dev/zero >"$tmp/1025"
for opt in --user-data --public-key; do
	out=$("$NSM" attest $opt @"$tmp/1025" -o "$tmp/never.cbor" 2>&1); rc=$?
	[ $rc -eq 2 ] && [ "$out" = "nsm: bad $opt: 1025 bytes, at most 1024" ] && [ ! -e "$tmp/never.cbor" ] \
		&& pass "attest $opt of 1025 bytes: names the option" || fail "attest $opt 1025: exit $rc" "$out"
done
out=$("$NSM" attest --nonce "$(printf '00%.0s' $(seq 1025))" -o "$tmp/never.cbor" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "bad --nonce: 1025 bytes" <<<"$out" && pass "attest --nonce of 1025 bytes: names the option" \
	|| fail "attest --nonce 1025: exit $rc" "$out"

# packaging: install into a DESTDIR, build an AWS-style program against it
dest=$tmp/dest
if out=$(make --no-print-directory -s install-nsm PREFIX=/usr DESTDIR="$dest" 2>&1); then
	pass "make install-nsm PREFIX=/usr DESTDIR=..."
else
	fail "make install-nsm" "$out"
fi
missing=
for f in usr/include/nsm.h usr/include/nsm_attest.h usr/lib/libnsm.a usr/lib/libnsm.so.0 usr/lib/libnsm.so \
	usr/lib/pkgconfig/libnsm.pc usr/bin/nsm; do
	[ -e "$dest/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && pass "installed files present" || fail "installed files missing:$missing"
soname=$(readelf -d "$dest/usr/lib/libnsm.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libnsm.so.0 ] && pass "soname libnsm.so.0" || fail "soname is '$soname'"
pc() { PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig pkg-config "$@"; }
start_soft --key "$c/leaf.key.der" --cert "$c/leaf.der" --cabundle "$c/root.der" --cabundle "$c/int.der" \
	|| fail "restart nsm-soft"
expected='random 0 256
describe 0 1.0.0 pcrs=32 locked=16 digest=1 id=i-0000000000000000-enc0000000000000000
describe_pcr 0 lock=1 len=48
extend_pcr 0 len=48
extend_locked 4 READ_ONLY_INDEX
lock_pcr 0
lock_pcrs 0
attestation 0 cose=yes'
# shellcheck disable=SC2046
if out=$(gcc -std=c99 -Wall -Werror -o "$tmp/aws-shared" tests/nsm-aws-example.c $(pc --cflags --libs libnsm) \
	-Wl,-rpath,"$dest/usr/lib" 2>&1); then
	out=$("$tmp/aws-shared" 2>&1)
	[ "$out" = "$expected" ] && pass "AWS-style program, shared libnsm via pkg-config" || fail "aws shared run" "$out"
else
	fail "build the AWS-style program against libnsm.so" "$out"
fi
start_soft --key "$c/leaf.key.der" --cert "$c/leaf.der" --cabundle "$c/root.der" --cabundle "$c/int.der" \
	|| fail "restart nsm-soft"
# shellcheck disable=SC2046
if out=$(gcc -std=c99 -Wall -Werror -static -o "$tmp/aws-static" tests/nsm-aws-example.c \
	$(pc --static --cflags --libs libnsm) 2>&1); then
	out=$("$tmp/aws-static" 2>&1)
	[ "$out" = "$expected" ] && pass "AWS-style program, static libnsm.a (self-contained)" || fail "aws static run" "$out"
else
	fail "build the AWS-style program statically" "$out"
fi
if command -v g++ >/dev/null; then
	check "nsm.h compiles as C++" g++ -fsyntax-only -x c++ -I"$dest/usr/include" tests/nsm-aws-example.c
else
	echo "# SKIP-NOTICE: the C++ compile check of nsm.h did not run: no g++"
fi
# AWS's header compiles in C89 and C99 even with -pedantic-errors, so nsm.h
# must too; C11 still checks the layout (-fshort-enums breaks it on purpose).
printf '#include <nsm.h>\nint main(void) { return (int)sizeof(NsmDescription) - 252; }\n' >"$tmp/hdr.c"
for std in gnu99 c99 gnu89 c89; do
	check "nsm.h compiles with -std=$std -pedantic-errors" \
		gcc -std=$std -pedantic-errors -Wall -Wextra -Werror -fsyntax-only -I"$dest/usr/include" "$tmp/hdr.c"
done
out=$(gcc -std=c11 -fshort-enums -fsyntax-only -I"$dest/usr/include" "$tmp/hdr.c" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -q "enums are int-sized" <<<"$out" && pass "C11 checks the NsmDescription layout" \
	|| fail "C11 layout check: exit $rc" "$out"
echo "1..$n"
