#!/usr/bin/env bash
# The PCRs eiftool computes are the ones the enclave sees: boot the hello
# demo (real kernel and init) under QEMU's nitro-enclave machine, whose NSM
# measures the EIF itself (hw/core/eif.c), and compare the PCR lines hello
# prints with eiftool's.  Then sign the EIF and check QEMU's PCR8.
. tests/e2e/lib.sh
e2e_require build/kernel/bzImage build/enclave/init build/enclave/hello build/bin/carve-vsock \
	build/bin/eiftool kernel-config/cmdline
S=tests/data/eif/sign
pcr() { sed -n "s/.*\"$1\": \"\([0-9a-f]*\)\".*/\1/p" "$2"; }
eif=$E2E_DIR/eif-hello.eif
e2e_mkeif "$eif" --app build/enclave/hello --name eif-hello --cmd /eif-hello || e2e_done
e2e_boot eif-hello "$eif"
e2e_check "hello exits 0 in the VM" eif-hello test "$E2E_RC" = 0
for i in 0 1 2; do
	want=$(pcr PCR$i "${eif%.eif}.pcrs.json")
	got=$(e2e_line eif-hello PCR$i)
	e2e_check "QEMU's PCR$i = eiftool's ($want)" eif-hello test "$got" = "$want"
done
e2e_check "unsigned: PCR8 is zero" eif-hello test "$(e2e_line eif-hello PCR8)" = "$(printf '0%.0s' $(seq 96))"

signed=$E2E_DIR/eif-hello-signed.eif
if build/bin/eiftool sign "$eif" --cert $S/cert.pem --key $S/key.pem -o "$signed" >"$signed.json" 2>&1; then
	e2e_boot eif-hello-signed "$signed"
	e2e_check "signed EIF boots, hello exits 0" eif-hello-signed test "$E2E_RC" = 0
	e2e_check "signed: QEMU's PCR0 unchanged" eif-hello-signed \
		test "$(e2e_line eif-hello-signed PCR0)" = "$(pcr PCR0 "${eif%.eif}.pcrs.json")"
	e2e_check "signed: QEMU's PCR8 = eiftool's" eif-hello-signed \
		test "$(e2e_line eif-hello-signed PCR8)" = "$(pcr PCR8 "$signed.json")"
else
	e2e_fail "eiftool sign the hello EIF"
	sed 's/^/# /' "$signed.json"
fi
e2e_done
