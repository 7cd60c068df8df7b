#!/usr/bin/env bash
# emu-nsm: libnsm (build/enclave/nsm) against QEMU's virtual NSM: PCR0/1/2
# equal eiftool's for the same file, PCR3/4 follow parent-role/parent-id,
# GetRandom, DescribeNSM, ExtendPCR/LockPCR on PCR16, Attestation verified
# on the host as "unsigned".
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/bin/carve-vsock build/emu/qemu.path build/enclave/nsm build/bin/nsm \
	build/kernel/bzImage build/enclave/init /bin/busybox
eif=$E2E_DIR/emu-nsm.eif
e2e_nsm_eif "$eif" || e2e_done
role="arn:aws:iam::123456789012:role/carve-e2e"
pid="i-0123456789abcdef0"
e2e_boot_bg nsm-parent "$eif" --parent-role "$role" --parent-id "$pid"
e2e_boot_bg nsm-plain "$eif"
wait

sha384_extend() { # sha384_extend HEX-DATA: SHA384(48 zero bytes || data)
	python3 -c 'import hashlib,sys; print(hashlib.sha384(bytes(48) + bytes.fromhex(sys.argv[1])).hexdigest())' "$1"
}
expect_pcr() { # expect_pcr N: the value from OUT.pcrs.json (nitro-cli Measurements)
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Measurements"]["PCR" + sys.argv[2]])' \
		"${eif%.eif}.pcrs.json" "$1"
}
zeros=$(printf '0%.0s' $(seq 96))
for name in nsm-parent nsm-plain; do
	rc=$(e2e_rc $name)
	e2e_check "$name: the script ran to the end, exit 0 (got $rc)" $name \
		eval '[ "$rc" = 0 ] && grep -q "^emu-nsm done" "$E2E_DIR/$name.console"'
	for i in 0 1 2; do
		want=$(expect_pcr $i)
		got=$(e2e_line $name emu-pcr$i)
		e2e_check "$name: PCR$i read in the enclave equals eiftool's ($want)" $name \
			[ "$got" = "$want locked" ]
	done
done
got=$(e2e_line nsm-parent emu-pcr3)
want=$(sha384_extend "$(printf '%s' "$role" | od -An -tx1 | tr -d ' \n')")
e2e_check "PCR3 = extend(parent-role)" nsm-parent [ "$got" = "$want locked" ]
got=$(e2e_line nsm-parent emu-pcr4)
want=$(sha384_extend "$(printf '%s' "$pid" | od -An -tx1 | tr -d ' \n')")
e2e_check "PCR4 = extend(parent-id)" nsm-parent [ "$got" = "$want locked" ]
got=$(e2e_line nsm-plain emu-pcr3)
e2e_check "PCR3 is zero without parent-role" nsm-plain [ "$got" = "$zeros locked" ]
got=$(e2e_line nsm-plain emu-pcr8)
e2e_check "PCR8 is zero for an unsigned EIF" nsm-plain [ "$got" = "$zeros locked" ]
got=$(e2e_line nsm-plain emu-random)
e2e_check "GetRandom: 16 bytes of hex, not all zero ($got)" nsm-plain \
	eval '[[ $got =~ ^[0-9a-f]{32}$ ]] && [ "$got" != "00000000000000000000000000000000" ]'
e2e_check "DescribeNSM: SHA384 digest, PCRs 0-15 locked" nsm-plain \
	eval 'grep -q "^emu-describe digest: SHA384" "$E2E_DIR/nsm-plain.console" &&
		grep -q "^emu-describe locked_pcrs: 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15" "$E2E_DIR/nsm-plain.console"'
got=$(e2e_line nsm-plain emu-extend16)
want=$(sha384_extend abcd)
e2e_check "ExtendPCR 16 = SHA384(0 || abcd)" nsm-plain [ "$got" = "$want" ]
e2e_check "LockPCR 16, then ExtendPCR 16 is refused and PCR16 reads locked" nsm-plain \
	eval '[ "$(e2e_line nsm-plain emu-lock16)" = ok ] &&
		[ "$(e2e_line nsm-plain emu-extend-locked)" = refused ] &&
		[ "$(e2e_line nsm-plain emu-pcr16)" = "$want locked" ]'
doc=$E2E_DIR/nsm-plain.doc
tr -d '\r' <"$E2E_DIR/nsm-plain.console" | awk '$1 == "emu-doc" { print $2 }' | base64 -d >"$doc" 2>/dev/null
build/bin/nsm verify "$doc" --nonce 0102 >"$doc.json" 2>&1
e2e_check "Attestation: the host verifier classifies QEMU's document as unsigned" nsm-plain \
	grep -q '"verdict": "unsigned"' "$doc.json"
e2e_check "Attestation: the document carries the enclave's PCR0 and nonce" nsm-plain \
	eval 'grep -q "\"0\": \"$(expect_pcr 0)\"" "$doc.json" && grep -q "\"nonce\": \"0102\"" "$doc.json"'
e2e_done
