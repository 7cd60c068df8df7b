#!/usr/bin/env bash
# emu-run-opts: emu/carve-run's --cid, --append and --vsock-dir, and a guest
# connection to the parent reaching the Unix socket DIR/vsock_P, in one
# boot.  The probe (tests/e2e/apps/probe.c, mode parent) prints the kernel
# command line, connects to CID 3 port 5005 and names its own CID; a
# listener on DIR/vsock_5005 records that line and answers "pong".
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/tests/e2e/probe build/bin/carve-vsock build/emu/qemu.path \
	build/kernel/bzImage build/enclave/init
eif=$E2E_DIR/parent.eif
e2e_mkeif "$eif" --app build/tests/e2e/probe --cmd /probe --cmd parent --cmd 5005 || e2e_done
dir=$E2E_DIR/vsock
mkdir -p "$dir"
python3 - "$dir/vsock_5005" "$E2E_DIR/heard" "$E2E_TIMEOUT" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(float(sys.argv[3]))
c, _ = s.accept()
open(sys.argv[2], "wb").write(c.makefile("rb").readline())
c.sendall(b"pong\n")
c.close()
PY
listener=$!
for _ in $(seq 100); do [ -S "$dir/vsock_5005" ] && break; sleep 0.1; done
e2e_boot parent "$eif" --cid 42 --vsock-dir "$dir" --append carve_e2e_append=1
# A guest that never connected leaves the listener waiting: the VM is gone.
kill "$listener" 2>/dev/null
wait "$listener"
console=$E2E_DIR/parent.console
rc=$(e2e_rc parent)
e2e_check "the probe exited 0 (got $rc)" parent [ "$rc" = 0 ]
e2e_check "--append: the word is on the guest's kernel command line" parent \
	grep -Eq '^probe: cmdline .* carve_e2e_append=1' "$console"
heard=$(cat "$E2E_DIR/heard" 2>/dev/null)
e2e_check "guest -> DIR/vsock_5005: the line arrived; --cid 42 is the guest's CID (heard '$heard')" parent \
	[ "$heard" = "hello from cid 42" ]
e2e_check "DIR/vsock_5005 -> guest: the answer arrived" parent \
	grep -q "^probe: parent answered 'pong'" "$console"
e2e_done
