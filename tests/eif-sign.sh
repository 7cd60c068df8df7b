#!/usr/bin/env bash
# eiftool sign: a P-384 signature section nitro-cli's reader accepts.  The
# COSE signature is checked independently: Python decodes the section
# (stdlib only) and rebuilds Sig_structure, `openssl dgst -verify` checks
# R||S with the certificate's key.  Fixed test keys (tests/data/eif/sign)
# and BearSSL's deterministic ECDSA make the signed bytes golden too.
set -uo pipefail
EIFTOOL=${EIFTOOL:-build/bin/eiftool}
G=tests/data/eif/golden
S=tests/data/eif/sign
. tests/eif-tap.sh
field() { sed -n "s/.*\"$1\": \([a-z]*\).*/\1/p" "$2"; }
export SOURCE_DATE_EPOCH=0
GOLD_SIGNED_SHA256=b0ffca8f155594280c3e0f57b23d15284df24cc13c4cc47927d0ca73cf810547

"$EIFTOOL" build --kernel $G/kernel --cmdline @$G/cmdline --ramdisk $G/ramdisk0 \
	--ramdisk $G/ramdisk1 -o "$T/u.eif" >"$T/u.json"
"$EIFTOOL" sign "$T/u.eif" --cert $S/cert.pem --key $S/key.pem -o "$T/s.eif" >"$T/s.json" 2>"$T/err"
check "sign exits 0" "$?" 0
"$EIFTOOL" describe "$T/s.eif" >"$T/d.json" 2>"$T/err"
check "describe of the signed file exits 0" "$?" 0
check "IsSigned" "$(field IsSigned "$T/d.json")" true
check "SignatureCheck" "$(field SignatureCheck "$T/d.json")" true
for i in 0 1 2; do check "PCR$i unchanged by signing" "$(pcr PCR$i "$T/d.json")" "$(pcr PCR$i "$T/u.json")"; done
"$EIFTOOL" pcr --cert $S/cert.pem >"$T/p8.json"
ind8=$(openssl x509 -in $S/cert.pem -outform DER | openssl dgst -sha384 -binary |
	{ head -c 48 /dev/zero; cat; } | openssl dgst -sha384 -binary | od -An -v -tx1 | tr -d ' \n')
check "PCR8 = E(DER(cert)) by openssl" "$(pcr PCR8 "$T/d.json")" "$ind8"
check "pcr --cert = PCR8" "$(pcr PCR8 "$T/p8.json")" "$ind8"
check "sign prints PCR8" "$(pcr PCR8 "$T/s.json")" "$ind8"
grep -q '"commonName": "carve test signer"' "$T/d.json" && ok "SigningCertificate IssuerName" || nok "SigningCertificate IssuerName"
check "signed EIF bytes (deterministic ECDSA)" "$(sha256sum <"$T/s.eif" | cut -d' ' -f1)" "$GOLD_SIGNED_SHA256"

# Independent decoding and verification.
python3 - "$T/s.eif" "$T" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read(); out = sys.argv[2]
n = struct.unpack('>H', data[26:28])[0]
offs = struct.unpack('>32Q', data[28:284]); sizes = struct.unpack('>32Q', data[284:540])
assert zlib.crc32(data[:544] + data[548:]) == struct.unpack('>I', data[544:548])[0], 'crc'
t = [struct.unpack('>H', data[offs[i]:offs[i]+2])[0] for i in range(n)]
assert t == [1, 2, 5, 3, 3, 4], t
sec = data[offs[5]+12: offs[5]+12+sizes[5]]
pos = 0
def head():
    global pos
    b = sec[pos]; pos += 1; m, v = b >> 5, b & 31
    if v >= 24:
        k = 1 << (v - 24); v = int.from_bytes(sec[pos:pos+k], 'big'); pos += k
    return m, v
def text():
    global pos
    m, v = head(); assert m == 3; s = sec[pos:pos+v]; pos += v; return s.decode()
def intarray():
    m, v = head(); assert m == 4
    r = bytearray()
    for _ in range(v):
        mm, x = head(); assert mm == 0 and x < 256; r.append(x)
    return bytes(r)
assert head() == (4, 1) and head() == (5, 2)
assert text() == 'signing_certificate'; cert = intarray()
assert text() == 'signature'; cose = intarray()
assert pos == len(sec)
assert cert == open('tests/data/eif/sign/cert.pem', 'rb').read()
# COSE_Sign1 untagged: 84 | bstr prot | a0 | bstr payload | bstr sig
def bstr(b, p):
    m, v = b[p] >> 5, b[p] & 31; p += 1
    if v >= 24: k = 1 << (v - 24); v = int.from_bytes(b[p:p+k], 'big'); p += k
    assert m == 2; return b[p:p+v], p + v
assert cose[0] == 0x84
prot, p = bstr(cose, 1); assert prot == bytes.fromhex('a1013822'), prot.hex()
assert cose[p] == 0xa0; payload, p = bstr(cose, p + 1); sig, p = bstr(cose, p); assert p == len(cose)
assert len(sig) == 96
def enc_bstr(b):
    return (bytes([0x40 | len(b)]) if len(b) < 24 else bytes([0x58, len(b)])) + b
tbs = b'\x84' + b'\x6aSignature1' + enc_bstr(prot) + b'\x40' + enc_bstr(payload)
open(out + '/tbs.bin', 'wb').write(tbs)
def der_int(x):
    x = x.lstrip(b'\0') or b'\0'
    if x[0] & 0x80: x = b'\0' + x
    return b'\x02' + bytes([len(x)]) + x
body = der_int(sig[:48]) + der_int(sig[48:])
open(out + '/sig.der', 'wb').write(b'\x30' + bytes([len(body)]) + body)
open(out + '/payload.bin', 'wb').write(payload)
PY
check "python decodes the section (nitro-cli layout, CRC ok)" "$?" 0
openssl x509 -in $S/cert.pem -pubkey -noout >"$T/pub.pem"
openssl dgst -sha384 -verify "$T/pub.pem" -signature "$T/sig.der" "$T/tbs.bin" >/dev/null 2>&1
check "openssl verifies the COSE ES384 signature" "$?" 0
want=$(printf 'a26e72656769737465725f696e646578006e72656769737465725f76616c75659830'; pcr PCR0 "$T/u.json" | sed 's/../&\n/g' | grep . | while read -r b; do
	if [ $((16#$b)) -lt 24 ]; then printf '%02x' $((16#$b)); else printf '18%s' "$b"; fi; done)
check "payload = {register_index: 0, register_value: PCR0}" "$(od -An -v -tx1 "$T/payload.bin" | tr -d ' \n')" "$want"

# Re-signing replaces the section: same size, same count, still valid.
"$EIFTOOL" sign "$T/s.eif" --cert $S/cert.pem --key $S/key.pem -o "$T/s2.eif" >/dev/null
check "re-sign replaces, bytes identical" "$(sha256sum <"$T/s2.eif")" "$(sha256sum <"$T/s.eif")"
"$EIFTOOL" sign "$T/s.eif" --cert $S/other-cert.pem --key $S/other-key.pem -o "$T/s.eif" >/dev/null
check "sign in place with another cert" "$?" 0
"$EIFTOOL" describe "$T/s.eif" >"$T/d2.json"
check "replaced: SignatureCheck" "$(field SignatureCheck "$T/d2.json")" true
check "replaced: one signature section" "$(od -An -tu1 -j26 -N2 "$T/s.eif" | awk '{print $1*256+$2}')" 6

# Refusals: exit 5, one line, no output.
bad() { # bad NAME PATTERN args...
	local name=$1 pat=$2; shift 2
	rm -f "$T/bad.eif"
	"$EIFTOOL" sign "$T/u.eif" "$@" -o "$T/bad.eif" >/dev/null 2>"$T/err"
	local rc=$?
	if [ $rc = 5 ] && grep -q -- "$pat" "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$T/bad.eif" ]; then
		ok "refuses $name"
	else
		nok "refuses $name (exit $rc)"; sed 's/^/#   /' "$T/err"
	fi
}
bad "a key that is not the certificate's" "does not belong to the certificate" --cert $S/cert.pem --key $S/other-key.pem
bad "a P-256 certificate" "not a P-384" --cert $S/p256-cert.pem --key $S/p256-key.pem
bad "a key file without a key" "no PEM private key" --cert $S/cert.pem --key $S/cert.pem
bad "a certificate file without a certificate" "not a PEM X.509 certificate" --cert $S/key.pem --key $S/key.pem

# Tampering with R||S (CRC fixed up so only the signature is wrong).
python3 - "$T/s2.eif" "$T/t.eif" <<'PY'
import struct, sys, zlib
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.rfind(b'\x18', 0, len(d) - 1)  # the last integer of R||S
d[i + 1] ^= 0x01
d[544:548] = struct.pack('>I', zlib.crc32(bytes(d[:544] + d[548:])))
open(sys.argv[2], 'wb').write(d)
PY
"$EIFTOOL" describe "$T/t.eif" >"$T/d3.json"
check "tampered signature: describe still exits 0" "$?" 0
check "tampered signature: SignatureCheck false" "$(field SignatureCheck "$T/d3.json")" false
# An unsigned EIF with 32 sections (the most a header holds) cannot take a
# signature: bad input (exit 3), said so, no output.
python3 - "$T/s32.eif" <<'PY'
import struct, sys, zlib
secs = [(1, b'K'), (2, b'console=ttyS0')] + [(3, b'R%d' % i) for i in range(30)]
offs, sizes, off = [], [], 548
for t, d in secs:
    offs.append(off); sizes.append(len(d)); off += 12 + len(d)
h = b'.eif' + struct.pack('>HHQQHH', 4, 0, 0x40000000, 2, 0, 32) + struct.pack('>32Q', *offs) \
    + struct.pack('>32Q', *sizes) + bytes(4)
body = b''.join(struct.pack('>HHQ', t, 0, len(d)) + d for t, d in secs)
open(sys.argv[1], 'wb').write(h + struct.pack('>I', zlib.crc32(h + body)) + body)
PY
"$EIFTOOL" sign "$T/s32.eif" --cert $S/cert.pem --key $S/key.pem -o "$T/s32s.eif" >/dev/null 2>"$T/err"
check "32 sections, unsigned: exit 3, no output" "$?:$(ls "$T"/s32s.* 2>/dev/null)" "3:"
check "32 sections, unsigned: the reason" "$(cat "$T/err")" \
	"eiftool: cannot sign $T/s32.eif: it has 32 sections, no slot for a signature"
check "sign, stdout unwritable: exit 4 (the signed EIF itself is written)" \
	"$(no_room "$T/no-room.out" "$EIFTOOL" sign "$T/u.eif" --cert $S/cert.pem --key $S/key.pem -o "$T/nr.eif" |
	   tail -n 1):$(ls "$T/nr.eif")" "exit 4:$T/nr.eif"
echo "1..$n"
