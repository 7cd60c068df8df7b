#!/usr/bin/env bash
# emu-glibc: a dynamically linked glibc app packaged by eif/mkeif starts in
# the enclave (its interpreter and libraries were packed).
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/bin/carve-vsock build/emu/qemu.path build/tests/e2e/emu-glibc \
	build/kernel/bzImage build/enclave/init
eif=$E2E_DIR/emu-glibc.eif
e2e_mkeif "$eif" --app build/tests/e2e/emu-glibc --name emu-glibc || e2e_done
# readelf (binutils, which gcc pulls in), not file(1): a fresh Debian lacks it.
e2e_check "the app is dynamically linked (has a PT_INTERP)" glibc \
	eval 'readelf -lW build/tests/e2e/emu-glibc | grep -q "Requesting program interpreter"'
e2e_boot glibc "$eif"
e2e_check "it runs: glibc's greeting on the console" glibc \
	grep -q 'emu-glibc: hello from glibc' "$E2E_DIR/glibc.console"
e2e_check "exit status 0 reached the host (got $E2E_RC)" glibc [ "$E2E_RC" = 0 ]
e2e_done
