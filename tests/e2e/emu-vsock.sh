#!/usr/bin/env bash
# emu-vsock: data integrity through carve-vsock both ways — 256 MiB streamed
# host -> enclave echo server -> host, then 64 parallel connections of
# 4 MiB each; SHA-256 of what was sent equals what came back, per connection.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/bin/carve-vsock build/emu/qemu.path build/tests/e2e/vsock-echo \
	build/kernel/bzImage build/enclave/init
eif=$E2E_DIR/vsock-echo.eif
e2e_mkeif "$eif" --app build/tests/e2e/vsock-echo --name vsock-echo \
	--cmd /vsock-echo --cmd 5000 --cmd 66 || e2e_done
dir=$E2E_DIR/vsock-run
rm -rf "$dir" && mkdir -p "$dir"
tcp=$((20000 + $$ % 20000))
e2e_boot_bg vsock "$eif" --vsock-dir "$dir" --mem 512 --forward "$tcp:5000"
tests/e2e/apps/vsock-client.py "$dir/vsock" 5000 1 $((256 << 20)) >"$E2E_DIR/vsock-single.out" 2>&1
single=$?
tests/e2e/apps/vsock-client.py "$dir/vsock" 5000 64 $((4 << 20)) >"$E2E_DIR/vsock-parallel.out" 2>&1
parallel=$?
tests/e2e/apps/vsock-client.py "tcp:$tcp" 5000 1 $((4 << 20)) >"$E2E_DIR/vsock-tcp.out" 2>&1
tcpfwd=$?
wait
for f in single parallel tcp; do
	echo "# $(tail -n 1 "$E2E_DIR/vsock-$f.out")"
done
show() { sed 's/^/# /' "$E2E_DIR/vsock-$1.out" | tail -n 5; e2e_logs vsock; }
if [ "$single" = 0 ]; then e2e_ok "256 MiB host -> enclave echo -> host: same SHA-256"
else e2e_fail "256 MiB host -> enclave echo -> host: same SHA-256"; show single; fi
if [ "$parallel" = 0 ]; then e2e_ok "64 parallel connections x 4 MiB: nothing lost or reordered"
else e2e_fail "64 parallel connections x 4 MiB: nothing lost or reordered"; show parallel; fi
if [ "$tcpfwd" = 0 ]; then e2e_ok "--forward: host TCP port $tcp reaches vsock port 5000, 4 MiB echoed intact"
else e2e_fail "--forward: host TCP port $tcp reaches vsock port 5000, 4 MiB echoed intact"; show tcp; fi
rc=$(e2e_rc vsock)
e2e_check "the echo server served 66 connections and exited 0 (got $rc)" vsock [ "$rc" = 0 ]
e2e_done
