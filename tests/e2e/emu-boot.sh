#!/usr/bin/env bash
# emu-boot: boot carve EIFs under QEMU's nitro-enclave machine through
# emu/carve-run — heartbeat, console, exit status, launcher failure modes.
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
e2e_require build/hello.eif build/bin/carve-vsock build/emu/qemu.path /bin/busybox \
	build/kernel/bzImage build/enclave/init

# Two small busybox EIFs: exit 3, and killed by SIGKILL (137).
e2e_sh_eif "$E2E_DIR/emu-exit3.eif" emu-exit3 'echo emu-exit3 running; exit 3' || e2e_done
e2e_sh_eif "$E2E_DIR/emu-kill.eif" emu-kill 'echo emu-kill running; kill -9 $$' || e2e_done
# An app that never ends, for --timeout: hello may finish within a second
# where KVM works.
e2e_sh_eif "$E2E_DIR/emu-forever.eif" emu-forever 'echo emu-forever running; while :; do sleep 60; done' || e2e_done

# Boots run two at a time (both cores).
e2e_boot_bg hello build/hello.eif
e2e_boot_bg exit3 "$E2E_DIR/emu-exit3.eif"
wait
e2e_boot_bg kill "$E2E_DIR/emu-kill.eif"
e2e_boot_bg timeout "$E2E_DIR/emu-forever.eif" --timeout 1
wait

rc=$(e2e_rc hello)
e2e_check "hello: carve-run exits 0 (init reported the app's status 0; got $rc)" hello [ "$rc" = 0 ]
e2e_check "hello: the heartbeat reached the backend" hello \
	grep -q 'heartbeat 0xb7 from the enclave' "$E2E_DIR/hello.stderr"
e2e_check "hello: the app's output reached the console" hello \
	grep -q 'Hello from a carve enclave!' "$E2E_DIR/hello.console"
e2e_check "hello: the exit status line arrived on port 9001" hello \
	grep -q 'exit status 0 from the enclave' "$E2E_DIR/hello.stderr"
rc=$(e2e_rc exit3)
e2e_check "exit 3: carve-run exits 3 (got $rc)" exit3 [ "$rc" = 3 ]
e2e_check "exit 3: the app ran" exit3 grep -q 'emu-exit3 running' "$E2E_DIR/exit3.console"
rc=$(e2e_rc kill)
e2e_check "SIGKILL: carve-run exits 137 (got $rc)" kill [ "$rc" = 137 ]
rc=$(e2e_rc timeout)
e2e_check "--timeout 1: carve-run exits 124 (got $rc)" timeout [ "$rc" = 124 ]
e2e_check "--timeout: one line says why" timeout grep -q '^carve-run: timeout' "$E2E_DIR/timeout.stderr"

# Launcher input errors: one line naming the input, status 125, no VM.
printf 'not an eif' >"$E2E_DIR/bogus.eif"
emu/carve-run "$E2E_DIR/bogus.eif" >/dev/null 2>"$E2E_DIR/bogus.stderr"
rc=$?
e2e_check "a non-EIF is refused with 125 and names the file (got $rc)" bogus \
	eval '[ "$rc" = 125 ] && grep -q "bogus.eif: not an EIF" "$E2E_DIR/bogus.stderr"'
emu/carve-run --mem x build/hello.eif >/dev/null 2>"$E2E_DIR/badmem.stderr"
rc=$?
e2e_check "--mem x is refused with 125 (got $rc)" badmem \
	eval '[ "$rc" = 125 ] && grep -q "invalid --mem" "$E2E_DIR/badmem.stderr"'
e2e_done
